import { createHash } from 'node:crypto';
import { equalBytes } from '../../../domain/shared/bytes';
import { certificateOf } from '../../pki/certificate-der';
import { hashNameOf, verifySignature, type HashName, type SignatureAlgorithm } from '../../pki/signature-algorithms';
import { assertDerWithinLimits, bytesOf, childrenOf, contentOf, decodeOid, expectTag, octetsAt, oidAt, readTlv, timeAt, type Tlv } from './der-reader';
import { PdfLimitError, VERIFY_LIMITS } from './verify-limits';

export { hashNameOf, type HashName } from '../../pki/signature-algorithms';

/** A CMS attribute: its type and the DER of each value. */
export interface CmsAttribute {
  attrType: string;
  attrValues: Uint8Array[];
}

/** The parts of a SignerInfo (RFC 5652 5.3) the checks read. */
export interface SignerInfo {
  sid: { issuer: Uint8Array; serialNumber: Uint8Array } | { subjectKeyIdentifier: Uint8Array };
  digestAlgorithm: { algorithm: string };
  signedAttrs?: CmsAttribute[];
  signatureAlgorithm: SignatureAlgorithm;
  signature: Uint8Array;
  unsignedAttrs?: CmsAttribute[];
}

/** The parts of an RFC 3161 TSTInfo the checks read. */
export interface TstInfo {
  messageImprint: { hashAlgorithm: { algorithm: string }; hashedMessage: Uint8Array };
  genTime: Date;
}

/** The parts of a CMS SignedData (RFC 5652) that a PDF or timestamp signature check needs. */
export interface ParsedCms {
  /** Length of the DER/BER encoding; anything after it in /Contents is padding. */
  encodedLength: number;
  /** The encapsulated content's type, and the content when it is there (a timestamp token's TSTInfo). */
  eContentType: string;
  eContent: Uint8Array | undefined;
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
  let i = 1; // version
  i++; // digestAlgorithms
  const [eContentTypeTlv, eContentTlv] = childrenOf(encoded, expectTag(fields[i++], 0x30, 'the encapsulated content info'));
  const eContentType = oidAt(encoded, eContentTypeTlv, 'the encapsulated content type');
  const eContent = eContentTlv?.tag === 0xa0 ? octetsAt(encoded, childrenOf(encoded, eContentTlv)[0], 'the encapsulated content') : undefined;
  const certificates: Uint8Array[] = [];
  const certSet = fields.find((f) => f.tag === 0xa0);
  if (certSet) {
    for (const cert of childrenOf(encoded, certSet)) if (cert.tag === 0x30) certificates.push(bytesOf(encoded, cert));
  }
  // Every certificate is a candidate issuer of every other when the chain is built.
  if (certificates.length > VERIFY_LIMITS.maxCmsCertificates) {
    throw new PdfLimitError('der-too-complex', `the CMS carries ${certificates.length} certificates; the verifier reads at most ${VERIFY_LIMITS.maxCmsCertificates}`);
  }
  const signerInfos = childrenOf(encoded, expectTag(fields[fields.length - 1], 0x31, 'the SignerInfos'));
  const firstSigner = signerInfos[0];
  if (!firstSigner) throw new Error('CMS SignedData has no SignerInfo');
  const signerInfo = readSignerInfo(encoded, firstSigner);
  const attrs = childrenOf(encoded, firstSigner).find((f) => f.tag === 0xa0);
  let signedAttributesDer: Uint8Array | null = null;
  if (attrs) {
    signedAttributesDer = Uint8Array.from(bytesOf(encoded, attrs));
    signedAttributesDer[0] = 0x31;
  }
  return {
    encodedLength: outer.end,
    eContentType,
    eContent,
    signerInfo,
    signerInfoCount: signerInfos.length,
    signedAttributesDer,
    certificates,
  };
}

function readSignerInfo(bytes: Uint8Array, tlv: Tlv): SignerInfo {
  const fields = childrenOf(bytes, expectTag(tlv, 0x30, 'a SignerInfo'));
  let i = 1; // version
  const sidTlv = fields[i++];
  let sid: SignerInfo['sid'];
  if (sidTlv?.tag === 0x80) sid = { subjectKeyIdentifier: contentOf(bytes, sidTlv) };
  else {
    const [issuer, serial] = childrenOf(bytes, expectTag(sidTlv, 0x30, 'the signer identifier'));
    sid = { issuer: bytesOf(bytes, expectTag(issuer, 0x30, 'the signer issuer')), serialNumber: contentOf(bytes, expectTag(serial, 0x02, 'the signer serial number')) };
  }
  const digestAlgorithm = algorithmOf(bytes, fields[i++], 'the digest algorithm');
  const signed = fields[i]?.tag === 0xa0 ? attributesOf(bytes, fields[i++] as Tlv) : undefined;
  const signatureAlgorithm = algorithmOf(bytes, fields[i++], 'the signature algorithm');
  const signature = contentOf(bytes, expectTag(fields[i++], 0x04, 'the signature value'));
  const unsigned = fields[i]?.tag === 0xa1 ? attributesOf(bytes, fields[i] as Tlv) : undefined;
  return {
    sid,
    digestAlgorithm: { algorithm: digestAlgorithm.algorithm },
    ...(signed ? { signedAttrs: signed } : {}),
    signatureAlgorithm,
    signature,
    ...(unsigned ? { unsignedAttrs: unsigned } : {}),
  };
}

