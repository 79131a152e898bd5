import { createHash, createPublicKey, verify as cryptoVerify, constants as cryptoConstants } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SignedData, SignerInfo } from '@peculiar/asn1-cms';
import { Certificate, Name } from '@peculiar/asn1-x509';
import { TSTInfo } from '@peculiar/asn1-tsp';
import { assertDerWithinLimits, bytesOf, childrenOf, readTlv, type Tlv } from './der-reader';
import { PdfLimitError, VERIFY_LIMITS } from './verify-limits';

/** The parts of a CMS SignedData (RFC 5652) that a PDF or timestamp signature check needs. */
export interface ParsedCms {
  /** Length of the DER/BER encoding; anything after it in /Contents is padding. */
  encodedLength: number;
  /** Read without its certificates and CRLs: `certificates` has them as written. */
  signedData: SignedData;
  signerInfo: SignerInfo;
  signerInfoCount: number;
  /** The signed attributes re-tagged as a SET (what the signature covers), exactly as written. */
  signedAttributesDer: Uint8Array | null;
  /** Certificates embedded in the CMS, as their original bytes. */
  certificates: Uint8Array[];
}

export const OID = {
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  subjectKeyIdentifier: '2.5.29.14',
} as const;

const DIGESTS: Record<string, HashName> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export function hashNameOf(oid: string): HashName | undefined {
  return DIGESTS[oid];
}

export function hash(name: HashName, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(name);
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}

export function parseCms(der: Uint8Array): ParsedCms {
  const outer = readTlv(der, 0);
  const encoded = der.subarray(0, outer.end);
  assertDerWithinLimits(encoded);
  // Raw walk: ContentInfo > [0] > SignedData > fields.
  const [contentType, explicit] = childrenOf(encoded, outer);
  if (contentType?.tag !== 0x06) throw new Error('CMS ContentInfo has no content type');
  const type = decodeOid(encoded.subarray(contentType.contentStart, contentType.contentEnd));
  if (type !== OID.signedData) throw new Error(`CMS content type is ${type}, not SignedData`);
  const sd = explicit?.tag === 0xa0 ? childrenOf(encoded, explicit)[0] : undefined;
  if (sd?.tag !== 0x30) throw new Error('CMS SignedData is missing');
  const fields = childrenOf(encoded, sd);
  // The ASN.1 library reads SignedData without its certificates and CRLs: the certificates are
  // taken as written below and parsed where a chain is built, and parsing them here as well cost
  // more than the rest of the check.
  const signedData = AsnConvert.parse(withoutCertificates(encoded, fields), SignedData);
  const signerInfo = signedData.signerInfos[0];
  if (!signerInfo) throw new Error('CMS SignedData has no SignerInfo');
  const certificates: Uint8Array[] = [];
  const certSet = fields.find((f) => f.tag === 0xa0);
  if (certSet) {
    for (const cert of childrenOf(encoded, certSet)) if (cert.tag === 0x30) certificates.push(bytesOf(encoded, cert));
  }
  // Every certificate is a candidate issuer of every other when the chain is built.
  if (certificates.length > VERIFY_LIMITS.maxCmsCertificates) {
    throw new PdfLimitError('der-too-complex', `the CMS carries ${certificates.length} certificates; the verifier reads at most ${VERIFY_LIMITS.maxCmsCertificates}`);
  }
  const signerInfos = fields[fields.length - 1] as Tlv;
  const firstSigner = childrenOf(encoded, signerInfos)[0];
  let signedAttributesDer: Uint8Array | null = null;
  if (firstSigner) {
    const attrs = childrenOf(encoded, firstSigner).find((f) => f.tag === 0xa0);
    if (attrs) {
      signedAttributesDer = Uint8Array.from(bytesOf(encoded, attrs));
      signedAttributesDer[0] = 0x31;
    }
  }
  return {
    encodedLength: outer.end,
    signedData,
    signerInfo,
    signerInfoCount: signedData.signerInfos.length,
    signedAttributesDer,
    certificates,
  };
}

/** A DER SEQUENCE of the SignedData fields but the certificates [0] and CRLs [1]. */
function withoutCertificates(encoded: Uint8Array, fields: readonly Tlv[]): Uint8Array {
  const kept = fields.filter((field) => field.tag !== 0xa0 && field.tag !== 0xa1).map((field) => bytesOf(encoded, field));
  const length = kept.reduce((sum, part) => sum + part.length, 0);
  const lengthOctets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthOctets.unshift(rest % 256);
  const header = length < 0x80 ? [0x30, length] : [0x30, 0x80 | lengthOctets.length, ...lengthOctets];
  return Buffer.concat([Uint8Array.from(header), ...kept]);
}

/** Values of a signed (or unsigned) attribute, or undefined when absent. */
export function attributeValues(attrs: SignerInfo['signedAttrs'], oid: string): ArrayBuffer[] | undefined {
  return attrs?.find((a) => a.attrType === oid)?.attrValues;
}

