import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type {
  ApiKeyRecord,
  CommitResult,
  DocumentChange,
  DocumentPage,
  DocumentQuery,
  Store,
  StoredBlob,
  StoredDocument,
  StoredEvent,
  StoreHealth,
  User,
} from '../../../application/ports/store.port';
import { StoreConflictError } from '../../../application/ports/store.port';
import type { DocumentState } from '../../../domain/document/document';
import { partySchema, type Party, type PartyId } from '../../../domain/party/party';
import { SdxError, ValidationError } from '../../../domain/shared/errors';
import { applyMigrations, schemaVersionOf } from './migrations';

const MAX_PAGE = 500;
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

interface EventRow {
  document_id: string;
  seq: number;
  hash: string;
  type: string;
  actor: string;
  recorded_at: string;
  envelope: string;
}

interface BlobRow {
  sha256: string;
  media_type: string;
  size: number;
  bytes: Buffer;
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

/**
 * The Store port on one SQLite file. better-sqlite3 is synchronous; every method still returns a
 * Promise so that callers are written against the port, not against this adapter. Each commit is
 * one IMMEDIATE transaction in WAL mode with `synchronous = FULL`: when it resolves, the write has
 * been fsynced.
 */
export class SqliteStore implements Store {
  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {}

  /** Opens (creating if needed) the database at `file`, or an in-memory one for ':memory:'. */
  static open(file: string): SqliteStore {
    let db: Database.Database;
    try {
      db = new Database(file);
    } catch (error) {
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
      this.db.prepare('SELECT 1').get();
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
      this.db
        .prepare('INSERT INTO parties (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data')
        .run(party.id, JSON.stringify(party));
    });
  }

  getParty(id: PartyId): Promise<Party | undefined> {
    return this.run(() => {
      const row = this.db.prepare('SELECT id, data FROM parties WHERE id = ?').get(id) as PartyRow | undefined;
      return row && toParty(row);
    });
  }

  listParties(): Promise<Party[]> {
    return this.run(() => {
      const rows = this.db.prepare('SELECT id, data FROM parties ORDER BY id').all() as PartyRow[];
      return rows.map(toParty);
    });
  }

  createUser(user: User): Promise<void> {
    return this.run(() => {
      this.db
        .prepare('INSERT INTO users (id, party_id, name, created_at) VALUES (?, ?, ?, ?)')
        .run(user.id, user.partyId, user.name, user.createdAt);
    });
  }

  getUser(id: string): Promise<User | undefined> {
    return this.run(() => {
      const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
      return row && toUser(row);
    });
  }

  addApiKey(key: ApiKeyRecord): Promise<void> {
    return this.run(() => {
      this.db
        .prepare('INSERT INTO api_keys (id, user_id, key_hash, label, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(key.id, key.userId, key.keyHash, key.label, key.createdAt, key.revokedAt);
    });
  }

  findActiveApiKey(keyHash: string): Promise<{ key: ApiKeyRecord; user: User } | undefined> {
    return this.run(() => {
      const key = this.db
        .prepare('SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL')
        .get(keyHash) as ApiKeyRow | undefined;
      if (!key) return undefined;
      const user = this.db.prepare('SELECT * FROM users WHERE id = ?').get(key.user_id) as UserRow | undefined;
      return user && { key: toApiKey(key), user: toUser(user) };
    });
  }

  /** Revoking a revoked key keeps the first revocation time; an unknown id is `not-found`. */
  revokeApiKey(id: string, at: string): Promise<void> {
    return this.run(() => {
      const result = this.db
        .prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?')
        .run(at, id);
      if (result.changes === 0) throw new SdxError('not-found', `no API key with id ${id}`);
    });
  }

  commit(changes: readonly DocumentChange[]): Promise<CommitResult> {
    return this.run(() => {
      checkChanges(changes);
      return this.db.transaction((): CommitResult => {
        const current = changes.map((change) => this.currentSeq(change.documentId));
        if (changes.every((change) => this.isAlreadyStored(change))) return { outcome: 'duplicate' };
        changes.forEach((change, i) => {
          const actual = current[i] ?? 0;
          if (actual !== change.expectedSeq) {
            throw new StoreConflictError(change.documentId, change.expectedSeq, actual);
          }
        });
        for (const change of changes) this.write(change);
        return { outcome: 'committed' };
      }).immediate();
    });
  }

  getDocument(id: string): Promise<StoredDocument | undefined> {
    return this.run(() => {
      const row = this.db.prepare('SELECT * FROM documents WHERE id = ?').get(id) as DocumentRow | undefined;
      return row && toStoredDocument(row);
    });
  }

  listDocuments(query: DocumentQuery): Promise<DocumentPage> {
    return this.run(() => {
      const limit = clampLimit(query.limit);
      const where: string[] = ['d.ord > ?'];
      const params: (string | number)[] = [query.after === undefined ? 0 : decodeCursor(query.after)];
      if (query.kind !== undefined) {
        where.push('d.kind = ?');
        params.push(query.kind);
      }
      if (query.status !== undefined) {
        where.push('d.status = ?');
        params.push(query.status);
      }
      if (query.partyId !== undefined) {
        const byRole = query.role === undefined ? '' : ' AND p.role = ?';
        where.push(`EXISTS (SELECT 1 FROM document_parties p WHERE p.document_id = d.id AND p.party_id = ?${byRole})`);
        params.push(query.partyId);
        if (query.role !== undefined) params.push(query.role);
      } else if (query.role !== undefined) {
        where.push('EXISTS (SELECT 1 FROM document_parties p WHERE p.document_id = d.id AND p.role = ?)');
        params.push(query.role);
      }
      const rows = this.db
        .prepare(`SELECT d.* FROM documents d WHERE ${where.join(' AND ')} ORDER BY d.ord LIMIT ?`)
        .all(...params, limit + 1) as DocumentRow[];
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map(toStoredDocument),
        nextCursor: rows.length > limit && last ? encodeCursor(last.ord) : null,
      };
    });
  }

