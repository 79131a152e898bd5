import type { PlannedEvent } from '../../../application/commit/commit-planner';
import type { ApiKeyRecord, StoredBlob, StoredDocument, StoredEvent, User } from '../../../application/ports/store.port';
import type { SignedTreeHead } from '../../../application/audit/tree-head';
import { HASH_SIZE } from '../../../domain/audit-log/merkle-hash';
import type { Frontier } from '../../../domain/audit-log/merkle-tree';
import { popCount } from '../../../domain/audit-log/merkle-tree-math';
import { businessKeysOf, type BusinessKey } from '../../../domain/document/business-keys';
import type { DocumentKind, Participant } from '../../../domain/document/document';
import type { Party } from '../../../domain/party/party';
import { SdxError } from '../../../domain/shared/errors';
import { fromJson, storedParty, storedState, toJson } from '../stored-json';

/*
 * The records as they lie in MongoDB, and the conversions to and from the port's types. Bytes are
 * written as Buffers (stored as BSON Binary) and may come back as Binary, Buffer or Uint8Array; the
 * port always gets plain Uint8Arrays. Payloads and states are stored as JSON text, as in SQLite:
 * BSON would not round-trip every JSON value (keys starting with '$', -0, integers beyond int64),
 * and mongoose would drop empty objects.
 */

export interface PartyRecord {
  _id: string;
  data: string;
}

export interface UserRecord {
  _id: string;
  partyId: string;
  name: string;
  createdAt: string;
  passwordHash?: string | null;
}

