import { jwsKid, openJws, signedContentChecksum } from '../../domain/federation/compact-jws';
import { checkChain, openReceipt, type ChainContext, type PlatformKeys } from '../../domain/federation/pint-envelope';
import { canonicalHash } from '../../domain/shared/canonical-json';
import type { EventBody } from '../events/signed-event';

/** Why an event's cross-platform part does not hold: a signature (`cross-platform-signature-invalid`) or a chain the receiver's rules refuse (`transfer-chain-invalid`). */
export interface CrossPlatformProblem {
  code: 'cross-platform-signature-invalid' | 'transfer-chain-invalid';
  message: string;
}

/**
 * The audit's check of what other platforms signed, kept in this platform's events: the transfer
 * chain a document arrived with, re-checked with the receiver's own rules (`checkChain`: signed by
 * the platform each entry names, linked, issued by a platform entitled to issue for its issuer,
 * each entry made by the platform the one before handed the document to, the last by the peer it
 * came from and handed to this platform; and the last the one accepted), the receipt that let it go
 * (signed by the receiving platform, for the envelope sent, with the code recorded) and a release
 * notice (signed by the platform that sent it). `context` is this deployment's: its platform code,
 * the platforms' keys as it knows them (its own, its peers') and whom each peer hosts.
 * `payload` is the document's, which a transfer-in's row carries (see storeLogEvents).
 */
export function crossPlatformCheck(context: { platform: string; keys: PlatformKeys; hostsOf: ChainContext['hostsOf'] }): (body: EventBody, payload?: unknown) => Promise<CrossPlatformProblem | undefined> {
  const { keys } = context;
  const opens = async (platform: unknown, token: unknown): Promise<boolean> => {
    if (typeof platform !== 'string' || typeof token !== 'string') return false;
    const kid = jwsKid(token);
    const key = await keys(platform, kid);
    return openJws(token, (k) => (k === kid ? key : undefined)).ok;
  };
  return async (body, payload) => {
    const message = await problemOf(body, payload);
    if (message === undefined) return undefined;
    return typeof message === 'string' ? { code: 'cross-platform-signature-invalid', message } : message;
  };

  async function problemOf(body: EventBody, payload: unknown): Promise<string | CrossPlatformProblem | undefined> {
    const data = body.data ?? {};
    switch (body.type) {
      case 'transfer-in': {
        const chain = Array.isArray(data['chain']) ? data['chain'].filter((e): e is string => typeof e === 'string') : [];
        if (chain.length === 0) return 'the transfer-in keeps no transfer chain';
        if (payload === undefined) return { code: 'transfer-chain-invalid', message: 'the bundle carries no payload for this transfer-in, so its chain cannot be checked' };
        const documentChecksum = canonicalHash(payload);
        if (documentChecksum !== body.payloadHash) return { code: 'transfer-chain-invalid', message: 'the payload carried is not the one the event signs' };
        const checked = await checkChain(chain, { sender: String(data['from']), receiver: context.platform, keys, hostsOf: context.hostsOf, document: payload, documentChecksum });
        if (!checked.ok) return checked.responseCode === 'BSIG' ? checked.reason : { code: 'transfer-chain-invalid', message: checked.reason };
        return signedContentChecksum(chain[chain.length - 1] ?? '') === data['lastChecksum'] ? undefined : 'the chain kept is not the one accepted';
      }
      case 'transferred-out':
      case 'transfer-refused': {
        const token = data['receipt'];
        const peer = data['peer'];
        if (typeof token !== 'string' || typeof peer !== 'string' || typeof data['lastChecksum'] !== 'string') return 'the event keeps no receipt';
        const kid = jwsKid(token);
        const key = await keys(peer, kid);
        const receipt = openReceipt(token, (k) => (k === kid ? key : undefined), data['lastChecksum']);
        if (!receipt) return `the receipt is not signed by ${peer}'s key for the envelope sent`;
        return receipt.responseCode === data['responseCode'] ? undefined : `the receipt says ${receipt.responseCode}, not ${String(data['responseCode'])}`;
      }
      case 'released-elsewhere':
      case 'accepted-elsewhere':
      case 'rejected-elsewhere':
      case 'gate-recorded-elsewhere':
        return (await opens(data['peer'], data['notice'])) ? undefined : `the notice is not signed by ${String(data['peer'])}'s key`;
      default:
        return undefined;
    }
  }
}
