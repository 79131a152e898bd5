import type { PoolClient } from 'pg';

/*
 * The PostgreSQL schema, as numbered migrations applied in order. Nodes starting together take one
 * advisory lock for the whole run, so exactly one applies each step. Times are ISO 8601 UTC text
 * like the other stores (they sort as they compare); hashes and blobs are bytea.
 */

/** Any fixed number: the advisory lock the migration run holds. */
const MIGRATION_LOCK = 0x5d7_0001;

interface Migration {
  description: string;
  sql: string;
}

/** Byte-order text everywhere: ISO times and prefix ranges compare as in the other stores, whatever the server's locale. */
const bytewise = (sql: string): string => sql.replace(/\bTEXT\b/g, 'TEXT COLLATE "C"');

export const pgMigrations: readonly Migration[] = [
  {
    description: 'documents, events, audit log, blobs, users, webhooks, sessions, business keys; append-only guards',
    sql: bytewise(`
      CREATE FUNCTION sdx_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; END $$;

      CREATE TABLE parties (id TEXT PRIMARY KEY, data TEXT NOT NULL);
      CREATE TABLE users (
        id TEXT PRIMARY KEY, party_id TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL, password_hash TEXT
      );
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL,
        created_at TEXT NOT NULL, revoked_at TEXT
      );

      -- ord: creation order, the paging key. Commits are serialised on log_state, so it follows commit order.
      CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        ord INTEGER GENERATED ALWAYS AS IDENTITY UNIQUE,
        kind TEXT NOT NULL, status TEXT NOT NULL, holder TEXT, issuer TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (seq >= 1),
        payload TEXT NOT NULL, state TEXT NOT NULL, presented_to TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL
      );
      CREATE INDEX documents_kind_ord ON documents (kind, ord);
      CREATE INDEX documents_status_ord ON documents (status, ord);
      CREATE INDEX documents_holder_ord ON documents (holder, ord);
      CREATE INDEX documents_issuer_ord ON documents (issuer, ord);
      CREATE INDEX documents_created ON documents (created_at);
      CREATE INDEX documents_updated ON documents (updated_at);
      CREATE TABLE document_parties (
        document_id TEXT NOT NULL REFERENCES documents (id), party_id TEXT NOT NULL, role TEXT NOT NULL,
        PRIMARY KEY (document_id, party_id, role)
      );
      CREATE INDEX document_parties_party ON document_parties (party_id, role, document_id);
      CREATE TABLE document_keys (
        key TEXT NOT NULL, value TEXT NOT NULL, ord INTEGER NOT NULL, PRIMARY KEY (key, value, ord)
      );
      CREATE INDEX document_keys_by_ord ON document_keys (ord);

      CREATE TABLE events (
        document_id TEXT NOT NULL REFERENCES documents (id),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        log_index INTEGER NOT NULL UNIQUE CHECK (log_index >= 0),
        hash TEXT NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, recorded_at TEXT NOT NULL, envelope TEXT NOT NULL,
        PRIMARY KEY (document_id, seq)
      );
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION sdx_append_only();
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION sdx_append_only();

      -- RFC 9162 perfect-subtree hashes; level 0 holds the leaves. Written once, when complete.
      CREATE TABLE log_nodes (
        level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63), idx INTEGER NOT NULL CHECK (idx >= 0),
        hash BYTEA NOT NULL CHECK (length(hash) = 32), PRIMARY KEY (level, idx)
      );
      CREATE TRIGGER log_nodes_append_only BEFORE UPDATE OR DELETE ON log_nodes FOR EACH ROW EXECUTE FUNCTION sdx_append_only();
      CREATE TRIGGER log_nodes_no_truncate BEFORE TRUNCATE ON log_nodes FOR EACH STATEMENT EXECUTE FUNCTION sdx_append_only();
      -- The one row every commit locks (FOR UPDATE): appends from all nodes take turns on it.
      CREATE TABLE log_state (
        id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL CHECK (size >= 0),
        frontier BYTEA NOT NULL CHECK (length(frontier) % 32 = 0)
      );
      INSERT INTO log_state (id, size, frontier) VALUES (1, 0, '\\x');
      CREATE FUNCTION sdx_log_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' OR NEW.size < OLD.size OR NEW.id <> OLD.id THEN
            RAISE EXCEPTION 'the audit log only grows' USING ERRCODE = 'restrict_violation';
          END IF;
          RETURN NEW;
        END $$;
      CREATE TRIGGER log_state_only_grows BEFORE UPDATE OR DELETE ON log_state FOR EACH ROW EXECUTE FUNCTION sdx_log_only_grows();
      CREATE TABLE tree_heads (
        size INTEGER PRIMARY KEY CHECK (size >= 0), root_hash TEXT NOT NULL, timestamp TEXT NOT NULL, signature TEXT NOT NULL
      );
      CREATE TRIGGER tree_heads_append_only BEFORE UPDATE OR DELETE ON tree_heads FOR EACH ROW EXECUTE FUNCTION sdx_append_only();
      CREATE TRIGGER tree_heads_no_truncate BEFORE TRUNCATE ON tree_heads FOR EACH STATEMENT EXECUTE FUNCTION sdx_append_only();

      -- pending_since NULL: cited by an event, kept for good; a time: an upload no event cites yet.
      CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY, media_type TEXT NOT NULL, size INTEGER NOT NULL, bytes BYTEA NOT NULL, pending_since TEXT
      );
      CREATE INDEX blobs_pending_since ON blobs (pending_since) WHERE pending_since IS NOT NULL;
      CREATE TABLE blob_uploads (
        party_id TEXT NOT NULL, sha256 TEXT NOT NULL REFERENCES blobs (sha256) ON DELETE CASCADE,
        size INTEGER NOT NULL CHECK (size >= 0), uploaded_at TEXT NOT NULL, PRIMARY KEY (party_id, sha256)
      );
      CREATE INDEX blob_uploads_by_blob ON blob_uploads (sha256);
      CREATE TABLE blob_refs (sha256 TEXT NOT NULL, document_id TEXT NOT NULL, PRIMARY KEY (sha256, document_id));

      CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY, party_id TEXT NOT NULL, url TEXT NOT NULL, event_types TEXT NOT NULL,
        created_at TEXT NOT NULL, disabled_at TEXT
      );
      CREATE INDEX webhook_endpoints_by_party ON webhook_endpoints (party_id);
      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
        document_id TEXT NOT NULL, seq INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL, lease_until TEXT,
        last_attempt_at TEXT, last_status INTEGER, last_error TEXT, created_at TEXT NOT NULL, delivered_at TEXT,
        UNIQUE (endpoint_id, document_id, seq)
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

      CREATE TABLE web_sessions (
        id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('desk', 'phone')),
        created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, ended_at TEXT
      );
      CREATE INDEX web_sessions_open_by_user ON web_sessions (user_id) WHERE ended_at IS NULL;
    `),
  },
  {
    description: 'limits every node shares: the sign-in throttle failure windows and the write rate buckets',
    sql: bytewise(`
      CREATE TABLE signin_failures (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, started_at_ms BIGINT NOT NULL);
      CREATE INDEX signin_failures_started ON signin_failures (started_at_ms);
      -- at_ms: the server's clock (epoch milliseconds) when the bucket was last taken from.
      CREATE TABLE rate_buckets (
        key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, at_ms DOUBLE PRECISION NOT NULL, allowed BOOLEAN NOT NULL
      );
    `),
  },
  {
    // Worklists filter kind and status together, an inbox also its holder: counted from the index alone (as SQLite's migration 9).
    description: 'indexes on (kind, status, ord, id) and (holder, kind, status, ord, id) for worklists',
    sql: bytewise(`
      CREATE INDEX documents_kind_status_ord ON documents (kind, status, ord, id);
      CREATE INDEX documents_holder_kind_status_ord ON documents (holder, kind, status, ord, id);
    `),
  },
  {
    description: 'PINT between platforms: the outbox of envelopes and notices to peers, and records every node shares',
    sql: bytewise(`
      CREATE TABLE peer_sends (
        id TEXT PRIMARY KEY, peer TEXT NOT NULL, document_id TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL,
        status TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at TEXT NOT NULL, lease_until TEXT,
        last_error TEXT, created_at TEXT NOT NULL, done_at TEXT
      );
      CREATE INDEX peer_sends_due ON peer_sends (status, next_attempt_at);
      CREATE INDEX peer_sends_document ON peer_sends (document_id);
      CREATE TABLE peer_records (kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at TEXT, PRIMARY KEY (kind, key));
    `),
  },
];

/** Applies the migrations the database has not seen, under one advisory lock, each in the run's transaction. */
export async function applyPgMigrations(client: PoolClient): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const { rows } = await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    for (let version = current + 1; version <= pgMigrations.length; version++) {
      const migration = pgMigrations[version - 1];
      if (migration === undefined) break;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)', [
        version,
        migration.description,
        new Date().toISOString(),
      ]);
    }
    await client.query('COMMIT');
    return Math.max(current, pgMigrations.length);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
