import { createHash, constants, sign, type KeyObject } from 'node:crypto';
import { id_messageDigest } from '@peculiar/asn1-cms';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { compareDer, derObjectIdentifier, derTlv } from './der';

export const id_contentType = '1.2.840.113549.1.9.3';
export const id_ecdsaWithSha256 = '1.2.840.10045.4.3.2';
export const id_sha256WithRsaEncryption = '1.2.840.113549.1.1.11';

/** DER of a contentType attribute (RFC 5652 11.1). */
export function contentTypeAttribute(contentType: string): Uint8Array {
  return attribute(id_contentType, derObjectIdentifier(contentType));
}

/** DER of a messageDigest attribute: the SHA-256 of `content` (RFC 5652 11.2). */
export function messageDigestAttribute(content: Uint8Array): Uint8Array {
  return attribute(id_messageDigest, derTlv(0x04, createHash('sha256').update(content).digest()));
}

/** Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue }, one value. */
function attribute(type: string, valueDer: Uint8Array): Uint8Array {
  return derTlv(0x30, Buffer.concat([derObjectIdentifier(type), derTlv(0x31, valueDer)]));
}

/**
 * The bytes a CMS signature covers, given the DER of each signed attribute: the SET OF in DER order
 * with its universal tag (RFC 5652 5.4), not the [0] IMPLICIT form stored in the SignerInfo (the
 * same bytes with the first one changed to 0xa0).
 */
export function encodeSignedAttributes(attributes: Uint8Array[]): Uint8Array {
  return derTlv(0x31, Buffer.concat([...attributes].sort(compareDer)));
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
