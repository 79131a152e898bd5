import { createHash, createPrivateKey, createPublicKey, KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber, id_ce_cRLNumber } from '@peculiar/asn1-x509';
import { generationBase, generationsOf } from './party-key-generations';
import { ID_AT_ORGANIZATION_IDENTIFIER, LEGAL_ID_PREFIX, PARTY_URI_PREFIX } from './party-identity';
import { ID_KP_DOCUMENT_SIGNING, ID_KP_EMAIL_PROTECTION, ID_KP_OCSP_SIGNING, ID_KP_TIME_STAMPING, ID_PKIX_OCSP_NOCHECK } from './pki-oids';
import { x509 } from './x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;


export interface DevPkiParty {
  id: string;
  name: string;
  keyType?: 'ec' | 'rsa';
  /** The party's unified social credit code, when it has one: the certificate's legal identifier. */
  unifiedSocialCreditCode?: string;
}

export interface DevPkiOptions {
  outDir: string;
  /** Issue date of every certificate; the expired signer is valid for one day from it. */
  now: Date;
  parties: DevPkiParty[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const subtle = webcrypto.subtle;

function yearsAfter(date: Date, years: number): Date {
  const result = new Date(date.getTime());
  result.setUTCFullYear(result.getUTCFullYear() + years);
  return result;
}

function positiveSerial(bytes: Buffer): string {
  bytes[0] = (bytes[0] ?? 0) & 0x7f | 0x01; // positive and no leading zero byte
  return bytes.toString('hex');
}

/** Serials derived from a label, so that regenerating keeps each certificate's serial. */
function serialFor(label: string): string {
  return positiveSerial(createHash('sha256').update(`sdx-dev-pki:${label}`).digest().subarray(0, 16));
}

async function generateKeys(keyType: 'ec' | 'rsa'): Promise<CryptoKeyPair> {
  const algorithm =
    keyType === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  return (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function pkcs8Pem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

interface Issued {
  certificate: x509.X509Certificate;
  keys: CryptoKeyPair;
}

function name(commonName: string, organisation: string): x509.JsonName {
  return [{ O: [organisation] }, { CN: [commonName] }];
}

/**
 * Bumped whenever the party certificate profile changes (2: SAN party URI and organizationIdentifier),
 * so that a re-issued certificate never shares its issuer and serial number with the one before it.
 */
const PARTY_PROFILE_REVISION = 2;

/** The serial of a party's generation-1 certificate under the current profile. */
function partySerial(partyId: string): string {
  return serialFor(`party:${partyId}:${PARTY_PROFILE_REVISION}`);
}

/**
 * A party certificate's subject: O = party id, CN = party name, and for a party with a USCC the
 * organizationIdentifier (2.5.4.97) `NTRCN-<USCC>` (ETSI EN 319 412-1: NTR = national trade
 * register, CN = China), which partyIdentityOf reads back as the legal id.
 */
function partyName(party: DevPkiParty): x509.JsonName {
  const subject = name(party.name, party.id);
  if (party.unifiedSocialCreditCode) subject.push({ [ID_AT_ORGANIZATION_IDENTIFIER]: [`${LEGAL_ID_PREFIX}${party.unifiedSocialCreditCode}`] });
  return subject;
}

/** The SAN naming the SDX party: the identity a verifier trusts, unlike the free-text subject. */
function partyExtensions(partyId: string): x509.Extension[] {
  return [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `${PARTY_URI_PREFIX}${partyId}` }], false)];
}

async function issueCa(
  subject: x509.JsonName,
  issuer: Issued | undefined,
  notBefore: Date,
  notAfter: Date,
  serialLabel: string,
  pathLength: number | undefined,
): Promise<Issued> {
  const keys = await generateKeys('ec');
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (!issuer) {
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialFor(serialLabel),
      name: subject,
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: ECDSA_SHA256,
      extensions,
    });
    return { certificate, keys };
  }
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey));
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialFor(serialLabel),
    subject,
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

type EndEntityProfile = 'signer' | 'timestamping' | 'log-signing' | 'ocsp-signing';

