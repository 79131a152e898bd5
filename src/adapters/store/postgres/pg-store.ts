import pg from 'pg';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
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
import { checkChanges, decideCommit, eventSeqsOf, planCommit, type CommitPlan, type PlannedDocument } from '../../../application/commit/commit-planner';
import { HASH_SIZE } from '../../../domain/audit-log/merkle-hash';
import { blobHash } from '../../../domain/audit-log/event-hash';
import { rootFromFrontier, type Frontier, type NodeAddress } from '../../../domain/audit-log/merkle-tree';
import { popCount } from '../../../domain/audit-log/merkle-tree-math';
import { prefixKeyNames } from '../../../domain/document/business-keys';
import type { Party, PartyId } from '../../../domain/party/party';
import { SdxError, ValidationError } from '../../../domain/shared/errors';
import { checkLogRange, clampLimit, decodeCursor, encodeCursor, MAX_COUNT, rolesOf, statusesOf } from '../commit-checks';
import { storedParty, toJson, toStoredDocument, toStoredEvent, type EventRow } from '../stored-json';
import { applyPgMigrations } from './pg-migrations';
import { PgFederation } from './pg-federation';
import { PgLimits } from './pg-limits';
import { PgSessions } from './pg-sessions';
import { PgWebhooks } from './pg-webhooks';
import { redactedUrl } from './redacted-url';

export { redactedUrl };

/** The channel every commit notifies (in its transaction) with the log range it appended. */
export const EVENTS_CHANNEL = 'sdx_events';
const LISTEN_RETRY_MS = 1000;

export interface PgStoreOptions {
  /** Pool size per node (default 10). */
  poolSize?: number;
  /** How long a request waits for a connection before `store-unavailable` (default 5 s). */
  connectTimeoutMs?: number;
  /** Where pool errors go (an idle connection dropped by the server); never given the password. */
  onPoolError?: (message: string) => void;
  /** The database must hold an SDX schema already (else a MissingDatabaseError, and nothing is created): for tools. */
  existingOnly?: boolean;
}

/** Runs SQL: the pool, or one client inside a transaction. */
export interface Sql {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

interface DocumentRow {
  id: string;
  ord: number;
  seq: number;
  payload: string;
  state: string;
  created_at: string;
  updated_at: string;
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

/**
 * The Store port on PostgreSQL through a pool of node-postgres connections, for several SDX nodes
 * on one database. Each commit is one transaction that first locks the log state row, so commits
 * from every node take turns and the audit log stays one tree in commit order; the commit planner
 * decides what to write, this adapter only reads and writes.
 */
export class PgStore implements Store {
  readonly webhooks: PgWebhooks;
  readonly sessions: PgSessions;
  readonly sharedLimits: PgLimits;
  readonly federation: PgFederation;
  private closed = false;
  private listener: pg.Client | undefined;
  private readonly watchers = new Set<() => void>();

  private constructor(
    private readonly pool: Pool,
    /** With its password: only ever handed to the driver. */
    private readonly url: string,
    /** The URL without its password. */
    readonly where: string,
    readonly schemaVersion: number,
  ) {
    const run = <T>(work: (sql: Sql) => Promise<T>): Promise<T> => this.run(work);
    const tx = <T>(work: (sql: Sql) => Promise<T>): Promise<T> => this.transaction(work);
    this.webhooks = new PgWebhooks(run, tx);
    this.sessions = new PgSessions(run);
    this.sharedLimits = new PgLimits(run);
    this.federation = new PgFederation(run, tx);
  }

  /** Connects, applies pending migrations and returns the store; an unreachable server is `store-unavailable`. */
  static async open(url: string, options: PgStoreOptions = {}): Promise<PgStore> {
    const where = redactedUrl(url);
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
    });
    // A server restart drops idle connections; without a listener that would end the process.
    pool.on('error', (error) => options.onPoolError?.(`PostgreSQL ${where}: ${error.message}`));
    try {
      const client = await pool.connect();
      const stopLosing = onLostConnection(client, () => undefined);
      try {
        if (options.existingOnly) {
          const { rows } = await client.query<{ found: string | null }>("SELECT to_regclass('schema_migrations')::text AS found");
          if (!rows[0]?.found) throw new MissingDatabaseError(where);
        }
        const version = await applyPgMigrations(client);
        return new PgStore(pool, url, where, version);
      } finally {
        stopLosing();
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof MissingDatabaseError) throw error;
      throw translate(error, `cannot open PostgreSQL store ${where}`);
    }
  }

