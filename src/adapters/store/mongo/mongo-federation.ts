import { Schema, type ClientSession, type Connection, type Model } from 'mongoose';
import type { DocumentChange } from '../../../application/ports/store.port';
import type { PlannedPeerSend } from '../../../application/commit/commit-planner';
import type { FederationStore, PeerSend, PeerSendAttempt } from '../../../application/ports/federation-store.port';
import { SdxError } from '../../../domain/shared/errors';
import { checkBlobSize } from '../blob-size';
import { BLOB_INLINE_BYTES } from './mongo-blob-chunks';
import { isDuplicateKey } from './mongo-errors';
import { claimQuery } from './leased-claim';

export interface PeerSendRecord {
  _id: string;
  peer: string;
  documentId: string;
  kind: PeerSend['kind'];
  body: string;
  status: PeerSend['status'];
  attempts: number;
  nextAttemptAt: string;
  leaseUntil: string | null;
  lastError: string | null;
  createdAt: string;
  doneAt: string | null;
}

/** One shared record; (kind, key) is unique, so of concurrent writers one wins. */
export interface PeerRecordDoc {
  kind: string;
  key: string;
  value: string;
  expiresAt: string | null;
}

/**
 * A peer send's body and a record's value are text in one BSON document (16 MiB at most): past the
 * size a blob keeps inline they are refused as `blob-too-large` before anything is written, rather
 * than failing in the driver mid-transaction.
 */
export const MONGO_MAX_FEDERATION_TEXT_BYTES = BLOB_INLINE_BYTES;

const options = { versionKey: false, strict: 'throw', minimize: false, autoIndex: false, autoCreate: false, bufferCommands: false } as const;

export const peerSendSchema = new Schema<PeerSendRecord>(
  {
    _id: String,
    peer: String,
    documentId: String,
    kind: String,
    body: String,
    status: String,
    attempts: Number,
    nextAttemptAt: String,
    leaseUntil: { type: String, default: null },
    lastError: { type: String, default: null },
    createdAt: String,
    doneAt: { type: String, default: null },
  },
  options,
);
// The sender's claim (pending and due, oldest first) and a document's sends.
peerSendSchema.index({ status: 1, nextAttemptAt: 1 });
peerSendSchema.index({ documentId: 1, createdAt: 1 });

export const peerRecordSchema = new Schema<PeerRecordDoc>(
  { kind: String, key: String, value: String, expiresAt: { type: String, default: null } },
  options,
);
// Request ids seen and envelopes waiting: a second insert of the same (kind, key) is a duplicate key.
peerRecordSchema.index({ kind: 1, key: 1 }, { unique: true });
// The sweep of a kind's expired records (no TTL index: expiry follows the caller's clock, as on SQL).
peerRecordSchema.index({ kind: 1, expiresAt: 1 });

export interface FederationModels {
  peerSends: Model<PeerSendRecord>;
  peerRecords: Model<PeerRecordDoc>;
}

export function federationModelsOn(connection: Connection): FederationModels {
  return {
    peerSends: connection.model<PeerSendRecord>('PeerSend', peerSendSchema, 'peerSends'),
    peerRecords: connection.model<PeerRecordDoc>('PeerRecord', peerRecordSchema, 'peerRecords'),
  };
}

export const toPeerSendRecord = (s: PlannedPeerSend): PeerSendRecord => ({
  _id: s.id,
  peer: s.peer,
  documentId: s.documentId,
  kind: s.kind,
  body: s.body,
  status: 'pending',
  attempts: 0,
  nextAttemptAt: s.due,
  leaseUntil: null,
  lastError: null,
  createdAt: s.due,
  doneAt: null,
});

export const toPeerSend = (r: PeerSendRecord): PeerSend => ({
  id: r._id,
  peer: r.peer,
  documentId: r.documentId,
  kind: r.kind,
  body: r.body,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.nextAttemptAt,
  lastError: r.lastError ?? null,
  createdAt: r.createdAt,
  doneAt: r.doneAt ?? null,
});

/** Refuses text too large for its record (see MONGO_MAX_FEDERATION_TEXT_BYTES). */
export function checkFederationText(text: string, what: string, store: string): void {
  checkBlobSize(Buffer.byteLength(text, 'utf8'), MONGO_MAX_FEDERATION_TEXT_BYTES, store, what);
}

