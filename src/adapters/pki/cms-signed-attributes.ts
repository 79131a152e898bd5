import { createHash, constants, sign, type KeyObject } from 'node:crypto';
import { Attribute, id_messageDigest } from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { compareDer, derObjectIdentifier, derTlv } from './der';

export const id_contentType = '1.2.840.113549.1.9.3';
export const id_ecdsaWithSha256 = '1.2.840.10045.4.3.2';
export const id_sha256WithRsaEncryption = '1.2.840.113549.1.1.11';

export function contentTypeAttribute(contentType: string): Attribute {
  return new Attribute({ attrType: id_contentType, attrValues: [toArrayBuffer(derObjectIdentifier(contentType))] });
}

export function messageDigestAttribute(content: Uint8Array): Attribute {
  const digest = createHash('sha256').update(content).digest();
  return new Attribute({ attrType: id_messageDigest, attrValues: [AsnConvert.serialize(new OctetString(digest))] });
}

/**
 * Signed attributes in DER order, and the bytes a CMS signature covers: the SET OF with its
 * universal tag (RFC 5652 5.4), not the [0] IMPLICIT form stored in the SignerInfo. The returned
 * `attributes` keep that order so that the stored form matches the signed bytes.
 */
export function encodeSignedAttributes(attributes: Attribute[]): { attributes: Attribute[]; der: Uint8Array } {
  const encoded = attributes
    .map((attribute) => ({ attribute, der: new Uint8Array(AsnConvert.serialize(attribute)) }))
    .sort((a, b) => compareDer(a.der, b.der));
  return {
    attributes: encoded.map((entry) => entry.attribute),
    der: derTlv(0x31, Buffer.concat(encoded.map((entry) => entry.der))),
  };
}

/** The CMS signatureAlgorithm for a key: ecdsa-with-SHA256, or sha256WithRSAEncryption (PKCS#1 v1.5). */
export function cmsSignatureAlgorithm(keyType: 'ec' | 'rsa'): AlgorithmIdentifier {
  return keyType === 'ec'
    ? new AlgorithmIdentifier({ algorithm: id_ecdsaWithSha256 })
    : new AlgorithmIdentifier({ algorithm: id_sha256WithRsaEncryption, parameters: null });
}

/** A CMS signature value over `data` with a node:crypto key (DER ECDSA, or RSA PKCS#1 v1.5). */
export function cmsSign(data: Uint8Array, key: KeyObject): Uint8Array {
  const options = key.asymmetricKeyType === 'rsa' ? { key, padding: constants.RSA_PKCS1_PADDING } : { key, dsaEncoding: 'der' as const };
  return new Uint8Array(sign('sha256', data, options));
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
