import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentInfo, id_signedData } from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { DevTimestampAuthority, SDX_DEV_TSA_POLICY } from '../../../src/adapters/pki/dev-timestamp-authority';
import { readTlv } from '../../../src/adapters/pki/der';
import { id_aa_signingCertificateV2, id_sha256, signingCertificateV2Names } from '../../../src/adapters/pki/ess-signing-certificate';
import { HttpTimestampAuthority } from '../../../src/adapters/pki/http-timestamp-authority';
import { readTimestampToken } from '../../../src/adapters/pki/timestamp-token';
import { SdxError } from '../../../src/domain/shared/errors';
import { certsDevCertificate, certsDevPath, certsDevText } from '../../support/certs-dev';
import { itWith } from '../../support/external-tools';

const genTime = new Date('2026-11-28T09:30:15.250Z');

function devTsa(): DevTimestampAuthority {
  let serial = 1000n;
  return DevTimestampAuthority.fromPem({
    certificatePem: certsDevText('tsa.pem'),
    privateKeyPem: certsDevText('tsa.key.pem'),
    chainPem: certsDevText('issuing-ca.pem'),
    clock: () => genTime,
    nextSerial: () => serial++,
  });
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

const work = mkdtempSync(join(tmpdir(), 'sdx-tsa-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `openssl ts -verify` of a token against the dev root; returns its exit status and output. */
function opensslTsVerify(token: Uint8Array, digest: Buffer): { status: number | null; output: string } {
  const file = join(work, `token-${digest.toString('hex').slice(0, 8)}.der`);
  writeFileSync(file, token);
  const result = spawnSync(
    'openssl',
    ['ts', '-verify', '-digest', digest.toString('hex'), '-token_in', '-in', file, '-CAfile', certsDevPath('root-ca.pem'), '-untrusted', certsDevPath('issuing-ca.pem')],
    { encoding: 'utf8' },
  );
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('DevTimestampAuthority', () => {
  it('when asked for a token, then its TSTInfo carries the imprint, policy, serial and whole-second genTime', async () => {
    const tsa = devTsa();
    const digest = sha256('signature value');
    const first = readTimestampToken(await tsa.timestamp(digest)).tstInfo;
    const second = readTimestampToken(await tsa.timestamp(digest)).tstInfo;
    expect(first.version).toBe(1);
    expect(first.policy).toBe(SDX_DEV_TSA_POLICY);
    expect(Buffer.from(first.messageImprint.hashedMessage.buffer)).toEqual(digest);
    expect(first.genTime.toISOString()).toBe('2026-11-28T09:30:15.000Z');
    expect(first.accuracy?.seconds).toBe(1);
    expect(Buffer.from(first.serialNumber).toString('hex')).toBe('03e8');
    expect(Buffer.from(second.serialNumber).toString('hex')).toBe('03e9');
  });

  it('when a token is issued, then it holds the TSA certificate and a signing-certificate-v2 naming it', async () => {
    const { signedData } = readTimestampToken(await devTsa().timestamp(sha256('x')));
    const tsaCertificate = certsDevCertificate('tsa.pem');
    const included = (signedData.certificates ?? []).map((choice) => Buffer.from(AsnConvert.serialize(choice.certificate)));
    expect(included[0]).toEqual(Buffer.from(tsaCertificate));
    const attribute = signedData.signerInfos[0]?.signedAttrs?.find((a) => a.attrType === id_aa_signingCertificateV2);
    expect(attribute).toBeDefined();
    expect(signingCertificateV2Names(attribute!.attrValues[0]!, tsaCertificate)).toBe(true);
    expect(signingCertificateV2Names(attribute!.attrValues[0]!, certsDevCertificate('issuing-ca.pem'))).toBe(false);
  });

  itWith('openssl')('when openssl ts -verify checks a token, then it is OK for its digest and fails for another', async () => {
    const digest = sha256('the bytes of a signature');
    const token = await devTsa().timestamp(digest);
    const good = opensslTsVerify(token, digest);
    expect(good.output).toContain('Verification: OK');
    expect(good.status).toBe(0);
    const bad = opensslTsVerify(token, sha256('other bytes'));
    expect(bad.output).not.toContain('Verification: OK');
    expect(bad.status).not.toBe(0);
  });

  it('when tokens are issued, then each is the DER asn1-schema writes for the same structure, nonce and all', async () => {
    // The TSA assembles tokens from DER pieces; a re-encoding through the ASN.1 library must give the same bytes.
    const reEncoded = (token: Uint8Array) => {
      const { signedData, tstInfo, tstInfoDer } = readTimestampToken(token);
      expect(Buffer.from(AsnConvert.serialize(tstInfo))).toEqual(Buffer.from(tstInfoDer));
      return Buffer.from(AsnConvert.serialize(new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signedData) })));
    };
    const direct = await devTsa().timestamp(sha256('direct'));
    expect(reEncoded(direct)).toEqual(Buffer.from(direct));
    // A token owns its memory: callers hand `token.slice().buffer` to ASN.1 libraries.
    expect(direct.slice().buffer.byteLength).toBe(direct.length);
    for (const nonce of ['01', '00ff', '7f0102030405060708']) {
      const request = new TimeStampReq({
        messageImprint: new MessageImprint({ hashAlgorithm: new AlgorithmIdentifier({ algorithm: id_sha256 }), hashedMessage: new OctetString(sha256(nonce)) }),
        nonce: new Uint8Array(Buffer.from(nonce, 'hex')).buffer,
        certReq: true,
      });
      const token = tokenOf(await devTsa().respond(new Uint8Array(AsnConvert.serialize(request))));
      expect(Buffer.from(readTimestampToken(token).tstInfo.nonce ?? new ArrayBuffer(0)).toString('hex')).toBe(nonce);
      expect(reEncoded(token)).toEqual(Buffer.from(token));
    }
  });

  it('when a request asks for another policy, then the TSA rejects it with unacceptedPolicy', async () => {
    const tsa = devTsa();
    const withPolicy = new HttpTimestampAuthority({ url: 'http://127.0.0.1:1/', policy: '1.2.3.4', fetch: answerWith(tsa) });
    const error = await withPolicy.timestamp(sha256('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SdxError);
    expect((error as SdxError).code).toBe('tsa-rejected');
    expect((error as SdxError).message).toContain('unacceptedPolicy');
  });

  it('when the request does not ask for certificates, then the token has none', async () => {
    const request = new TimeStampReq({
      messageImprint: new MessageImprint({ hashAlgorithm: new AlgorithmIdentifier({ algorithm: id_sha256 }), hashedMessage: new OctetString(sha256('x')) }),
      certReq: false,
    });
    const reply = await devTsa().respond(new Uint8Array(AsnConvert.serialize(request)));
    expect(readTimestampToken(tokenOf(reply)).signedData.certificates).toBeUndefined();
  });
});

/** A fetch that hands the request body to the dev TSA, without a network. */
function answerWith(tsa: DevTimestampAuthority): typeof fetch {
  return (async (_url: unknown, init?: { body?: unknown }) =>
    new Response(Buffer.from(await tsa.respond(new Uint8Array(init?.body as Uint8Array))), {
      headers: { 'content-type': 'application/timestamp-reply' },
    })) as typeof fetch;
}

/** The token of a DER TimeStampResp: SEQUENCE { PKIStatusInfo, TimeStampToken }. */
function tokenOf(reply: Uint8Array): Uint8Array {
  const outer = readTlv(reply, 0);
  const status = readTlv(reply, outer.contentStart);
  return reply.subarray(status.end, outer.end);
}

describe('HttpTimestampAuthority against a local RFC 3161 server', () => {
  let server: Server;
  let url: string;
  let mode: 'ok' | 'http-500' | 'replay' = 'ok';
  let replayed: Uint8Array | undefined;
  const tsa = devTsa();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void (async () => {
          if (mode === 'http-500' || req.headers['content-type'] !== 'application/timestamp-query') {
            res.writeHead(500).end();
            return;
          }
          const reply = mode === 'replay' && replayed ? replayed : await tsa.respond(Buffer.concat(chunks));
          replayed ??= reply;
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(Buffer.from(reply));
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    mode = 'ok';
  });

  it('when the server grants the request, then the token covers the digest and carries a nonce', async () => {
    const digest = sha256('over http');
    const token = await new HttpTimestampAuthority({ url }).timestamp(digest);
    const { tstInfo } = readTimestampToken(token);
    expect(Buffer.from(tstInfo.messageImprint.hashedMessage.buffer)).toEqual(digest);
    expect(tstInfo.nonce?.byteLength).toBeGreaterThan(0);
    expect(readTimestampToken(token).signedData.certificates).toHaveLength(2);
  });

  itWith('openssl')('when the server grants the request, then openssl ts -verify accepts the token', async () => {
    const digest = sha256('over http, checked by openssl');
    const token = await new HttpTimestampAuthority({ url }).timestamp(digest);
    expect(opensslTsVerify(token, digest).output).toContain('Verification: OK');
  });

  it('when the server replays an earlier reply, then the token is refused for its nonce or digest', async () => {
    await new HttpTimestampAuthority({ url }).timestamp(sha256('first'));
    mode = 'replay';
    const error = await new HttpTimestampAuthority({ url }).timestamp(sha256('first')).catch((e: unknown) => e);
    expect((error as SdxError).code).toBe('tsa-response-invalid');
  });

  it('when the server answers HTTP 500, then the error is tsa-unavailable', async () => {
    mode = 'http-500';
    const error = await new HttpTimestampAuthority({ url }).timestamp(sha256('x')).catch((e: unknown) => e);
    expect((error as SdxError).code).toBe('tsa-unavailable');
    expect((error as SdxError).message).toContain('HTTP 500');
  });

  it('when nothing listens at the URL, then the error is tsa-unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await new HttpTimestampAuthority({ url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 }).timestamp(sha256('x')).catch((e: unknown) => e);
    expect((error as SdxError).code).toBe('tsa-unavailable');
  });
});
