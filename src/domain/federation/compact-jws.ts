import { createHash, createPublicKey, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { canonicalize } from '../shared/canonical-json';
import { isLowS, toLowS } from '../gate/gate-pass';

/**
 * Compact JWS (RFC 7515) as platforms sign to each other: ES256 over the RFC 8785 form of a JSON
 * payload, with `kid` the key's RFC 7638 thumbprint. Signatures are made low-S and only low-S ones
 * are accepted, so one payload and key have one signed form (its checksum is stable).
 */

export interface PlatformJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/**
 * The public JWK of an EC P-256 key (private or public), with its RFC 7638 thumbprint as `kid`;
 * `what` names the key in the error for any other key (gate passes use it too).
 */
export function platformJwk(key: KeyObject, what = 'a platform key'): PlatformJwk {
  const jwk: JsonWebKey = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error(`${what} must be an EC P-256 key`);
  const thumbprint = b64u(createHash('sha256').update(`{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`).digest());
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: thumbprint, alg: 'ES256', use: 'sig' };
}

/** A public key from a JWK a peer publishes or an operator pins; only EC P-256 is accepted. */
export function publicKeyFromJwk(jwk: { kty?: unknown; crv?: unknown; x?: unknown; y?: unknown }): KeyObject {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new Error('a platform key must be an EC P-256 JWK (kty EC, crv P-256, x, y)');
  }
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
}

export interface JwsSigner {
  key: KeyObject;
  kid: string;
}

export function signJws(payload: unknown, signer: JwsSigner): string {
  const input = `${b64u(JSON.stringify({ alg: 'ES256', kid: signer.kid }))}.${b64u(canonicalize(payload))}`;
  const signature = toLowS(sign('sha256', Buffer.from(input, 'ascii'), { key: signer.key, dsaEncoding: 'ieee-p1363' }));
  return `${input}.${b64u(signature)}`;
}

/** Why a JWS did not open: not a compact ES256 JWS, signed by a key not given, or a bad signature. */
export type JwsFailure = 'jws-malformed' | 'jws-unknown-key' | 'jws-bad-signature';

export type OpenedJws = { ok: true; kid: string; payload: unknown } | { ok: false; failure: JwsFailure };

const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function parseJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Opens a compact JWS with the key `keyFor` gives for its `kid`. The header must be exactly
 * `{alg: ES256, kid}`: anything else (`crit`, `jku`, `x5u`, another algorithm) is malformed, as a
 * header member this code ignores could change what the signer meant.
 */
export function openJws(token: string, keyFor: (kid: string) => KeyObject | undefined): OpenedJws {
  if (!COMPACT.test(token)) return { ok: false, failure: 'jws-malformed' };
  const [headerPart = '', payloadPart = '', signaturePart = ''] = token.split('.');
  const header = parseJson(headerPart);
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return { ok: false, failure: 'jws-malformed' };
  const { alg, kid, ...rest } = header as Record<string, unknown>;
  if (alg !== 'ES256' || typeof kid !== 'string' || Object.keys(rest).length > 0) return { ok: false, failure: 'jws-malformed' };
  const payload = parseJson(payloadPart);
  if (payload === undefined) return { ok: false, failure: 'jws-malformed' };
  const key = keyFor(kid);
  if (!key) return { ok: false, failure: 'jws-unknown-key' };
  const signature = Buffer.from(signaturePart, 'base64url');
  const valid =
    isLowS(signature) &&
    verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, signature);
  return valid ? { ok: true, kid, payload } : { ok: false, failure: 'jws-bad-signature' };
}

/** The `kid` a compact JWS names, unverified ('' when none): which key to open it with (openJws then checks the whole header). */
export function jwsKid(token: string): string {
  const header = parseJson(token.split('.')[0] ?? '');
  const kid = typeof header === 'object' && header !== null ? (header as { kid?: unknown }).kid : undefined;
  return typeof kid === 'string' ? kid : '';
}

/** SHA-256 (lowercase hex) of a signed content as sent: PINT's checksum of a JWS entry. */
export function signedContentChecksum(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('hex');
}