  listEvents(documentId: string): Promise<StoredEvent[]> {
    return this.run(() => {
      const rows = this.db
        .prepare('SELECT * FROM events WHERE document_id = ? ORDER BY seq')
        .all(documentId) as EventRow[];
      return rows.map(toStoredEvent);
    });
  }

  putBlob(bytes: Uint8Array, mediaType: string): Promise<{ sha256: string; size: number; created: boolean }> {
    return this.run(() => {
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const sha256 = createHash('sha256').update(buffer).digest('hex');
      const result = this.db
        .prepare('INSERT OR IGNORE INTO blobs (sha256, media_type, size, bytes) VALUES (?, ?, ?, ?)')
        .run(sha256, mediaType, buffer.byteLength, buffer);
      return { sha256, size: buffer.byteLength, created: result.changes === 1 };
    });
  }

  getBlob(sha256: string): Promise<StoredBlob | undefined> {
    return this.run(() => {
      const row = this.db.prepare('SELECT * FROM blobs WHERE sha256 = ?').get(sha256) as BlobRow | undefined;
      if (!row) return undefined;
      if (createHash('sha256').update(row.bytes).digest('hex') !== row.sha256) {
        throw new SdxError('store-corrupt', `blob ${row.sha256} no longer matches its hash`);
      }
      return { sha256: row.sha256, mediaType: row.media_type, size: row.size, bytes: new Uint8Array(row.bytes) };
    });
  }

  private currentSeq(documentId: string): number {
    const row = this.db.prepare('SELECT seq FROM documents WHERE id = ?').get(documentId) as
      | Pick<DocumentRow, 'seq'>
      | undefined;
    return row?.seq ?? 0;
  }

  /** True when every event of `change` is already stored at the sequence it would get, with the same hash. */
  private isAlreadyStored(change: DocumentChange): boolean {
    const stored = this.db.prepare('SELECT hash FROM events WHERE document_id = ? AND seq = ?');
    return change.events.every((event, i) => {
      const row = stored.get(change.documentId, change.expectedSeq + i + 1) as Pick<EventRow, 'hash'> | undefined;
      return row?.hash === envelopeHash(event.envelope);
    });
  }