/** Before a commit's transaction: every peer send it would queue fits its record. */
export function checkPeerSendSizes(changes: readonly DocumentChange[], store: string): void {
  for (const change of changes) for (const send of change.peerSends ?? []) checkFederationText(send.body, 'peer send bodies', store);
}

/** The update an attempt makes: counted, lease given back, due again when not done, done time when done. */
export function peerSendAttemptUpdate(attempt: PeerSendAttempt) {
  return {
    $set: {
      status: attempt.done ? 'done' : 'pending',
      lastError: attempt.error,
      leaseUntil: null,
      ...(attempt.nextAttemptAt ? { nextAttemptAt: attempt.nextAttemptAt } : {}),
      ...(attempt.done ? { doneAt: attempt.at } : {}),
    },
    $inc: { attempts: 1 },
  } as const;
}

/** A kind's records that have expired by `now` (a record without expiry never does). */
export const expiredRecords = (kind: string, now: string) => ({ kind, expiresAt: { $lte: now } });

/** The record of (kind, key) when unexpired at `now`. */
export const liveRecord = (kind: string, key: string, now: string) => ({ kind, key, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] });

/** Peer sends and shared records on MongoDB: the store's `federation`; `insertPeerSends` runs inside the commit's transaction. */
export class MongoFederation implements FederationStore {
  constructor(
    private readonly models: FederationModels,
    private readonly run: <T>(work: () => Promise<T>) => Promise<T>,
    private readonly store: string,
  ) {}

  /** Inside the commit's transaction: the peer sends the plan names. */
  async insertPeerSends(session: ClientSession, sends: readonly PlannedPeerSend[]): Promise<void> {
    if (sends.length > 0) await this.models.peerSends.insertMany(sends.map(toPeerSendRecord), { session, ordered: true });
  }

  /**
   * One `findOneAndUpdate` per send, each repeating the whole claim condition (as webhook claims
   * do): a send another sender has just leased is never taken twice.
   */
  claimPeerSends(now: string, leaseUntil: string, limit: number): Promise<PeerSend[]> {
    return this.run(async () => {
      const claimed: PeerSend[] = [];
      for (let taken = 0; taken < limit; taken += 1) {
        const row = await claimQuery(this.models.peerSends, now, leaseUntil).lean<PeerSendRecord>().exec();
        if (!row) break;
        claimed.push(toPeerSend(row));
      }
      return claimed;
    });
  }

  recordPeerSendAttempt(id: string, attempt: PeerSendAttempt): Promise<void> {
    return this.run(async () => {
      const result = await this.models.peerSends.updateOne({ _id: id }, peerSendAttemptUpdate(attempt)).exec();
      if (result.matchedCount === 0) throw new SdxError('not-found', `no peer send ${id}`);
    });
  }

  listPeerSends(documentId: string): Promise<PeerSend[]> {
    return this.run(async () => {
      const records = await this.models.peerSends.find({ documentId }).sort({ createdAt: 1, _id: 1 }).lean<PeerSendRecord[]>().exec();
      return records.map(toPeerSend);
    });
  }

  listPendingPeerSends(limit: number): Promise<PeerSend[]> {
    return this.run(async () => {
      const records = await this.models.peerSends.find({ status: 'pending' }).sort({ nextAttemptAt: 1, createdAt: 1, _id: 1 }).limit(limit).lean<PeerSendRecord[]>().exec();
      return records.map(toPeerSend);
    });
  }

  /** Sweeps the kind's expired records, then inserts: the unique (kind, key) index lets one concurrent writer win. */
  remember(kind: string, key: string, value: string, expiresAt: string | null, now: string): Promise<boolean> {
    return this.run(async () => {
      checkFederationText(value, `${kind} record values`, this.store);
      await this.models.peerRecords.deleteMany(expiredRecords(kind, now)).exec();
      try {
        await this.models.peerRecords.insertMany([{ kind, key, value, expiresAt }]);
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    });
  }

  recall(kind: string, key: string, now: string): Promise<string | undefined> {
    return this.run(async () => {
      const record = await this.models.peerRecords.findOne(liveRecord(kind, key, now), { value: 1 }).lean<Pick<PeerRecordDoc, 'value'>>().exec();
      return record?.value;
    });
  }
}
