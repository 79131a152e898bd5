import mongoose, { type ClientSession, type Connection } from 'mongoose';
import type {
  ApiKeyRecord,
  BlobPut,
  CommitResult,
  DocumentChange,
  DocumentCount,
  DocumentFilter,
  DocumentPage,
  DocumentQuery,
  LogState,
  Store,
  StoredBlob,
  StoredDocument,
  StoredEvent,
  StoreHealth,
  User,
} from '../../../application/ports/store.port';
import { MissingBlobError, StoreConflictError, uploadQuotaError } from '../../../application/ports/store.port';
import type { SignedTreeHead } from '../../../application/audit/tree-head';
import { blobHash } from '../../../domain/audit-log/event-hash';
import { checkChanges, decideCommit, eventSeqsOf, isRepeat, planCommit, type CommitPlan, type PlannedDocument } from '../../../application/commit/commit-planner';
import { rootFromFrontier, type Frontier, type NodeAddress } from '../../../domain/audit-log/merkle-tree';
import type { Party, PartyId } from '../../../domain/party/party';
import { endOpenSessions, MongoSessions, sessionModelsOn, type SessionModels } from './mongo-sessions';
import { MongoWebhooks, webhookModelsOn, type WebhookModels } from './mongo-webhooks';
import { checkPeerSendSizes, federationModelsOn, MongoFederation, type FederationModels } from './mongo-federation';
import { SdxError, ValidationError } from '../../../domain/shared/errors';
import { checkLogRange, checkTreeSize, clampLimit, decodeCursor, encodeCursor, MAX_COUNT, rolesOf, statusesOf } from '../commit-checks';
import { prefixKeyNames } from '../../../domain/document/business-keys';
import type { DocumentKind } from '../../../domain/document/document';
import { toJson } from '../stored-json';
import { DEFAULT_STORE_TIMEOUT_MS, withDeadline, type Deadline } from '../store-deadline';
import { checkBlobSize } from '../blob-size';
import {
  isDuplicateKey,
  isReplicaSetRequired,
  isTransactionRace,
  isWriteMajorityUnreachable,
  replicaSetRequiredMessage,
  translateMongoError,
} from './mongo-errors';
import {
  LOG_STATE_ID,
  hashOf,
  sameTreeHead,
  toApiKey,
  toApiKeyRecord,
  toBuffer,
  toLogState,
  toParty,
  toPartyRecord,
  toStoredBlob,
  toStoredDocument,
  toStoredEvent,
  toTreeHead,
  toUser,
  toUserRecord,
  type BlobRecord,
  type DocumentRecord,
  type EventRecord,
  KEYS_VERSION,
  storedKeysOf,
  keyStrings,
} from './mongo-mappers';
import { chunksOf, MONGO_MAX_BLOB_BYTES, readChunks, recordBytesOf, writeChunks } from './mongo-blob-chunks';
import { modelsOn, type MongoModels } from './mongo-schemas';
import { uploadModelsOn, type UploadModels } from './mongo-uploads';

type AllModels = MongoModels & WebhookModels & UploadModels & SessionModels & FederationModels;


/** How often a commit that lost a race without a stale sequence is run again before `busy`. */
const COMMIT_ATTEMPTS = 5;

/**
 * Acknowledged means on a majority of the replica set and in its journal, so a failover keeps it;
 * a primary that cannot reach a majority answers with a write-concern error by the deadline.
 */
const durableWrites = (timeoutMs: number) => ({ w: 'majority', journal: true, wtimeoutMS: timeoutMs }) as const;

/** Reads that feed a signed tree head see only what a failover cannot roll back. */
const committedReads = 'majority';

export interface MongoConnectOptions {
  /** The database to use; defaults to the one named in the URI path (mongoose's `test` when it names none). */
  dbName?: string;
  /** How long to look for a usable server before giving up; the driver's default otherwise. */
  serverSelectionTimeoutMS?: number;
  /** The deadline of every store call (SDX_STORE_TIMEOUT_MS); 10 s otherwise. */
  timeoutMS?: number;
}

/**
 * The Store port on a MongoDB replica set, through mongoose. Every commit is one transaction
 * (snapshot reads, majority + journal writes) that also rewrites the single log-state document, so
 * concurrent commits, in this process or any other, conflict there and are serialised: the loser is
 * retried by the driver and then sees the winner's sequence, ending as a StoreConflictError.
 * Standalone servers cannot run transactions and are refused at connect.
 */