/** The messageDigest attribute value (an OCTET STRING), or undefined. */
export function messageDigestOf(signerInfo: SignerInfo): Uint8Array | undefined {
  const value = attributeValues(signerInfo.signedAttrs, OID.messageDigest)?.[0];
  if (!value) return undefined;
  const der = new Uint8Array(value);
  const tlv = readTlv(der, 0);
  return tlv.tag === 0x04 ? der.subarray(tlv.contentStart, tlv.contentEnd) : undefined;
}

export function signingTimeOf(signerInfo: SignerInfo): Date | undefined {
  const value = attributeValues(signerInfo.signedAttrs, OID.signingTime)?.[0];
  if (!value) return undefined;
  const der = new Uint8Array(value);
  const tlv = readTlv(der, 0);
  const text = Buffer.from(der.subarray(tlv.contentStart, tlv.contentEnd)).toString('latin1');
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text);
  if (!m) return undefined;
  let year = Number(m[1]);
  if ((m[1] as string).length === 2) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
}

/** The certificate the SignerInfo's sid names, among `certificates`. */
export function findSignerCertificate(signerInfo: SignerInfo, certificates: readonly Uint8Array[]): Uint8Array | undefined {
  const sid = signerInfo.sid;
  for (const der of certificates) {
    let cert: Certificate;
    try {
      cert = certificateStructure(der);
    } catch {
      continue;
    }
    const tbs = cert.tbsCertificate;
    if (sid.issuerAndSerialNumber) {
      const sameIssuer = equalBytes(AsnConvert.serialize(tbs.issuer), AsnConvert.serialize(sid.issuerAndSerialNumber.issuer));
      const sameSerial = equalBytes(stripLeadingZeros(tbs.serialNumber), stripLeadingZeros(sid.issuerAndSerialNumber.serialNumber));
      if (sameIssuer && sameSerial) return der;
    } else if (sid.subjectKeyIdentifier) {
      const ext = tbs.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
      if (!ext) continue;
      const extDer = new Uint8Array(ext.extnValue.buffer);
      const tlv = readTlv(extDer, 0);
      if (equalBytes(extDer.subarray(tlv.contentStart, tlv.contentEnd), sid.subjectKeyIdentifier.buffer)) return der;
    }
  }
  return undefined;
}

const structures = new WeakMap<Uint8Array, Certificate | Error>();

/** The certificate's ASN.1 structure, parsed once per array (the signer's is looked up, then named). */
function certificateStructure(der: Uint8Array): Certificate {
  let structure = structures.get(der);
  if (structure === undefined) {
    try {
      structure = AsnConvert.parse(der, Certificate);
    } catch (error) {
      structure = error instanceof Error ? error : new Error(String(error));
    }
    structures.set(der, structure);
  }
  if (structure instanceof Error) throw structure;
  return structure;
}

export function subjectOf(certificateDer: Uint8Array): string {
  const cert = certificateStructure(certificateDer);
  return nameToString(cert.tbsCertificate.subject);
}

function nameToString(name: Name): string {
  const short: Record<string, string> = {
    '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU',
    '1.2.840.113549.1.9.1': 'E', '2.5.4.5': 'serialNumber', '2.5.4.97': 'organizationIdentifier',
  };
  return name
    .map((rdn) => rdn.map((atv) => `${short[atv.type] ?? atv.type}=${atv.value.toString()}`).join('+'))
    .join(', ');
}

/**
 * Verifies the SignerInfo's signature over `signedContent` (the DER SET of signed attributes, or the
 * content itself when there are none) with the certificate's public key.
 * Returns a reason when the algorithm cannot be checked, else whether it verifies.
 */
export function verifySignerSignature(
  signerInfo: SignerInfo,
  certificateDer: Uint8Array,
  signedContent: Uint8Array,
): { ok: boolean; reason?: string } {
  const cert = AsnConvert.parse(certificateDer, Certificate);
  const spki = AsnConvert.serialize(cert.tbsCertificate.subjectPublicKeyInfo);
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const signature = new Uint8Array(signerInfo.signature.buffer);
  const algorithm = signerInfo.signatureAlgorithm.algorithm;
  const digest = hashNameOf(signerInfo.digestAlgorithm.algorithm);
  const data = Buffer.from(signedContent);
  const withHash: Record<string, HashName> = {
    '1.2.840.113549.1.1.5': 'sha1', '1.2.840.113549.1.1.11': 'sha256', '1.2.840.113549.1.1.12': 'sha384',
    '1.2.840.113549.1.1.13': 'sha512', '1.2.840.10045.4.1': 'sha1', '1.2.840.10045.4.3.2': 'sha256',
    '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
  };
  const rsaPlain = '1.2.840.113549.1.1.1';
  const ecPublicKey = '1.2.840.10045.2.1';
  const pss = '1.2.840.113549.1.1.10';
  if (algorithm === pss) {
    const params = pssParameters(signerInfo.signatureAlgorithm.parameters);
    if (!params) return { ok: false, reason: 'RSASSA-PSS parameters are unreadable' };
    return { ok: cryptoVerify(params.hash, data, { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength }, signature) };
  }
  const hashName = withHash[algorithm] ?? (algorithm === rsaPlain || algorithm === ecPublicKey ? digest : undefined);
  if (!hashName) return { ok: false, reason: `unsupported signature algorithm ${algorithm}` };
  if (key.asymmetricKeyType === 'ec') {
    return { ok: cryptoVerify(hashName, data, { key, dsaEncoding: 'der' }, signature) };
  }
  if (key.asymmetricKeyType === 'rsa') {
    return { ok: cryptoVerify(hashName, data, { key, padding: cryptoConstants.RSA_PKCS1_PADDING }, signature) };
  }
  return { ok: false, reason: `unsupported key type ${String(key.asymmetricKeyType)}` };
}

