import { spawnSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { validateCertificate, type TrustMaterial } from '../../../src/adapters/pki/certificate-validation';
import { x509 } from '../../../src/adapters/pki/x509';
import type { Finding } from '../../../src/domain/verification/finding';
import { verdictOf } from '../../../src/domain/verification/finding';
import { certsDevCertificate, certsDevPath, certsDevTrust } from '../../support/certs-dev';
import { itWith } from '../../support/external-tools';

const at = new Date('2026-11-28T12:00:00Z');

function byCheck(findings: Finding[]): Record<string, Pick<Finding, 'status' | 'code'>> {
  return Object.fromEntries(findings.map((f) => [f.check, { status: f.status, code: f.code }]));
}

async function validate(
  certificate: Uint8Array,
  options: { trust?: TrustMaterial; usage?: 'document-signing' | 'timestamping'; at?: Date; extra?: Uint8Array[] } = {},
): Promise<Finding[]> {
  return validateCertificate({
    certificate,
    extraCertificates: options.extra ?? [],
    trust: options.trust ?? certsDevTrust(),
    at: options.at ?? at,
    checkPrefix: 'signature[0]',
    usage: options.usage ?? 'document-signing',
  });
}

/** A self-signed CA carrying the dev root's exact subject name, and a signer it issued under the issuing CA's name. */
async function forgedHierarchy(): Promise<{ forgedRoot: Uint8Array; forgedLeaf: Uint8Array }> {
  const realRoot = new x509.X509Certificate(certsDevCertificate('root-ca.pem'));
  const realLeaf = new x509.X509Certificate(certsDevCertificate('parties/demo-agent-sha.pem'));
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const rootKeys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const leafKeys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const forgedRoot = await x509.X509CertificateGenerator.createSelfSigned({
    name: realRoot.subjectName,
    keys: rootKeys,
    notBefore: realRoot.notBefore,
    notAfter: realRoot.notAfter,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: realRoot.extensions,
  });
  const forgedLeaf = await x509.X509CertificateGenerator.create({
    subject: realLeaf.subjectName,
    issuer: realRoot.subjectName,
    publicKey: leafKeys.publicKey,
    signingKey: rootKeys.privateKey,
    notBefore: realLeaf.notBefore,
    notAfter: realLeaf.notAfter,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: realLeaf.extensions.filter((e) => e.type !== '2.5.29.35'),
  });
  return { forgedRoot: new Uint8Array(forgedRoot.rawData), forgedLeaf: new Uint8Array(forgedLeaf.rawData) };
}

describe('validateCertificate', () => {
  it('when a demo party certificate is checked for document signing, then every finding is valid and required', async () => {
    const findings = await validate(certsDevCertificate('parties/demo-agent-sha.pem'));
    expect(byCheck(findings)).toEqual({
      'signature[0].chain': { status: 'valid', code: 'ok' },
      'signature[0].validity': { status: 'valid', code: 'ok' },
      'signature[0].revocation': { status: 'valid', code: 'ok' },
      'signature[0].key-usage': { status: 'valid', code: 'ok' },
    });
    expect(findings.every((f) => f.required)).toBe(true);
    expect(verdictOf(findings)).toBe('valid');
  });

  it('when the signer is RSA (demo-forwarder), then it validates too', async () => {
    expect(verdictOf(await validate(certsDevCertificate('parties/demo-forwarder.pem')))).toBe('valid');
  });

  it('when the issuing CA comes only with the signature, then the chain is still built', async () => {
    const trust = { ...certsDevTrust(), intermediates: [] };
    const findings = await validate(certsDevCertificate('parties/demo-carrier.pem'), { trust, extra: [certsDevCertificate('issuing-ca.pem')] });
    expect(byCheck(findings)['signature[0].chain']).toEqual({ status: 'valid', code: 'ok' });
  });

  it('when the certificate is on the issuing CA CRL, then revocation is invalid with certificate-revoked', async () => {
    const findings = await validate(certsDevCertificate('revoked/revoked-signer.pem'));
    expect(byCheck(findings)['signature[0].revocation']).toEqual({ status: 'invalid', code: 'certificate-revoked' });
    expect(byCheck(findings)['signature[0].chain']).toEqual({ status: 'valid', code: 'ok' });
  });

  it('when the certificate expired before the given time, then validity is invalid with certificate-expired', async () => {
    const findings = await validate(certsDevCertificate('expired/expired-signer.pem'));
    expect(byCheck(findings)['signature[0].validity']).toEqual({ status: 'invalid', code: 'certificate-expired' });
    expect(verdictOf(findings)).toBe('invalid');
  });

  it('when the time is before the certificate was issued, then validity is certificate-not-yet-valid', async () => {
    const findings = await validate(certsDevCertificate('parties/demo-carrier.pem'), { at: new Date('2020-01-01T00:00:00Z') });
    expect(byCheck(findings)['signature[0].validity']).toEqual({ status: 'invalid', code: 'certificate-not-yet-valid' });
  });

  it('when a self-signed certificate copies the root name (a forged anchor), then the chain is untrusted', async () => {
    const { forgedRoot, forgedLeaf } = await forgedHierarchy();
    const direct = await validate(forgedRoot);
    expect(byCheck(direct)['signature[0].chain']).toEqual({ status: 'invalid', code: 'chain-untrusted' });
    const issued = await validate(forgedLeaf, { extra: [forgedRoot] });
    expect(byCheck(issued)['signature[0].chain']).toEqual({ status: 'invalid', code: 'chain-untrusted' });
    expect(byCheck(issued)['signature[0].revocation']).toEqual({ status: 'skipped', code: 'chain-untrusted' });
    expect(verdictOf(issued)).toBe('invalid');
  });

  it('when the anchors are another PKI, then the chain is untrusted', async () => {
    const { forgedRoot } = await forgedHierarchy();
    const trust = { anchors: [forgedRoot], intermediates: [certsDevCertificate('issuing-ca.pem')], crls: [] };
    const findings = await validate(certsDevCertificate('parties/demo-agent-sha.pem'), { trust });
    expect(byCheck(findings)['signature[0].chain']).toEqual({ status: 'invalid', code: 'chain-untrusted' });
  });

  it('when no CRL of the issuer is given, then revocation is skipped with no-crl and is not required', async () => {
    const findings = await validate(certsDevCertificate('revoked/revoked-signer.pem'), { trust: certsDevTrust({ withCrl: false }) });
    const revocation = findings.find((f) => f.check === 'signature[0].revocation');
    expect(revocation).toMatchObject({ status: 'skipped', code: 'no-crl', required: false });
  });

  it('when the CRL was signed by another key, then revocation is invalid with crl-signature-invalid', async () => {
    const crl = certsDevTrust().crls[0]!;
    const tampered = Uint8Array.from(crl);
    const inSignature = tampered.length - 5;
    tampered[inSignature] = (tampered[inSignature] ?? 0) ^ 0x01;
    const trust = { ...certsDevTrust(), crls: [tampered] };
    const findings = await validate(certsDevCertificate('parties/demo-carrier.pem'), { trust });
    expect(byCheck(findings)['signature[0].revocation']).toEqual({ status: 'invalid', code: 'crl-signature-invalid' });
  });

  it('when the TSA certificate is checked for timestamping, then it is valid', async () => {
    const findings = await validate(certsDevCertificate('tsa.pem'), { usage: 'timestamping' });
    expect(verdictOf(findings)).toBe('valid');
  });

  it('when a party certificate is checked for timestamping, then key usage is not allowed', async () => {
    const findings = await validate(certsDevCertificate('parties/demo-carrier.pem'), { usage: 'timestamping' });
    expect(byCheck(findings)['signature[0].key-usage']).toEqual({ status: 'invalid', code: 'key-usage-not-allowed' });
  });

  it('when the TSA certificate is checked for document signing, then key usage is not allowed', async () => {
    const findings = await validate(certsDevCertificate('tsa.pem'));
    expect(byCheck(findings)['signature[0].key-usage']).toEqual({ status: 'invalid', code: 'key-usage-not-allowed' });
  });

  it('when the certificate bytes are not a certificate, then every finding is an error and nothing throws', async () => {
    const findings = await validate(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
    expect(findings.map((f) => [f.status, f.code])).toEqual(Array(4).fill(['error', 'certificate-unparseable']));
  });
});

describe('certs-dev with openssl', () => {
  const openssl = (args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });
  const chainArgs = ['-CAfile', certsDevPath('root-ca.pem'), '-untrusted', certsDevPath('issuing-ca.pem')];

  itWith('openssl')('when a party certificate is verified against the dev root, then openssl says OK', () => {
    const result = openssl(['verify', ...chainArgs, certsDevPath('parties/demo-agent-sha.pem')]);
    expect(result.stdout).toContain('demo-agent-sha.pem: OK');
    expect(result.status).toBe(0);
  });

  itWith('openssl')('when the revoked signer is verified with the CRL, then openssl reports it revoked', () => {
    const result = openssl(['verify', '-crl_check', '-CRLfile', certsDevPath('issuing-ca.crl.pem'), ...chainArgs, certsDevPath('revoked/revoked-signer.pem')]);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('certificate revoked');
  });

  itWith('openssl')('when a party certificate is verified with the CRL, then openssl says OK', () => {
    const result = openssl(['verify', '-crl_check', '-CRLfile', certsDevPath('issuing-ca.crl.pem'), ...chainArgs, certsDevPath('parties/demo-carrier.pem')]);
    expect(result.status).toBe(0);
  });

  itWith('openssl')('when the TSA certificate is verified for the timestampsign purpose, then openssl says OK', () => {
    const result = openssl(['verify', '-purpose', 'timestampsign', ...chainArgs, certsDevPath('tsa.pem')]);
    expect(result.status).toBe(0);
  });
});