export class MongoStore implements Store {
  private closed = false;

  /** The webhook endpoints and the delivery outbox (filled by `commit`). */
  readonly webhooks: MongoWebhooks;
  /** Web sessions; `setUserPassword` ends a user's open ones. */
  readonly sessions: MongoSessions;
  /** Peer sends (filled by `commit`) and shared records. */
  readonly federation: MongoFederation;

  private constructor(
    private readonly connection: Connection,
    private readonly models: AllModels,
    /** The database name, for messages; never the URI, which may carry a password. */
    readonly dbName: string,
    private readonly timeoutMs: number,
  ) {
    this.webhooks = new MongoWebhooks(models, (work) => this.run(work), async (documentId, seq) => {
      const event = await models.events.findOne({ documentId, seq }, { envelope: 1, type: 1 }).lean().exec();
      return event ? { envelope: event.envelope, type: event.type } : undefined;
    });
    this.sessions = new MongoSessions(models, (work) => this.run(work));
    this.federation = new MongoFederation(models, (work) => this.run(work), `MongoDB store ${dbName}`);
  }

  static async connect(uri: string, options: MongoConnectOptions = {}): Promise<MongoStore> {
    let dbName = options.dbName ?? 'sdx';
    let connection: Connection | undefined;
    const timeoutMs = options.timeoutMS ?? DEFAULT_STORE_TIMEOUT_MS;
    try {
      connection = mongoose.createConnection(uri, {
        ...(options.dbName === undefined ? {} : { dbName: options.dbName }),
        ...(options.serverSelectionTimeoutMS === undefined ? {} : { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS }),
        autoIndex: false,
        autoCreate: false,
        bufferCommands: false,
        writeConcern: durableWrites(timeoutMs),
        readPreference: 'primary',
        // No single round trip outlives the call's deadline.
        socketTimeoutMS: timeoutMs,
      });
      await connection.asPromise();
      dbName = connection.name || dbName;
      await requireReplicaSet(connection);
      const models: AllModels = { ...modelsOn(connection), ...webhookModelsOn(connection), ...uploadModelsOn(connection), ...sessionModelsOn(connection), ...federationModelsOn(connection) };
      // Collections and indexes exist before the first transaction: creating them inside one fails on older servers.
      for (const model of Object.values(models) as AllModels[keyof AllModels][]) {
        await createCollection(model.collection.collectionName, connection);
        await model.createIndexes();
      }
      await backfillDocumentKeys(models);
      await models.logState
        .updateOne({ _id: LOG_STATE_ID }, { $setOnInsert: { size: 0, frontier: [] } }, { upsert: true })
        .catch((error: unknown) => {
          // Another process created it at the same moment.
          if (!isDuplicateKey(error)) throw error;
        });
      return new MongoStore(connection, models, dbName, timeoutMs);
    } catch (error) {
      await connection?.close(true).catch(() => undefined);
      throw translateMongoError(error, `cannot open MongoDB store ${dbName}`);
    }
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, backend: 'mongodb', detail: `${this.dbName}: closed` };
    try {
      return await withDeadline(this.timeoutMs, `MongoDB store ${this.dbName}`, async () => {
        const hello = await adminCommand(this.connection, { hello: 1 });
        const setName = typeof hello.setName === 'string' ? hello.setName : 'mongos';
        // Answering is not enough: a primary cut off from its secondaries takes no durable write.
        const probe = await this.majorityProbe();
        if (probe !== undefined) return { ok: false, backend: 'mongodb', detail: `${this.dbName} on replica set ${setName}: ${probe}` };
        return { ok: true, backend: 'mongodb', detail: `${this.dbName} on replica set ${setName}` };
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, backend: 'mongodb', detail: `${this.dbName}: ${message}` };
    }
  }

