import { canonicalHash } from '../shared/canonical-json';

/**
 * How one platform calls another's PINT routes. PINT leaves authentication to the platforms; SDX
 * signs each request with the calling platform's key: `Authorization: PINT-JWS <compact JWS>` over
 * these claims, which bind the token to one receiver, method, path and body and to a short window,
 * and carry a one-time id against replay.
 */
export interface PeerRequestClaims {
  /** The calling platform's code. */
  iss: string;
  /** The called platform's code. */
  aud: string;
  htm: string;
  /** The path called, without query. */
  htu: string;
  /** Seconds since the epoch. */
  iat: number;
  jti: string;
  /** SHA-256 of the body's RFC 8785 form (of `{}` when there is none). */
  bodySha256: string;
}

export const PEER_AUTH_SCHEME = 'PINT-JWS';

/** How far a request's `iat` may be from the receiver's clock; also how long its `jti` is remembered. */
export const PEER_REQUEST_WINDOW_SECONDS = 60;

export function peerRequestClaims(input: { from: string; to: string; method: string; path: string; body: unknown; now: Date; jti: string }): PeerRequestClaims {
  return {
    iss: input.from,
    aud: input.to,
    htm: input.method.toUpperCase(),
    htu: input.path,
    iat: Math.floor(input.now.getTime() / 1000),
    jti: input.jti,
    bodySha256: canonicalHash(input.body ?? {}),
  };
}

/** Why a signed request is refused, before or after its signature was checked. */
export type PeerRequestFailure = 'peer-credentials-missing' | 'peer-unknown' | 'peer-signature-invalid' | 'peer-request-invalid' | 'peer-request-replayed';

/** The claims of a request whose signature verified, against what this receiver saw; undefined when they hold. */
export function peerClaimsProblem(claims: unknown, seen: { own: string; method: string; path: string; body: unknown; now: Date }): string | undefined {
  if (typeof claims !== 'object' || claims === null) return 'the claims are not an object';
  const c = claims as Partial<Record<keyof PeerRequestClaims, unknown>>;
  if (c.aud !== seen.own) return `the request is for ${String(c.aud)}, not ${seen.own}`;
  if (c.htm !== seen.method.toUpperCase() || c.htu !== seen.path) return 'the request was signed for another method or path';
  if (typeof c.iat !== 'number' || Math.abs(seen.now.getTime() / 1000 - c.iat) > PEER_REQUEST_WINDOW_SECONDS) {
    return `the request was signed more than ${PEER_REQUEST_WINDOW_SECONDS} s from this platform's time`;
  }
  if (typeof c.jti !== 'string' || c.jti.length < 16 || c.jti.length > 64) return 'the request id (jti) must be 16-64 characters';
  if (c.bodySha256 !== canonicalHash(seen.body ?? {})) return 'the body is not the one signed';
  return undefined;
}
