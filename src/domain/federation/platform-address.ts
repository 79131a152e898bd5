/**
 * Where a party lives across exchanges: `<platform>:<party>`, the platform code of the deployment
 * that holds the party (PINT's `eblPlatform`) and the party's id there. A bare party id is local.
 */

/**
 * A platform code: what PINT puts in `eblPlatform` (at most 4 characters, no space). SDX keeps to
 * 2-4 capitals or digits so that a code never looks like a party id (lowercase).
 */
const PLATFORM_CODE = /^[A-Z0-9]{2,4}$/;
const PARTY_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

export function isPlatformCode(text: string): boolean {
  return PLATFORM_CODE.test(text);
}

export interface PartyAddress {
  /** The platform that holds the party; undefined for a party on this platform. */
  platform?: string;
  party: string;
}

/** `PLAT:party-id` or `party-id`; undefined for anything else. */
export function parsePartyAddress(text: string): PartyAddress | undefined {
  const colon = text.indexOf(':');
  if (colon === -1) return PARTY_ID.test(text) ? { party: text } : undefined;
  const platform = text.slice(0, colon);
  const party = text.slice(colon + 1);
  return isPlatformCode(platform) && PARTY_ID.test(party) ? { platform, party } : undefined;
}

export function formatPartyAddress(address: PartyAddress): string {
  return address.platform === undefined ? address.party : `${address.platform}:${address.party}`;
}

/** Whether the address names a party of the platform `own` (bare, or prefixed with `own`). */
export function isLocalAddress(address: PartyAddress, own: string): boolean {
  return address.platform === undefined || address.platform === own;
}
