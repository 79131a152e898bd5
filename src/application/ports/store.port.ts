import type { SharedLimits } from './shared-limits.port';
import type { BusinessKeyName } from '../../domain/document/business-keys';
import type { DocumentKind, DocumentState, DocumentStatus, ParticipantRole } from '../../domain/document/document';
import type { Party, PartyId } from '../../domain/party/party';
import type { NodeAddress } from '../../domain/audit-log/merkle-tree';
import { SdxError, ValidationError } from '../../domain/shared/errors';
import type { SignedTreeHead } from '../audit/tree-head';
import type { SessionStore } from './session-store.port';
import type { WebhookStore } from './webhook-store.port';
import type { FederationStore, PeerSendKind } from './federation-store.port';

export interface User {
  id: string;
  partyId: PartyId;
  name: string;
  createdAt: string;
  /** For web sign-in: a self-describing slow hash (see application/passwords.ts), never the password. */
  passwordHash?: string | undefined;
}

/** An API key as stored: only the SHA-256 of the secret, never the secret itself. */
export interface ApiKeyRecord {
  id: string;
  userId: string;
  keyHash: string;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface StoredDocument {
  state: DocumentState;
  payload: unknown;
  /** Sequence number of the document's last event (1 for a newly issued document). */
  seq: number;
  createdAt: string;
  updatedAt: string;
}

/** An event as the caller hands it over; `envelope` is the signed event (a compact JWS). */
export interface NewEvent {
  type: string;
  actor: string;
  recordedAt: string;
  envelope: string;
}

export interface StoredEvent extends NewEvent {
  documentId: string;
  seq: number;
  /** Position of this event's leaf in the global audit log (0-based). */
  logIndex: number;
  /** SHA-256 (hex) of the envelope's UTF-8 bytes, computed by the store. */
  hash: string;
}

/**
 * One document's part of a commit: the events to append after `expectedSeq` and the state they
 * lead to. `expectedSeq` 0 creates the document, and then `payload` is required.
 */
export interface DocumentChange {
  documentId: string;
  expectedSeq: number;
  state: DocumentState;
  payload?: unknown;
  events: NewEvent[];
  at: string;
  /**
   * SHA-256s of the blobs this change's events cite (signed PDFs, gate photos). Committing the
   * change references them: they stop being pending and are never swept.
   */
  blobs?: readonly string[];
  /**
   * Blobs the change brings with it (the signed PDF its event cites): stored, already referenced,
   * in the commit's own transaction, so an issue is one durable write and a crash cannot leave a
   * blob no event cites. Cited whether or not `blobs` lists them.
   */
  newBlobs?: readonly NewBlob[];
  /** Messages to peer platforms the change causes, queued in the same transaction (see federation-store.port.ts). */
  peerSends?: readonly NewPeerSend[];
}

export interface NewPeerSend {
  id: string;
  peer: string;
  kind: PeerSendKind;
  body: string;
}

export interface NewBlob {
  bytes: Uint8Array;
  mediaType: string;
}

export type CommitResult = { outcome: 'committed' } | { outcome: 'duplicate' };

/** One business number or name to find: a document matches when any of `keys` holds `value`. */
export interface KeySearch {
  keys: readonly BusinessKeyName[];
  /** As `normaliseKeyValue` makes it. Under container and B/L keys a prefix matches too. */
  value: string;
}

/** What a list or a search asks for; every filter given must hold. */
export interface DocumentFilter {
  /** Only documents this party takes part in (any participant role, unless `role` narrows it). */
  partyId?: PartyId;
  /** One participant role, or any of several. */
  role?: ParticipantRole | readonly ParticipantRole[];
  kind?: DocumentKind;
  status?: DocumentStatus | readonly DocumentStatus[];
  holder?: PartyId;
  issuer?: PartyId;
  /** The terminal a D/O is presented to now. */
  presentedTo?: PartyId;
  /** Creation and last-change time ranges: ISO instants, `from` inclusive, `before` exclusive. */
  createdFrom?: string;
  createdBefore?: string;
  updatedFrom?: string;
  updatedBefore?: string;
  keys?: readonly KeySearch[];
}

export interface DocumentQuery extends DocumentFilter {
  limit: number;
  /** Opaque cursor from a previous page of the same order. */
  after?: string;
  /** Newest first (by creation) instead of oldest first. */
  newestFirst?: boolean;
}

export interface DocumentPage {
  items: StoredDocument[];
  nextCursor: string | null;
}

/** How many documents match, counted exactly up to `cap`; `capped` when there are more. */
export interface DocumentCount {
  count: number;
  capped: boolean;
}

export interface StoredBlob {
  sha256: string;
  mediaType: string;
  size: number;
  bytes: Uint8Array;
  /** True until an event references the blob; a pending blob is swept once old enough. */
  pending: boolean;
}

/** Who put a blob and when. */
export interface BlobPut {
  /** When the bytes arrived; a pending blob's age counts from its latest put. */
  at: string;
  /** The party that uploaded the bytes; absent for blobs the service makes itself (signed PDFs). */
  partyId?: PartyId;
  /** With `partyId`: the most pending bytes the party may hold once this blob is counted. */
  quotaBytes?: number;
}

/** The audit log's current size and RFC 9162 root, as the store holds them. */
export interface LogState {
  size: number;
  rootHash: Uint8Array;
}

export interface StoreHealth {
  ok: boolean;
  backend: string;
  detail: string;
}

/**
 * The persistence port. Every adapter MUST meet these guarantees; `test/contract/store.contract.ts`
 * proves them against each one.
 *
 * - A method that resolves has made its write durable: after a crash or a reopen, everything
 *   acknowledged MUST still be there.
 * - `commit` MUST be atomic across all its changes: either every document's state and every event
 *   is written, or nothing is.
 * - `commit` MUST refuse with a `StoreConflictError`, writing nothing, when any change's
 *   `expectedSeq` is not the document's current sequence (0 for a document that must not exist yet).
 * - `commit` MUST treat a repeat as a no-op: when every event of every change is already stored at
 *   the sequence it would get, with the same hash, it MUST resolve `duplicate` and write nothing.
 * - Events MUST be append-only: no method updates or deletes a stored event, and the per-document
 *   sequence has no gaps (1, 2, 3, ...).
 * - `listDocuments` MUST return only documents the given party takes part in when `partyId` is set,
 *   in a stable order, and paging with `nextCursor` MUST visit each match exactly once.
 * - `listDocuments` and `countDocuments` MUST apply every filter given: kind, status (one or any
 *   of several), holder, issuer, time ranges, and business keys as `businessKeysOf` extracts them
 *   from the payload at creation: exact match on the normalised value, and prefix match under the
 *   `prefixKeyNames`. `countDocuments` MUST count exactly up to `cap` and say when there are more.
 *   A cursor MUST only be accepted by the order (`newestFirst` or not) that made it.
 * - API keys MUST be looked up by hash only; a revoked key MUST NOT be found.
 * - Blobs MUST be content-addressed: the key is the SHA-256 of the bytes, and storing the same bytes
 *   again MUST NOT create a second copy (the first media type is kept).
 * - A change that could never commit (no events, a state for another id, a negative `expectedSeq`,
 *   no payload when creating, the same document twice in one commit) MUST be refused with a
 *   `ValidationError` before anything is written.
 * - A document's payload, kind and issuer are fixed when it is created; later changes update its
 *   state only. `listDocuments` MUST order by creation, so updates do not move a document between
 *   pages, and `nextCursor` MUST be null exactly when no further match exists. A `role` without a
 *   `partyId` matches documents where any party holds that role.
 * - Reusing a user id, key id or key hash MUST fail with code `store-conflict`; revoking an unknown
 *   key MUST fail with `not-found`; revoking twice keeps the first time.
 * - `commit` MUST append one audit-log leaf per event, in the order the changes list them, in the
 *   same transaction: leaf = SHA-256(0x00 || envelope UTF-8), `logIndex` = the log size before it,
 *   with the RFC 9162 perfect-subtree nodes it completes. Log nodes and tree heads are append-only.
 *   `logState` MUST describe exactly the committed events; `logNodes` reads stored perfect-subtree
 *   hashes by (level, index), so that proofs read O(log n) nodes.
 * - Every blob put is pending until a committed change lists it in `blobs`; from then on it is
 *   referenced for good, and putting the same bytes again MUST NOT make it pending. `putBlob` MUST
 *   record who uploaded it and when (party, size, time); a later put of pending bytes restarts
 *   their age.
 * - `commit` MUST mark every blob its changes list as referenced (by that document) in the same
 *   transaction, and MUST refuse with a `MissingBlobError`, writing nothing, when one is not stored.
 *   Blobs in `newBlobs` MUST be written referenced in that same transaction (the first media type
 *   kept when the bytes are stored already), so they exist exactly when the events citing them do.
 * - What a commit writes (sequence checks, event hashes, log indexes and leaves, Merkle nodes,
 *   outbox rows) is what `application/commit/commit-planner.ts` plans; a store only reads and writes.
 * - `putBlob` with `partyId` and `quotaBytes` MUST refuse with `upload-quota`, writing nothing, when
 *   the party's pending bytes (`pendingUploadBytes`, not counting this blob) plus this blob's size
 *   exceed `quotaBytes`, whether or not the bytes are stored already; checking and writing are one
 *   step, so concurrent uploads of one party cannot pass the quota together.
 * - `sweepBlobs` MUST delete only blobs that are pending at the moment of deletion and whose
 *   latest put is before `olderThan`, at most `limit` of them. The check and the delete MUST be
 *   one atomic step, so that a concurrent commit referencing a blob (in this process or another)
 *   either finds it gone and is refused, or keeps it.
 * - `getBlob` with `visibleTo` MUST answer as if the blob did not exist unless that party uploaded
 *   it or it is referenced by a document the party takes part in.
 * - After `close()`, `health()` MUST report `ok: false` and every other method MUST reject with
 *   `store-unavailable`; `close()` may be called more than once.
 */
/** Parties, their users and API keys. */
export interface PartyStore {
  upsertParty(party: Party): Promise<void>;
  getParty(id: PartyId): Promise<Party | undefined>;
  listParties(): Promise<Party[]>;

