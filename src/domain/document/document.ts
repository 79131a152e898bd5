import type { PartyId } from '../party/party';

export const documentKinds = ['eir', 'delivery-order', 'telex-release-guarantee'] as const;
export type DocumentKind = (typeof documentKinds)[number];

export function isDocumentKind(value: string): value is DocumentKind {
  return (documentKinds as readonly string[]).includes(value);
}

/** How a party takes part in a document. A party that has none of these never sees the document. */
export type ParticipantRole =
  | 'issuer'
  | 'carrier'
  | 'carrier-agent'
  | 'consignee'
  | 'pickup-terminal'
  | 'facility-operator'
  | 'haulier'
  | 'shipper'
  | 'forwarder'
  | 'destination-agent'
  | 'transferee'
  | 'presentee';

export interface Participant {
  partyId: PartyId;
  role: ParticipantRole;
}

export const deliveryOrderStatuses = [
  'issued',
  'transferred',
  'presented',
  'presentation-rejected',
  'released',
  'voided',
  'superseded',
] as const;
export const eirStatuses = ['issued', 'gate-recorded', 'countersigned', 'voided', 'expired'] as const;
export const guaranteeStatuses = ['submitted', 'accepted', 'rejected', 'withdrawn'] as const;

export type DeliveryOrderStatus = (typeof deliveryOrderStatuses)[number];
export type EirStatus = (typeof eirStatuses)[number];
export type GuaranteeStatus = (typeof guaranteeStatuses)[number];
export type DocumentStatus = DeliveryOrderStatus | EirStatus | GuaranteeStatus;

/**
 * A document's current state: the fold of its event history. `holder` is the one party that
 * controls the document now (null once nobody can act on it any more).
 */
export interface DocumentState {
  id: string;
  kind: DocumentKind;
  version: number;
  status: DocumentStatus;
  issuer: PartyId;
  holder: PartyId | null;
  /** The terminal a D/O is presented to, while the presentation is open. */
  presentedTo: PartyId | null;
  participants: Participant[];
  payloadHash: string;
  /** Start of the document's validity window, where it has one (an EIR's validFrom); absent in states stored before it was kept. */
  validFrom?: string | null;
  /** End of the document's validity window, where it has one (an EIR's validUntil). */
  validUntil: string | null;
  supersedes: string | null;
  supersededBy: string | null;
  /** For a telex-release D/O: the guarantee it rests on. */
  guaranteeId: string | null;
  /** For a guarantee: the D/O it backs. */
  backsDeliveryOrder: string | null;
}

export function participantsOf(state: Pick<DocumentState, 'participants'>, role: ParticipantRole): PartyId[] {
  return state.participants.filter((p) => p.role === role).map((p) => p.partyId);
}

export function takesPart(state: Pick<DocumentState, 'participants'>, partyId: PartyId): boolean {
  return state.participants.some((p) => p.partyId === partyId);
}

/** Adds a participant unless that party already holds that role. */
export function withParticipant(participants: readonly Participant[], added: Participant): Participant[] {
  return participants.some((p) => p.partyId === added.partyId && p.role === added.role)
    ? [...participants]
    : [...participants, added];
}
