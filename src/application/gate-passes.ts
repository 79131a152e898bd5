import { createHash, createPublicKey, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { documentFacts } from './document-facts';
import type { StoredDocument } from './ports/store.port';
import {
  PAYLOAD_HASH_PREFIX_LENGTH,
  parsePassClaims,
  passKinds,
  type LiveStatus,
  type PassClaims,
} from '../domain/gate/gate-pass';

/**
 * Gate passes: compact JWS (ES256) over a document's pass claims, signed by the deployment's pass
 * key. Unlike events they carry no certificate (`x5c` would not fit a QR a phone reads at arm's
 * length); gates trust the keys the service publishes at /pass-keys.json and cache them offline.
 */
export interface PassKeyJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

const publicKeyOf = (key: KeyObject) => (key.type === 'public' ? key : createPublicKey(key));

function publicJwk(key: KeyObject): { crv: string; kty: string; x: string; y: string } {
  const jwk: JsonWebKey = publicKeyOf(key).export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error('a gate pass key must be an EC P-256 key');
  return { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
}

/** RFC 7638 thumbprint, shortened: a key id only has to tell a handful of published keys apart. */
function keyId(jwk: { crv: string; kty: string; x: string; y: string }): string {
  const canonical = `{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`;
  return b64u(createHash('sha256').update(canonical).digest()).slice(0, 8);
}

export interface PassKeys {
  /** The key that signs new passes. */
  signing: KeyObject;
  /** Older (public) keys whose passes may still be in circulation; published, never used to sign. */
  retired?: readonly KeyObject[];
}

/** How long a pass stays valid when the document itself does not end sooner. */
export const PASS_LIFETIME_SECONDS = 24 * 3600;

export class GatePasses {
  private readonly signingKey: KeyObject;
  private readonly signingKid: string;
  private readonly published: PassKeyJwk[];
  private readonly verifying: Map<string, KeyObject>;

  constructor(keys: PassKeys) {
    this.signingKey = keys.signing;
    const all = [keys.signing, ...(keys.retired ?? [])];
    this.published = all.map((key) => {
      const jwk = publicJwk(key);
      return { ...jwk, kty: 'EC', crv: 'P-256', kid: keyId(jwk), alg: 'ES256', use: 'sig' };
    });
    this.signingKid = this.published[0]?.kid ?? '';
    this.verifying = new Map(all.map((key, i) => [this.published[i]?.kid ?? '', publicKeyOf(key)]));
  }

  /** The JWK set gates download and keep for offline checks. */
  trustList(): { keys: PassKeyJwk[] } {
    return { keys: this.published };
  }

  claimsFor(stored: StoredDocument, now: Date): PassClaims {
    const facts = documentFacts(stored);
    const iat = Math.floor(now.getTime() / 1000);
    const validUntil = stored.state.validUntil ? Math.floor(Date.parse(stored.state.validUntil) / 1000) : Infinity;
    return {
      d: stored.state.id,
      k: passKinds[stored.state.kind],
      s: stored.seq,
      h: stored.state.payloadHash.slice(0, PAYLOAD_HASH_PREFIX_LENGTH),
      o: stored.state.holder ?? stored.state.issuer,
      iat,
      exp: Math.max(iat + 1, Math.min(iat + PASS_LIFETIME_SECONDS, validUntil)),
      ...(facts.truckPlate ? { p: facts.truckPlate } : {}),
      ...(facts.containers[0] ? { c: facts.containers[0] } : {}),
    };
  }

  sign(claims: PassClaims): string {
    const input = `${b64u(JSON.stringify({ alg: 'ES256', kid: this.signingKid }))}.${b64u(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input, 'ascii'), { key: this.signingKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64u(signature)}`;
  }

  /** Checks a pass's signature against the published keys; `claims` only when it verifies. */
  open(token: string): { outcome: 'valid' | 'invalid' | 'unknown-key'; claims?: PassClaims } {
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p)) || token.length > 2048) return { outcome: 'invalid' };
    const [headerPart = '', bodyPart = '', signaturePart = ''] = parts;
    const header = parseJson(headerPart);
    if (typeof header !== 'object' || header === null || !('alg' in header) || header.alg !== 'ES256' || !('kid' in header)) {
      return { outcome: 'invalid' };
    }
    const key = typeof header.kid === 'string' ? this.verifying.get(header.kid) : undefined;
    if (!key) return { outcome: 'unknown-key' };
    const signed = verify('sha256', Buffer.from(`${headerPart}.${bodyPart}`, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signaturePart, 'base64url'));
    const claims = signed ? parsePassClaims(parseJson(bodyPart)) : undefined;
    return claims ? { outcome: 'valid', claims } : { outcome: 'invalid' };
  }
}

function parseJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The live facts a pass's bearer may learn: nothing the pass does not already name. */
export function liveStatusFor(claims: PassClaims, stored: StoredDocument | undefined): LiveStatus {
  if (!stored || passKinds[stored.state.kind] !== claims.k) return { found: false };
  return { found: true, status: stored.state.status, seq: stored.seq, holderUnchanged: stored.state.holder === claims.o };
}