  /** Undefined when a majority-acknowledged write succeeds; otherwise why the primary cannot take one. */
  private async majorityProbe(): Promise<string | undefined> {
    try {
      // Half the deadline, so the answer is this reason rather than the deadline's.
      const writeConcern = durableWrites(Math.max(1, Math.floor(this.timeoutMs / 2)));
      await this.models.healthProbes.updateOne(majorityProbeFilter, { $set: { at: new Date().toISOString() } }, { upsert: true, writeConcern }).exec();
      return undefined;
    } catch (error) {
      if (isWriteMajorityUnreachable(error)) return 'the primary cannot reach a write majority of the replica set';
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  upsertParty(party: Party): Promise<void> {
    return this.run(async () => {
      const record = toPartyRecord(party);
      await this.models.parties.replaceOne({ _id: record._id }, record, { upsert: true });
    });
  }

  getParty(id: PartyId): Promise<Party | undefined> {
    return this.run(async () => {
      const record = await this.models.parties.findById(id).lean().exec();
      return record ? toParty(record) : undefined;
    });
  }

  listParties(): Promise<Party[]> {
    return this.run(async () => {
      const records = await this.models.parties.find().sort({ _id: 1 }).lean().exec();
      return records.map(toParty);
    });
  }

  createUser(user: User): Promise<void> {
    return this.run(async () => {
      await this.models.users.insertMany([toUserRecord(user)]);
    });
  }

  getUser(id: string): Promise<User | undefined> {
    return this.run(async () => {
      const record = await this.models.users.findById(id).lean().exec();
      return record ? toUser(record) : undefined;
    });
  }

  setUserPassword(userId: string, passwordHash: string): Promise<void> {
    return this.run(async (deadline) => {
      await this.inTransaction(async (session) => {
        const { matchedCount } = await this.models.users.updateOne({ _id: userId }, { $set: { passwordHash } }, { session }).exec();
        if (matchedCount === 0) throw new SdxError('not-found', `no user ${userId}`);
        await endOpenSessions(this.models, userId, new Date().toISOString(), session);
      }, deadline);
    });
  }

  addApiKey(key: ApiKeyRecord): Promise<void> {
    return this.run(async () => {
      await this.models.apiKeys.insertMany([toApiKeyRecord(key)]);
    });
  }

  findActiveApiKey(keyHash: string): Promise<{ key: ApiKeyRecord; user: User } | undefined> {
    return this.run(async () => {
      const key = await this.models.apiKeys.findOne({ keyHash, revokedAt: null }).lean().exec();
      if (!key) return undefined;
      const user = await this.models.users.findById(key.userId).lean().exec();
      return user ? { key: toApiKey(key), user: toUser(user) } : undefined;
    });
  }

  /** Revoking a revoked key keeps the first revocation time; an unknown id is `not-found`. */
  revokeApiKey(id: string, at: string): Promise<void> {
    return this.run(async () => {
      const result = await this.models.apiKeys.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: at } });
      if (result.matchedCount === 1) return;
      const exists = await this.models.apiKeys.exists({ _id: id });
      if (!exists) throw new SdxError('not-found', `no API key with id ${id}`);
    });
  }

  commit(changes: readonly DocumentChange[]): Promise<CommitResult> {
    return this.run(async (deadline) => {
      checkChanges(changes);
      checkPeerSendSizes(changes, `MongoDB store ${this.dbName}`);
      for (let attempt = 1; ; attempt += 1) {
        deadline.check();
        try {
          return await this.inTransaction((session) => this.commitIn(session, changes), deadline);
        } catch (error) {
          if (!isTransactionRace(error)) throw error;
          // The driver's own retries are spent; what the race left behind decides the outcome.
          const settled = await this.settleRace(changes);
          if (settled !== undefined) return settled;
          if (attempt >= COMMIT_ATTEMPTS) {
            throw new SdxError('busy', `MongoDB store ${this.dbName}: too many concurrent commits; retry in a moment`, { cause: error });
          }
        }
      }
    });
  }

  getDocument(id: string): Promise<StoredDocument | undefined> {
    return this.run(async () => {
      const record = await this.models.documents.findById(id).lean<DocumentRecord>().exec();
      return record ? toStoredDocument(record) : undefined;
    });
  }

  listDocuments(query: DocumentQuery): Promise<DocumentPage> {
    return this.run(async () => {
      const limit = clampLimit(query.limit);
      const newestFirst = query.newestFirst === true;
      const filter = documentFilter(query);
      if (query.after !== undefined) {
        const beyond = { ord: { [newestFirst ? '$lt' : '$gt']: decodeCursor(query.after, newestFirst) } };
        filter.$and = [...(filter.$and ?? []), beyond];
      }
      const records = await this.models.documents
        .find(filter)
        .sort({ ord: newestFirst ? -1 : 1 })
        .limit(limit + 1)
        .lean<DocumentRecord[]>()
        .exec();
      const page = records.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map(toStoredDocument),
        nextCursor: records.length > limit && last ? encodeCursor(last.ord, newestFirst) : null,
      };
    });
  }

  countDocuments(filter: DocumentFilter, cap: number): Promise<DocumentCount> {
    return this.run(async () => {
      const limit = Math.max(0, Math.min(MAX_COUNT, Math.trunc(cap)));
      const counted = await this.models.documents.countDocuments(documentFilter(filter)).limit(limit + 1).exec();
      return { count: Math.min(counted, limit), capped: counted > limit };
    });
  }

  listEvents(documentId: string): Promise<StoredEvent[]> {
    return this.run(async () => {
      const records = await this.models.events.find({ documentId }).sort({ seq: 1 }).lean<EventRecord[]>().exec();
      return records.map(toStoredEvent);
    });
  }

  logState(): Promise<LogState> {
    return this.run(async () => {
      const { size, frontier } = await this.readLogState(undefined);
      return { size, rootHash: rootFromFrontier(size, frontier) };
    });
  }

  logNodes(addresses: readonly NodeAddress[]): Promise<(Uint8Array | undefined)[]> {
    return this.run(async () => {
      const valid = addresses.filter(({ level, index }) => Number.isSafeInteger(level) && Number.isSafeInteger(index));
      if (valid.length === 0) return addresses.map(() => undefined);
      const records = await this.models.logNodes
        .find({ $or: valid.map(({ level, index }) => ({ level, index })) })
        .readConcern(committedReads)
        .lean()
        .exec();
      const found = new Map(records.map((r) => [`${r.level}:${r.index}`, r.hash]));
      return addresses.map(({ level, index }) => {
        const hash = found.get(`${level}:${index}`);
        return hash === undefined ? undefined : hashOf(hash, `log node (${level}, ${index})`);
      });
    });
  }

  logEntries(start: number, end: number): Promise<StoredEvent[]> {
    return this.run(async () => {
      checkLogRange(start, end);
      if (start === end) return [];
      const records = await this.models.events
        .find({ logIndex: { $gte: start, $lt: end } })
        .readConcern(committedReads)
        .sort({ logIndex: 1 })
        .lean<EventRecord[]>()
        .exec();
      return records.map(toStoredEvent);
    });
  }

  /** Stores a signed head; the same head again is a no-op, another head for a stored size a conflict. */
  putTreeHead(head: SignedTreeHead): Promise<void> {
    return this.run(async () => {
      checkTreeSize(head.size);
      const record = { size: head.size, rootHash: head.rootHash, timestamp: head.timestamp, signature: head.signature };
      try {
        await this.models.treeHeads.insertMany([record]);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const stored = await this.models.treeHeads.findOne({ size: head.size }).lean().exec();
        if (stored && sameTreeHead(toTreeHead(stored), head)) return;
        throw new SdxError(
          'store-conflict',
          `a different tree head for size ${head.size} is already stored; tree heads are never replaced, read the stored one`,
        );
      }
    });
  }

  latestTreeHead(): Promise<SignedTreeHead | undefined> {
    return this.run(async () => {
      const record = await this.models.treeHeads.findOne().sort({ size: -1 }).lean().exec();
      return record ? toTreeHead(record) : undefined;
    });
  }

  /**
   * One transaction: the party's upload lock is rewritten first, so concurrent uploads of one party
   * conflict and are retried one after the other; then the quota check, the blob and its upload entry.
   */
  putBlob(bytes: Uint8Array, mediaType: string, put: BlobPut): Promise<{ sha256: string; size: number; created: boolean }> {
    return this.run(async (deadline) => {
      const buffer = toBuffer(bytes);
      const sha256 = blobHash(buffer);
      const size = buffer.byteLength;
      checkBlobSize(size, MONGO_MAX_BLOB_BYTES, `MongoDB store ${this.dbName}`);
      return this.inTransaction(async (session) => {
        const { partyId } = put;
        if (partyId !== undefined) {
          await this.models.uploadLocks.updateOne({ _id: partyId }, { $set: { at: put.at } }, { upsert: true, session });
          if (put.quotaBytes !== undefined) {
            const pending = await this.pendingBytesOf(partyId, sha256, session);
            if (pending + size > put.quotaBytes) throw uploadQuotaError(pending, size, put.quotaBytes);
          }
        }
        const chunks = chunksOf(sha256, buffer);
        const inserted = await this.models.blobs.updateOne(
          { _id: sha256 },
          { $setOnInsert: { mediaType, size, ...recordBytesOf(buffer, chunks), pendingSince: put.at, uploads: [] } },
          { upsert: true, session },
        );
        const created = inserted.upsertedCount === 1;
        if (created) await writeChunks(this.models.blobChunks, chunks, session);
        // Bytes put again while pending are young again; referenced bytes stay referenced.
        if (!created) {
          await this.models.blobs.updateOne(
            { _id: sha256, pendingSince: { $type: 'string', $lt: put.at } },
            { $set: { pendingSince: put.at } },
            { session },
          );
        }
        if (partyId !== undefined) {
          const again = await this.models.blobs.updateOne(
            { _id: sha256, 'uploads.partyId': partyId },
            { $max: { 'uploads.$.uploadedAt': put.at } },
            { session },
          );
          if (again.matchedCount === 0) {
            await this.models.blobs.updateOne({ _id: sha256 }, { $push: { uploads: { partyId, size, uploadedAt: put.at } } }, { session });
          }
        }
        return { sha256, size, created };
      }, deadline);
    });
  }

  getBlob(sha256: string, options: { visibleTo?: PartyId } = {}): Promise<StoredBlob | undefined> {
    return this.run(async () => {
      const record = await this.models.blobs.findById(sha256).lean<BlobRecord>().exec();
      if (!record) return undefined;
      if (options.visibleTo !== undefined && !(await this.blobVisibleTo(record, options.visibleTo))) return undefined;
      const chunked = record.chunks ? await readChunks(this.models.blobChunks, record._id, record.chunks, record.size) : undefined;
      const blob = toStoredBlob(record, chunked);
      if (blobHash(blob.bytes) !== blob.sha256) {
        throw new SdxError('store-corrupt', `blob ${blob.sha256} no longer matches its hash`);
      }
      return blob;
    });
  }

  pendingUploadBytes(partyId: PartyId): Promise<number> {
    return this.run(() => this.pendingBytesOf(partyId, null, undefined));
  }

  /** Each delete re-checks, on the one blob document, that it is still pending and old: atomic per blob. */
  sweepBlobs(olderThan: string, limit: number): Promise<number> {
    return this.run(async (deadline) => {
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new ValidationError([{ path: 'limit', code: 'invalid-limit', message: 'sweep at least one blob at a time' }]);
      }
      const stale = { pendingSince: { $type: 'string' as const, $lt: olderThan } };
      const doomed = await this.models.blobs.find(stale, { _id: 1, chunks: 1 }).sort({ pendingSince: 1 }).limit(limit).lean<{ _id: string; chunks?: number }[]>().exec();
      if (doomed.length === 0) return 0;
      const inline = doomed.filter((d) => !d.chunks).map((d) => d._id);
      let deleted = inline.length === 0 ? 0 : (await this.models.blobs.deleteMany({ _id: { $in: inline }, ...stale })).deletedCount;
      // A chunked blob goes with its chunks in one transaction, and only if it is still stale then.
      for (const { _id } of doomed.filter((d) => d.chunks)) {
        deleted += await this.inTransaction(async (session) => {
          const gone = await this.models.blobs.deleteOne({ _id, ...stale }, { session });
          if (gone.deletedCount === 1) await this.models.blobChunks.deleteMany({ sha256: _id }, { session });
          return gone.deletedCount;
        }, deadline);
      }
      return deleted;
    });
  }

  private async pendingBytesOf(partyId: PartyId, except: string | null, session: ClientSession | undefined): Promise<number> {
    const [row] = await this.models.blobs
      .aggregate<{ total: number }>([
        { $match: { 'uploads.partyId': partyId, pendingSince: { $type: 'string' }, ...(except === null ? {} : { _id: { $ne: except } }) } },
        { $group: { _id: null, total: { $sum: '$size' } } },
      ])
      .session(session ?? null)
      .exec();
    return row?.total ?? 0;
  }

  private async blobVisibleTo(record: BlobRecord, partyId: PartyId): Promise<boolean> {
    if ((record.uploads ?? []).some((upload) => upload.partyId === partyId)) return true;
    const refs = await this.models.blobRefs.find({ sha256: record._id }, { documentId: 1 }).lean<{ documentId: string }[]>().exec();
    if (refs.length === 0) return false;
    const seen = await this.models.documents.exists({ _id: { $in: refs.map((r) => r.documentId) }, 'participants.partyId': partyId });
    return seen !== null;
  }

  /** One attempt at a commit, inside `session`'s transaction. */
  private async commitIn(session: ClientSession, changes: readonly DocumentChange[]): Promise<CommitResult> {
    // Sequential throughout: operations of one transaction must not run in parallel on its session.
    const seqs: number[] = [];
    const storedHashes: (string | undefined)[][] = [];
    for (const change of changes) {
      seqs.push(await this.currentSeq(change.documentId, session));
      storedHashes.push(await this.storedHashes(change, session));
    }
    if (decideCommit(changes, { seqs, storedHashes }) === 'duplicate') return { outcome: 'duplicate' };
    const parties = [...new Set(changes.flatMap((c) => c.state.participants.map((p) => p.partyId)))];
    const plan = planCommit(changes, await this.readLogState(session), await this.webhooks.endpointsOf(session, parties));
    await this.write(plan, session);
    return { outcome: 'committed' };
  }

  /**
   * After a lost race the driver could not retry away: a repeat of what won is a duplicate, a stale
   * sequence a conflict; undefined means neither, and the commit may be tried again.
   */
  private async settleRace(changes: readonly DocumentChange[]): Promise<CommitResult | undefined> {
    const stored = await Promise.all(changes.map((change) => this.storedHashes(change, undefined)));
    if (changes.every((change, i) => isRepeat(change, stored[i] ?? []))) return { outcome: 'duplicate' };
    for (const change of changes) {
      const actual = await this.currentSeq(change.documentId, undefined);
      if (actual !== change.expectedSeq) throw new StoreConflictError(change.documentId, change.expectedSeq, actual);
    }
    return undefined;
  }

  private async currentSeq(documentId: string, session: ClientSession | undefined): Promise<number> {
    const record = await this.models.documents
      .findById(documentId, { seq: 1 }, { session: session ?? null })
      .lean<Pick<DocumentRecord, 'seq'>>()
      .exec();
    return record?.seq ?? 0;
  }

  /** The hashes stored where `change`'s events would go. */
  private async storedHashes(change: DocumentChange, session: ClientSession | undefined): Promise<(string | undefined)[]> {
    const seqs = eventSeqsOf(change);
    const records = await this.models.events
      .find({ documentId: change.documentId, seq: { $gte: seqs[0] ?? 1, $lte: seqs[seqs.length - 1] ?? 0 } }, { seq: 1, hash: 1 }, { session: session ?? null })
      .lean<Pick<EventRecord, 'seq' | 'hash'>[]>()
      .exec();
    const hashes = new Map(records.map((r) => [r.seq, r.hash]));
    return seqs.map((seq) => hashes.get(seq));
  }

  /** Writes a planned commit, inside `session`'s transaction. */
  private async write(plan: CommitPlan, session: ClientSession): Promise<void> {
    for (const document of plan.documents) {
      // A document's creation order is its first event's log index.
      const ord = plan.events.find((e) => e.documentId === document.documentId)?.logIndex ?? plan.log.from;
      await this.writeDocument(document, ord, session);
    }
    for (const blob of plan.blobs) {
      if (blob.bytes) {
        const bytes = toBuffer(blob.bytes);
        checkBlobSize(bytes.byteLength, MONGO_MAX_BLOB_BYTES, `MongoDB store ${this.dbName}`);
        const chunks = chunksOf(blob.sha256, bytes);
        const written = await this.models.blobs.updateOne(
          { _id: blob.sha256 },
          { $setOnInsert: { mediaType: blob.mediaType ?? 'application/octet-stream', size: bytes.byteLength, ...recordBytesOf(bytes, chunks), uploads: [] }, $set: { pendingSince: null } },
          { upsert: true, session },
        );
        if (written.upsertedCount === 1) await writeChunks(this.models.blobChunks, chunks, session);
      } else {
        const referenced = await this.models.blobs.updateOne({ _id: blob.sha256 }, { $set: { pendingSince: null } }, { session });
        if (referenced.matchedCount !== 1) throw new MissingBlobError(blob.sha256);
      }
      await this.models.blobRefs.updateOne({ sha256: blob.sha256, documentId: blob.documentId }, { $set: { sha256: blob.sha256, documentId: blob.documentId } }, { upsert: true, session });
    }
    if (plan.events.length > 0) {
      const events: EventRecord[] = plan.events.map((e) => ({ ...e }));
      await this.models.events.insertMany(events, { session, ordered: true });
    }
    if (plan.logNodes.length > 0) {
      await this.models.logNodes.insertMany(
        plan.logNodes.map((node) => ({ level: node.level, index: node.index, hash: toBuffer(node.hash) })),
        { session, ordered: true },
      );
    }
    // Every commit rewrites the one log-state document, which is what makes concurrent commits conflict.
    const moved = await this.models.logState.updateOne(
      { _id: LOG_STATE_ID, size: plan.log.from },
      { $set: { size: plan.log.size, frontier: plan.log.frontier.map(toBuffer) } },
      { session },
    );
    if (moved.matchedCount !== 1) {
      throw new SdxError('store-corrupt', `the audit log state of MongoDB store ${this.dbName} changed under a transaction`);
    }
    await this.federation.insertPeerSends(session, plan.peerSends);
    await this.webhooks.insertDeliveries(session, plan.deliveries);
  }

  private async writeDocument(document: PlannedDocument, ord: number, session: ClientSession): Promise<void> {
    const { documentId, state, at, seq, participants, create } = document;
    if (create) {
      const record: DocumentRecord = {
        _id: documentId,
        ord,
        kind: state.kind,
        status: state.status,
        holder: state.holder,
        issuer: state.issuer,
        seq,
        payload: toJson(create.payload, 'payload'),
        state: toJson(state, 'state'),
        participants,
        keys: keyStrings(create.keys),
        keysVersion: KEYS_VERSION,
        createdAt: at,
        updatedAt: at,
      };
      await this.models.documents.insertMany([record], { session });
      return;
    }
    const result = await this.models.documents.updateOne(
      { _id: documentId, seq: document.expectedSeq },
      { $set: { state: toJson(state, 'state'), status: state.status, holder: state.holder, seq, participants, updatedAt: at } },
      { session },
    );
    if (result.matchedCount !== 1) {
      throw new StoreConflictError(documentId, document.expectedSeq, await this.currentSeq(documentId, session));
    }
  }

  private async readLogState(session: ClientSession | undefined): Promise<{ size: number; frontier: Frontier }> {
    // In a transaction the snapshot is read; outside one, only majority-committed state.
    const query = this.models.logState.findById(LOG_STATE_ID, null, { session: session ?? null });
    const record = await (session ? query : query.readConcern(committedReads)).lean().exec();
    return toLogState(record, `MongoDB store ${this.dbName}`);
  }

  /**
   * The driver retries a transient failure for up to 120 s; each retry first asks the deadline,
   * and a spent deadline (not transient) ends the transaction at once.
   */
  private async inTransaction<T>(work: (session: ClientSession) => Promise<T>, deadline: Deadline): Promise<T> {
    const session = await this.connection.startSession();
    try {
      return await session.withTransaction(() => {
        deadline.check();
        return work(session);
      }, transactionOptions(this.timeoutMs));
    } finally {
      await session.endSession();
    }
  }

  /** Runs one unit of work within the store deadline and hands its failure back in SdxError terms. */
  private async run<T>(work: (deadline: Deadline) => Promise<T>): Promise<T> {
    if (this.closed) throw new SdxError('store-unavailable', `MongoDB store ${this.dbName} is closed; connect again`);
    try {
      return await withDeadline(this.timeoutMs, `MongoDB store ${this.dbName}`, work);
    } catch (error) {
      throw translateMongoError(error, `MongoDB store ${this.dbName} failed`);
    }
  }
}

