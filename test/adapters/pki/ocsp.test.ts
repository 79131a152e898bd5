// The development OCSP responder over HTTP (RFC 6960 A.1): SDX's HTTP client asks about a good and a
// revoked certs-dev signer, and openssl checks the revoked answer on its own.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveOcsp, type OcspHttpServer } from '../../../src/adapters/pki/ocsp-http-server';
import { HttpOcspSource, parseOcspResponse, singleResponseAbout, statusOf } from '../../../src/adapters/pki/ocsp';
import { certsDev, certsDevCertificate, certsDevPath } from '../../support/certs-dev';
import { itWith } from '../../support/external-tools';
import { folderOcsp } from '../../support/ltv-sources';
import { run, scratchDir } from '../../support/pdf-signature-tools';

let server: OcspHttpServer;
let url: string;
beforeAll(async () => {
  server = await serveOcsp(folderOcsp(certsDev, () => new Date()), { host: '127.0.0.1' });
  url = server.url;
});
afterAll(() => server.close());

const issuer = () => certsDevCertificate('issuing-ca.pem');

describe('development OCSP responder', () => {
  it('when SDX asks over HTTP about a good and a revoked signer, then it answers good and revoked with the CRL’s time', async () => {
    const source = new HttpOcspSource({ url });
    for (const [file, expected] of [['parties/demo-terminal.pem', 'good'], ['revoked/revoked-signer.pem', 'revoked']] as const) {
      const certificate = certsDevCertificate(file);
      const single = singleResponseAbout(parseOcspResponse(await source.responseFor(certificate, issuer())), certificate, issuer());
      expect(single && statusOf(single).status).toBe(expected);
    }
  });

  it('when the request is not DER, then the answer is malformedRequest and SDX’s client refuses it as unusable', async () => {
    const reply = await fetch(url, { method: 'POST', body: 'not an ocsp request' });
    const answer = new Uint8Array(await reply.arrayBuffer());
    expect(() => parseOcspResponse(answer)).toThrow(/malformedRequest/);
    await expect(new HttpOcspSource({ url: 'http://127.0.0.1:9/ocsp', timeoutMs: 2000 }).responseFor(certsDevCertificate('tsa.pem'), issuer())).rejects.toMatchObject({ code: 'revocation-unavailable' });
  });

  // openssl reads the answer from a file: spawnSync would block this process's own server.
  itWith('openssl')('when openssl checks an answer about the revoked signer, then it verifies and says revoked', async () => {
    const revoked = certsDevCertificate('revoked/revoked-signer.pem');
    const file = join(scratchDir(), 'revoked.ocsp');
    writeFileSync(file, await new HttpOcspSource({ url }).responseFor(revoked, issuer()));
    const result = run('openssl', [
      'ocsp', '-respin', file, '-issuer', certsDevPath('issuing-ca.pem'), '-cert', certsDevPath('revoked/revoked-signer.pem'),
      '-CAfile', certsDevPath('root-ca.pem'), '-verify_other', certsDevPath('issuing-ca.pem'),
    ]);
    expect(result.output).toContain('Response verify OK');
    expect(result.output).toMatch(/revoked-signer\.pem: revoked/);
  });
});
