import { X509Certificate, type KeyObject } from 'node:crypto';
import { platformJwk, publicKeyFromJwk, type JwsSigner, type PlatformJwk } from '../../domain/federation/compact-jws';
import type { HostedIssuers } from '../../domain/federation/issue-entitlement';
import type { PeerConfig } from '../../domain/federation/peers';
import type { PlatformKeys } from '../../domain/federation/pint-envelope';

/** This deployment as other platforms know it: its code and the key it signs envelopes and receipts with. */
export class Platform {
  readonly signer: JwsSigner;
  private readonly jwk: PlatformJwk;

  constructor(
    readonly code: string,
    key: KeyObject,
  ) {
    this.jwk = platformJwk(key);
    this.signer = { key, kid: this.jwk.kid };
  }

  /** What `/.well-known/jwks.json` publishes. */
  jwks(): { keys: PlatformJwk[] } {
    return { keys: [this.jwk] };
  }
}

/** Fetches a peer's JWK set (an adapter does the HTTP). */
export type FetchJwks = (url: string) => Promise<unknown>;

/** How long a fetched JWK set is used before an unknown `kid` may fetch it again. */
const JWKS_REFRESH_MS = 30_000;

/**
 * The configured peers and their keys. A pinned key (or the key an x5c certifies) is the only key of its peer; a JWKS URL is
 * fetched on first use and again when a signature names a key not in it (a peer rotated), at most
 * every 30 seconds so that forged `kid`s cannot make this platform hammer the peer.
 */
export class PeerDirectory {
  private readonly byCode: Map<string, PeerConfig>;
  private readonly fetched = new Map<string, { at: number; keys: Map<string, KeyObject> }>();

  constructor(
    peers: readonly PeerConfig[],
    private readonly fetchJwks: FetchJwks,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.byCode = new Map(peers.map((peer) => [peer.code, peer]));
  }

  get(code: string): PeerConfig | undefined {
    return this.byCode.get(code);
  }

  /** Whom a peer hosts, the issuers it may issue for; undefined for a platform that is not a peer. */
  hostsOf(code: string): HostedIssuers | undefined {
    const peer = this.byCode.get(code);
    return peer ? { parties: peer.parties ?? [], carriers: peer.carriers ?? [] } : undefined;
  }

  /** The peer's public key with thumbprint `kid`, or undefined (unknown peer, unknown key, JWKS out of reach). */
  async keyFor(code: string, kid: string): Promise<KeyObject | undefined> {
    const peer = this.byCode.get(code);
    if (!peer) return undefined;
    // An x5c (checked at start-up against the trust anchors) certifies one key: the peer's, whatever its JWKS says.
    const certified = peer.x5c?.[0] === undefined ? undefined : new X509Certificate(Buffer.from(peer.x5c[0], 'base64')).publicKey;
    if (peer.jwk || certified) {
      const key = peer.jwk ? publicKeyFromJwk(peer.jwk) : (certified as KeyObject);
      return platformJwk(key).kid === kid ? key : undefined;
    }
    const cached = this.fetched.get(code);
    const known = cached?.keys.get(kid);
    if (known || (cached && this.now() - cached.at < JWKS_REFRESH_MS)) return known;
    const keys = await this.loadJwks(peer.jwksUrl ?? '');
    this.fetched.set(code, { at: this.now(), keys });
    return keys.get(kid);
  }

  private async loadJwks(url: string): Promise<Map<string, KeyObject>> {
    const keys = new Map<string, KeyObject>();
    const set = await this.fetchJwks(url).catch(() => undefined);
    const list = typeof set === 'object' && set !== null && Array.isArray((set as { keys?: unknown }).keys) ? (set as { keys: unknown[] }).keys : [];
    for (const entry of list) {
      try {
        const key = publicKeyFromJwk(typeof entry === 'object' && entry !== null ? entry : {});
        keys.set(platformJwk(key).kid, key);
      } catch {
        // A key of another type in the set is not one a platform signs with here; skip it.
      }
    }
    return keys;
  }
}

/** The signing keys of this platform and its peers, by platform code and `kid`: what checks chains, receipts and notices. */
export function platformKeysOf(platform: Platform, peers: PeerDirectory): PlatformKeys {
  return async (code, kid) => (code === platform.code ? (platform.signer.kid === kid ? platform.signer.key : undefined) : peers.keyFor(code, kid));
}