/** Snapshot reads, durable writes on the primary, and a commit that may not wait past the deadline. */
export function transactionOptions(timeoutMs: number) {
  return {
    readConcern: { level: 'snapshot' },
    writeConcern: durableWrites(timeoutMs),
    readPreference: 'primary',
    maxCommitTimeMS: timeoutMs,
  } as const;
}

/** The one document `/healthz` writes with majority acknowledgement. */
const majorityProbeFilter = { _id: 'health' } as const;

async function adminCommand(connection: Connection, command: Record<string, unknown>): Promise<Record<string, unknown>> {
  const db = connection.db;
  if (db === undefined) throw new SdxError('store-unavailable', 'the MongoDB connection is not open');
  return (await db.admin().command(command)) as Record<string, unknown>;
}

/**
 * Refuses a standalone server up front: without a replica set there are no transactions, and
 * every commit would fail later with a less helpful message.
 */
async function requireReplicaSet(connection: Connection): Promise<void> {
  const hello = await adminCommand(connection, { hello: 1 });
  if (typeof hello.setName === 'string' || hello.msg === 'isdbgrid') return;
  throw new SdxError('store-unavailable', replicaSetRequiredMessage);
}

async function createCollection(name: string, connection: Connection): Promise<void> {
  try {
    await connection.createCollection(name);
  } catch (error) {
    // NamespaceExists: another process (or an earlier start) created it.
    if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 48) return;
    if (isReplicaSetRequired(error)) throw new SdxError('store-unavailable', replicaSetRequiredMessage, { cause: error });
    throw error;
  }
}

