// Revocation data a document carries (its DSS) as evidence: OCSP responses count only when the
// issuer's key or its delegated responder signed them, and junk never turns a good signer bad.
import { readFileSync } from 'node:fs';
import { validateCertificate, type RevocationEvidence } from '../../../src/adapters/pki/certificate-validation';
import { DevOcspResponder, parseOcspResponse } from '../../../src/adapters/pki/ocsp';
import { certsDev, certsDevCertificate, certsDevPath, certsDevTrust } from '../../support/certs-dev';
import { folderCrls, folderOcsp } from '../../support/ltv-sources';
import { findingOf } from '../../support/temp-dev-pki';

const NOW = new Date('2030-01-01T00:00:00Z');
const issuer = () => certsDevCertificate('issuing-ca.pem');

async function revocationOf(file: string, evidence?: RevocationEvidence) {
  const findings = await validateCertificate({
    certificate: certsDevCertificate(file),
    extraCertificates: [],
    // No configured CRLs: the CAs' services are gone, only the document's evidence speaks.
    trust: certsDevTrust({ withCrl: false }),
    at: NOW,
    atIsProven: true,
    checkPrefix: 'signature[0]',
    usage: 'document-signing',
    ...(evidence ? { evidence } : {}),
  });
  return findingOf(findings, 'signature[0].revocation');
}

/** The root's CRL, which speaks for the issuing CA (the DSS holds it for the same reason). */
const rootCrl = () => folderCrls(certsDev)()[1] as Uint8Array;
const ocspAbout = (file: string, responder: DevOcspResponder = folderOcsp(certsDev, () => NOW)) => responder.responseFor(certsDevCertificate(file), issuer());

describe('revocation evidence carried by a document', () => {
  it('when no configured CRL and no evidence speak for a signer, then revocation is not checked', async () => {
    expect(await revocationOf('parties/demo-terminal.pem')).toMatchObject({ status: 'skipped', code: 'no-crl' });
  });

  it('when an OCSP response from the delegated responder says good, then the signer is not revoked, and the report names the response', async () => {
    const finding = await revocationOf('parties/demo-terminal.pem', { crls: [rootCrl()], ocsps: [await ocspAbout('parties/demo-terminal.pem')] });
    expect(finding).toMatchObject({ status: 'valid', code: 'ok' });
    expect(finding.message).toContain('OCSP response of "O=SDX Development, CN=SDX Development OCSP Responder"');
  });

  it('when an OCSP response says revoked before the proven time, then the certificate is revoked', async () => {
    const finding = await revocationOf('revoked/revoked-signer.pem', { crls: [], ocsps: [await ocspAbout('revoked/revoked-signer.pem')] });
    expect(finding).toMatchObject({ status: 'invalid', code: 'certificate-revoked' });
  });

  it('when the document carries the issuer’s CRL, then it speaks for the signer like a configured one', async () => {
    const finding = await revocationOf('revoked/revoked-signer.pem', { crls: folderCrls(certsDev)(), ocsps: [] });
    expect(finding).toMatchObject({ status: 'invalid', code: 'certificate-revoked' });
  });

  it('when the OCSP response’s signature is broken, then it is ignored (not checked), never a failure', async () => {
    const response = Buffer.from(await ocspAbout('revoked/revoked-signer.pem'));
    const signature = Buffer.from(parseOcspResponse(response).signature);
    const at = response.indexOf(signature);
    expect(at).toBeGreaterThan(0);
    response.writeUInt8((response.readUInt8(at + signature.length - 1) ^ 0x01), at + signature.length - 1);
    expect(await revocationOf('revoked/revoked-signer.pem', { crls: [rootCrl()], ocsps: [response] })).toMatchObject({ status: 'skipped', code: 'no-crl' });
  });

  it('when a certificate without id-kp-OCSPSigning signed the OCSP response, then it is ignored', async () => {
    const impostor = DevOcspResponder.fromPem({
      issuerPem: readFileSync(certsDevPath('issuing-ca.pem'), 'utf8'),
      // The TSA's certificate: issued by the same CA, but not for answering OCSP.
      certificatePem: readFileSync(certsDevPath('tsa.pem'), 'utf8'),
      keyPem: readFileSync(certsDevPath('tsa.key.pem'), 'utf8'),
      crls: () => [],
      clock: () => NOW,
    });
    const finding = await revocationOf('revoked/revoked-signer.pem', { crls: [rootCrl()], ocsps: [await ocspAbout('revoked/revoked-signer.pem', impostor)] });
    expect(finding).toMatchObject({ status: 'skipped', code: 'no-crl' });
  });
});