function endEntityExtensions(profile: EndEntityProfile): x509.Extension[] {
  const basic = new x509.BasicConstraintsExtension(false, undefined, true);
  switch (profile) {
    case 'signer':
      return [
        basic,
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
        // documentSigning states the purpose; emailProtection is what OpenSSL's and NSS's S/MIME signer checks look for.
        new x509.ExtendedKeyUsageExtension([ID_KP_EMAIL_PROTECTION, ID_KP_DOCUMENT_SIGNING], false),
      ];
    case 'timestamping':
      // RFC 3161 2.3: exactly one EKU, timeStamping, marked critical; OpenSSL also rejects any key usage but these two.
      return [
        basic,
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([ID_KP_TIME_STAMPING], true),
      ];
    case 'log-signing':
      return [basic, new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)];
    case 'ocsp-signing':
      // RFC 6960 4.2.2.2: a delegated responder carries id-kp-OCSPSigning; id-pkix-ocsp-nocheck
      // (4.2.2.2.1) tells clients not to ask about the responder's own certificate.
      return [
        basic,
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([ID_KP_OCSP_SIGNING], false),
        new x509.Extension(ID_PKIX_OCSP_NOCHECK, false, Uint8Array.of(0x05, 0x00)),
      ];
  }
}

async function issueEndEntity(
  issuer: Issued,
  subject: x509.JsonName | x509.Name,
  /** A key type for a new key pair, or the pair to certify (a re-issue keeps the party's key). */
  key: 'ec' | 'rsa' | CryptoKeyPair,
  profile: EndEntityProfile,
  notBefore: Date,
  notAfter: Date,
  serialNumber: string,
  extraExtensions: x509.Extension[] = [],
): Promise<Issued> {
  const keys = typeof key === 'string' ? await generateKeys(key) : key;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject,
    issuer: issuer.certificate.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      ...endEntityExtensions(profile),
      ...extraExtensions,
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    ],
  });
  return { certificate, keys };
}

