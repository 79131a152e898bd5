// What a commit writes, planned once for every store. A store reads what the plan needs (current
// sequences, the hashes already stored where the new events would go, the log's size and frontier,
// the webhook endpoints of the parties), asks the planner, and writes the plan in one transaction.
// The planner does no I/O, so a new store is only its reads and writes.
import { eventHash, blobHash } from '../../domain/audit-log/event-hash';
import { leafHash } from '../../domain/audit-log/merkle-hash';
import { appendLeaves, type Frontier, type MerkleNodeWrite } from '../../domain/audit-log/merkle-tree';
import { businessKeysOf, type BusinessKey } from '../../domain/document/business-keys';
import type { DocumentState, Participant } from '../../domain/document/document';
import { ValidationError, type ValidationIssue } from '../../domain/shared/errors';
import { StoreConflictError, type DocumentChange } from '../ports/store.port';
import type { PeerSendKind } from '../ports/federation-store.port';

/** What the store read, per change in the commit's order, before deciding. */
export interface CommitReads {
  /** Each document's current sequence (0 when it does not exist). */
  seqs: readonly number[];
  /** Per change, the hash stored at each sequence its events would take (undefined where none is). */
  storedHashes: readonly (readonly (string | undefined)[])[];
}

/** An enabled webhook endpoint, as far as the outbox needs it. */
export interface OutboxEndpoint {
  id: string;
  partyId: string;
  /** Event types to deliver, or `['*']` for all. */
  eventTypes: readonly string[];
}

export interface PlannedDocument {
  documentId: string;
  /** Present when the commit creates the document (expectedSeq 0). */
  create?: { payload: unknown; keys: BusinessKey[] };
  /** The sequence the document must still be at (0 for a new one); the store re-checks it on write. */
  expectedSeq: number;
  seq: number;
  state: DocumentState;
  /** Participants without repeats, for the store's party index. */
  participants: Participant[];
  at: string;
}

export interface PlannedEvent {
  documentId: string;
  seq: number;
  logIndex: number;
  hash: string;
  type: string;
  actor: string;
  recordedAt: string;
  envelope: string;
}

/** A blob the commit cites: `bytes` when the commit brings it (stored referenced), else it must be stored already. */
export interface PlannedBlob {
  sha256: string;
  documentId: string;
  bytes?: Uint8Array;
  mediaType?: string;
}

export interface PlannedDelivery {
  endpointId: string;
  documentId: string;
  seq: number;
  /** When the delivery is first due: the event's time. */
  due: string;
}

/** A message to a peer platform, queued with the commit (the sender's outbox). */
export interface PlannedPeerSend {
  id: string;
  peer: string;
  kind: PeerSendKind;
  body: string;
  documentId: string;
  due: string;
}

export interface CommitPlan {
  documents: PlannedDocument[];
  events: PlannedEvent[];
  blobs: PlannedBlob[];
  /** Perfect-subtree nodes the new leaves complete, leaves included. */
  logNodes: MerkleNodeWrite[];
  /** The log after the commit; the store writes it only if the log is still at `log.from`. */
  log: { from: number; size: number; frontier: Frontier };
  deliveries: PlannedDelivery[];
  peerSends: PlannedPeerSend[];
}

/** Refuses changes that could never be committed, before the store reads or writes anything. */
export function checkChanges(changes: readonly DocumentChange[]): void {
  const problems: ValidationIssue[] = [];
  if (changes.length === 0) problems.push({ path: '', code: 'no-changes', message: 'a commit needs at least one change' });
  const seen = new Set<string>();
  changes.forEach((change, i) => {
    const at = `changes[${i}]`;
    if (seen.has(change.documentId)) {
      problems.push({ path: `${at}.documentId`, code: 'repeated-document', message: `document ${change.documentId} appears twice in one commit; merge its changes` });
    }
    seen.add(change.documentId);
    if (change.state.id !== change.documentId) {
      problems.push({ path: `${at}.state.id`, code: 'state-id-mismatch', message: `state is for ${change.state.id}, not ${change.documentId}` });
    }
    if (!Number.isSafeInteger(change.expectedSeq) || change.expectedSeq < 0) {
      problems.push({ path: `${at}.expectedSeq`, code: 'invalid-seq', message: 'must be a whole number, 0 to create the document' });
    }
    if (change.events.length === 0) {
      problems.push({ path: `${at}.events`, code: 'no-events', message: 'a change appends at least one event' });
    }
    (change.blobs ?? []).forEach((sha256, j) => {
      if (!/^[0-9a-f]{64}$/.test(sha256)) {
        problems.push({ path: `${at}.blobs[${j}]`, code: 'invalid-blob-hash', message: 'a blob is named by its SHA-256 in lowercase hex' });
      }
    });
    if (change.expectedSeq === 0 && change.payload === undefined) {
      problems.push({ path: `${at}.payload`, code: 'payload-required', message: 'creating a document (expectedSeq 0) needs its payload' });
    }
  });
  if (problems.length > 0) throw new ValidationError(problems);
}

