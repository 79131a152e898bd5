// Who a payload says may sign its document, read from any JSON value without the payload schemas:
// the PDF verifier reads an embedded payload with these alone, so verifying a file does not load
// the schema library. The issuing rules (document-kinds.ts) name their issuers from the same table.
import type { PartyId } from '../party/party';
import type { DocumentKind } from './document';

/** The reserved signature fields of an SDX PDF: the issuer's, and one countersignature. */
export type SignatureSlot = 'issuer' | 'counter';

/** Party ids as the payload schema allows them (src/domain/shared/schema.ts). */
const PARTY_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

interface PartyPath {
  path: readonly string[];
  /** An optional party may be absent; when present it must be a party id. */
  optional?: true;
}

const SIGNERS: Readonly<Record<DocumentKind, Readonly<Record<SignatureSlot, readonly PartyPath[]>>>> = {
  'delivery-order': {
    issuer: [{ path: ['carrier', 'partyId'] }, { path: ['carrierAgent', 'partyId'], optional: true }],
    counter: [],
  },
  eir: {
    issuer: [{ path: ['facility', 'operator', 'partyId'] }, { path: ['container', 'operator', 'partyId'], optional: true }],
    counter: [{ path: ['haulier', 'partyId'] }],
  },
  'telex-release-guarantee': {
    issuer: [{ path: ['shipper', 'partyId'] }, { path: ['forwarder', 'partyId'], optional: true }],
    counter: [{ path: ['carrierAgent', 'partyId'] }],
  },
};

function valueAt(payload: unknown, path: readonly string[]): unknown {
  let value = payload;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The parties at `paths`; null when a required one is missing or one is not a party id. */
function partiesAt(payload: unknown, paths: readonly PartyPath[]): PartyId[] | null {
  const parties: PartyId[] = [];
  for (const { path, optional } of paths) {
    const value = valueAt(payload, path);
    if (value === undefined && optional) continue;
    if (typeof value !== 'string' || !PARTY_ID.test(value)) return null;
    parties.push(value as PartyId);
  }
  return parties;
}

/**
 * Who may sign each reserved field of a `kind` document with this payload: its named issuers, and
 * the countersigner its lifecycle allows. Null when the payload does not name them as a valid
 * payload of that kind does.
 */
export function signersNamedIn(kind: DocumentKind, payload: unknown): Record<SignatureSlot, PartyId[]> | null {
  const issuer = partiesAt(payload, SIGNERS[kind].issuer);
  const counter = partiesAt(payload, SIGNERS[kind].counter);
  return issuer && counter ? { issuer, counter } : null;
}

/** The operator of an EIR's facility (who records gate events), if the payload names one. */
export function facilityOperatorOf(payload: unknown): PartyId | undefined {
  return partiesAt(payload, SIGNERS.eir.issuer.slice(0, 1))?.[0];
}