export interface ApiKeyRecordDoc {
  _id: string;
  userId: string;
  keyHash: string;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface DocumentRecord {
  _id: string;
  /** Creation order for paging: the log index of the document's first event (commits are serialised by the log). */
  ord: number;
  kind: string;
  status: string;
  holder: string | null;
  issuer: string;
  seq: number;
  payload: string;
  state: string;
  /** The current participants, each pair once; a multikey index serves party and role queries. */
  participants: Participant[];
  /** Business keys as "key:value" (see `storedKeysOf`); absent on documents written before search existed, until backfilled. */
  keys?: string[];
  /** The `KEYS_VERSION` the keys were extracted with; older documents are backfilled at connect. */
  keysVersion?: number;
  createdAt: string;
  updatedAt: string;
}

/** Raised whenever `businessKeysOf` extracts new keys (2: EIR validity days). */
export const KEYS_VERSION = 2;

/** A document's business keys in the one-string form the multikey index holds. */
export function storedKeysOf(kind: DocumentKind, payload: unknown): string[] {
  return keyStrings(businessKeysOf(kind, payload));
}

export function keyStrings(keys: readonly BusinessKey[]): string[] {
  return keys.map(({ key, value }) => `${key}:${value}`);
}

/** An event as stored: exactly the planner's event. */
export type EventRecord = PlannedEvent;

export interface BlobRecord {
  _id: string;
  mediaType: string;
  size: number;
  /** The bytes, or absent when `chunks` of them are in `blobChunks` (mongo-blob-chunks.ts). */
  bytes?: unknown;
  chunks?: number;
  /** Null (or absent, for blobs stored before uploads were tracked): referenced, kept for good. */
  pendingSince?: string | null;
  /** Who uploaded it: one entry per party, its time the party's latest upload. */
  uploads?: BlobUploadRecord[];
}

export interface BlobUploadRecord {
  partyId: string;
  size: number;
  uploadedAt: string;
}

export interface LogNodeRecord {
  level: number;
  index: number;
  hash: unknown;
}

export interface LogStateRecord {
  _id: string;
  size: number;
  frontier: unknown[];
}

export interface TreeHeadRecord {
  size: number;
  rootHash: string;
  timestamp: string;
  signature: string;
}

/** The id of the single log-state document. */
export const LOG_STATE_ID = 'log';

/** Bytes as the driver returns them (BSON Binary, Buffer, Uint8Array) as a plain Uint8Array copy. */
export function bytesOf(value: unknown, what: string): Uint8Array {
  if (isByteArray(value)) return Uint8Array.from(value);
  if (typeof value === 'object' && value !== null && (value as { _bsontype?: unknown })._bsontype === 'Binary') {
    const { buffer, position } = value as { buffer?: unknown; position?: unknown };
    if (isByteArray(buffer) && typeof position === 'number' && position <= buffer.byteLength) {
      return Uint8Array.from(buffer.subarray(0, position));
    }
  }
  throw new SdxError('store-corrupt', `${what} is not stored as binary data`);
}

/**
 * A Uint8Array from any realm: Buffers the driver makes come from Node's own realm, where
 * `instanceof Uint8Array` fails inside test runners' VM contexts.
 */
function isByteArray(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && (value as { BYTES_PER_ELEMENT?: unknown }).BYTES_PER_ELEMENT === 1;
}

/** A Uint8Array (or a view into a larger buffer) as a Buffer of exactly its bytes, for writing. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function hashOf(value: unknown, what: string): Uint8Array {
  const bytes = bytesOf(value, what);
  if (bytes.byteLength !== HASH_SIZE) throw new SdxError('store-corrupt', `${what} is not a ${HASH_SIZE}-byte hash`);
  return bytes;
}

/** The stored log state; a frontier that cannot belong to the size is corruption. */
export function toLogState(record: LogStateRecord | null, where: string): { size: number; frontier: Frontier } {
  if (record === null) throw new SdxError('store-corrupt', `${where} has no audit log state document`);
  const { size, frontier } = record;
  if (!Number.isSafeInteger(size) || size < 0 || !Array.isArray(frontier) || frontier.length !== popCount(size)) {
    throw new SdxError(
      'store-corrupt',
      `the audit log state of ${where} is damaged: ${Array.isArray(frontier) ? frontier.length : 'no'} frontier hashes for ${String(size)} leaves`,
    );
  }
  return { size, frontier: frontier.map((hash, i) => hashOf(hash, `frontier hash ${i}`)) };
}



export function toPartyRecord(party: Party): PartyRecord {
  return { _id: party.id, data: toJson(party, 'party') };
}

export function toParty(record: PartyRecord): Party {
  return storedParty(record.data, record._id);
}

export function toUserRecord(user: User): UserRecord {
  return { _id: user.id, partyId: user.partyId, name: user.name, createdAt: user.createdAt, passwordHash: user.passwordHash ?? null };
}

export function toUser(record: UserRecord): User {
  return {
    id: record._id,
    partyId: record.partyId,
    name: record.name,
    createdAt: record.createdAt,
    ...(typeof record.passwordHash === 'string' ? { passwordHash: record.passwordHash } : {}),
  };
}

export function toApiKeyRecord(key: ApiKeyRecord): ApiKeyRecordDoc {
  return {
    _id: key.id,
    userId: key.userId,
    keyHash: key.keyHash,
    label: key.label,
    createdAt: key.createdAt,
    revokedAt: key.revokedAt,
  };
}

export function toApiKey(record: ApiKeyRecordDoc): ApiKeyRecord {
  return {
    id: record._id,
    userId: record.userId,
    keyHash: record.keyHash,
    label: record.label,
    createdAt: record.createdAt,
    revokedAt: record.revokedAt ?? null,
  };
}

/** Each (party, role) pair once, in first-seen order. */

export function toStoredDocument(record: DocumentRecord): StoredDocument {
  return {
    state: storedState(record.state, record._id),
    payload: fromJson(record.payload, `payload of document ${record._id}`),
    seq: record.seq,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}


export function toStoredEvent(record: EventRecord): StoredEvent {
  return {
    documentId: record.documentId,
    seq: record.seq,
    logIndex: record.logIndex,
    hash: record.hash,
    type: record.type,
    actor: record.actor,
    recordedAt: record.recordedAt,
    envelope: record.envelope,
  };
}

export function toTreeHead(record: TreeHeadRecord): SignedTreeHead {
  return { size: record.size, rootHash: record.rootHash, timestamp: record.timestamp, signature: record.signature };
}

export function sameTreeHead(a: SignedTreeHead, b: SignedTreeHead): boolean {
  return a.size === b.size && a.rootHash === b.rootHash && a.timestamp === b.timestamp && a.signature === b.signature;
}

/** A blob as stored; `chunked` gives its bytes when they are in chunks, not in the record. */
export function toStoredBlob(record: BlobRecord, chunked?: Uint8Array): StoredBlob {
  return {
    sha256: record._id,
    mediaType: record.mediaType,
    size: record.size,
    bytes: chunked ?? bytesOf(record.bytes, `blob ${record._id}`),
    pending: typeof record.pendingSince === 'string',
  };
}