  /**
   * LISTEN on a connection of its own for the NOTIFY every commit sends, reconnecting after a lost
   * server; between a loss and the reconnect the feeds fall back to their poll.
   */
  watchLog(onGrowth: () => void): () => void {
    this.watchers.add(onGrowth);
    if (this.listener === undefined) void this.listen();
    return () => this.watchers.delete(onGrowth);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    this.listener = client;
    const retry = (): void => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.listen(), LISTEN_RETRY_MS).unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => {
      for (const watcher of this.watchers) watcher();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch {
      retry();
    }
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, backend: 'postgres', detail: `${this.where}: closed` };
    try {
      await this.pool.query('SELECT 1');
      return { ok: true, backend: 'postgres', detail: `${this.where}, schema version ${this.schemaVersion}` };
    } catch (error) {
      return { ok: false, backend: 'postgres', detail: `${this.where}: ${messageOf(error)}` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  upsertParty(party: Party): Promise<void> {
    return this.run(async (sql) => {
      await sql.query('INSERT INTO parties (id, data) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET data = excluded.data', [party.id, JSON.stringify(party)]);
    });
  }

  getParty(id: PartyId): Promise<Party | undefined> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<{ id: string; data: string }>('SELECT id, data FROM parties WHERE id = $1', [id]);
      const row = rows[0];
      return row && storedParty(row.data, row.id);
    });
  }

  listParties(): Promise<Party[]> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<{ id: string; data: string }>('SELECT id, data FROM parties ORDER BY id');
      return rows.map((row) => storedParty(row.data, row.id));
    });
  }

  createUser(user: User): Promise<void> {
    return this.run(async (sql) => {
      await sql.query('INSERT INTO users (id, party_id, name, created_at, password_hash) VALUES ($1, $2, $3, $4, $5)', [
        user.id,
        user.partyId,
        user.name,
        user.createdAt,
        user.passwordHash ?? null,
      ]);
    });
  }

  setUserPassword(userId: string, passwordHash: string): Promise<void> {
    return this.transaction(async (sql) => {
      const { rowCount } = await sql.query('UPDATE users SET password_hash = $1 WHERE id = $2', [passwordHash, userId]);
      if (rowCount === 0) throw new SdxError('not-found', `no user ${userId}`);
      await this.sessions.endOpen(sql, userId, new Date().toISOString());
    });
  }

  getUser(id: string): Promise<User | undefined> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
      return rows[0] && toUser(rows[0]);
    });
  }

  addApiKey(key: ApiKeyRecord): Promise<void> {
    return this.run(async (sql) => {
      await sql.query('INSERT INTO api_keys (id, user_id, key_hash, label, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        key.id,
        key.userId,
        key.keyHash,
        key.label,
        key.createdAt,
        key.revokedAt,
      ]);
    });
  }

  findActiveApiKey(keyHash: string): Promise<{ key: ApiKeyRecord; user: User } | undefined> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<ApiKeyRow & { u_id: string; u_party_id: string; u_name: string; u_created_at: string; u_password_hash: string | null }>(
        `SELECT k.*, u.id AS u_id, u.party_id AS u_party_id, u.name AS u_name, u.created_at AS u_created_at, u.password_hash AS u_password_hash
         FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
        [keyHash],
      );
      const row = rows[0];
      if (!row) return undefined;
      const user = toUser({ id: row.u_id, party_id: row.u_party_id, name: row.u_name, created_at: row.u_created_at, password_hash: row.u_password_hash });
      return { key: toApiKey(row), user };
    });
  }

  revokeApiKey(id: string, at: string): Promise<void> {
    return this.run(async (sql) => {
      const { rowCount } = await sql.query('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2', [at, id]);
      if (rowCount === 0) throw new SdxError('not-found', `no API key with id ${id}`);
    });
  }

  async commit(changes: readonly DocumentChange[]): Promise<CommitResult> {
    checkChanges(changes);
    return this.transaction(async (sql) => {
      // The lock every commit on every node takes first: appends take turns, sequences read below stay true.
      const log = await readLogState(sql, true);
      const ids = changes.map((c) => c.documentId);
      const { rows: seqRows } = await sql.query<{ id: string; seq: number }>('SELECT id, seq FROM documents WHERE id = ANY($1)', [ids]);
      const seqOf = new Map(seqRows.map((r) => [r.id, r.seq]));
      const { rows: hashRows } = await sql.query<{ document_id: string; seq: number; hash: string }>(
        'SELECT document_id, seq, hash FROM events WHERE document_id = ANY($1) AND seq > $2',
        [ids, Math.min(...changes.map((c) => c.expectedSeq))],
      );
      const hashAt = new Map(hashRows.map((r) => [`${r.document_id}\u0000${r.seq}`, r.hash]));
      const reads = {
        seqs: changes.map((c) => seqOf.get(c.documentId) ?? 0),
        storedHashes: changes.map((c) => eventSeqsOf(c).map((seq) => hashAt.get(`${c.documentId}\u0000${seq}`))),
      };
      if (decideCommit(changes, reads) === 'duplicate') return { outcome: 'duplicate' };
      const parties = [...new Set(changes.flatMap((c) => c.state.participants.map((p) => p.partyId)))];
      const plan = planCommit(changes, log, await this.webhooks.endpointsOf(sql, parties));
      await this.write(sql, plan);
      return { outcome: 'committed' };
    });
  }

  getDocument(id: string): Promise<StoredDocument | undefined> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<DocumentRow>('SELECT * FROM documents WHERE id = $1', [id]);
      return rows[0] && toStoredDocument(rows[0]);
    });
  }

  listDocuments(query: DocumentQuery): Promise<DocumentPage> {
    return this.run(async (sql) => {
      const limit = clampLimit(query.limit);
      const newestFirst = query.newestFirst === true;
      const filter = filterSql(query);
      if (query.after !== undefined) filter.term(newestFirst ? 'd.ord < $?' : 'd.ord > $?', decodeCursor(query.after, newestFirst));
      const { rows } = await sql.query<DocumentRow>(
        `SELECT d.* FROM documents d WHERE ${filter.where()} ORDER BY d.ord ${newestFirst ? 'DESC' : 'ASC'} LIMIT ${limit + 1}`,
        filter.params,
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { items: page.map(toStoredDocument), nextCursor: rows.length > limit && last ? encodeCursor(last.ord, newestFirst) : null };
    });
  }

  countDocuments(filter: DocumentFilter, cap: number): Promise<DocumentCount> {
    return this.run(async (sql) => {
      const limit = Math.max(0, Math.min(MAX_COUNT, Math.trunc(cap)));
      const terms = filterSql(filter);
      const { rows } = await sql.query<{ n: number }>(
        `SELECT COUNT(*)::int AS n FROM (SELECT 1 FROM documents d WHERE ${terms.where()} LIMIT ${limit + 1}) x`,
        terms.params,
      );
      const counted = rows[0]?.n ?? 0;
      return { count: Math.min(counted, limit), capped: counted > limit };
    });
  }

  listEvents(documentId: string): Promise<StoredEvent[]> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<EventRow>('SELECT * FROM events WHERE document_id = $1 ORDER BY seq', [documentId]);
      return rows.map(toStoredEvent);
    });
  }

  logState(): Promise<LogState> {
    return this.run(async (sql) => {
      const { size, frontier } = await readLogState(sql, false);
      return { size, rootHash: rootFromFrontier(size, frontier) };
    });
  }

  logNodes(addresses: readonly NodeAddress[]): Promise<(Uint8Array | undefined)[]> {
    return this.run(async (sql) => {
      if (addresses.length === 0) return [];
      const { rows } = await sql.query<{ level: number; idx: number; hash: Buffer }>(
        'SELECT level, idx, hash FROM log_nodes WHERE (level, idx) IN (SELECT * FROM unnest($1::int[], $2::int[]))',
        [addresses.map((a) => a.level), addresses.map((a) => a.index)],
      );
      const found = new Map(rows.map((r) => [`${r.level}:${r.idx}`, r.hash]));
      return addresses.map((a) => {
        const hash = found.get(`${a.level}:${a.index}`);
        return hash && toHash(hash, `log node (${a.level}, ${a.index})`);
      });
    });
  }

  logEntries(start: number, end: number): Promise<StoredEvent[]> {
    return this.run(async (sql) => {
      checkLogRange(start, end);
      const { rows } = await sql.query<EventRow>('SELECT * FROM events WHERE log_index >= $1 AND log_index < $2 ORDER BY log_index', [start, end]);
      return rows.map(toStoredEvent);
    });
  }

  putTreeHead(head: SignedTreeHead): Promise<void> {
    if (!Number.isSafeInteger(head.size) || head.size < 0) {
      return Promise.reject(new ValidationError([{ path: 'size', code: 'invalid-size', message: 'a tree size is a whole number from 0' }]));
    }
    return this.run(async (sql) => {
      const inserted = await sql.query(
        'INSERT INTO tree_heads (size, root_hash, timestamp, signature) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING',
        [head.size, head.rootHash, head.timestamp, head.signature],
      );
      if (inserted.rowCount === 1) return;
      const { rows } = await sql.query<{ root_hash: string; timestamp: string; signature: string }>('SELECT * FROM tree_heads WHERE size = $1', [head.size]);
      const stored = rows[0];
      if (stored && stored.root_hash === head.rootHash && stored.timestamp === head.timestamp && stored.signature === head.signature) return;
      throw new SdxError('store-conflict', `a different tree head for size ${head.size} is already stored; tree heads are never replaced, read the stored one`);
    });
  }

  latestTreeHead(): Promise<SignedTreeHead | undefined> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<{ size: number; root_hash: string; timestamp: string; signature: string }>(
        'SELECT * FROM tree_heads ORDER BY size DESC LIMIT 1',
      );
      const row = rows[0];
      return row && { size: row.size, rootHash: row.root_hash, timestamp: row.timestamp, signature: row.signature };
    });
  }

  /** The quota check, the blob and the upload record in one transaction, the party's uploads taking turns. */
  putBlob(bytes: Uint8Array, mediaType: string, put: BlobPut): Promise<{ sha256: string; size: number; created: boolean }> {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const sha256 = blobHash(buffer);
    const size = buffer.byteLength;
    return this.transaction(async (sql) => {
      if (put.partyId !== undefined) await sql.query("SELECT pg_advisory_xact_lock(hashtext('upload:' || $1))", [put.partyId]);
      if (put.partyId !== undefined && put.quotaBytes !== undefined) {
        const pending = await pendingBytesOf(sql, put.partyId, sha256);
        if (pending + size > put.quotaBytes) throw uploadQuotaError(pending, size, put.quotaBytes);
      }
      const inserted = await sql.query(
        'INSERT INTO blobs (sha256, media_type, size, bytes, pending_since) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING',
        [sha256, mediaType, size, buffer, put.at],
      );
      const created = inserted.rowCount === 1;
      // Bytes put again while pending are young again; referenced bytes stay referenced.
      if (!created) {
        await sql.query('UPDATE blobs SET pending_since = $1 WHERE sha256 = $2 AND pending_since IS NOT NULL AND pending_since < $1', [put.at, sha256]);
      }
      if (put.partyId !== undefined) {
        await sql.query(
          `INSERT INTO blob_uploads (party_id, sha256, size, uploaded_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (party_id, sha256) DO UPDATE SET uploaded_at = GREATEST(blob_uploads.uploaded_at, excluded.uploaded_at)`,
          [put.partyId, sha256, size, put.at],
        );
      }
      return { sha256, size, created };
    });
  }

  getBlob(sha256: string, options: { visibleTo?: PartyId } = {}): Promise<StoredBlob | undefined> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<{ sha256: string; media_type: string; size: number; bytes: Buffer; pending_since: string | null }>(
        'SELECT * FROM blobs WHERE sha256 = $1',
        [sha256],
      );
      const row = rows[0];
      if (!row) return undefined;
      if (options.visibleTo !== undefined) {
        const visible = await sql.query(
          `SELECT 1 FROM blob_uploads WHERE sha256 = $1 AND party_id = $2
           UNION ALL
           SELECT 1 FROM blob_refs r JOIN document_parties p ON p.document_id = r.document_id WHERE r.sha256 = $1 AND p.party_id = $2
           LIMIT 1`,
          [sha256, options.visibleTo],
        );
        if (visible.rowCount === 0) return undefined;
      }
      if (blobHash(row.bytes) !== row.sha256) throw new SdxError('store-corrupt', `blob ${row.sha256} no longer matches its hash`);
      return { sha256: row.sha256, mediaType: row.media_type, size: row.size, bytes: new Uint8Array(row.bytes), pending: row.pending_since !== null };
    });
  }

  pendingUploadBytes(partyId: PartyId): Promise<number> {
    return this.run((sql) => pendingBytesOf(sql, partyId, null));
  }

  /** A commit citing a blob sets pending_since NULL under the row's lock, so the DELETE's re-check spares it. */
  sweepBlobs(olderThan: string, limit: number): Promise<number> {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      return Promise.reject(new ValidationError([{ path: 'limit', code: 'invalid-limit', message: 'sweep at least one blob at a time' }]));
    }
    return this.transaction(async (sql) => {
      const { rowCount } = await sql.query(
        `DELETE FROM blobs WHERE sha256 IN (
           SELECT sha256 FROM blobs WHERE pending_since IS NOT NULL AND pending_since < $1 ORDER BY pending_since LIMIT $2 FOR UPDATE SKIP LOCKED
         ) AND pending_since IS NOT NULL AND pending_since < $1`,
        [olderThan, limit],
      );
      return rowCount ?? 0;
    });
  }

  /** Writes a planned commit inside its transaction, and tells every node's listeners (delivered on COMMIT). */
  private async write(sql: Sql, plan: CommitPlan): Promise<void> {
    for (const document of plan.documents) await this.writeDocument(sql, document);
    for (const blob of plan.blobs) {
      if (blob.bytes) {
        await sql.query(
          `INSERT INTO blobs (sha256, media_type, size, bytes, pending_since) VALUES ($1, $2, $3, $4, NULL)
           ON CONFLICT (sha256) DO UPDATE SET pending_since = NULL`,
          [blob.sha256, blob.mediaType ?? 'application/octet-stream', blob.bytes.byteLength, Buffer.from(blob.bytes.buffer, blob.bytes.byteOffset, blob.bytes.byteLength)],
        );
      } else {
        const { rowCount } = await sql.query('UPDATE blobs SET pending_since = NULL WHERE sha256 = $1', [blob.sha256]);
        if (rowCount !== 1) throw new MissingBlobError(blob.sha256);
      }
      await sql.query('INSERT INTO blob_refs (sha256, document_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [blob.sha256, blob.documentId]);
    }
    const e = plan.events;
    await sql.query(
      `INSERT INTO events (document_id, seq, log_index, hash, type, actor, recorded_at, envelope)
       SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
      [e.map((x) => x.documentId), e.map((x) => x.seq), e.map((x) => x.logIndex), e.map((x) => x.hash), e.map((x) => x.type), e.map((x) => x.actor), e.map((x) => x.recordedAt), e.map((x) => x.envelope)],
    );
    const n = plan.logNodes;
    await sql.query('INSERT INTO log_nodes (level, idx, hash) SELECT * FROM unnest($1::int[], $2::int[], $3::bytea[])', [
      n.map((x) => x.level),
      n.map((x) => x.index),
      n.map((x) => Buffer.from(x.hash)),
    ]);
    const moved = await sql.query('UPDATE log_state SET size = $1, frontier = $2 WHERE id = 1 AND size = $3', [
      plan.log.size,
      Buffer.concat(plan.log.frontier),
      plan.log.from,
    ]);
    if (moved.rowCount !== 1) throw new SdxError('store-corrupt', `the audit log state of ${this.where} changed under a locked transaction`);
    await this.webhooks.insertDeliveries(sql, plan.deliveries);
    await this.federation.insertPeerSends(sql, plan.peerSends);
    await sql.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify({ from: plan.log.from, size: plan.log.size })]);
  }

  private async writeDocument(sql: Sql, document: PlannedDocument): Promise<void> {
    const { documentId, state, at, seq, create } = document;
    if (create) {
      const { rows } = await sql.query<{ ord: number }>(
        `INSERT INTO documents (id, kind, status, holder, issuer, seq, payload, state, presented_to, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING ord`,
        [documentId, state.kind, state.status, state.holder, state.issuer, seq, toJson(create.payload, 'payload'), toJson(state, 'state'), presentedToOf(state), at],
      );
      const ord = rows[0]?.ord;
      if (create.keys.length > 0) {
        await sql.query('INSERT INTO document_keys (key, value, ord) SELECT k, v, $3 FROM unnest($1::text[], $2::text[]) AS t(k, v) ON CONFLICT DO NOTHING', [
          create.keys.map((k) => k.key),
          create.keys.map((k) => k.value),
          ord,
        ]);
      }
    } else {
      const { rowCount } = await sql.query(
        'UPDATE documents SET state = $1, status = $2, holder = $3, seq = $4, updated_at = $5, presented_to = $6 WHERE id = $7 AND seq = $8',
        [toJson(state, 'state'), state.status, state.holder, seq, at, presentedToOf(state), documentId, document.expectedSeq],
      );
      if (rowCount !== 1) throw new StoreConflictError(documentId, document.expectedSeq, document.seq);
      await sql.query('DELETE FROM document_parties WHERE document_id = $1', [documentId]);
    }
    const p = document.participants;
    await sql.query(
      'INSERT INTO document_parties (document_id, party_id, role) SELECT $1, party, role FROM unnest($2::text[], $3::text[]) AS t(party, role) ON CONFLICT DO NOTHING',
      [documentId, p.map((x) => x.partyId), p.map((x) => x.role)],
    );
  }

  /** One statement on the pool, in SdxError terms. */
  private async run<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      return await work(this.pool);
    } catch (error) {
      throw translate(error, `PostgreSQL store ${this.where} failed`);
    }
  }

  /** One transaction on one pooled connection; rolled back on any failure. */
  private async transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    this.assertOpen();
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translate(error, `PostgreSQL store ${this.where} failed`);
    }
    let broken = false;
    // The query under way fails too; the listener only keeps the lost connection from ending the process.
    const stopLosing = onLostConnection(client, () => {
      broken = true;
    });
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw translate(error, `PostgreSQL store ${this.where} failed`);
    } finally {
      stopLosing();
      client.release(broken);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new SdxError('store-unavailable', `PostgreSQL store ${this.where} is closed; open it again`);
  }
}