  createUser(user: User): Promise<void>;
  getUser(id: string): Promise<User | undefined>;
  /** Replaces a user's password hash and ends the user's open web sessions; an unknown user is `not-found`. */
  setUserPassword(userId: string, passwordHash: string): Promise<void>;
  addApiKey(key: ApiKeyRecord): Promise<void>;
  findActiveApiKey(keyHash: string): Promise<{ key: ApiKeyRecord; user: User } | undefined>;
  revokeApiKey(id: string, at: string): Promise<void>;
}

/** Documents and their events: the one write is `commit`, planned by the commit planner. */
export interface DocumentStore {
  commit(changes: readonly DocumentChange[]): Promise<CommitResult>;
  getDocument(id: string): Promise<StoredDocument | undefined>;
  listDocuments(query: DocumentQuery): Promise<DocumentPage>;
  countDocuments(filter: DocumentFilter, cap: number): Promise<DocumentCount>;
  listEvents(documentId: string): Promise<StoredEvent[]>;
}

/** The audit log as stored: its state, perfect-subtree nodes, entries in log order and signed heads. */
export interface AuditLogStore {
  logState(): Promise<LogState>;
  /**
   * Optional: calls `onGrowth` soon after any node commits to the log (PostgreSQL's LISTEN/NOTIFY),
   * so live feeds need not wait for their next poll. Answers a function that stops the calls.
   */
  watchLog?(onGrowth: () => void): () => void;
  /** Stored perfect-subtree hashes; undefined where a node does not exist (yet). */
  logNodes(addresses: readonly NodeAddress[]): Promise<(Uint8Array | undefined)[]>;
  /** Events whose log index is in [start, end), in log order. */
  logEntries(start: number, end: number): Promise<StoredEvent[]>;
  putTreeHead(head: SignedTreeHead): Promise<void>;
  latestTreeHead(): Promise<SignedTreeHead | undefined>;
}

/** Content-addressed blobs: uploads pending until cited, signed PDFs written with their commit. */
export interface BlobStore {
  putBlob(bytes: Uint8Array, mediaType: string, put: BlobPut): Promise<{ sha256: string; size: number; created: boolean }>;
  getBlob(sha256: string, options?: { visibleTo?: PartyId }): Promise<StoredBlob | undefined>;
  /** The bytes of the pending blobs this party has uploaded, each blob counted once. */
  pendingUploadBytes(partyId: PartyId): Promise<number>;
  /** Deletes pending blobs last put before `olderThan`, at most `limit`; returns how many. */
  sweepBlobs(olderThan: string, limit: number): Promise<number>;
}

/**
 * The whole store: its parts (parties, documents, audit log, blobs), the webhook outbox and web
 * sessions. A use case that needs one part depends on that part only.
 */
export interface Store extends PartyStore, DocumentStore, AuditLogStore, BlobStore {
  health(): Promise<StoreHealth>;
  /** Webhook endpoints and the delivery outbox; `commit` adds the deliveries of its events. */
  readonly webhooks: WebhookStore;
  /** Web sessions (see session-store.port.ts); `setUserPassword` ends the user's open ones. */
  readonly sessions: SessionStore;
  /** Peer sends and shared records for PINT (SQLite, PostgreSQL, MongoDB); absent where a store keeps none. */
  readonly federation?: FederationStore;
  /** Limits shared by every node on this store (PostgreSQL); absent where one process serves the store. */
  readonly sharedLimits?: SharedLimits;
  close(): Promise<void>;
}

/** A commit cited a blob that is not stored (never uploaded, or swept meanwhile). */
export class MissingBlobError extends ValidationError {
  constructor(readonly sha256: string) {
    super([{ path: 'blobs', code: 'unknown-attachment', message: `no blob ${sha256}; upload it again` }]);
  }
}

/** A store opened with `existingOnly` found no SDX database at `where` (and created none). */
export class MissingDatabaseError extends Error {
  constructor(readonly where: string) {
    super(`there is no database at ${where}`);
    this.name = 'MissingDatabaseError';
  }
}

/** An upload would take its party past the quota of pending bytes. */
export function uploadQuotaError(pendingBytes: number, size: number, quotaBytes: number): SdxError {
  return new SdxError(
    'upload-quota',
    `this party already has ${pendingBytes} bytes of uploads that no event references yet; with these ${size} bytes ` +
      `it would pass its quota of ${quotaBytes}: cite the uploads in an event, or wait for unreferenced ones to expire`,
  );
}

export class StoreConflictError extends SdxError {
  override readonly name = 'StoreConflictError';
  constructor(
    readonly documentId: string,
    readonly expectedSeq: number,
    readonly actualSeq: number,
  ) {
    super(
      'store-conflict',
      `document ${documentId} is at sequence ${actualSeq}, not ${expectedSeq}; reload it and try again`,
    );
  }
}
