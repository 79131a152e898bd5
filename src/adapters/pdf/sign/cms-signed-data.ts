import { createHash } from 'node:crypto';
import {
  Attribute,
  CMSVersion,
  DigestAlgorithmIdentifier,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignatureAlgorithmIdentifier,
  SignerIdentifier,
  id_contentType,
  id_data,
  id_messageDigest,
  id_signedData,
} from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import type { PartySigner, TimestampAuthority } from '../../../application/ports/key-store.port';
import { signingCertificateV2Attribute } from '../../pki/ess-signing-certificate';

export const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
export const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
export const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
/** id-aa-signatureTimeStampToken (RFC 3161 appendix A). */
export const OID_SIGNATURE_TIMESTAMP_TOKEN = '1.2.840.113549.1.9.16.2.14';

export interface CmsSignatureRequest {
  signer: PartySigner;
  /** SHA-256 of the content, which is not embedded (detached signature). */
  contentDigest: Uint8Array;
  /** Makes a B-T signature: an RFC 3161 token over the signature value goes into the unsigned attributes. */
  timestampAuthority?: TimestampAuthority;
}

/** The DER around a signature that depends only on the signer's certificate and chain. */
interface SignerTemplate {
  /** contentType and signing-certificate-v2 attributes, DER. */
  fixedAttributes: Uint8Array[];
  /** version, sid and digestAlgorithm of the SignerInfo. */
  signerInfoHead: Uint8Array;
  signatureAlgorithm: Uint8Array;
  /** version, digestAlgorithms, encapContentInfo and certificates of the SignedData. */
  signedDataHead: Uint8Array;
}

/**
 * Keyed by the certificate bytes a signer holds: parsing the certificate and serialising the fixed
 * parts through asn1-schema cost more than the signature itself, and they are the same every time.
 */
const templates = new WeakMap<Uint8Array, SignerTemplate>();

function templateFor(signer: PartySigner): SignerTemplate {
  const cached = templates.get(signer.certificate);
  if (cached && cached.signatureAlgorithm === (signer.keyType === 'ec' ? ECDSA_ALGORITHM : RSA_ALGORITHM)) return cached;
  const tbs = AsnConvert.parse(signer.certificate, Certificate).tbsCertificate;
  const sid = new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: tbs.issuer, serialNumber: tbs.serialNumber }) });
  const certificates = [signer.certificate, ...signer.chain].map((der) => Buffer.from(der)).sort(Buffer.compare);
  const template: SignerTemplate = {
    fixedAttributes: [
      serialize(new Attribute({ attrType: id_contentType, attrValues: [encodeOid(id_data)] })),
      serialize(signingCertificateV2Attribute(signer.certificate)),
    ],
    signerInfoHead: Buffer.concat([Uint8Array.from([0x02, 0x01, CMSVersion.v1]), serialize(sid), SHA256_ALGORITHM]),
    signatureAlgorithm: signer.keyType === 'ec' ? ECDSA_ALGORITHM : RSA_ALGORITHM,
    signedDataHead: Buffer.concat([
      Uint8Array.from([0x02, 0x01, CMSVersion.v1]),
      tlv(0x31, [SHA256_ALGORITHM]), // digestAlgorithms SET
      serialize(new EncapsulatedContentInfo({ eContentType: id_data })), // detached: no eContent
      tlv(0xa0, certificates), // certificates [0] IMPLICIT CertificateSet, DER-sorted
    ]),
  };
  templates.set(signer.certificate, template);
  return template;
}

const SHA256_ALGORITHM = serialize(new DigestAlgorithmIdentifier({ algorithm: OID_SHA256 }));
const ECDSA_ALGORITHM = serialize(new SignatureAlgorithmIdentifier({ algorithm: OID_ECDSA_WITH_SHA256 }));
const RSA_ALGORITHM = serialize(new SignatureAlgorithmIdentifier({ algorithm: OID_SHA256_WITH_RSA, parameters: null }));
const MESSAGE_DIGEST_OID = new Uint8Array(encodeOid(id_messageDigest));
const TIMESTAMP_TOKEN_OID = new Uint8Array(encodeOid(OID_SIGNATURE_TIMESTAMP_TOKEN));
const SIGNED_DATA_OID = new Uint8Array(encodeOid(id_signedData));

/**
 * Builds a CMS ContentInfo(SignedData) for PAdES: signed attributes contentType, messageDigest and
 * signing-certificate-v2 and no signing-time (PAdES puts the time in the PDF's /M). Returns DER.
 * Assembled from DER pieces: the signer's fixed parts come from a per-signer template.
 */
export async function buildCmsSignedData(request: CmsSignatureRequest): Promise<Uint8Array> {
  const { signer, contentDigest } = request;
  if (contentDigest.length !== 32) throw new RangeError('contentDigest must be a SHA-256 digest (32 bytes)');
  const template = templateFor(signer);
  // Attribute ::= SEQUENCE { attrType, attrValues SET OF }; DER orders a SET OF by the encodings.
  const messageDigest = tlv(0x30, [MESSAGE_DIGEST_OID, tlv(0x31, [tlv(0x04, [contentDigest])])]);
  const encodings = [...template.fixedAttributes, messageDigest].sort((x, y) => Buffer.compare(x, y));
  // The signature covers the attributes as a DER SET OF (tag 0x31), not the [0] IMPLICIT form.
  const signature = await signer.sign(tlv(0x31, encodings), 'cms');

  const signerInfoParts = [template.signerInfoHead, tlv(0xa0, encodings), template.signatureAlgorithm, tlv(0x04, [signature])];
  if (request.timestampAuthority) {
    const token = await request.timestampAuthority.timestamp(sha256(signature));
    // unsignedAttrs [1] IMPLICIT SET OF Attribute, here the one signature time-stamp token.
    signerInfoParts.push(tlv(0xa1, [tlv(0x30, [TIMESTAMP_TOKEN_OID, tlv(0x31, [token])])]));
  }
  const signedData = tlv(0x30, [template.signedDataHead, tlv(0x31, [tlv(0x30, signerInfoParts)])]);
  // ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT ANY }
  return tlv(0x30, [SIGNED_DATA_OID, tlv(0xa0, [signedData])]);
}

function serialize(value: object): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(value));
}

function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

function tlv(tag: number, contents: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** DER of an OBJECT IDENTIFIER (attribute values are raw DER in asn1-cms). */
function encodeOid(oid: string): ArrayBuffer {
  const arcs = oid.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const body: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128 = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) base128.unshift(0x80 | (value & 0x7f));
    body.push(...base128);
  }
  return toArrayBuffer(Uint8Array.from([0x06, body.length, ...body]));
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}
