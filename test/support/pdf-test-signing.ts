// Signed PDFs for the verifier's tests, made independently of SDX's own signer: a pdf-lib document,
// a placeholder from @signpdf/placeholder-plain, and either @signpdf/signer-p12 (node-forge,
// adbe.pkcs7.detached) or a CMS built here with @peculiar/asn1-cms + node:crypto, so that each field
// (signing-certificate-v2, timestamp, algorithm) can be set right or deliberately wrong.
import { createHash, generateKeyPairSync, sign as nodeSign, constants as cryptoConstants, webcrypto, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { PDFDict, PDFDocument, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { P12Signer } from '@signpdf/signer-p12';
import signpdf, { Signer } from '@signpdf/signpdf';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  ContentInfo,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  DigestAlgorithmIdentifiers,
} from '@peculiar/asn1-cms';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import { MessageImprint, TSTInfo, TSTInfoVersion } from '@peculiar/asn1-tsp';
import { x509 } from '../../src/adapters/pki/x509';
import { PAYLOAD_HASH_INFO_KEY } from '../../src/adapters/pdf/sdx-pdf-format';

export type KeyKind = 'ec-p256' | 'ec-p384' | 'rsa' | 'rsa-pss';

export interface TestIdentity {
  kind: KeyKind;
  certificate: Uint8Array;
  privateKey: KeyObject;
}

const OIDS = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  timestampToken: '1.2.840.113549.1.9.16.2.14',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  rsaSha256: '1.2.840.113549.1.1.11',
  rsaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
} as const;

const DOCUMENT_SIGNING = '1.3.6.1.5.5.7.3.36';

/** A fixed instant so that test PDFs are reproducible. */
export const TEST_SIGNING_TIME = new Date('2026-03-01T10:00:00Z');