async function writeIssued(dir: string, base: string, issued: Issued): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${base}.pem`), issued.certificate.toString('pem') + '\n');
  await writeFile(join(dir, `${base}.key.pem`), pkcs8Pem(issued.keys.privateKey), { mode: 0o600 });
}

interface CrlEntry {
  serialNumber: string;
  revocationDate: Date;
}

async function writeCrl(path: string, issuer: Issued, thisUpdate: Date, nextUpdate: Date, entries: CrlEntry[], crlNumber = 1): Promise<void> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.certificate.subjectName,
    thisUpdate,
    // Far ahead so that OpenSSL's -crl_check does not report an expired CRL during development.
    nextUpdate,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: ECDSA_SHA256,
    entries: entries.map((entry) => ({ ...entry, reason: x509.X509CrlReason.keyCompromise })),
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
      new x509.Extension(id_ce_cRLNumber, false, AsnConvert.serialize(new CRLNumber(crlNumber))),
    ],
  });
  // @peculiar/x509 labels CRLs `CRL`; OpenSSL reads only `X509 CRL` (RFC 7468).
  await writeFile(path, x509.PemConverter.encode(crl.rawData, 'X509 CRL') + '\n');
}

/**
 * Writes a complete development PKI into `outDir` (see certs-dev/README.md for the layout):
 * a root CA, an issuing CA that issues everything else (signers, TSA, log signing, and the revoked
 * and expired test signers), a CRL of the issuing CA revoking the revoked signer, and an empty
 * CRL of the root. Keys are new on every run; names, serials and validity depend only on the options.
 */
export async function generateDevPki(options: DevPkiOptions): Promise<void> {
  const { outDir, now } = options;
  const root = await issueCa(name('SDX Development Root CA', 'SDX Development'), undefined, now, yearsAfter(now, 25), 'root-ca', undefined);
  const issuing = await issueCa(name('SDX Development Issuing CA', 'SDX Development'), root, now, yearsAfter(now, 20), 'issuing-ca', 0);
  const tenYears = yearsAfter(now, 10);
  const tsa = await issueEndEntity(issuing, name('SDX Development Time-Stamping Authority', 'SDX Development'), 'ec', 'timestamping', now, tenYears, serialFor('tsa'));
  const logSigning = await issueEndEntity(issuing, name('SDX Development Audit Log', 'SDX Development'), 'ec', 'log-signing', now, tenYears, serialFor('log-signing'));

  await mkdir(outDir, { recursive: true });
  await writeIssued(outDir, 'root-ca', root);
  await writeIssued(outDir, 'issuing-ca', issuing);
  await writeIssued(outDir, 'tsa', tsa);
  await writeIssued(outDir, 'log-signing', logSigning);
  await writeIssued(outDir, 'ocsp', await issueEndEntity(issuing, OCSP_SUBJECT, 'ec', 'ocsp-signing', now, tenYears, serialFor('ocsp')));

  for (const party of options.parties) {
    const signer = await issueEndEntity(issuing, partyName(party), party.keyType ?? 'ec', 'signer', now, tenYears, partySerial(party.id), partyExtensions(party.id));
    await writeIssued(join(outDir, 'parties'), party.id, signer);
  }

  const revoked = await issueEndEntity(issuing, name('Revoked Signer (dev)', 'sdx-dev-revoked'), 'ec', 'signer', now, tenYears, serialFor('revoked-signer'));
  await writeIssued(join(outDir, 'revoked'), 'revoked-signer', revoked);
  const expired = await issueEndEntity(issuing, name('Expired Signer (dev)', 'sdx-dev-expired'), 'ec', 'signer', now, new Date(now.getTime() + DAY_MS), serialFor('expired-signer'));
  await writeIssued(join(outDir, 'expired'), 'expired-signer', expired);

  // The issuing CA's CRL revokes the revoked signer; the root's CRL is empty, so the whole path
  // from a signer to the root can be checked for revocation.
  await writeCrl(join(outDir, 'issuing-ca.crl.pem'), issuing, now, tenYears, [{ serialNumber: revoked.certificate.serialNumber, revocationDate: now }]);
  await writeCrl(join(outDir, 'root-ca.crl.pem'), root, now, tenYears, []);
}

const OCSP_SUBJECT = name('SDX Development OCSP Responder', 'SDX Development');

/**
 * Adds the development OCSP responder's certificate (`ocsp.pem`, `ocsp.key.pem`: ECDSA P-256,
 * id-kp-OCSPSigning, id-pkix-ocsp-nocheck, ten years from `now`) to a directory generateDevPki
 * wrote, from its issuing CA, leaving every other key and certificate as it is.
 */
export async function issueDevOcspSigner(options: { certsDir: string; now: Date }): Promise<void> {
  const issuing = await readIssuedCa(options.certsDir, 'issuing-ca');
  const signer = await issueEndEntity(issuing, OCSP_SUBJECT, 'ec', 'ocsp-signing', options.now, yearsAfter(options.now, 10), serialFor('ocsp'));
  await writeIssued(options.certsDir, 'ocsp', signer);
}

/**
 * A new development TSA certificate and key (`<base>.pem`, `<base>.key.pem` in `outDir`) from the
 * issuing CA of `certsDir`, valid `years` from `now`: what a TSA does before its certificate
 * expires, and what renewing archive timestamps needs.
 */
export async function issueDevTimestampAuthority(options: { certsDir: string; outDir: string; base: string; now: Date; years: number }): Promise<void> {
  const issuing = await readIssuedCa(options.certsDir, 'issuing-ca');
  const subject = name(`SDX Development Time-Stamping Authority (${options.now.getUTCFullYear()})`, 'SDX Development');
  const tsa = await issueEndEntity(issuing, subject, 'ec', 'timestamping', options.now, yearsAfter(options.now, options.years), positiveSerial(randomBytes(16)));
  await writeIssued(options.outDir, options.base, tsa);
}

/** A CA generateDevPki wrote (`<base>.pem`, `<base>.key.pem`, ECDSA P-256), read back to issue with. */
async function readIssuedCa(dir: string, base: string): Promise<Issued> {
  const certificate = new x509.X509Certificate(await readFile(join(dir, `${base}.pem`), 'utf8'));
  const pkcs8 = createPrivateKey(await readFile(join(dir, `${base}.key.pem`), 'utf8')).export({ type: 'pkcs8', format: 'der' });
  const privateKey = await subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const publicKey = await certificate.publicKey.export({ name: 'ECDSA', namedCurve: 'P-256' }, ['verify']);
  return { certificate, keys: { privateKey, publicKey } };
}

/**
 * Re-issues the generation-1 party certificates (`parties/<id>.pem`) in a directory generateDevPki
 * wrote, under the current profile (SAN party URI, organizationIdentifier), for the same key
 * (`parties/<id>.key.pem`) and from the same issuing CA: CA, TSA and signer keys stay, so documents
 * and fixtures signed before still verify. Serials follow the profile revision; validity runs ten
 * years from `now`. Returns the paths written.
 */
export async function reissueDevPartyCertificates(options: { certsDir: string; now: Date; parties: DevPkiParty[] }): Promise<string[]> {
  const partiesDir = join(options.certsDir, 'parties');
  const issuing = await readIssuedCa(options.certsDir, 'issuing-ca');
  const written: string[] = [];
  for (const party of options.parties) {
    const keys = await readKeyPair(join(partiesDir, `${party.id}.key.pem`));
    const signer = await issueEndEntity(
      issuing,
      partyName(party),
      keys,
      'signer',
      options.now,
      yearsAfter(options.now, 10),
      partySerial(party.id),
      partyExtensions(party.id),
    );
    const path = join(partiesDir, `${party.id}.pem`);
    await writeFile(path, signer.certificate.toString('pem') + '\n');
    written.push(path);
  }
  return written;
}

/** A PKCS#8 key pair file (ECDSA P-256 or RSA), imported for signing and for its public half. */
async function readKeyPair(path: string): Promise<CryptoKeyPair> {
  const privateKeyObject = createPrivateKey(await readFile(path, 'utf8'));
  const algorithm =
    privateKeyObject.asymmetricKeyType === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const pkcs8 = privateKeyObject.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(privateKeyObject).export({ type: 'spki', format: 'der' });
  return {
    privateKey: await subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']),
    publicKey: await subtle.importKey('spki', spki, algorithm, true, ['verify']),
  };
}

export interface RotatedDevKey {
  generation: number;
  /** DER. */
  certificate: Uint8Array;
  certificatePath: string;
  keyPath: string;
}

/**
 * Rotates a party's development key in a directory generateDevPki wrote: a new key pair of the
 * same type, and a certificate for the same subject from the directory's issuing CA, valid from
 * `now` for ten years, written as the party's next generation (`parties/<id>.<n>.pem` and
 * `.key.pem`, see party-key-generations.ts). Earlier generations stay, so that what they signed
 * still verifies. Development only: a real party's CA issues its certificates.
 */
export async function rotateDevPartyKey(options: { certsDir: string; partyId: string; now: Date; ocspUrl?: string }): Promise<RotatedDevKey> {
  const partiesDir = join(options.certsDir, 'parties');
  const generations = await generationsOf(partiesDir, options.partyId, '.pem');
  const newest = generations[generations.length - 1];
  if (newest === undefined) throw new Error(`party "${options.partyId}" has no certificate in ${partiesDir} to rotate`);
  const previous = new x509.X509Certificate(await readFile(join(partiesDir, `${generationBase(options.partyId, newest)}.pem`), 'utf8'));
  const keyType = previous.publicKey.algorithm.name === 'ECDSA' ? 'ec' : 'rsa';
  const issuing = await readIssuedCa(options.certsDir, 'issuing-ca');
  // Same subject (O, CN and organizationIdentifier) and the same SAN party URI as before.
  const signer = await issueEndEntity(
    issuing,
    previous.subjectName,
    keyType,
    'signer',
    options.now,
    yearsAfter(options.now, 10),
    positiveSerial(randomBytes(16)),
    [...partyExtensions(options.partyId), ...(options.ocspUrl ? [new x509.AuthorityInfoAccessExtension({ ocsp: [options.ocspUrl] })] : [])],
  );
  const generation = newest + 1;
  const base = generationBase(options.partyId, generation);
  await writeIssued(partiesDir, base, signer);
  return {
    generation,
    certificate: new Uint8Array(signer.certificate.rawData),
    certificatePath: join(partiesDir, `${base}.pem`),
    keyPath: join(partiesDir, `${base}.key.pem`),
  };
}

/**
 * Revokes certificates of a development issuing CA from `revokedAt` on: rewrites
 * `issuing-ca.crl.pem` with the entries it holds plus these, issued at `now` with the next CRL
 * number. A certificate already listed keeps its first revocation date. CRL times are whole
 * seconds: milliseconds are dropped.
 */
export async function revokeDevCertificates(options: { certsDir: string; certificates: Uint8Array[]; revokedAt: Date; now: Date }): Promise<void> {
  const crlPath = join(options.certsDir, 'issuing-ca.crl.pem');
  const issuing = await readIssuedCa(options.certsDir, 'issuing-ca');
  const current = new x509.X509Crl(await readFile(crlPath, 'utf8'));
  const entries: CrlEntry[] = current.entries.map((entry) => ({ serialNumber: entry.serialNumber, revocationDate: entry.revocationDate }));
  for (const der of options.certificates) {
    const serialNumber = new x509.X509Certificate(der).serialNumber;
    if (!entries.some((entry) => entry.serialNumber === serialNumber)) entries.push({ serialNumber, revocationDate: options.revokedAt });
  }
  const numberExtension = current.getExtension(id_ce_cRLNumber);
  const crlNumber = numberExtension ? AsnConvert.parse(numberExtension.value, CRLNumber).value + 1 : 1;
  await writeCrl(crlPath, issuing, options.now, current.nextUpdate ?? yearsAfter(options.now, 10), entries, crlNumber);
}
