import type Database from 'better-sqlite3';
import { leafHash } from '../../../domain/audit-log/merkle-hash';
import { businessKeysOf } from '../../../domain/document/business-keys';
import type { DocumentKind } from '../../../domain/document/document';
import { appendLeaves, type Frontier } from '../../../domain/audit-log/merkle-tree';
import { SdxError } from '../../../domain/shared/errors';

/**
 * One step of the SQLite schema. Migrations run in array order; migration i takes the database from
 * `PRAGMA user_version` i to i + 1. Released migrations are never edited: a schema change is a new
 * entry at the end.
 */
export interface Migration {
  description: string;
  sql: string;
  /** Data work SQL cannot do (hashing), run after `sql` in the same transaction. */
  migrate?: (db: Database.Database) => void;
}

/** How many events the v2 backfill hashes and appends at a time, to bound its memory. */
const BACKFILL_BATCH = 10_000;

export const migrations: readonly Migration[] = [
  {
    description: 'parties, users, api keys, documents with their parties and events, blobs',
    sql: `
      CREATE TABLE parties (
        id   TEXT PRIMARY KEY,
        data TEXT NOT NULL
      ) STRICT;

      CREATE TABLE users (
        id         TEXT PRIMARY KEY,
        party_id   TEXT NOT NULL,
        name       TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE api_keys (
        id         TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL,
        key_hash   TEXT NOT NULL UNIQUE,
        label      TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      ) STRICT;

      -- ord is the insertion order, the stable sort key for paging. Documents are never deleted, so
      -- MAX(ord) + 1 only grows; rowid is not used because VACUUM may renumber it.
      CREATE TABLE documents (
        id         TEXT PRIMARY KEY,
        ord        INTEGER NOT NULL UNIQUE,
        kind       TEXT NOT NULL,
        status     TEXT NOT NULL,
        holder     TEXT,
        issuer     TEXT NOT NULL,
        seq        INTEGER NOT NULL CHECK (seq >= 1),
        payload    TEXT NOT NULL,
        state      TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX documents_kind_ord ON documents (kind, ord);
      CREATE INDEX documents_status_ord ON documents (status, ord);

      CREATE TABLE document_parties (
        document_id TEXT NOT NULL REFERENCES documents (id),
        party_id    TEXT NOT NULL,
        role        TEXT NOT NULL,
        PRIMARY KEY (document_id, party_id, role)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX document_parties_party ON document_parties (party_id, role, document_id);

      CREATE TABLE events (
        document_id TEXT NOT NULL REFERENCES documents (id),
        seq         INTEGER NOT NULL CHECK (seq >= 1),
        hash        TEXT NOT NULL,
        type        TEXT NOT NULL,
        actor       TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        envelope    TEXT NOT NULL,
        PRIMARY KEY (document_id, seq)
      ) STRICT;
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

      CREATE TABLE blobs (
        sha256     TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        size       INTEGER NOT NULL,
        bytes      BLOB NOT NULL
      ) STRICT;
    `,
  },
  {
    description: 'audit log: Merkle nodes, log state, signed tree heads, a log index on every event',
    sql: `
      -- Perfect-subtree hashes of the RFC 9162 tree: node (level, idx) covers leaves
      -- [idx * 2^level, (idx + 1) * 2^level); level 0 holds the leaf hashes. Written once, when complete.
      CREATE TABLE log_nodes (
        level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
        idx   INTEGER NOT NULL CHECK (idx >= 0),
        hash  BLOB NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (level, idx)
      ) STRICT, WITHOUT ROWID;
      CREATE TRIGGER log_nodes_no_update BEFORE UPDATE ON log_nodes
        BEGIN SELECT RAISE(ABORT, 'log nodes are append-only'); END;
      CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes
        BEGIN SELECT RAISE(ABORT, 'log nodes are append-only'); END;

      -- The one row saying how many leaves the log has and its frontier (the perfect-subtree roots
      -- tiling [0, size), largest first, 32 bytes each), kept together so they always agree.
      CREATE TABLE log_state (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        size     INTEGER NOT NULL CHECK (size >= 0),
        frontier BLOB NOT NULL CHECK (length(frontier) % 32 = 0)
      ) STRICT;
      INSERT INTO log_state (id, size, frontier) VALUES (1, 0, x'');
      CREATE TRIGGER log_state_no_shrink BEFORE UPDATE ON log_state WHEN NEW.size < OLD.size OR NEW.id <> OLD.id
        BEGIN SELECT RAISE(ABORT, 'the audit log only grows'); END;
      CREATE TRIGGER log_state_no_delete BEFORE DELETE ON log_state
        BEGIN SELECT RAISE(ABORT, 'the audit log state cannot be deleted'); END;

      CREATE TABLE tree_heads (
        size      INTEGER PRIMARY KEY CHECK (size >= 0),
        root_hash TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        signature TEXT NOT NULL
      ) STRICT;
      CREATE TRIGGER tree_heads_no_update BEFORE UPDATE ON tree_heads
        BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;
      CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads
        BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;

      -- SQLite cannot add a NOT NULL UNIQUE column to a table, so events are rebuilt with log_index;
      -- the migrate step copies the rows over in insertion order and swaps the tables.
      CREATE TABLE events_v2 (
        document_id TEXT NOT NULL REFERENCES documents (id),
        seq         INTEGER NOT NULL CHECK (seq >= 1),
        log_index   INTEGER NOT NULL UNIQUE CHECK (log_index >= 0),
        hash        TEXT NOT NULL,
        type        TEXT NOT NULL,
        actor       TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        envelope    TEXT NOT NULL,
        PRIMARY KEY (document_id, seq)
      ) STRICT;
    `,
    migrate: backfillLog,
  },
  {
    description: 'password hashes for web sign-in',
    sql: `ALTER TABLE users ADD COLUMN password_hash TEXT;`,
  },
  {
    description: 'webhook endpoints and the delivery outbox',
    sql: `
      CREATE TABLE webhook_endpoints (
        id          TEXT PRIMARY KEY,
        party_id    TEXT NOT NULL,
        url         TEXT NOT NULL,
        -- comma-separated event types, or '*'
        event_types TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        disabled_at TEXT
      ) STRICT;
      CREATE INDEX webhook_endpoints_by_party ON webhook_endpoints (party_id);

      -- The outbox: rows are added in the transaction that commits their event, so an event is
      -- never without its deliveries. Times are ISO 8601 UTC strings, which sort as they compare.
      CREATE TABLE webhook_deliveries (
        id              TEXT PRIMARY KEY,
        endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id),
        document_id     TEXT NOT NULL,
        seq             INTEGER NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        lease_until     TEXT,
        last_attempt_at TEXT,
        last_status     INTEGER,
        last_error      TEXT,
        created_at      TEXT NOT NULL,
        delivered_at    TEXT,
        UNIQUE (endpoint_id, document_id, seq)
      ) STRICT;
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
    `,
  },
  {
    description: 'pending uploads: who put each blob, which documents reference it, and the sweep of unreferenced ones',
    sql: `
      -- NULL: referenced by an event, kept for good. Blobs stored before this migration stay NULL,
      -- so nothing already kept is ever swept. A time: pending since the blob's latest put.
      ALTER TABLE blobs ADD COLUMN pending_since TEXT;
      CREATE INDEX blobs_pending_since ON blobs (pending_since) WHERE pending_since IS NOT NULL;

      -- Who uploaded each blob: one row per (party, blob), its time the party's latest upload.
      CREATE TABLE blob_uploads (
        party_id    TEXT NOT NULL,
        sha256      TEXT NOT NULL REFERENCES blobs (sha256) ON DELETE CASCADE,
        size        INTEGER NOT NULL CHECK (size >= 0),
        uploaded_at TEXT NOT NULL,
        PRIMARY KEY (party_id, sha256)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX blob_uploads_by_blob ON blob_uploads (sha256);

      -- Which documents' events cite a blob; written in the commit that appends those events.
      CREATE TABLE blob_refs (
        sha256      TEXT NOT NULL,
        document_id TEXT NOT NULL,
        PRIMARY KEY (sha256, document_id)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    description: 'web sessions kept server-side (the cookie carries only a random id)',
    sql: `
      -- id_hash is the hex SHA-256 of the id in the cookie; times are ISO 8601 UTC strings.
      CREATE TABLE web_sessions (
        id_hash      TEXT PRIMARY KEY,
        user_id      TEXT NOT NULL,
        kind         TEXT NOT NULL CHECK (kind IN ('desk', 'phone')),
        created_at   TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        ended_at     TEXT
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX web_sessions_open_by_user ON web_sessions (user_id) WHERE ended_at IS NULL;
    `,
  },
  {
    description: 'business keys (D/O, B/L, container, EIR, plate, consignee, guarantee) for search, and indexes for list filters',
    sql: `
      -- One row per (key, normalised value) of a document, from its payload at creation; ord orders hits newest first.
      CREATE TABLE document_keys (
        key   TEXT NOT NULL,
        value TEXT NOT NULL,
        ord   INTEGER NOT NULL,
        PRIMARY KEY (key, value, ord)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX document_keys_by_ord ON document_keys (ord);
      -- Each list index carries id: a party filter probes document_parties by id without reading
      -- the row (payload and state), which made counting a party's documents four times slower.
      DROP INDEX documents_kind_ord;
      DROP INDEX documents_status_ord;
      CREATE INDEX documents_kind_ord ON documents (kind, ord, id);
      CREATE INDEX documents_status_ord ON documents (status, ord, id);
      CREATE INDEX documents_ord_id ON documents (ord, id);
      CREATE INDEX documents_holder_ord ON documents (holder, ord, id);
      CREATE INDEX documents_issuer_ord ON documents (issuer, ord, id);
      CREATE INDEX documents_created ON documents (created_at);
      CREATE INDEX documents_updated ON documents (updated_at);
    `,
    migrate: backfillDocumentKeys,
  },
  {
    description: 'EIR validity days (valid-day keys) for the gate desk\'s "expected today"',
    sql: '',
    migrate: backfillDocumentKeys,
  },
  {
    // A worklist filters kind and status together ("my issued D/Os", "guarantees waiting for me"):
    // with only (status, ord, id) every candidate row was read for its kind and holder, and counting
    // an inbox of 10,000 took 46 ms warm (95 cold); with these, 9 ms.
    description: 'indexes on (kind, status, ord, id) and (holder, kind, status, ord, id) for worklists',
    sql: `CREATE INDEX documents_kind_status_ord ON documents (kind, status, ord, id);
      CREATE INDEX documents_holder_kind_status_ord ON documents (holder, kind, status, ord, id);`,
  },
  {
    description: 'PINT between platforms: the outbox of envelopes and notices to peers, and records every node shares (request ids, envelopes in progress)',
    sql: `
      CREATE TABLE peer_sends (
        id              TEXT PRIMARY KEY,
        peer            TEXT NOT NULL,
        document_id     TEXT NOT NULL,
        kind            TEXT NOT NULL,
        body            TEXT NOT NULL,
        status          TEXT NOT NULL,
        attempts        INTEGER NOT NULL,
        next_attempt_at TEXT NOT NULL,
        lease_until     TEXT,
        last_error      TEXT,
        created_at      TEXT NOT NULL,
        done_at         TEXT
      ) STRICT;
      CREATE INDEX peer_sends_due ON peer_sends (status, next_attempt_at);
      CREATE INDEX peer_sends_document ON peer_sends (document_id);
      CREATE TABLE peer_records (
        kind       TEXT NOT NULL,
        key        TEXT NOT NULL,
        value      TEXT NOT NULL,
        expires_at TEXT,
        PRIMARY KEY (kind, key)
      ) STRICT, WITHOUT ROWID;`,
  },
];

/** Gives every stored document the business keys `businessKeysOf` extracts today (those it lacks), a batch at a time. */
function backfillDocumentKeys(db: Database.Database): void {
  const read = db.prepare('SELECT ord, kind, payload FROM documents WHERE ord > ? ORDER BY ord LIMIT ?');
  const add = db.prepare('INSERT OR IGNORE INTO document_keys (key, value, ord) VALUES (?, ?, ?)');
  let lastOrd = 0;
  for (;;) {
    const rows = read.all(lastOrd, BACKFILL_BATCH) as { ord: number; kind: DocumentKind; payload: string }[];
    const last = rows[rows.length - 1];
    if (last === undefined) break;
    for (const row of rows) {
      for (const { key, value } of businessKeysOf(row.kind, JSON.parse(row.payload) as unknown)) add.run(key, value, row.ord);
    }
    lastOrd = last.ord;
  }
}

interface V1EventRow {
  row_id: number;
  document_id: string;
  seq: number;
  hash: string;
  type: string;
  actor: string;
  recorded_at: string;
  envelope: string;
}

/**
 * Gives every event stored before the audit log its leaf, in insertion (rowid) order, which is
 * the order the events were committed in; then replaces the v1 events table.
 */
function backfillLog(db: Database.Database): void {
  const copy = db.prepare(
    `INSERT INTO events_v2 (document_id, seq, log_index, hash, type, actor, recorded_at, envelope)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const addNode = db.prepare('INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)');
  const read = db.prepare(
    `SELECT rowid AS row_id, document_id, seq, hash, type, actor, recorded_at, envelope
     FROM events WHERE rowid > ? ORDER BY rowid LIMIT ?`,
  );
  let size = 0;
  let frontier: Frontier = [];
  let lastRowid = 0;
  for (;;) {
    const rows = read.all(lastRowid, BACKFILL_BATCH) as V1EventRow[];
    const last = rows[rows.length - 1];
    if (last === undefined) break;
    rows.forEach((row, i) => {
      copy.run(row.document_id, row.seq, size + i, row.hash, row.type, row.actor, row.recorded_at, row.envelope);
    });
    const appended = appendLeaves(
      size,
      frontier,
      rows.map((row) => leafHash(Buffer.from(row.envelope, 'utf8'))),
    );
    for (const node of appended.writes) addNode.run(node.level, node.index, node.hash);
    ({ size, frontier } = appended);
    lastRowid = last.row_id;
  }
  db.prepare('UPDATE log_state SET size = ?, frontier = ? WHERE id = 1').run(size, Buffer.concat(frontier));
  db.exec(`
    DROP TABLE events;
    ALTER TABLE events_v2 RENAME TO events;
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
      BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
      BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
  `);
}

export function schemaVersionOf(db: Database.Database): number {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number') throw new SdxError('store-corrupt', 'PRAGMA user_version did not return a number');
  return version;
}

/**
 * Brings the database up to `list.length`, one transaction per migration, so that a failed
 * migration leaves neither its tables nor its version number behind. Refuses a database whose
 * schema is newer than `list` knows. Returns the resulting schema version.
 */
export function applyMigrations(db: Database.Database, list: readonly Migration[] = migrations): number {
  const known = list.length;
  const found = schemaVersionOf(db);
  if (found > known) {
    throw new SdxError(
      'store-schema-too-new',
      `database ${db.name} has schema version ${found}, but this SDX knows versions up to ${known}; ` +
        'open it with the SDX release that wrote it, or a newer one',
    );
  }
  for (let version = found; version < known; version += 1) {
    const migration = list[version];
    if (!migration) break;
    // IMMEDIATE takes the write lock first, so two processes opening a new file cannot both migrate.
    db.transaction(() => {
      if (schemaVersionOf(db) !== version) return;
      db.exec(migration.sql);
      migration.migrate?.(db);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
  return schemaVersionOf(db);
}