/**
 * A checked-out client has no error listener of the pool's: a connection lost between two queries
 * of a transaction would be an unhandled 'error' event, which ends the process. Returns the undo.
 */
function onLostConnection(client: PoolClient, lost: () => void): () => void {
  client.on('error', lost);
  return () => client.removeListener('error', lost);
}

async function readLogState(sql: Sql, lock: boolean): Promise<{ size: number; frontier: Frontier }> {
  const { rows } = await sql.query<{ size: number; frontier: Buffer }>(`SELECT size, frontier FROM log_state WHERE id = 1${lock ? ' FOR UPDATE' : ''}`);
  const row = rows[0];
  if (row === undefined) throw new SdxError('store-corrupt', 'the database has no audit log state row');
  const { size, frontier } = row;
  if (!Number.isSafeInteger(size) || size < 0 || frontier.byteLength !== popCount(size) * HASH_SIZE) {
    throw new SdxError('store-corrupt', `the audit log state is damaged: ${frontier.byteLength} frontier bytes for ${String(size)} leaves`);
  }
  const hashes: Uint8Array[] = [];
  for (let at = 0; at < frontier.byteLength; at += HASH_SIZE) hashes.push(toHash(frontier.subarray(at, at + HASH_SIZE), 'frontier'));
  return { size, frontier: hashes };
}

