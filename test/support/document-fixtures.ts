import { createHash } from 'node:crypto';
import type { DocumentChange, NewEvent } from '../../src/application/ports/store.port';
import type { DocumentState, Participant } from '../../src/domain/document/document';
import type { PartyId } from '../../src/domain/party/party';

/** The parties the store tests use; `outsider` takes part in nothing. */
export const cast = {
  carrier: 'cosco-shipping',
  consignee: 'acme-imports',
  forwarder: 'swift-forwarding',
  terminal: 'yangshan-terminal',
  haulier: 'east-haulage',
  outsider: 'nosy-forwarder',
} as const satisfies Record<string, PartyId>;

export const issuedAt = '2026-11-28T09:30:00+08:00';
export const laterAt = '2026-11-29T14:00:00+08:00';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A delivery order issued by the carrier to the consignee, unless `overrides` say otherwise. */
export function deliveryOrderState(id: string, overrides: Partial<DocumentState> = {}): DocumentState {
  return {
    id,
    kind: 'delivery-order',
    version: 1,
    status: 'issued',
    issuer: cast.carrier,
    holder: cast.consignee,
    presentedTo: null,
    participants: [
      { partyId: cast.carrier, role: 'issuer' },
      { partyId: cast.consignee, role: 'consignee' },
    ],
    payloadHash: sha256Hex(`payload of ${id}`),
    validUntil: null,
    supersedes: null,
    supersededBy: null,
    guaranteeId: null,
    backsDeliveryOrder: null,
    ...overrides,
  };
}

/** An EIR issued by the carrier, naming the terminal and the haulier. */
export function eirState(id: string, overrides: Partial<DocumentState> = {}): DocumentState {
  return deliveryOrderState(id, {
    kind: 'eir',
    holder: cast.haulier,
    participants: [
      { partyId: cast.carrier, role: 'issuer' },
      { partyId: cast.terminal, role: 'facility-operator' },
      { partyId: cast.haulier, role: 'haulier' },
    ],
    validUntil: '2026-12-05T23:59:59+08:00',
    ...overrides,
  });
}

/** The state after the holder transferred the document to `to`. */
export function transferredTo(state: DocumentState, to: PartyId): DocumentState {
  const participants: Participant[] = [...state.participants, { partyId: to, role: 'transferee' }];
  return { ...state, version: state.version + 1, status: 'transferred', holder: to, participants };
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/**
 * A stand-in for a signed event: shaped like a compact JWS, deterministic in its inputs. Two events
 * that differ only in `variant` have different envelopes (and so different hashes).
 */
export function signedEvent(
  documentId: string,
  seq: number,
  options: { type?: string; actor?: PartyId; recordedAt?: string; variant?: string } = {},
): NewEvent {
  const type = options.type ?? (seq === 1 ? 'issue' : 'transfer');
  const actor = options.actor ?? cast.carrier;
  const recordedAt = options.recordedAt ?? issuedAt;
  const header = base64url(JSON.stringify({ alg: 'ES256', kid: `${actor}#1` }));
  const claims = base64url(JSON.stringify({ doc: documentId, seq, type, actor, at: recordedAt, v: options.variant ?? '' }));
  const signature = base64url(`signature over ${header}.${claims}`);
  return { type, actor, recordedAt, envelope: `${header}.${claims}.${signature}` };
}

/** The change that issues `state` as a new document (expectedSeq 0). */
export function issuing(
  state: DocumentState,
  options: { payload?: unknown; events?: NewEvent[]; at?: string } = {},
): DocumentChange {
  return {
    documentId: state.id,
    expectedSeq: 0,
    state,
    payload: options.payload ?? { documentNumber: `DO-${state.id}`, billOfLading: 'COSU6123456780' },
    events: options.events ?? [signedEvent(state.id, 1)],
    at: options.at ?? issuedAt,
  };
}

/** The change that appends `events` (by default one transfer event) to a document at `expectedSeq`. */
export function appending(
  state: DocumentState,
  expectedSeq: number,
  options: { events?: NewEvent[]; at?: string } = {},
): DocumentChange {
  return {
    documentId: state.id,
    expectedSeq,
    state,
    events: options.events ?? [signedEvent(state.id, expectedSeq + 1, { actor: cast.consignee, recordedAt: laterAt })],
    at: options.at ?? laterAt,
  };
}
