import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
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
import { MissingBlobError, MissingDatabaseError, StoreConflictError, uploadQuotaError } from '../../../application/ports/store.port';
import type { SignedTreeHead } from '../../../application/audit/tree-head';
import { HASH_SIZE } from '../../../domain/audit-log/merkle-hash';
import { blobHash } from '../../../domain/audit-log/event-hash';
import { checkChanges, decideCommit, eventSeqsOf, planCommit, type CommitPlan, type PlannedDocument } from '../../../application/commit/commit-planner';
import { rootFromFrontier, type Frontier, type NodeAddress } from '../../../domain/audit-log/merkle-tree';
import { popCount } from '../../../domain/audit-log/merkle-tree-math';
import type { Party, PartyId } from '../../../domain/party/party';
import { SdxError, ValidationError } from '../../../domain/shared/errors';
import { checkLogRange, clampLimit, decodeCursor, encodeCursor, MAX_COUNT, rolesOf, statusesOf } from '../commit-checks';
import { prefixKeyNames } from '../../../domain/document/business-keys';
import { storedParty, toJson, toStoredDocument, toStoredEvent, type EventRow } from '../stored-json';
import { applyMigrations, schemaVersionOf } from './migrations';
import { SqliteFederation } from './sqlite-federation';
import { endOpenSessions, SqliteSessions } from './sqlite-sessions';
import { SqliteWebhooks } from './sqlite-webhooks';

export { MAX_LOG_ENTRIES } from '../commit-checks';
const BUSY_TIMEOUT_MS = 5000;

interface PartyRow {
  id: string;
  data: string;
}

interface UserRow {
  id: string;
  party_id: string;
  name: string;
  created_at: string;
  password_hash: string | null;
}

interface ApiKeyRow {
  id: string;
  user_id: string;
  key_hash: string;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

interface DocumentRow {
  id: string;
  ord: number;
  kind: string;
  status: string;
  holder: string | null;
  issuer: string;
  seq: number;
  payload: string;
  state: string;
  created_at: string;
  updated_at: string;
}


interface LogStateRow {
  size: number;
  frontier: Buffer;
}

interface TreeHeadRow {
  size: number;
  root_hash: string;
  timestamp: string;
  signature: string;
}

interface BlobRow {
  sha256: string;
  media_type: string;
  size: number;
  bytes: Buffer;
  pending_since: string | null;
}

/** What the store's own connection runs with; for operators and tests, not part of the port. */
export interface SqliteConnectionSettings {
  journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  synchronous: number;
  foreignKeys: boolean;
  busyTimeoutMs: number;
  schemaVersion: number;
}

/** Bounds how long one shared commit holds the write lock. */
const MAX_COMMITS_PER_TRANSACTION = 64;

interface QueuedCommit {
  changes: readonly DocumentChange[];
  resolve: (result: CommitResult) => void;
  reject: (error: unknown) => void;
}

/** Far more than the store's distinct statements: a bound for a search that builds many texts. */
const MAX_PREPARED_STATEMENTS = 1000;

/**
 * The Store port on one SQLite file. better-sqlite3 is synchronous; every method still returns a
 * Promise so that callers are written against the port, not against this adapter. Commits run in
 * IMMEDIATE transactions in WAL mode with `synchronous = FULL` (those of one event-loop turn share
 * one): when a commit resolves, its write has been fsynced.
 */
export class SqliteStore implements Store {
  /** Prepared statements by their SQL, once per connection (see `statement`). */
  private readonly statements = new Map<string, Database.Statement>();
  /** Commits waiting for the next turn of the event loop (see `commit`). */
  private readonly queuedCommits: QueuedCommit[] = [];
  /** The webhook endpoints and the delivery outbox (filled by `commit`). */
  readonly webhooks: SqliteWebhooks;
  /** Web sessions; `setUserPassword` ends a user's open ones. */
  readonly sessions: SqliteSessions;
  /** Peer sends (filled by `commit`) and shared PINT records. */
  readonly federation: SqliteFederation;

  private constructor(
    private readonly db: Database.Database,
    /** The database file (or ':memory:'), e.g. for tools that read or audit it directly. */
    readonly file: string,
  ) {
    const run = <T>(work: () => T): Promise<T> => this.run(work);
    const statement = (sql: string): Database.Statement => this.statement(sql);
    this.webhooks = new SqliteWebhooks(db, run, statement);
    this.sessions = new SqliteSessions(db, run, statement);
    this.federation = new SqliteFederation(db, run, statement);
  }