async function pendingBytesOf(sql: Sql, partyId: PartyId, except: string | null): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(
    `SELECT COALESCE(SUM(b.size), 0)::float8 AS n FROM blob_uploads u JOIN blobs b ON b.sha256 = u.sha256
     WHERE u.party_id = $1 AND b.pending_since IS NOT NULL AND b.sha256 IS DISTINCT FROM $2`,
    [partyId, except],
  );
  return rows[0]?.n ?? 0;
}

function presentedToOf(state: StoredDocument['state']): string | null {
  return 'presentedTo' in state && typeof state.presentedTo === 'string' ? state.presentedTo : null;
}

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
  return { id: row.id, userId: row.user_id, keyHash: row.key_hash, label: row.label, createdAt: row.created_at, revokedAt: row.revoked_at };
}



function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** SQLSTATE classes meaning the server or the connection is gone, not the request wrong. */
const UNAVAILABLE_CLASSES = ['08', '53', '57', '58'];

/**
 * Maps a driver failure onto the store's codes: unique violations are conflicts, serialisation
 * failures conflicts too, lost connections and a stopped server `store-unavailable`. SdxErrors pass
 * through. Node-postgres messages never carry the connection string.
 */
export function translate(error: unknown, context: string): unknown {
  if (error instanceof SdxError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const message = messageOf(error);
  if (code === '23505') return new SdxError('store-conflict', `${context}: a record with that key already exists`, { cause: error });
  if (code === '40001' || code === '40P01') return new SdxError('store-conflict', `${context}: ${message}; try again`, { cause: error });
  if (code === 'XX001' || code === 'XX002') return new SdxError('store-corrupt', `${context}: ${message}`, { cause: error });
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code) && !UNAVAILABLE_CLASSES.includes(code.slice(0, 2))) {
    // Anything else the server refused is a bug of ours or a damaged schema, not an outage.
    return new SdxError('store-corrupt', `${context}: ${message} (SQLSTATE ${code})`, { cause: error });
  }
  return new SdxError('store-unavailable', `${context}: ${message}`, { cause: error });
}

