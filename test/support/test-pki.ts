// Throw-away certificates for signature tests: a root, an issuing CA, EC and RSA signers and a TSA,
// made fresh in memory per test run (certs-dev/ is the committed development PKI; these are not).
// Signers and the TSA are the real adapters (key-object-signer, dev-timestamp-authority).
import { createHash, KeyObject, webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevTimestampAuthority } from '../../src/adapters/pki/dev-timestamp-authority';
import { createKeyObjectSigner } from '../../src/adapters/pki/key-object-signer';
import { x509 } from '../../src/adapters/pki/x509';
import type { PartySigner, TimestampAuthority } from '../../src/application/ports/key-store.port';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** RFC 9336 id-kp-documentSigning. */
const ID_KP_DOCUMENT_SIGNING = '1.3.6.1.5.5.7.3.36';
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const notBefore = new Date('2025-01-01T00:00:00Z');
const notAfter = new Date('2035-01-01T00:00:00Z');

interface Issued {
  certificate: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export interface TestPki {
  root: x509.X509Certificate;
  issuing: x509.X509Certificate;
  ecSigner: PartySigner;
  rsaSigner: PartySigner;
  tsa: TimestampAuthority;
  /** PEM files for outside tools: root.pem, issuing.pem, tsa.pem (TSA cert, issued by the root). */
  dir: string;
}

let cached: Promise<TestPki> | undefined;

/** One PKI per test file (RSA-3072 key generation takes a moment). */
export function testPki(): Promise<TestPki> {
  cached ??= createTestPki();
  return cached;
}

async function createTestPki(): Promise<TestPki> {
  const root = await issue('SDX Test Root CA', undefined, 'ec', 'ca');
  const issuing = await issue('SDX Test Issuing CA', root, 'ec', 'ca');
  const ec = await issue('Test Carrier EC', issuing, 'ec', 'signer');
  const rsa = await issue('Test Terminal RSA', issuing, 'rsa', 'signer');
  const tsaCert = await issue('SDX Test TSA', root, 'ec', 'tsa');

  const dir = mkdtempSync(join(tmpdir(), 'sdx-test-pki-'));
  writeFileSync(join(dir, 'root.pem'), root.certificate.toString('pem') + '\n');
  writeFileSync(join(dir, 'issuing.pem'), issuing.certificate.toString('pem') + '\n');
  writeFileSync(join(dir, 'tsa.pem'), tsaCert.certificate.toString('pem') + '\n');

  const chain = [der(issuing.certificate)];
  let tsaSerial = 0;
  return {
    root: root.certificate,
    issuing: issuing.certificate,
    ecSigner: signerOf('test-carrier', ec, chain),
    rsaSigner: signerOf('test-terminal', rsa, chain),
    tsa: new DevTimestampAuthority({
      certificate: der(tsaCert.certificate),
      privateKey: KeyObject.from(tsaCert.keys.privateKey),
      clock: () => new Date(),
      nextSerial: () => BigInt(++tsaSerial),
    }),
    dir,
  };
}

async function issue(commonName: string, issuer: Issued | undefined, keyType: 'ec' | 'rsa', profile: 'ca' | 'signer' | 'tsa'): Promise<Issued> {
  const algorithm =
    keyType === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const extensions: x509.Extension[] = [await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)];
  if (profile === 'ca') {
    extensions.push(
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    );
  } else if (profile === 'signer') {
    extensions.push(
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.emailProtection, ID_KP_DOCUMENT_SIGNING], false),
    );
  } else {
    extensions.push(
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true),
    );
  }
  const name: x509.JsonName = [{ O: ['SDX Tests'] }, { CN: [commonName] }];
  const serialNumber = createHash('sha256').update(commonName).digest('hex').slice(0, 30).replace(/^./, '1');
  if (!issuer) {
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber, name, notBefore, notAfter, keys, signingAlgorithm: ECDSA_SHA256, extensions,
    });
    return { certificate, keys };
  }
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey));
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: name,
    issuer: issuer.certificate.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: ECDSA_SHA256,
    extensions,
  });
  return { certificate, keys };
}

function der(certificate: x509.X509Certificate): Uint8Array {
  return new Uint8Array(certificate.rawData);
}

function signerOf(partyId: string, issued: Issued, chain: Uint8Array[]): PartySigner {
  return createKeyObjectSigner({
    partyId,
    privateKey: KeyObject.from(issued.keys.privateKey),
    certificate: der(issued.certificate),
    chain,
  });
}
