// The verifier reads certificates and CRLs from their DER (certificate-der.ts); the issuing side
// still builds them with @peculiar/x509. Both must read every certs-dev certificate and CRL alike.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Certificate, certificateOf, CertificateList, KEY_USAGE } from '../../../src/adapters/pki/certificate-der';
import { decodePem } from '../../../src/adapters/pki/pem';
import { x509 } from '../../../src/adapters/pki/x509';
import { certsDev, certsDevCertificate, certsDevText } from '../../support/certs-dev';

function pemFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? pemFiles(join(dir, entry.name)) : entry.name.endsWith('.pem') && !entry.name.endsWith('.key.pem') && !entry.name.endsWith('.crl.pem') ? [join(dir, entry.name)] : [],
  );
}

const certificates = pemFiles(certsDev).map((file) => relative(certsDev, file));

describe('certificates read from DER', () => {
  it('finds the development PKI', () => {
    expect(certificates.length).toBeGreaterThan(10);
  });

  it.each(certificates)('%s reads as @peculiar/x509 reads it', (file) => {
    const der = certsDevCertificate(file);
    const ours = new Certificate(der);
    const theirs = new x509.X509Certificate(der);
    expect(ours.subject).toBe(theirs.subject);
    expect(ours.issuer).toBe(theirs.issuer);
    expect(ours.serialNumber).toBe(theirs.serialNumber);
    expect(ours.notBefore.toISOString()).toBe(theirs.notBefore.toISOString());
    expect(ours.notAfter.toISOString()).toBe(theirs.notAfter.toISOString());
    expect(ours.extensions.map((e) => [e.oid, e.critical])).toEqual(theirs.extensions.map((e) => [e.type, e.critical]));
    expect(ours.keyUsage()).toBe(theirs.getExtension(x509.KeyUsagesExtension)?.usages);
    expect(ours.extendedKeyUsages()).toEqual(theirs.getExtension(x509.ExtendedKeyUsageExtension)?.usages.map(String));
    const basic = theirs.getExtension(x509.BasicConstraintsExtension);
    expect(ours.basicConstraints()).toEqual(basic ? { ca: basic.ca, ...(basic.pathLength !== undefined ? { pathLength: basic.pathLength } : {}) } : undefined);
    const uris = theirs.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.filter((n) => n.type === 'url').map((n) => n.value) ?? [];
    expect(ours.alternativeNameUris()).toEqual(uris);
    expect(Buffer.from(ours.publicKey.export({ type: 'spki', format: 'der' })).equals(Buffer.from(theirs.publicKey.rawData))).toBe(true);
  });

  it('checks a link by the issuer key only: the issuing CA signed a party certificate, the root did not', () => {
    const party = new Certificate(certsDevCertificate('parties/demo-carrier.pem'));
    expect(party.signedBy(new Certificate(certsDevCertificate('issuing-ca.pem')))).toBe(true);
    expect(party.signedBy(new Certificate(certsDevCertificate('root-ca.pem')))).toBe(false);
    expect(new Certificate(certsDevCertificate('issuing-ca.pem')).keyUsage()! & KEY_USAGE.keyCertSign).toBe(KEY_USAGE.keyCertSign);
  });

  it('reads the CRLs: issuer, time, signature and the revoked certificate, as @peculiar/x509 does', () => {
    const der = decodePem(certsDevText('issuing-ca.crl.pem'), 'X509 CRL')[0] as Uint8Array;
    const ours = new CertificateList(der);
    const theirs = new x509.X509Crl(der);
    expect(ours.issuer).toBe(theirs.issuer);
    expect(ours.thisUpdate.toISOString()).toBe(theirs.thisUpdate.toISOString());
    expect(ours.signedBy(new Certificate(certsDevCertificate('issuing-ca.pem')))).toBe(true);
    expect(ours.signedBy(new Certificate(certsDevCertificate('root-ca.pem')))).toBe(false);
    const revoked = new Certificate(certsDevCertificate('revoked/revoked-signer.pem'));
    const entry = theirs.findRevoked(new x509.X509Certificate(revoked.der));
    expect(entry).not.toBeNull();
    expect(ours.findRevoked(revoked)?.revocationDate.toISOString()).toBe(entry?.revocationDate.toISOString());
    expect(ours.findRevoked(revoked)?.invalidity?.toISOString()).toBe(entry?.invalidity?.toISOString());
    expect(ours.findRevoked(new Certificate(certsDevCertificate('parties/demo-carrier.pem')))).toBeUndefined();
  });

  it('reads a certificate once per content: another array with the same bytes gets the same reading, a changed byte its own', () => {
    const der = certsDevCertificate('tsa.pem');
    const copy = Uint8Array.from(der);
    expect(certificateOf(copy)).toBe(certificateOf(der));
    const altered = Uint8Array.from(der);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 0x01;
    const changed = certificateOf(altered);
    expect(changed).not.toBe(certificateOf(der));
    expect(changed.signedBy(certificateOf(certsDevCertificate('issuing-ca.pem')))).toBe(false);
  });

  it('refuses bytes that are not a certificate', () => {
    const der = certsDevCertificate('root-ca.pem');
    expect(() => new Certificate(der.subarray(0, der.length - 40))).toThrow();
    expect(() => new Certificate(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01))).toThrow();
  });
});
