import type { PartyId } from '../../domain/party/party';

export type SignatureAlgorithm = 'ES256' | 'PS256' | 'RS256';

/**
 * A party's signing capability. The private key stays inside the key store: callers get a
 * function that signs, never the key. Certificates are DER.
 */
export interface PartySigner {
  partyId: PartyId;
  /** The JWS algorithm: ES256 for EC keys, PS256 for RSA keys. */
  algorithm: SignatureAlgorithm;
  keyType: 'ec' | 'rsa';
  certificate: Uint8Array;
  /** Issuing CA certificates up to (not including) the root, nearest first. */
  chain: Uint8Array[];
  /**
   * Signs `data` with SHA-256 in the form its container expects. `cms`: ECDSA DER-encoded, RSA
   * PKCS#1 v1.5 (sha256WithRSAEncryption). `jws`: ECDSA r||s (ES256), RSA-PSS with a 32-byte salt (PS256).
   */
  sign(data: Uint8Array, purpose: 'cms' | 'jws'): Promise<Uint8Array>;
}

/**
 * Where parties' keys live. Implementations MUST keep private keys encrypted at rest outside
 * development, and MUST NOT put key material into errors, logs or return values.
 */
export interface KeyStore {
  signerFor(partyId: PartyId): Promise<PartySigner>;
  has(partyId: PartyId): Promise<boolean>;
}

/** An RFC 3161 time-stamping authority. */
export interface TimestampAuthority {
  /** Returns a DER TimeStampToken (a CMS ContentInfo) over the SHA-256 `digest`. */
  timestamp(digest: Uint8Array): Promise<Uint8Array>;
}
