import { kindOfPayload, namedIssuersOf, validatePayload } from '../document/document-kinds';
import type { TransferChainEntry } from './pint-envelope';

/** Whom a peer hosts (its `parties` and `carriers` in SDX_PEERS_FILE): the issuers its ISSUE entries may name. */
export interface HostedIssuers {
  parties: readonly string[];
  carriers: readonly string[];
}

/**
 * Why the platform that signed a chain's first (ISSUE) entry may not issue `document`, or undefined
 * when it may. A valid signature only proves which platform made the entry; without this any peer
 * could mint a D/O in another carrier's name. The ISSUE's actor must be a party of that platform,
 * named in the document as one who may issue it; a peer must host that party and, for a D/O, the
 * carrier it names (by SCAC or party id). This platform's own parties are its own: an entry signed
 * with its key was checked when it was issued here. A platform `hostsOf` does not know hosts nothing.
 */
export function issueEntitlementProblem(
  first: TransferChainEntry,
  document: unknown,
  context: { ownPlatform: string; hostsOf: (platform: string) => HostedIssuers | undefined },
): string | undefined {
  const platform = first.eblPlatform;
  const issue = first.transactions[0];
  if (issue?.actionCode !== 'ISSUE') return 'the first chain entry does not start with ISSUE';
  if (issue.actor.eblPlatform !== platform) return `the ISSUE actor is not a party of ${platform}, which signed it`;
  const actor = issue.actor.identifyingCodes.find((c) => c.codeListProvider === platform)?.partyCode;
  const kind = kindOfPayload(document);
  const parsed = kind === undefined ? undefined : validatePayload(kind, document);
  if (kind === undefined || !parsed?.ok) return 'the document is not a payload this platform knows';
  if (actor === undefined || !namedIssuersOf(kind, parsed.value).includes(actor)) return `the ISSUE actor ${actor ?? '(none)'} is not named in the document as one who may issue it`;
  if (platform === context.ownPlatform) return undefined;
  const hosts = context.hostsOf(platform);
  if (!hosts?.parties.includes(actor)) return `${platform} is not entitled to issue for ${actor}`;
  const order = kind === 'delivery-order' ? validatePayload('delivery-order', document) : undefined;
  if (order?.ok) {
    const carrier = order.value.carrier;
    const hosted = (carrier.scac !== undefined && hosts.carriers.includes(carrier.scac)) || hosts.parties.includes(carrier.partyId);
    if (!hosted) return `${platform} is not entitled to issue for carrier ${carrier.scac ?? carrier.partyId}`;
  }
  return undefined;
}