  /**
   * Opens (creating if needed) the database at `file`, or an in-memory one for ':memory:'. With
   * `existingOnly` a missing file is refused with a MissingDatabaseError and nothing is created.
   */
  static open(file: string, options: { existingOnly?: boolean } = {}): SqliteStore {
    // better-sqlite3 reports a missing folder apart from a missing file; both are "no database".
    if (options.existingOnly && file !== ':memory:' && !existsSync(file)) throw new MissingDatabaseError(file);
    let db: Database.Database;
    try {
      db = new Database(file, options.existingOnly ? { fileMustExist: true } : {});
    } catch (error) {
      if (options.existingOnly && isSqliteError(error) && error.code === 'SQLITE_CANTOPEN') {
        throw new MissingDatabaseError(file);
      }
      throw translate(error, `cannot open SQLite database ${file}`);
    }
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (!db.memory && mode !== 'wal') {
        throw new SdxError('store-unavailable', `SQLite refused WAL mode for ${file} (got ${String(mode)}); put it on a local file system`);
      }
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      applyMigrations(db);
      return new SqliteStore(db, file);
    } catch (error) {
      db.close();
      throw translate(error, `cannot open SQLite database ${file}`);
    }
  }

  connectionSettings(): SqliteConnectionSettings {
    this.assertOpen();
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
      foreignKeys: Number(this.db.pragma('foreign_keys', { simple: true })) === 1,
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
      schemaVersion: schemaVersionOf(this.db),
    };
  }

  health(): Promise<StoreHealth> {
    if (!this.db.open) return Promise.resolve({ ok: false, backend: 'sqlite', detail: `${this.file}: closed` });
    try {
      this.statement('SELECT 1').get();
      return Promise.resolve({
        ok: true,
        backend: 'sqlite',
        detail: `${this.file}, schema version ${schemaVersionOf(this.db)}`,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return Promise.resolve({ ok: false, backend: 'sqlite', detail: `${this.file}: ${message}` });
    }
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }

  upsertParty(party: Party): Promise<void> {
    return this.run(() => {
      this
        .statement('INSERT INTO parties (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data')
        .run(party.id, JSON.stringify(party));
    });
  }

  getParty(id: PartyId): Promise<Party | undefined> {
    return this.run(() => {
      const row = this.statement('SELECT id, data FROM parties WHERE id = ?').get(id) as PartyRow | undefined;
      return row && storedParty(row.data, row.id);
    });
  }

  listParties(): Promise<Party[]> {
    return this.run(() => {
      const rows = this.statement('SELECT id, data FROM parties ORDER BY id').all() as PartyRow[];
      return rows.map((row) => storedParty(row.data, row.id));
    });
  }

  createUser(user: User): Promise<void> {
    return this.run(() => {
      this
        .statement('INSERT INTO users (id, party_id, name, created_at, password_hash) VALUES (?, ?, ?, ?, ?)')
        .run(user.id, user.partyId, user.name, user.createdAt, user.passwordHash ?? null);
    });
  }

  setUserPassword(userId: string, passwordHash: string): Promise<void> {
    return this.run(() => {
      this.db.transaction(() => {
        const { changes } = this.statement('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId);
        if (changes === 0) throw new SdxError('not-found', `no user ${userId}`);
        endOpenSessions(this.db, userId, new Date().toISOString());
      })();
    });
  }

  getUser(id: string): Promise<User | undefined> {
    return this.run(() => {
      const row = this.statement('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
      return row && toUser(row);
    });
  }

  addApiKey(key: ApiKeyRecord): Promise<void> {
    return this.run(() => {
      this
        .statement('INSERT INTO api_keys (id, user_id, key_hash, label, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(key.id, key.userId, key.keyHash, key.label, key.createdAt, key.revokedAt);
    });
  }

  findActiveApiKey(keyHash: string): Promise<{ key: ApiKeyRecord; user: User } | undefined> {
    return this.run(() => {
      const key = this
        .statement('SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL')
        .get(keyHash) as ApiKeyRow | undefined;
      if (!key) return undefined;
      const user = this.statement('SELECT * FROM users WHERE id = ?').get(key.user_id) as UserRow | undefined;
      return user && { key: toApiKey(key), user: toUser(user) };
    });
  }

  /** Revoking a revoked key keeps the first revocation time; an unknown id is `not-found`. */
  revokeApiKey(id: string, at: string): Promise<void> {
    return this.run(() => {
      const result = this
        .statement('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?')
        .run(at, id);
      if (result.changes === 0) throw new SdxError('not-found', `no API key with id ${id}`);
    });
  }

  /**
   * Commits that arrive in one turn of the event loop share one transaction, each in a savepoint of
   * its own: one that fails (a conflict, a missing blob) is rolled back alone and the rest commit.
   * The fsync that makes a commit durable blocks the event loop; sharing it keeps a busy server
   * from spending most of its loop waiting on the disk. A lone commit is still one fsync.
   */
  commit(changes: readonly DocumentChange[]): Promise<CommitResult> {
    return this.run(() => checkChanges(changes)).then(
      () =>
        new Promise((resolve, reject) => {
          this.queuedCommits.push({ changes, resolve, reject });
          if (this.queuedCommits.length === 1) setImmediate(() => this.commitQueued());
        }),
    );
  }

  private commitQueued(): void {
    const batch = this.queuedCommits.splice(0, MAX_COMMITS_PER_TRANSACTION);
    if (this.queuedCommits.length > 0) setImmediate(() => this.commitQueued());
    // Each commit's answer, given only once the shared transaction is durable.
    const answers: (() => void)[] = [];
    try {
      this.assertOpen();
      this.db.transaction(() => {
        for (const { changes, resolve, reject } of batch) {
          try {
            const result = this.db.transaction(() => this.commitOne(changes))();
            answers.push(() => resolve(result));
          } catch (error) {
            // Some failures (a full disk, I/O) end the whole transaction: then nothing in it stands.
            if (!this.db.inTransaction) throw error;
            answers.push(() => reject(this.failure(error)));
          }
        }
      }).immediate();
    } catch (error) {
      const failed = this.failure(error);
      for (const { reject } of batch) reject(failed);
      return;
    }
    for (const answer of answers) answer();
  }

  /** One commit, inside the batch's transaction. */
  private commitOne(changes: readonly DocumentChange[]): CommitResult {
    const reads = { seqs: changes.map((c) => this.currentSeq(c.documentId)), storedHashes: changes.map((c) => this.storedHashes(c)) };
    if (decideCommit(changes, reads) === 'duplicate') return { outcome: 'duplicate' };
    const parties = [...new Set(changes.flatMap((c) => c.state.participants.map((p) => p.partyId)))];
    this.write(planCommit(changes, this.readLogState(), this.webhooks.endpointsOf(parties)));
    return { outcome: 'committed' };
  }

  getDocument(id: string): Promise<StoredDocument | undefined> {
    return this.run(() => {
      const row = this.statement('SELECT * FROM documents WHERE id = ?').get(id) as DocumentRow | undefined;
      return row && toStoredDocument(row);
    });
  }

  listDocuments(query: DocumentQuery): Promise<DocumentPage> {
    return this.run(() => {
      const limit = clampLimit(query.limit);
      const newestFirst = query.newestFirst === true;
      const { where, params } = filterSql(query);
      if (query.after !== undefined) {
        where.push(newestFirst ? 'd.ord < ?' : 'd.ord > ?');
        params.push(decodeCursor(query.after, newestFirst));
      }
      const rows = this
        .statement(`SELECT d.* FROM documents d WHERE ${where.join(' AND ') || '1'} ORDER BY d.ord ${newestFirst ? 'DESC' : 'ASC'} LIMIT ?`)
        .all(...params, limit + 1) as DocumentRow[];
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map(toStoredDocument),
        nextCursor: rows.length > limit && last ? encodeCursor(last.ord, newestFirst) : null,
      };
    });
  }

  countDocuments(filter: DocumentFilter, cap: number): Promise<DocumentCount> {
    return this.run(() => {
      const limit = Math.max(0, Math.min(MAX_COUNT, Math.trunc(cap)));
      const { where, params } = filterSql(filter);
      const counted = this
        .statement(`SELECT COUNT(*) FROM (SELECT 1 FROM documents d WHERE ${where.join(' AND ') || '1'} LIMIT ?)`)
        .pluck()
        .get(...params, limit + 1) as number;
      return { count: Math.min(counted, limit), capped: counted > limit };
    });
  }

  listEvents(documentId: string): Promise<StoredEvent[]> {
    return this.run(() => {
      const rows = this
        .statement('SELECT * FROM events WHERE document_id = ? ORDER BY seq')
        .all(documentId) as EventRow[];
      return rows.map(toStoredEvent);
    });
  }

  logState(): Promise<LogState> {
    return this.run(() => {
      const { size, frontier } = this.readLogState();
      return { size, rootHash: rootFromFrontier(size, frontier) };
    });
  }

  logNodes(addresses: readonly NodeAddress[]): Promise<(Uint8Array | undefined)[]> {
    return this.run(() => {
      const read = this.statement('SELECT hash FROM log_nodes WHERE level = ? AND idx = ?').pluck();
      return addresses.map(({ level, index }) => {
        if (!Number.isSafeInteger(level) || !Number.isSafeInteger(index)) return undefined;
        const hash = read.get(level, index) as Buffer | undefined;
        return hash && toHash(hash, `log node (${level}, ${index})`);
      });
    });
  }

  logEntries(start: number, end: number): Promise<StoredEvent[]> {
    return this.run(() => {
      checkLogRange(start, end);
      const rows = this.statement('SELECT * FROM events WHERE log_index >= ? AND log_index < ? ORDER BY log_index').all(
        start,
        end,
      ) as EventRow[];
      return rows.map(toStoredEvent);
    });
  }

  /** Stores a signed head; the same head again is a no-op, another head for a stored size a conflict. */
  putTreeHead(head: SignedTreeHead): Promise<void> {
    return this.run(() => {
      if (!Number.isSafeInteger(head.size) || head.size < 0) {
        throw new ValidationError([{ path: 'size', code: 'invalid-size', message: 'a tree size is a whole number from 0' }]);
      }
      this.db.transaction(() => {
        const stored = this.statement('SELECT * FROM tree_heads WHERE size = ?').get(head.size) as TreeHeadRow | undefined;
        if (stored === undefined) {
          this.statement('INSERT INTO tree_heads (size, root_hash, timestamp, signature) VALUES (?, ?, ?, ?)').run(
            head.size,
            head.rootHash,
            head.timestamp,
            head.signature,
          );
          return;
        }
        const same =
          stored.root_hash === head.rootHash && stored.timestamp === head.timestamp && stored.signature === head.signature;
        if (!same) {
          throw new SdxError(
            'store-conflict',
            `a different tree head for size ${head.size} is already stored; tree heads are never replaced, read the stored one`,
          );
        }
      }).immediate();
    });
  }

  latestTreeHead(): Promise<SignedTreeHead | undefined> {
    return this.run(() => {
      const row = this.statement('SELECT * FROM tree_heads ORDER BY size DESC LIMIT 1').get() as TreeHeadRow | undefined;
      return row && { size: row.size, rootHash: row.root_hash, timestamp: row.timestamp, signature: row.signature };
    });
  }

  /** One IMMEDIATE transaction: the quota check, the blob and the upload record are written together or not at all. */
  putBlob(bytes: Uint8Array, mediaType: string, put: BlobPut): Promise<{ sha256: string; size: number; created: boolean }> {
    return this.run(() => {
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const sha256 = blobHash(buffer);
      const size = buffer.byteLength;
      return this.db.transaction(() => {
        if (put.partyId !== undefined && put.quotaBytes !== undefined) {
          const pending = this.pendingBytesOf(put.partyId, sha256);
          if (pending + size > put.quotaBytes) throw uploadQuotaError(pending, size, put.quotaBytes);
        }
        const created =
          this.statement('INSERT OR IGNORE INTO blobs (sha256, media_type, size, bytes, pending_since) VALUES (?, ?, ?, ?, ?)')
            .run(sha256, mediaType, size, buffer, put.at).changes === 1;
        // Bytes put again while pending are young again; referenced bytes stay referenced.
        if (!created) {
          this.statement('UPDATE blobs SET pending_since = ? WHERE sha256 = ? AND pending_since IS NOT NULL AND pending_since < ?').run(
            put.at,
            sha256,
            put.at,
          );
        }
        if (put.partyId !== undefined) {
          this.statement(
            `INSERT INTO blob_uploads (party_id, sha256, size, uploaded_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (party_id, sha256) DO UPDATE SET uploaded_at = MAX(uploaded_at, excluded.uploaded_at)`,
          ).run(put.partyId, sha256, size, put.at);
        }
        return { sha256, size, created };
      }).immediate();
    });
  }

  getBlob(sha256: string, options: { visibleTo?: PartyId } = {}): Promise<StoredBlob | undefined> {
    return this.run(() => {
      const row = this.statement('SELECT * FROM blobs WHERE sha256 = ?').get(sha256) as BlobRow | undefined;
      if (!row) return undefined;
      if (options.visibleTo !== undefined && !this.blobVisibleTo(sha256, options.visibleTo)) return undefined;
      if (blobHash(row.bytes) !== row.sha256) {
        throw new SdxError('store-corrupt', `blob ${row.sha256} no longer matches its hash`);
      }
      return {
        sha256: row.sha256,
        mediaType: row.media_type,
        size: row.size,
        bytes: new Uint8Array(row.bytes),
        pending: row.pending_since !== null,
      };
    });
  }

  pendingUploadBytes(partyId: PartyId): Promise<number> {
    return this.run(() => this.pendingBytesOf(partyId, null));
  }

  /** One IMMEDIATE transaction, so a commit of another process comes wholly before or after it. */
  sweepBlobs(olderThan: string, limit: number): Promise<number> {
    return this.run(() => {
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new ValidationError([{ path: 'limit', code: 'invalid-limit', message: 'sweep at least one blob at a time' }]);
      }
      return this.db.transaction(() => {
        const doomed = this.statement(
          'SELECT sha256 FROM blobs WHERE pending_since IS NOT NULL AND pending_since < ? ORDER BY pending_since LIMIT ?',
        ).pluck().all(olderThan, limit) as string[];
        const dropUploads = this.statement('DELETE FROM blob_uploads WHERE sha256 = ?');
        const drop = this.statement('DELETE FROM blobs WHERE sha256 = ? AND pending_since IS NOT NULL AND pending_since < ?');
        let deleted = 0;
        for (const sha256 of doomed) {
          dropUploads.run(sha256);
          deleted += drop.run(sha256, olderThan).changes;
        }
        return deleted;
      }).immediate();
    });
  }

  /** The sizes of the pending blobs `partyId` uploaded, leaving out `except`. */
  private pendingBytesOf(partyId: PartyId, except: string | null): number {
    const total = this.statement(
      `SELECT COALESCE(SUM(b.size), 0) FROM blob_uploads u JOIN blobs b ON b.sha256 = u.sha256
       WHERE u.party_id = ? AND b.pending_since IS NOT NULL AND b.sha256 IS NOT ?`,
    ).pluck().get(partyId, except) as number;
    return total;
  }

  private blobVisibleTo(sha256: string, partyId: PartyId): boolean {
    const found = this.statement(
      `SELECT 1 FROM blob_uploads WHERE sha256 = ? AND party_id = ?
       UNION ALL
       SELECT 1 FROM blob_refs r JOIN document_parties p ON p.document_id = r.document_id
       WHERE r.sha256 = ? AND p.party_id = ?
       LIMIT 1`,
    ).get(sha256, partyId, sha256, partyId);
    return found !== undefined;
  }

  private currentSeq(documentId: string): number {
    const row = this.statement('SELECT seq FROM documents WHERE id = ?').get(documentId) as
      | Pick<DocumentRow, 'seq'>
      | undefined;
    return row?.seq ?? 0;
  }

  /** The hashes stored where `change`'s events would go. */
  private storedHashes(change: DocumentChange): (string | undefined)[] {
    const stored = this.statement('SELECT hash FROM events WHERE document_id = ? AND seq = ?').pluck();
    return eventSeqsOf(change).map((seq) => stored.get(change.documentId, seq) as string | undefined);
  }

  /** Writes a planned commit, inside the commit's transaction. */
  private write(plan: CommitPlan): void {
    for (const document of plan.documents) this.writeDocument(document);

    const store = this.statement(
      'INSERT INTO blobs (sha256, media_type, size, bytes, pending_since) VALUES (?, ?, ?, ?, NULL) ON CONFLICT (sha256) DO UPDATE SET pending_since = NULL',
    );
    const reference = this.statement('UPDATE blobs SET pending_since = NULL WHERE sha256 = ?');
    const addRef = this.statement('INSERT OR IGNORE INTO blob_refs (sha256, document_id) VALUES (?, ?)');
    for (const blob of plan.blobs) {
      if (blob.bytes) store.run(blob.sha256, blob.mediaType ?? 'application/octet-stream', blob.bytes.byteLength, toBuffer(blob.bytes));
      else if (reference.run(blob.sha256).changes !== 1) throw new MissingBlobError(blob.sha256);
      addRef.run(blob.sha256, blob.documentId);
    }

    const addEvent = this.statement(
      `INSERT INTO events (document_id, seq, log_index, hash, type, actor, recorded_at, envelope)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const e of plan.events) addEvent.run(e.documentId, e.seq, e.logIndex, e.hash, e.type, e.actor, e.recordedAt, e.envelope);

    const addNode = this.statement('INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)');
    for (const node of plan.logNodes) addNode.run(node.level, node.index, node.hash);
    const moved = this.statement('UPDATE log_state SET size = ?, frontier = ? WHERE id = 1 AND size = ?').run(
      plan.log.size,
      Buffer.concat(plan.log.frontier),
      plan.log.from,
    );
    if (moved.changes !== 1) throw new SdxError('store-corrupt', `the audit log state of ${this.file} changed under a transaction`);
    this.webhooks.insertDeliveries(plan.deliveries);
    this.federation.insertPeerSends(plan.peerSends);
  }

  private writeDocument(document: PlannedDocument): void {
    const { documentId, state, at, seq, create } = document;
    if (create) {
      const { ord } = this.statement(
        `INSERT INTO documents (id, ord, kind, status, holder, issuer, seq, payload, state, created_at, updated_at)
         VALUES (?, (SELECT COALESCE(MAX(ord), 0) + 1 FROM documents), ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ord`,
      ).get(documentId, state.kind, state.status, state.holder, state.issuer, seq, toJson(create.payload, 'payload'), toJson(state, 'state'), at, at) as {
        ord: number;
      };
      const addKey = this.statement('INSERT INTO document_keys (key, value, ord) VALUES (?, ?, ?)');
      for (const { key, value } of create.keys) addKey.run(key, value, ord);
    } else {
      const result = this.statement(
        'UPDATE documents SET state = ?, status = ?, holder = ?, seq = ?, updated_at = ? WHERE id = ? AND seq = ?',
      ).run(toJson(state, 'state'), state.status, state.holder, seq, at, documentId, document.expectedSeq);
      if (result.changes !== 1) throw new StoreConflictError(documentId, document.expectedSeq, this.currentSeq(documentId));
    }
    this.statement('DELETE FROM document_parties WHERE document_id = ?').run(documentId);
    const addParty = this.statement('INSERT OR IGNORE INTO document_parties (document_id, party_id, role) VALUES (?, ?, ?)');
    for (const participant of document.participants) addParty.run(documentId, participant.partyId, participant.role);
  }

  /** The log's size and frontier as stored; a frontier that cannot belong to the size is corruption. */
  private readLogState(): { size: number; frontier: Frontier } {
    const row = this.statement('SELECT size, frontier FROM log_state WHERE id = 1').get() as LogStateRow | undefined;
    if (row === undefined) throw new SdxError('store-corrupt', `${this.file} has no audit log state row`);
    const { size, frontier } = row;
    if (!Number.isSafeInteger(size) || size < 0 || frontier.byteLength !== popCount(size) * HASH_SIZE) {
      throw new SdxError(
        'store-corrupt',
        `the audit log state of ${this.file} is damaged: ${frontier.byteLength} frontier bytes for ${String(size)} leaves`,
      );
    }
    const hashes: Uint8Array[] = [];
    for (let at = 0; at < frontier.byteLength; at += HASH_SIZE) hashes.push(toHash(frontier.subarray(at, at + HASH_SIZE), 'frontier'));
    return { size, frontier: hashes };
  }

  /**
   * The prepared statement for `sql`, prepared once per connection: preparing costs more than most
   * statements it prepares (a third of an issue's store time went to it). Shared with the store's
   * parts; search queries vary only in which filters they use, so the texts stay few.
   */
  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (prepared === undefined) {
      prepared = this.db.prepare(sql);
      if (this.statements.size >= MAX_PREPARED_STATEMENTS) this.statements.clear();
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  /** Runs one synchronous unit of work and hands its outcome back as a Promise, in SdxError terms. */
  private run<T>(work: () => T): Promise<T> {
    try {
      this.assertOpen();
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(this.failure(error));
    }
  }
  /** A failure of this store, in SdxError terms. */
  private failure(error: unknown): unknown {
    return translate(error, `SQLite store ${this.file} failed`);
  }

  private assertOpen(): void {
    if (!this.db.open) throw new SdxError('store-unavailable', `SQLite store ${this.file} is closed; open it again`);
  }
}

/** Bytes as a Buffer over the same memory, as the driver binds them. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A stored hash as a plain Uint8Array (not a Buffer), checked for its length. */
function toHash(bytes: Buffer, what: string): Uint8Array {
  if (bytes.byteLength !== HASH_SIZE) throw new SdxError('store-corrupt', `${what} is not a ${HASH_SIZE}-byte hash`);
  return new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    partyId: row.party_id,
    name: row.name,
    createdAt: row.created_at,
    ...(row.password_hash !== null ? { passwordHash: row.password_hash } : {}),
  };
}

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    keyHash: row.key_hash,
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}



/**
 * The native addon keeps the SqliteError class (and so the Error realm) of the first module
 * instance that loaded it, so where modules load more than once in a process (test runners' VM
 * contexts) `instanceof` fails; the error's name and string code identify it reliably.
 */
function isSqliteError(error: unknown): error is Error & { code: string } {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  return name === 'SqliteError' && typeof code === 'string' && typeof message === 'string';
}

/**
 * Maps a driver failure onto the store's error codes. Anything that is not a SQLite error (an
 * SdxError, or a bug) passes through unchanged.
 */
function translate(error: unknown, context: string): unknown {
  if (!isSqliteError(error)) return error;
  const { code, message } = error;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new SdxError('store-corrupt', `${context}: ${message}`, { cause: error });
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new SdxError('store-conflict', `${context}: a record with that key already exists (${message})`, { cause: error });
  }
  return new SdxError('store-unavailable', `${context}: ${message}`, { cause: error });
}

/** The WHERE terms (over `documents d`) and their parameters for a filter. */
function filterSql(filter: DocumentFilter): { where: string[]; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const term = (sql: string, ...values: (string | number)[]): void => {
    where.push(sql);
    params.push(...values);
  };
  if (filter.kind !== undefined) term('d.kind = ?', filter.kind);
  const statuses = statusesOf(filter);
  if (statuses !== undefined) term(`d.status IN (${statuses.map(() => '?').join(', ') || 'NULL'})`, ...statuses);
  if (filter.holder !== undefined) term('d.holder = ?', filter.holder);
  if (filter.issuer !== undefined) term('d.issuer = ?', filter.issuer);
  if (filter.createdFrom !== undefined) term('d.created_at >= ?', filter.createdFrom);
  if (filter.createdBefore !== undefined) term('d.created_at < ?', filter.createdBefore);
  if (filter.updatedFrom !== undefined) term('d.updated_at >= ?', filter.updatedFrom);
  if (filter.updatedBefore !== undefined) term('d.updated_at < ?', filter.updatedBefore);
  // Only a presented D/O has presentedTo; the other terms narrow the rows first.
  if (filter.presentedTo !== undefined) term("json_extract(d.state, '$.presentedTo') = ?", filter.presentedTo);
  const roles = rolesOf(filter);
  const byRole = roles === undefined ? '' : ` AND p.role IN (${roles.map(() => '?').join(', ') || 'NULL'})`;
  if (filter.partyId !== undefined) {
    term(`EXISTS (SELECT 1 FROM document_parties p WHERE p.document_id = d.id AND p.party_id = ?${byRole})`, filter.partyId, ...(roles ?? []));
  } else if (roles !== undefined) {
    term(`EXISTS (SELECT 1 FROM document_parties p WHERE p.document_id = d.id${byRole})`, ...roles);
  }
  for (const search of filter.keys ?? []) {
    // Each key is one index range on (key, value): equal, or for prefix keys [value, value + U+FFFF).
    const ranges = search.keys.map((key) =>
      prefixKeyNames.includes(key) ? { sql: '(k.key = ? AND k.value >= ? AND k.value < ?)', values: [key, search.value, `${search.value}\uffff`] } : { sql: '(k.key = ? AND k.value = ?)', values: [key, search.value] },
    );
    term(`d.ord IN (SELECT k.ord FROM document_keys k WHERE ${ranges.map((r) => r.sql).join(' OR ') || '0'})`, ...ranges.flatMap((r) => r.values));
  }
  return { where, params };
}