function algorithmOf(bytes: Uint8Array, tlv: Tlv | undefined, what: string): SignatureAlgorithm {
  const [oid, parameters] = childrenOf(bytes, expectTag(tlv, 0x30, what));
  return { algorithm: oidAt(bytes, oid, what), ...(parameters ? { parameters: bytesOf(bytes, parameters) } : {}) };
}

function attributesOf(bytes: Uint8Array, set: Tlv): CmsAttribute[] {
  return childrenOf(bytes, set).map((attribute) => {
    const [type, values] = childrenOf(bytes, expectTag(attribute, 0x30, 'an attribute'));
    return { attrType: oidAt(bytes, type, 'an attribute type'), attrValues: childrenOf(bytes, expectTag(values, 0x31, 'attribute values')).map((value) => bytesOf(bytes, value)) };
  });
}

/** Values of a signed (or unsigned) attribute, or undefined when absent. */
export function attributeValues(attrs: SignerInfo['signedAttrs'], oid: string): Uint8Array[] | undefined {
  return attrs?.find((a) => a.attrType === oid)?.attrValues;
}

/** The messageDigest attribute value (an OCTET STRING), or undefined. */
export function messageDigestOf(signerInfo: SignerInfo): Uint8Array | undefined {
  const der = attributeValues(signerInfo.signedAttrs, OID.messageDigest)?.[0];
  if (!der) return undefined;
  const tlv = readTlv(der, 0);
  return tlv.tag === 0x04 ? der.subarray(tlv.contentStart, tlv.contentEnd) : undefined;
}

export function signingTimeOf(signerInfo: SignerInfo): Date | undefined {
  const der = attributeValues(signerInfo.signedAttrs, OID.signingTime)?.[0];
  if (!der) return undefined;
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
    try {
      const cert = certificateOf(der);
      if ('issuer' in sid) {
        if (equalBytes(cert.issuerDer, sid.issuer) && equalBytes(stripLeadingZeros(cert.serial), stripLeadingZeros(sid.serialNumber))) return der;
      } else {
        const keyId = cert.subjectKeyIdentifier();
        if (keyId && equalBytes(keyId, sid.subjectKeyIdentifier)) return der;
      }
    } catch {
      continue;
    }
  }
  return undefined;
}

const SUBJECT_SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'E', '2.5.4.5': 'serialNumber', '2.5.4.97': 'organizationIdentifier',
};

/** The signer's subject as a report shows it: `CN=..., O=...` with the long names spelled out. */
export function subjectOf(certificateDer: Uint8Array): string {
  return certificateOf(certificateDer)
    .subjectName.map((rdn) => rdn.map((atv) => `${SUBJECT_SHORT_NAMES[atv.type] ?? atv.type}=${atv.text ?? Buffer.from(atv.der).toString('hex')}`).join('+'))
    .join(', ');
}

/**
 * Verifies the SignerInfo's signature over `signedContent` (the DER SET of signed attributes, or the
 * content itself when there are none) with the certificate's public key.
 * Returns a reason when the algorithm cannot be checked, else whether it verifies.
 */
export function verifySignerSignature(signerInfo: SignerInfo, certificateDer: Uint8Array, signedContent: Uint8Array): { ok: boolean; reason?: string } {
  return verifySignature(signerInfo.signatureAlgorithm, certificateOf(certificateDer).publicKey, signedContent, signerInfo.signature, hashNameOf(signerInfo.digestAlgorithm.algorithm));
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
  tstInfo: TstInfo;
  /** The encapsulated TSTInfo bytes (what the token's messageDigest covers). */
  tstInfoDer: Uint8Array;
}

export function signatureTimestampToken(signerInfo: SignerInfo): Uint8Array | undefined {
  return attributeValues(signerInfo.unsignedAttrs, OID.signatureTimeStampToken)?.[0];
}

export function parseTimestampToken(der: Uint8Array): TimestampToken {
  const cms = parseCms(der);
  if (cms.eContentType !== OID.tstInfo) throw new Error(`timestamp token content type is ${cms.eContentType}, not TSTInfo`);
  const tstInfoDer = cms.eContent;
  if (!tstInfoDer) throw new Error('timestamp token carries no TSTInfo');
  return { cms, tstInfo: readTstInfo(tstInfoDer), tstInfoDer };
}

/** TSTInfo (RFC 3161 2.4.2): version, policy, messageImprint, serialNumber, genTime, ... */
function readTstInfo(der: Uint8Array): TstInfo {
  const [, , imprint, , genTime] = childrenOf(der, expectTag(readTlv(der, 0), 0x30, 'the TSTInfo'));
  const [algorithm, hashed] = childrenOf(der, expectTag(imprint, 0x30, 'the message imprint'));
  return {
    messageImprint: {
      hashAlgorithm: { algorithm: oidAt(der, childrenOf(der, expectTag(algorithm, 0x30, 'the imprint algorithm'))[0], 'the imprint algorithm') },
      hashedMessage: contentOf(der, expectTag(hashed, 0x04, 'the hashed message')),
    },
    genTime: timeAt(der, expectTag(genTime, 0x18, 'genTime'), 'genTime'),
  };
}

function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i);
}
