import { jwsKid, openJws, signedContentChecksum } from '../../domain/federation/compact-jws';
import { openReceipt, type PlatformKeys } from '../../domain/federation/pint-envelope';
import type { EventBody } from '../events/signed-event';

const payloadOf = (token: string): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/**
 * The audit's check of what other platforms signed, kept in this platform's events: the transfer
 * chain a document arrived with (each entry signed by the platform it names, linked to the one
 * before, the last the one accepted), the receipt that let it go (signed by the receiving platform,
 * for the envelope sent, with the code recorded) and a release notice (signed by the platform that
 * sent it). `keys` are the platforms' keys as this deployment knows them (its own, its peers').
 * Answers why an event's cross-platform signature does not hold, or undefined.
 */
export function crossPlatformCheck(keys: PlatformKeys): (body: EventBody) => Promise<string | undefined> {
  const opens = async (platform: unknown, token: unknown): Promise<boolean> => {
    if (typeof platform !== 'string' || typeof token !== 'string') return false;
    const kid = jwsKid(token);
    const key = await keys(platform, kid);
    return openJws(token, (k) => (k === kid ? key : undefined)).ok;
  };
  return async (body) => {
    const data = body.data ?? {};
    switch (body.type) {
      case 'transfer-in': {
        const chain = Array.isArray(data['chain']) ? data['chain'].filter((e): e is string => typeof e === 'string') : [];
        if (chain.length === 0) return 'the transfer-in keeps no transfer chain';
        for (const [index, entry] of chain.entries()) {
          const fields = payloadOf(entry);
          if (!(await opens(fields['eblPlatform'], entry))) return `chain entry ${index} is not signed by ${String(fields['eblPlatform'])}'s key`;
          const previous = index === 0 ? undefined : signedContentChecksum(chain[index - 1] ?? '');
          if (fields['previousEnvelopeTransferChainEntrySignedContentChecksum'] !== previous) return `chain entry ${index} does not link to the entry before it`;
        }
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
  };
}