/** A throw-away self-signed identity (certificate valid 2025–2035). */
export async function testIdentity(kind: KeyKind, commonName = `SDX Verifier Test ${kind}`): Promise<TestIdentity> {
  const pair =
    kind === 'ec-p256' || kind === 'ec-p384'
      ? generateKeyPairSync('ec', { namedCurve: kind === 'ec-p256' ? 'P-256' : 'P-384' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const algorithm =
    kind === 'ec-p256' || kind === 'ec-p384'
      ? { name: 'ECDSA', namedCurve: kind === 'ec-p256' ? 'P-256' : 'P-384', hash: kind === 'ec-p256' ? 'SHA-256' : 'SHA-384' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
  const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, algorithm, true, ['verify']),
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: createHash('sha256').update(commonName).digest('hex').slice(0, 16).replace(/^./, '1'),
    name: `CN=${commonName}, O=SDX Tests`,
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2035-01-01T00:00:00Z'),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      new x509.ExtendedKeyUsageExtension([kind === 'rsa' && commonName.includes('TSA') ? x509.ExtendedKeyUsage.timeStamping : DOCUMENT_SIGNING], false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { kind, certificate: new Uint8Array(cert.rawData), privateKey: pair.privateKey };
}

/** A one-page PDF written without object streams (so placeholder-plain can extend it). */
export async function unsignedPdf(options: { payloadHash?: string; text?: string } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setCreationDate(TEST_SIGNING_TIME);
  doc.setModificationDate(TEST_SIGNING_TIME);
  doc.setProducer('SDX verifier tests');
  doc.setCreator('SDX verifier tests');
  const page = doc.addPage([595, 842]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  page.drawText(options.text ?? 'Delivery order DO-TEST-1: release container MSCU1234565', { x: 50, y: 780, size: 12, font });
  if (options.payloadHash) {
    const info = doc.context.lookup(doc.context.trailerInfo.Info, PDFDict);
    info.set(PDFName.of(PAYLOAD_HASH_INFO_KEY), PDFString.of(options.payloadHash));
  }
  return doc.save({ useObjectStreams: false, updateFieldAppearances: false });
}

export interface CmsOptions {
  identity: TestIdentity;
  /** 'own' (default for PAdES): signing-certificate-v2 of the signer; 'other': of `otherCertificate`; 'none'. */
  signingCertificate?: 'own' | 'other' | 'none';
  otherCertificate?: Uint8Array;
  /** Adds an RFC 3161 token from `tsa` over the signature value ('valid') or over other bytes ('wrong-imprint'). */
  timestamp?: { tsa: TestIdentity; imprint: 'valid' | 'wrong-imprint' | 'bad-token-signature'; genTime?: Date };
}

/** Builds a detached CMS SignedData over `content` the way a PAdES signer does. */
export function buildTestCms(content: Uint8Array, options: CmsOptions, signingTime = TEST_SIGNING_TIME): Uint8Array {
  const { identity } = options;
  const hashName = identity.kind === 'ec-p384' ? 'sha384' : 'sha256';
  const attributes = [
    attribute(OIDS.contentType, derOid(OIDS.data)),
    attribute(OIDS.signingTime, derUtcTime(signingTime)),
    attribute(OIDS.messageDigest, der(0x04, createHash(hashName).update(content).digest())),
  ];
  const referenced = options.signingCertificate === 'other' ? options.otherCertificate : identity.certificate;
  if ((options.signingCertificate ?? 'own') !== 'none' && referenced) {
    const essCertIdV2 = der(0x30, der(0x04, createHash('sha256').update(referenced).digest()));
    attributes.push(attribute(OIDS.signingCertificateV2, der(0x30, der(0x30, essCertIdV2))));
  }
  const signerInfo = signerInfoFor(identity, attributes, hashName);
  if (options.timestamp) {
    const imprintOver = options.timestamp.imprint === 'wrong-imprint' ? Buffer.from('some other signature') : new Uint8Array(signerInfo.signature.buffer);
    const token = timestampToken(createHash('sha256').update(imprintOver).digest(), options.timestamp.tsa, options.timestamp.genTime ?? signingTime, options.timestamp.imprint === 'bad-token-signature');
    signerInfo.unsignedAttrs = [new Attribute({ attrType: OIDS.timestampToken, attrValues: [toArrayBuffer(token)] })];
  }
  return signedDataOf(signerInfo, identity, hashName, new EncapsulatedContentInfo({ eContentType: OIDS.data }));
}

/** A @signpdf Signer that produces the CMS above. */
export class TestCmsSigner extends Signer {
  constructor(private readonly options: CmsOptions) {
    super();
  }
  override async sign(pdfBuffer: Buffer, signingTime?: Date): Promise<Buffer> {
    return Buffer.from(buildTestCms(pdfBuffer, this.options, signingTime ?? TEST_SIGNING_TIME));
  }
}

export interface SignTestPdfOptions {
  /** The CMS maker; default: a throw-away P12 signed by @signpdf/signer-p12 (node-forge). */
  cms?: CmsOptions;
  name?: string;
  subFilter?: 'adbe.pkcs7.detached' | 'ETSI.CAdES.detached';
  signatureLength?: number;
}

/** Appends a signature field + placeholder (incremental update) and signs it. */
export async function signTestPdf(pdf: Uint8Array, options: SignTestPdfOptions = {}): Promise<Uint8Array> {
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: Buffer.from(pdf),
    reason: 'SDX verifier test',
    contactInfo: 'tests@sdx.invalid',
    name: options.name ?? 'Test Signer',
    location: 'Test',
    signingTime: TEST_SIGNING_TIME,
    signatureLength: options.signatureLength ?? 8192,
    subFilter: options.subFilter ?? (options.cms ? 'ETSI.CAdES.detached' : 'adbe.pkcs7.detached'),
    widgetRect: [0, 0, 0, 0],
  });
  const signer = options.cms ? new TestCmsSigner(options.cms) : new P12Signer(throwawayP12(), { passphrase: P12_PASSPHRASE });
  return new Uint8Array(await signpdf.sign(withPlaceholder, signer, TEST_SIGNING_TIME));
}

const P12_PASSPHRASE = 'throwaway';
let p12: Buffer | undefined;

/** A throw-away PKCS#12 (RSA-2048, self-signed) made with node-forge, cached per test file. */
export function throwawayP12(): Buffer {
  if (p12) return p12;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date('2025-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2035-01-01T00:00:00Z');
  const attrs = [{ name: 'commonName', value: 'SDX Verifier Test P12' }, { name: 'organizationName', value: 'SDX Tests' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(forgeKey, forge.md.sha256.create());
  const asn1 = forge.pkcs12.toPkcs12Asn1(forgeKey, [cert], P12_PASSPHRASE, { algorithm: '3des' });
  p12 = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
  return p12;
}

// --- CMS pieces ------------------------------------------------------------------------------

function signerInfoFor(identity: TestIdentity, attributes: Attribute[], hashName: 'sha256' | 'sha384', corrupt = false): SignerInfo {
  // DER orders SET OF by encoding; sign exactly what is stored.
  const sorted = attributes
    .map((a) => ({ a, der: Buffer.from(AsnConvert.serialize(a)) }))
    .sort((x, y) => Buffer.compare(x.der, y.der));
  const setDer = der(0x31, ...sorted.map((s) => s.der));
  let signature = signWith(identity, setDer, hashName);
  if (corrupt) signature = Buffer.from(signature.map((b, i) => (i === 10 ? b ^ 0xff : b)));
  const cert = AsnConvert.parse(identity.certificate, Certificate);
  return new SignerInfo({
    version: 1,
    sid: new SignerIdentifier({
      issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: cert.tbsCertificate.issuer, serialNumber: cert.tbsCertificate.serialNumber }),
    }),
    digestAlgorithm: new AlgorithmIdentifier({ algorithm: hashName === 'sha384' ? OIDS.sha384 : OIDS.sha256, parameters: null }),
    signedAttrs: sorted.map((s) => s.a),
    signatureAlgorithm: signatureAlgorithm(identity.kind),
    signature: new OctetString(signature),
  });
}

function signedDataOf(signerInfo: SignerInfo, identity: TestIdentity, hashName: 'sha256' | 'sha384', encap: EncapsulatedContentInfo): Uint8Array {
  const signedData = new SignedData({
    version: 1,
    digestAlgorithms: new DigestAlgorithmIdentifiers([new AlgorithmIdentifier({ algorithm: hashName === 'sha384' ? OIDS.sha384 : OIDS.sha256, parameters: null })]),
    encapContentInfo: encap,
    certificates: new CertificateSet([new CertificateChoices({ certificate: AsnConvert.parse(identity.certificate, Certificate) })]),
    signerInfos: new SignerInfos([signerInfo]),
  });
  const contentInfo = new ContentInfo({ contentType: OIDS.signedData, content: AsnConvert.serialize(signedData) });
  return new Uint8Array(AsnConvert.serialize(contentInfo));
}

function timestampToken(imprint: Uint8Array, tsa: TestIdentity, genTime: Date, corrupt: boolean): Uint8Array {
  const tstInfo = new TSTInfo({
    version: TSTInfoVersion.v1,
    policy: '1.3.6.1.4.1.32473.1.9',
    messageImprint: new MessageImprint({ hashAlgorithm: new AlgorithmIdentifier({ algorithm: OIDS.sha256, parameters: null }), hashedMessage: new OctetString(imprint) }),
    serialNumber: new Uint8Array([1, 2, 3]).buffer,
    genTime,
  });
  const tstDer = Buffer.from(AsnConvert.serialize(tstInfo));
  const attributes = [
    attribute(OIDS.contentType, derOid(OIDS.tstInfo)),
    attribute(OIDS.messageDigest, der(0x04, createHash('sha256').update(tstDer).digest())),
  ];
  const signerInfo = signerInfoFor(tsa, attributes, 'sha256', corrupt);
  const encap = new EncapsulatedContentInfo({ eContentType: OIDS.tstInfo, eContent: new EncapsulatedContent({ single: new OctetString(tstDer) }) });
  return signedDataOf(signerInfo, tsa, 'sha256', encap);
}

function signWith(identity: TestIdentity, data: Buffer, hashName: 'sha256' | 'sha384'): Buffer {
  if (identity.kind === 'rsa-pss') {
    return nodeSign(hashName, data, { key: identity.privateKey, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  }
  return nodeSign(hashName, data, identity.kind.startsWith('ec') ? { key: identity.privateKey, dsaEncoding: 'der' } : identity.privateKey);
}

function signatureAlgorithm(kind: KeyKind): AlgorithmIdentifier {
  switch (kind) {
    case 'ec-p256': return new AlgorithmIdentifier({ algorithm: OIDS.ecdsaSha256 });
    case 'ec-p384': return new AlgorithmIdentifier({ algorithm: OIDS.ecdsaSha384 });
    case 'rsa': return new AlgorithmIdentifier({ algorithm: OIDS.rsaSha256, parameters: null });
    case 'rsa-pss': {
      const sha256 = der(0x30, derOid(OIDS.sha256), Buffer.from([0x05, 0x00]));
      const params = der(0x30, der(0xa0, sha256), der(0xa1, der(0x30, derOid(OIDS.mgf1), sha256)), der(0xa2, Buffer.from([0x02, 0x01, 32])));
      return new AlgorithmIdentifier({ algorithm: OIDS.rsaPss, parameters: toArrayBuffer(params) });
    }
  }
}

function attribute(oid: string, value: Buffer): Attribute {
  return new Attribute({ attrType: oid, attrValues: [toArrayBuffer(value)] });
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function der(tag: number, ...children: Uint8Array[]): Buffer {
  const body = Buffer.concat(children);
  const length = body.length;
  const header =
    length < 0x80 ? [tag, length] : length < 0x100 ? [tag, 0x81, length] : length < 0x10000 ? [tag, 0x82, length >> 8, length & 0xff] : [tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  return Buffer.concat([Buffer.from(header), body]);
}

function derOid(oid: string): Buffer {
  const parts = oid.split('.').map(Number);
  const bytes = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function derUtcTime(date: Date): Buffer {
  const iso = date.toISOString();
  const text = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  return der(0x17, Buffer.from(text, 'latin1'));
}
