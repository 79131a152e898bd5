import { createHash } from 'node:crypto';
import {
  Attribute,
  CMSVersion,
  DigestAlgorithmIdentifier,
  DigestAlgorithmIdentifiers,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignatureAlgorithmIdentifier,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  id_contentType,
  id_data,
  id_messageDigest,
  id_signedData,
} from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
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

/**
 * Builds a CMS ContentInfo(SignedData) for PAdES: signed attributes contentType, messageDigest and
 * signing-certificate-v2 and no signing-time (PAdES puts the time in the PDF's /M). Returns DER.
 */
export async function buildCmsSignedData(request: CmsSignatureRequest): Promise<Uint8Array> {
  const { signer, contentDigest } = request;
  if (contentDigest.length !== 32) throw new RangeError('contentDigest must be a SHA-256 digest (32 bytes)');
  const certificate = AsnConvert.parse(signer.certificate, Certificate);
  const tbs = certificate.tbsCertificate;

  const { attributes: signedAttrs, encodings } = sortForDer([
    new Attribute({ attrType: id_contentType, attrValues: [encodeOid(id_data)] }),
    new Attribute({ attrType: id_messageDigest, attrValues: [AsnConvert.serialize(new OctetString(contentDigest))] }),
    signingCertificateV2Attribute(signer.certificate),
  ]);
  // The signature covers the attributes as a DER SET OF (tag 0x31), not the [0] IMPLICIT form.
  const signature = await signer.sign(tlv(0x31, encodings), 'cms');

  const signerInfo = new SignerInfo({
    version: CMSVersion.v1,
    sid: new SignerIdentifier({
      issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: tbs.issuer, serialNumber: tbs.serialNumber }),
    }),
    digestAlgorithm: new DigestAlgorithmIdentifier({ algorithm: OID_SHA256 }),
    signedAttrs,
    signatureAlgorithm:
      signer.keyType === 'ec'
        ? new SignatureAlgorithmIdentifier({ algorithm: OID_ECDSA_WITH_SHA256 })
        : new SignatureAlgorithmIdentifier({ algorithm: OID_SHA256_WITH_RSA, parameters: null }),
    signature: new OctetString(signature),
  });
  if (request.timestampAuthority) {
    const token = await request.timestampAuthority.timestamp(sha256(signature));
    signerInfo.unsignedAttrs = [new Attribute({ attrType: OID_SIGNATURE_TIMESTAMP_TOKEN, attrValues: [toArrayBuffer(token)] })];
  }

  // SignedData is assembled by hand around the certificates so that their DER goes in as given:
  // parsing and re-serialising each certificate through asn1-schema cost most of the signing time.
  const encapContentInfo = new EncapsulatedContentInfo({ eContentType: id_data }); // detached: no eContent
  const certificates = [signer.certificate, ...signer.chain].map((der) => Buffer.from(der)).sort(Buffer.compare);
  const signedData = tlv(0x30, [
    Uint8Array.from([0x02, 0x01, CMSVersion.v1]),
    serialize(new DigestAlgorithmIdentifiers([new DigestAlgorithmIdentifier({ algorithm: OID_SHA256 })])),
    serialize(encapContentInfo),
    tlv(0xa0, certificates), // certificates [0] IMPLICIT CertificateSet, DER-sorted
    serialize(new SignerInfos([signerInfo])),
  ]);
  // ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT ANY }
  return tlv(0x30, [new Uint8Array(encodeOid(id_signedData)), tlv(0xa0, [signedData])]);
}

function serialize(value: object): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(value));
}

function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

/** DER orders SET OF elements by their encodings; asn1-schema keeps array order, so sort first. */
function sortForDer(unsorted: Attribute[]): { attributes: Attribute[]; encodings: Uint8Array[] } {
  const sorted = unsorted
    .map((attribute) => ({ attribute, der: Buffer.from(AsnConvert.serialize(attribute)) }))
    .sort((a, b) => Buffer.compare(a.der, b.der));
  return { attributes: sorted.map(({ attribute }) => attribute), encodings: sorted.map(({ der }) => der) };
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