type DocumentMatch = Record<string, unknown> & { $and?: Record<string, unknown>[] };

/** The MongoDB filter for a document filter; each business-key search is one `keys` range or equality. */
function documentFilter(filter: DocumentFilter): DocumentMatch {
  const match: DocumentMatch = {};
  const and: Record<string, unknown>[] = [];
  if (filter.kind !== undefined) match.kind = filter.kind;
  const statuses = statusesOf(filter);
  if (statuses !== undefined) match.status = { $in: [...statuses] };
  if (filter.holder !== undefined) match.holder = filter.holder;
  if (filter.issuer !== undefined) match.issuer = filter.issuer;
  const created = timeRange(filter.createdFrom, filter.createdBefore);
  if (created) match.createdAt = created;
  const updated = timeRange(filter.updatedFrom, filter.updatedBefore);
  if (updated) match.updatedAt = updated;
  // Not indexed: the party, role and status terms of the desk's query narrow the rows first.
  if (filter.presentedTo !== undefined) match['state'] = { $regex: `"presentedTo":${escapeRegex(JSON.stringify(filter.presentedTo))}` };
  const roles = rolesOf(filter);
  if (filter.partyId !== undefined) {
    match.participants = { $elemMatch: roles === undefined ? { partyId: filter.partyId } : { partyId: filter.partyId, role: { $in: [...roles] } } };
  } else if (roles !== undefined) {
    match['participants.role'] = { $in: [...roles] };
  }
  for (const search of filter.keys ?? []) {
    and.push({
      $or: search.keys.map((key) =>
        prefixKeyNames.includes(key) ? { keys: { $regex: `^${escapeRegex(`${key}:${search.value}`)}` } } : { keys: `${key}:${search.value}` },
      ),
    });
  }
  if (and.length > 0) match.$and = and;
  return match;
}

function timeRange(from: string | undefined, before: string | undefined): Record<string, string> | undefined {
  if (from === undefined && before === undefined) return undefined;
  return { ...(from === undefined ? {} : { $gte: from }), ...(before === undefined ? {} : { $lt: before }) };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Documents whose keys were extracted by an older `businessKeysOf` (or none, from before search)
 * get today's keys once, at connect, a batch at a time. The version is indexed, so once every
 * document is current this is one empty index probe.
 */
async function backfillDocumentKeys(models: AllModels): Promise<void> {
  for (;;) {
    const stale = { keysVersion: { $ne: KEYS_VERSION } };
    const batch = await models.documents.find(stale).limit(1000).lean<DocumentRecord[]>().exec();
    if (batch.length === 0) return;
    await models.documents.bulkWrite(
      batch.map((record) => ({
        updateOne: {
          filter: { _id: record._id, ...stale },
          update: { $set: { keys: storedKeysOf(record.kind as DocumentKind, JSON.parse(record.payload) as unknown), keysVersion: KEYS_VERSION } },
        },
      })),
    );
  }
}
