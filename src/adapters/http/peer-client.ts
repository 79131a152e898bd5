import type { PartyAddress } from '../../domain/federation/platform-address';
import { SdxError } from '../../domain/shared/errors';
import { signPeerRequest } from '../../application/federation/peer-requests';
import type { FetchJwks, PeerDirectory, Platform } from '../../application/federation/platform';

/** How long a peer has to answer; a transfer waits on it, so not long. */
const PEER_TIMEOUT_MS = 10_000;

/** A peer's JWK set; redirects are not followed (the operator configured this URL, not another). */
export const fetchJwks: FetchJwks = async (url) => {
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(PEER_TIMEOUT_MS), headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
};

export type ReceiverCheck = { found: true; partyName: string } | { found: false };

/** Calls peers' PINT routes, each request signed with this platform's key. */
export class PeerClient {
  constructor(
    private readonly platform: Platform,
    private readonly peers: PeerDirectory,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * PINT receiver validation: asks the party's platform whether it takes documents for the party
   * and under what name. `peer-unavailable` when the peer is not configured, out of reach, or
   * answers anything but PINT's 200 or 404.
   */
  async validateReceiver(address: PartyAddress, language: 'zh' | 'en' = 'en'): Promise<ReceiverCheck> {
    const code = address.platform ?? '';
    const body = { codeListProvider: code, partyCode: address.party };
    const res = await this.post(code, '/pint/v3/receiver-validation', body, language);
    if (res.status === 404) return { found: false };
    const answer = res.status === 200 ? ((await res.json().catch(() => undefined)) as { partyName?: unknown } | undefined) : undefined;
    if (typeof answer?.partyName !== 'string') throw new SdxError('peer-unavailable', `${code} answered receiver validation with ${res.status}`);
    return { found: true, partyName: answer.partyName };
  }

  /** One signed PINT call; its status and JSON body (undefined when there is none or it is not JSON). */
  async call(code: string, method: 'POST' | 'PUT', path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const res = await this.post(code, path, body, 'en', method);
    const text = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, body: json };
  }

  private async post(code: string, path: string, body: unknown, language: 'zh' | 'en', method: 'POST' | 'PUT' = 'POST'): Promise<Response> {
    const peer = this.peers.get(code);
    if (!peer) throw new SdxError('peer-unavailable', `${code} is not a configured peer platform`);
    const authorization = signPeerRequest(this.platform, { to: code, method, path, body, now: this.clock() });
    try {
      return await fetch(`${peer.url}${path}`, {
        method,
        redirect: 'error',
        signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
        headers: { Authorization: authorization, 'Content-Type': 'application/json', Accept: 'application/json', 'Accept-Language': language, 'API-Version': '3' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new SdxError('peer-unavailable', `${code} could not be reached`, { cause: error });
    }
  }
}