/** RSASSA-PSS-params (RFC 4055): hash defaults to SHA-1, salt length to 20. */
function pssParameters(parameters: ArrayBuffer | null | undefined): { hash: HashName; saltLength: number } | undefined {
  let hashName: HashName | undefined = 'sha1';
  let saltLength = 20;
  if (parameters) {
    const der = new Uint8Array(parameters);
    const seq = readTlv(der, 0);
    for (const field of childrenOf(der, seq)) {
      const inner = childrenOf(der, field)[0];
      if (!inner) continue;
      if (field.tag === 0xa0) {
        const oid = childrenOf(der, inner)[0];
        hashName = oid ? hashNameOf(decodeOid(der.subarray(oid.contentStart, oid.contentEnd))) : undefined;
      } else if (field.tag === 0xa2) {
        saltLength = decodeInteger(der.subarray(inner.contentStart, inner.contentEnd));
      }
    }
  }
  return hashName ? { hash: hashName, saltLength } : undefined;
}

export interface SigningCertificateReference {
  hash: HashName | undefined;
  hashAlgorithm: string;
  certHash: Uint8Array;
}

/** The first ESSCertID(v2) of a signing-certificate(-v2) attribute (RFC 5035 / RFC 2634). */
export function signingCertificateReference(signerInfo: SignerInfo): SigningCertificateReference | undefined {
  const v2 = attributeValues(signerInfo.signedAttrs, OID.signingCertificateV2)?.[0];
  const v1 = attributeValues(signerInfo.signedAttrs, OID.signingCertificate)?.[0];
  const value = v2 ?? v1;
  if (!value) return undefined;
  const der = new Uint8Array(value);
  const certs = childrenOf(der, readTlv(der, 0))[0];
  const first = certs ? childrenOf(der, certs)[0] : undefined;
  if (!first) throw new Error('signing-certificate attribute lists no certificate');
  const fields = childrenOf(der, first);
  let hashAlgorithm = v2 ? '2.16.840.1.101.3.4.2.1' : '1.3.14.3.2.26';
  let field = fields[0];
  if (v2 && field?.tag === 0x30) {
    const oid = childrenOf(der, field)[0];
    if (oid) hashAlgorithm = decodeOid(der.subarray(oid.contentStart, oid.contentEnd));
    field = fields[1];
  }
  if (field?.tag !== 0x04) throw new Error('signing-certificate attribute has no certHash');
  return { hash: hashNameOf(hashAlgorithm), hashAlgorithm, certHash: der.subarray(field.contentStart, field.contentEnd) };
}

export interface TimestampToken {
  cms: ParsedCms;
  tstInfo: TSTInfo;
  /** The encapsulated TSTInfo bytes (what the token's messageDigest covers). */
  tstInfoDer: Uint8Array;
}

export function signatureTimestampToken(signerInfo: SignerInfo): Uint8Array | undefined {
  const value = attributeValues(signerInfo.unsignedAttrs, OID.signatureTimeStampToken)?.[0];
  return value ? new Uint8Array(value) : undefined;
}

export function parseTimestampToken(der: Uint8Array): TimestampToken {
  const cms = parseCms(der);
  const encap = cms.signedData.encapContentInfo;
  if (encap.eContentType !== OID.tstInfo) throw new Error(`timestamp token content type is ${encap.eContentType}, not TSTInfo`);
  const content = encap.eContent?.single?.buffer ?? encap.eContent?.any;
  if (!content) throw new Error('timestamp token carries no TSTInfo');
  const tstInfoDer = new Uint8Array(content);
  return { cms, tstInfo: AsnConvert.parse(tstInfoDer, TSTInfo), tstInfoDer };
}

export function equalBytes(a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array): boolean {
  return Buffer.from(a instanceof Uint8Array ? a : new Uint8Array(a)).equals(Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)));
}

function stripLeadingZeros(value: ArrayBuffer): Uint8Array {
  const bytes = new Uint8Array(value);
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

function decodeOid(bytes: Uint8Array): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

function decodeInteger(bytes: Uint8Array): number {
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  return value;
}