/** The sequences a change's events take: expectedSeq + 1 onwards. */
export function eventSeqsOf(change: DocumentChange): number[] {
  return change.events.map((_, i) => change.expectedSeq + i + 1);
}

/** True when every event of `change` is already stored at the sequence it would take, with the same hash. */
export function isRepeat(change: DocumentChange, storedHashes: readonly (string | undefined)[]): boolean {
  return change.events.every((event, i) => storedHashes[i] === eventHash(event.envelope));
}

/**
 * Decides a commit from what the store read: `duplicate` when every change is a repeat (write
 * nothing), else `write`; a stale sequence is a StoreConflictError.
 */
export function decideCommit(changes: readonly DocumentChange[], reads: CommitReads): 'duplicate' | 'write' {
  if (changes.every((change, i) => isRepeat(change, reads.storedHashes[i] ?? []))) return 'duplicate';
  changes.forEach((change, i) => {
    const actual = reads.seqs[i] ?? 0;
    if (actual !== change.expectedSeq) throw new StoreConflictError(change.documentId, change.expectedSeq, actual);
  });
  return 'write';
}

/**
 * Everything a decided commit writes: documents, events with their hashes and log indexes in the
 * order the changes list them, the blobs they cite, the Merkle nodes and log state after the
 * append, and one outbox row per event and endpoint of a party taking part in its document.
 */
export function planCommit(
  changes: readonly DocumentChange[],
  log: { size: number; frontier: Frontier },
  endpoints: readonly OutboxEndpoint[],
): CommitPlan {
  const documents: PlannedDocument[] = [];
  const events: PlannedEvent[] = [];
  const blobs: PlannedBlob[] = [];
  const deliveries: PlannedDelivery[] = [];
  const leaves: Uint8Array[] = [];
  for (const change of changes) {
    const { documentId, state, at } = change;
    const participants = distinctParticipants(state.participants);
    documents.push({
      documentId,
      ...(change.expectedSeq === 0 ? { create: { payload: change.payload, keys: businessKeysOf(state.kind, change.payload) } } : {}),
      expectedSeq: change.expectedSeq,
      seq: change.expectedSeq + change.events.length,
      state,
      participants,
      at,
    });

    const brought = new Map<string, { bytes: Uint8Array; mediaType: string }>();
    for (const blob of change.newBlobs ?? []) brought.set(blobHash(blob.bytes), blob);
    for (const sha256 of new Set([...(change.blobs ?? []), ...brought.keys()])) {
      const blob = brought.get(sha256);
      blobs.push({ sha256, documentId, ...(blob ? { bytes: blob.bytes, mediaType: blob.mediaType } : {}) });
    }

    const parties = new Set(participants.map((p) => p.partyId));
    const listening = endpoints.filter((endpoint) => parties.has(endpoint.partyId));
    change.events.forEach((event, i) => {
      const seq = change.expectedSeq + i + 1;
      const logIndex = log.size + leaves.length;
      events.push({
        documentId,
        seq,
        logIndex,
        hash: eventHash(event.envelope),
        type: event.type,
        actor: event.actor,
        recordedAt: event.recordedAt,
        envelope: event.envelope,
      });
      leaves.push(leafHash(Buffer.from(event.envelope, 'utf8')));
      const due = new Date(event.recordedAt).toISOString();
      for (const endpoint of listening) {
        if (endpoint.eventTypes.includes('*') || endpoint.eventTypes.includes(event.type)) {
          deliveries.push({ endpointId: endpoint.id, documentId, seq, due });
        }
      }
    });
  }
  const appended = appendLeaves(log.size, log.frontier, leaves);
  const peerSends = changes.flatMap((change) => (change.peerSends ?? []).map((send) => ({ ...send, documentId: change.documentId, due: change.at })));
  return {
    peerSends,
    documents,
    events,
    blobs,
    logNodes: appended.writes,
    log: { from: log.size, size: appended.size, frontier: appended.frontier },
    deliveries,
  };
}

/** Each (party, role) once. */
export function distinctParticipants(participants: readonly Participant[]): Participant[] {
  const seen = new Set<string>();
  const out: Participant[] = [];
  for (const { partyId, role } of participants) {
    const key = JSON.stringify([partyId, role]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ partyId, role });
  }
  return out;
}
