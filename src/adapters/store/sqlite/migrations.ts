import type Database from 'better-sqlite3';
import { SdxError } from '../../../domain/shared/errors';

/**
 * One step of the SQLite schema. Migrations run in array order; migration i takes the database from
 * `PRAGMA user_version` i to i + 1. Released migrations are never edited: a schema change is a new
 * entry at the end.
 */
export interface Migration {
  description: string;
  sql: string;
}

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
];

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
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
  return schemaVersionOf(db);
}
