import { z } from 'zod';
import { hasRole } from '../../domain/party/party';
import { parseOrThrow } from '../../domain/shared/schema';
import { SdxError, ValidationError } from '../../domain/shared/errors';
import type { Store } from '../ports/store.port';
import { parsePartyAddress, isLocalAddress, type PartyAddress } from '../../domain/federation/platform-address';

/** PINT's IdentifyingCode: SDX parties are listed under the platform's own code, by party id. */
export const identifyingCodeSchema = z.strictObject({
  codeListProvider: z.string().min(1).max(100),
  partyCode: z.string().min(1).max(150),
  codeListName: z.string().max(100).optional(),
});

/** PINT's partyName: at most 70 characters, no space at either end. */
function pintName(name: string): string {
  return [...name.trim()].slice(0, 70).join('').trim();
}

/**
 * PINT receiver validation: whether a party of this platform would take a document, and the name
 * the sending user should see. Auditors only read, so they are not receivers; like an unknown
 * party (or another platform's code list) they are `pint-party-unknown`, which says no more.
 */
export async function validateReceiver(store: Store, ownCode: string, body: unknown, language: 'zh' | 'en'): Promise<{ partyName: string }> {
  const code = parseOrThrow(identifyingCodeSchema, body);
  const unknown = new SdxError('pint-party-unknown', `no party ${code.partyCode} under code list ${code.codeListProvider} takes documents here`);
  if (code.codeListProvider !== ownCode) throw unknown;
  const party = /^[a-z0-9][a-z0-9-]{1,62}$/.test(code.partyCode) ? await store.getParty(code.partyCode) : undefined;
  if (!party || (party.roles.length === 1 && hasRole(party, 'auditor'))) throw unknown;
  return { partyName: pintName(language === 'zh' ? (party.name.zh ?? party.name.en) : party.name.en) };
}

/** What a peer says of one of its parties (an adapter asks it). */
export type AskPeer = (address: PartyAddress, language: 'zh' | 'en') => Promise<{ found: true; partyName: string } | { found: false }>;

/**
 * A user's check before a transfer: `to` is `<platform>:<party>` or a local party id. A local party
 * is looked up here, a peer's party asked of its platform; either way `pint-party-unknown` when it
 * takes no documents, `validation-failed` when `to` is no address.
 */
export async function lookUpReceiver(
  deps: { store: Store; ownCode: string; askPeer: AskPeer },
  body: unknown,
  language: 'zh' | 'en',
): Promise<{ platform: string; partyId: string; partyName: string }> {
  const { to } = parseOrThrow(z.strictObject({ to: z.string().max(200) }), body);
  const address = parsePartyAddress(to);
  if (!address) {
    throw new ValidationError([{ path: 'to', code: 'invalid-format', message: 'must be <platform>:<party> (e.g. PORT:demo-consignee) or a party id' }]);
  }
  if (isLocalAddress(address, deps.ownCode)) {
    const { partyName } = await validateReceiver(deps.store, deps.ownCode, { codeListProvider: deps.ownCode, partyCode: address.party }, language);
    return { platform: deps.ownCode, partyId: address.party, partyName };
  }
  const answer = await deps.askPeer(address, language);
  if (!answer.found) throw new SdxError('pint-party-unknown', `${to} takes no documents, or its platform does not say`);
  return { platform: address.platform ?? '', partyId: address.party, partyName: answer.partyName };
}