  private write(change: DocumentChange): void {
    const { documentId, state, at } = change;
    const seq = change.expectedSeq + change.events.length;
    if (change.expectedSeq === 0) {
      this.db
        .prepare(
          `INSERT INTO documents (id, ord, kind, status, holder, issuer, seq, payload, state, created_at, updated_at)
           VALUES (?, (SELECT COALESCE(MAX(ord), 0) + 1 FROM documents), ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          documentId,
          state.kind,
          state.status,
          state.holder,
          state.issuer,
          seq,
          toJson(change.payload, 'payload'),
          toJson(state, 'state'),
          at,
          at,
        );
    } else {
      const result = this.db
        .prepare(
          'UPDATE documents SET state = ?, status = ?, holder = ?, seq = ?, updated_at = ? WHERE id = ? AND seq = ?',
        )
        .run(toJson(state, 'state'), state.status, state.holder, seq, at, documentId, change.expectedSeq);
      if (result.changes !== 1) throw new StoreConflictError(documentId, change.expectedSeq, this.currentSeq(documentId));
    }

    this.db.prepare('DELETE FROM document_parties WHERE document_id = ?').run(documentId);
    const addParty = this.db.prepare('INSERT OR IGNORE INTO document_parties (document_id, party_id, role) VALUES (?, ?, ?)');
    for (const participant of state.participants) addParty.run(documentId, participant.partyId, participant.role);

    const addEvent = this.db.prepare(
      `INSERT INTO events (document_id, seq, hash, type, actor, recorded_at, envelope)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    change.events.forEach((event, i) => {
      const seqOfEvent = change.expectedSeq + i + 1;
      addEvent.run(documentId, seqOfEvent, envelopeHash(event.envelope), event.type, event.actor, event.recordedAt, event.envelope);
    });
  }

  /** Runs one synchronous unit of work and hands its outcome back as a Promise, in SdxError terms. */
  private run<T>(work: () => T): Promise<T> {
    try {
      this.assertOpen();
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(translate(error, `SQLite store ${this.file} failed`));
    }
  }

  private assertOpen(): void {
    if (!this.db.open) throw new SdxError('store-unavailable', `SQLite store ${this.file} is closed; open it again`);
  }
}

/** Refuses changes that could never be committed, before touching the database. */
function checkChanges(changes: readonly DocumentChange[]): void {
  const problems: { path: string; code: string; message: string }[] = [];
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
    if (change.expectedSeq === 0 && change.payload === undefined) {
      problems.push({ path: `${at}.payload`, code: 'payload-required', message: 'creating a document (expectedSeq 0) needs its payload' });
    }
  });
  if (problems.length > 0) throw new ValidationError(problems);
}

function envelopeHash(envelope: string): string {
  return createHash('sha256').update(envelope, 'utf8').digest('hex');
}

function toJson(value: unknown, what: string): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) {
    throw new ValidationError([{ path: what, code: 'not-json', message: `${what} cannot be stored as JSON` }]);
  }
  return text;
}

function fromJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SdxError('store-corrupt', `${what} is not valid JSON`, { cause: error });
  }
}

function toParty(row: PartyRow): Party {
  const parsed = partySchema.safeParse(fromJson(row.data, `party ${row.id}`));
  if (!parsed.success || parsed.data.id !== row.id) {
    throw new SdxError('store-corrupt', `stored party ${row.id} is not a valid party`);
  }
  return parsed.data;
}

function toUser(row: UserRow): User {
  return { id: row.id, partyId: row.party_id, name: row.name, createdAt: row.created_at };
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

function toStoredDocument(row: DocumentRow): StoredDocument {
  return {
    state: toState(row),
    payload: fromJson(row.payload, `payload of document ${row.id}`),
    seq: row.seq,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The state column is written only by `commit`; check it still belongs to its row before trusting it. */
function toState(row: DocumentRow): DocumentState {
  const value = fromJson(row.state, `state of document ${row.id}`);
  if (
    typeof value !== 'object' ||
    value === null ||
    !('id' in value) ||
    value.id !== row.id ||
    !('participants' in value) ||
    !Array.isArray(value.participants)
  ) {
    throw new SdxError('store-corrupt', `stored state of document ${row.id} is not a document state`);
  }
  return value as DocumentState;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    documentId: row.document_id,
    seq: row.seq,
    hash: row.hash,
    type: row.type,
    actor: row.actor,
    recordedAt: row.recorded_at,
    envelope: row.envelope,
  };
}

function clampLimit(limit: number): number {
  if (!Number.isFinite(limit)) return 1;
  return Math.min(MAX_PAGE, Math.max(1, Math.trunc(limit)));
}

function encodeCursor(ord: number): string {
  return Buffer.from(JSON.stringify({ ord }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const invalid = new ValidationError([
    { path: 'after', code: 'invalid-cursor', message: 'is not a cursor from a previous page; start again without it' },
  ]);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (typeof value !== 'object' || value === null || !('ord' in value)) throw invalid;
  const ord = value.ord;
  if (typeof ord !== 'number' || !Number.isSafeInteger(ord) || ord < 0) throw invalid;
  return ord;
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
