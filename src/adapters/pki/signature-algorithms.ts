import { constants, verify, type KeyObject } from 'node:crypto';
import { childrenOf, decodeOid, readTlv, smallIntegerAt } from '../pdf/verify/der-reader';

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const DIGESTS: Record<string, HashName> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export function hashNameOf(oid: string): HashName | undefined {
  return DIGESTS[oid];
}

/** Signature algorithms that name their hash: RSA PKCS#1 v1.5 and ECDSA. */
const WITH_HASH: Record<string, HashName> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const ED25519 = '1.3.101.112';

export interface SignatureAlgorithm {
  algorithm: string;
  /** DER of the parameters, when present. */
  parameters?: Uint8Array;
}

/**
 * Whether `signature` over `data` verifies with `key` under `algorithm` (RSA PKCS#1 v1.5, RSASSA-PSS,
 * ECDSA, Ed25519). `digest` is the hash a CMS SignerInfo names, used when the algorithm is a bare
 * key type (rsaEncryption, id-ecPublicKey). Returns a reason instead when the algorithm cannot be checked.
 */
export function verifySignature(algorithm: SignatureAlgorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array, digest?: HashName): { ok: boolean; reason?: string } {
  if (algorithm.algorithm === RSASSA_PSS) {
    const params = pssParameters(algorithm.parameters);
    if (!params) return { ok: false, reason: 'RSASSA-PSS parameters are unreadable' };
    return { ok: verify(params.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength }, signature) };
  }
  if (algorithm.algorithm === ED25519) return { ok: key.asymmetricKeyType === 'ed25519' && verify(null, data, key, signature) };
  const hashName = WITH_HASH[algorithm.algorithm] ?? (algorithm.algorithm === RSA_ENCRYPTION || algorithm.algorithm === EC_PUBLIC_KEY ? digest : undefined);
  if (!hashName) return { ok: false, reason: `unsupported signature algorithm ${algorithm.algorithm}` };
  if (key.asymmetricKeyType === 'ec') return { ok: verify(hashName, data, { key, dsaEncoding: 'der' }, signature) };
  if (key.asymmetricKeyType === 'rsa') return { ok: verify(hashName, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature) };
  return { ok: false, reason: `unsupported key type ${String(key.asymmetricKeyType)}` };
}

/** Like verifySignature, false for anything that does not verify, throws included. */
export function signatureVerifies(algorithm: SignatureAlgorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verifySignature(algorithm, key, data, signature).ok;
  } catch {
    return false;
  }
}

/** RSASSA-PSS-params (RFC 4055): hash defaults to SHA-1, salt length to 20. */
function pssParameters(parameters: Uint8Array | undefined): { hash: HashName; saltLength: number } | undefined {
  let hashName: HashName | undefined = 'sha1';
  let saltLength = 20;
  if (parameters && parameters[0] === 0x30) {
    for (const field of childrenOf(parameters, readTlv(parameters, 0))) {
      const inner = childrenOf(parameters, field)[0];
      if (!inner) continue;
      if (field.tag === 0xa0) {
        const oid = childrenOf(parameters, inner)[0];
        hashName = oid ? hashNameOf(decodeOid(parameters.subarray(oid.contentStart, oid.contentEnd))) : undefined;
      } else if (field.tag === 0xa2) {
        saltLength = smallIntegerAt(parameters, inner, 'the PSS salt length');
      }
    }
  }
  return hashName ? { hash: hashName, saltLength } : undefined;
}
