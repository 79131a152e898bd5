import { webcrypto } from 'node:crypto';
import { validateCertificate } from '../../../src/adapters/pki/certificate-validation';
import { x509 } from '../../../src/adapters/pki/x509';
import { certsDevTrust } from '../../support/certs-dev';

/**
 * A signer controls the certificates in its CMS. CA certificates that share one name and one key
 * all verify each other, so a depth-first path search would try every ordering of them.
 */
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const at = new Date('2026-06-01T00:00:00Z');

async function lookalikeCas(count: number): Promise<{ cas: Uint8Array[]; leaf: Uint8Array }> {
  const keys = (await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const name = 'CN=Lookalike CA, O=Nobody';
  const validity = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') };
  const cas: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: (i + 1).toString(16).padStart(4, '0'),
      name,
      ...validity,
      keys,
      signingAlgorithm: ECDSA,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    });
    cas.push(new Uint8Array(ca.rawData));
  }
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: 'ff01',
    subject: 'CN=Lookalike signer',
    issuer: name,
    ...validity,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: ECDSA,
  });
  return { cas, leaf: new Uint8Array(leaf.rawData) };
}

describe('certificate path search', () => {
  it('when a signer sends 32 CA certificates sharing one name and key, then the search gives up quickly: no trusted path', async () => {
    const { cas, leaf } = await lookalikeCas(32);
    // Without the search budget this would try 10^11 orderings: the test's timeout is the bound.
    const findings = await validateCertificate({ certificate: leaf, extraCertificates: cas, trust: certsDevTrust(), at, checkPrefix: 'signature[0]', usage: 'document-signing' });
    expect(findings).toContainEqual(expect.objectContaining({ check: 'signature[0].chain', status: 'invalid', code: 'chain-untrusted' }));
  }, 30_000);
});
