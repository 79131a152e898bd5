import { randomUUID } from 'node:crypto';
import { openJws, signJws } from '../../domain/federation/compact-jws';
import { PEER_AUTH_SCHEME, PEER_REQUEST_WINDOW_SECONDS, peerClaimsProblem, peerRequestClaims, type PeerRequestFailure } from '../../domain/federation/peer-request';
import type { PeerDirectory, Platform } from './platform';
import type { FederationStore } from '../ports/federation-store.port';

/** The Authorization header value for a request from `platform` to peer `to`. */
export function signPeerRequest(platform: Platform, request: { to: string; method: string; path: string; body: unknown; now: Date }): string {
  const claims = peerRequestClaims({ from: platform.code, ...request, jti: randomUUID() });
  return `${PEER_AUTH_SCHEME} ${signJws(claims, platform.signer)}`;
}

export type PeerAuthentication = { ok: true; peer: string } | { ok: false; failure: PeerRequestFailure; detail: string };

/**
 * Checks signed requests from peers: a configured peer's key, this platform as audience, the
 * method, path and body seen, a fresh `iat`, and a `jti` not used before. Request ids are kept for
 * the window in the store when it keeps records (so every node of the deployment sees a replay),
 * else in this process.
 */
export class PeerAuthenticator {
  private readonly seenIds = new Map<string, number>();

  constructor(
    private readonly own: Platform,
    private readonly peers: PeerDirectory,
    private readonly clock: () => Date,
    private readonly records?: Pick<FederationStore, 'remember'>,
  ) {}

  async authenticate(request: { authorization: string | undefined; method: string; path: string; body: unknown }): Promise<PeerAuthentication> {
    const prefix = `${PEER_AUTH_SCHEME} `;
    if (!request.authorization?.startsWith(prefix)) return { ok: false, failure: 'peer-credentials-missing', detail: `send "Authorization: ${PEER_AUTH_SCHEME} <JWS signed with your platform key>"` };
    const token = request.authorization.slice(prefix.length).trim();
    const [headerPart = '', payloadPart = ''] = token.split('.');
    const claimed = decode(payloadPart);
    const header = decode(headerPart);
    const issuer = typeof claimed === 'object' && claimed !== null ? (claimed as { iss?: unknown }).iss : undefined;
    const kid = typeof header === 'object' && header !== null ? (header as { kid?: unknown }).kid : undefined;
    if (typeof issuer !== 'string' || !this.peers.get(issuer)) return { ok: false, failure: 'peer-unknown', detail: 'the request names no platform this one has as a peer' };
    const key = typeof kid === 'string' ? await this.peers.keyFor(issuer, kid) : undefined;
    const opened = openJws(token, (k) => (k === kid ? key : undefined));
    if (!opened.ok) return { ok: false, failure: 'peer-signature-invalid', detail: `the request is not signed by ${issuer}'s key` };
    const now = this.clock();
    const problem = peerClaimsProblem(opened.payload, { own: this.own.code, method: request.method, path: request.path, body: request.body, now });
    if (problem) return { ok: false, failure: 'peer-request-invalid', detail: problem };
    const id = `${issuer}\n${String((opened.payload as { jti: string }).jti)}`;
    const until = now.getTime() + 2 * PEER_REQUEST_WINDOW_SECONDS * 1000;
    if (!(await this.firstSight(id, now, until))) return { ok: false, failure: 'peer-request-replayed', detail: 'this signed request was received before; sign each request anew' };
    return { ok: true, peer: issuer };
  }

  private async firstSight(id: string, now: Date, until: number): Promise<boolean> {
    if (this.records) return this.records.remember('jti', id, '', new Date(until).toISOString(), now.toISOString());
    this.forgetOld(now.getTime());
    if (this.seenIds.has(id)) return false;
    this.seenIds.set(id, until);
    return true;
  }

  private forgetOld(nowMs: number): void {
    for (const [id, until] of this.seenIds) if (until < nowMs) this.seenIds.delete(id);
  }
}

function decode(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