/** WHERE terms over `documents d` with numbered parameters. */
function filterSql(filter: DocumentFilter): { term(sql: string, ...values: unknown[]): void; where(): string; params: unknown[] } {
  const terms: string[] = [];
  const params: unknown[] = [];
  // `$?` marks each parameter, numbered in order.
  const add = (sql: string, ...values: unknown[]): void => {
    let i = 0;
    terms.push(sql.replace(/\$\?/g, () => `$${params.push(values[i++])}`));
  };
  if (filter.kind !== undefined) add('d.kind = $?', filter.kind);
  const statuses = statusesOf(filter);
  if (statuses !== undefined) add('d.status = ANY($?)', [...statuses]);
  if (filter.holder !== undefined) add('d.holder = $?', filter.holder);
  if (filter.issuer !== undefined) add('d.issuer = $?', filter.issuer);
  if (filter.createdFrom !== undefined) add('d.created_at >= $?', filter.createdFrom);
  if (filter.createdBefore !== undefined) add('d.created_at < $?', filter.createdBefore);
  if (filter.updatedFrom !== undefined) add('d.updated_at >= $?', filter.updatedFrom);
  if (filter.updatedBefore !== undefined) add('d.updated_at < $?', filter.updatedBefore);
  if (filter.presentedTo !== undefined) add('d.presented_to = $?', filter.presentedTo);
  const roles = rolesOf(filter);
  if (filter.partyId !== undefined) {
    if (roles === undefined) add('EXISTS (SELECT 1 FROM document_parties p WHERE p.document_id = d.id AND p.party_id = $?)', filter.partyId);
    else add('EXISTS (SELECT 1 FROM document_parties p WHERE p.document_id = d.id AND p.party_id = $? AND p.role = ANY($?))', filter.partyId, [...roles]);
  } else if (roles !== undefined) {
    add('EXISTS (SELECT 1 FROM document_parties p WHERE p.document_id = d.id AND p.role = ANY($?))', [...roles]);
  }
  for (const search of filter.keys ?? []) {
    const ranges: string[] = [];
    const values: unknown[] = [];
    for (const key of search.keys) {
      if (prefixKeyNames.includes(key)) {
        ranges.push('(k.key = $? AND k.value >= $? AND k.value < $?)');
        values.push(key, search.value, `${search.value}\uffff`);
      } else {
        ranges.push('(k.key = $? AND k.value = $?)');
        values.push(key, search.value);
      }
    }
    add(`d.ord IN (SELECT k.ord FROM document_keys k WHERE ${ranges.join(' OR ') || 'false'})`, ...values);
  }
  return { term: add, where: () => terms.join(' AND ') || 'true', params };
}
