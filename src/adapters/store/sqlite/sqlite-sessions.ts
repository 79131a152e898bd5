import type Database from 'better-sqlite3';
import type { SessionKind, SessionStore, WebSession } from '../../../application/ports/session-store.port';

interface SessionRow {
  id_hash: string;
  user_id: string;
  kind: SessionKind;
  created_at: string;
  last_seen_at: string;
  ended_at: string | null;
}

const toSession = (row: SessionRow): WebSession => ({
  idHash: row.id_hash,
  userId: row.user_id,
  kind: row.kind,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  endedAt: row.ended_at,
});

/** Ends a user's open sessions; shared with `setUserPassword`, which runs it in its own transaction. */
export function endOpenSessions(db: Database.Database, userId: string, at: string): number {
  return db.prepare('UPDATE web_sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL').run(at, userId).changes;
}

/** Web sessions on SQLite: the store's `sessions`. */
export class SqliteSessions implements SessionStore {
  constructor(
    private readonly db: Database.Database,
    private readonly run: <T>(work: () => T) => Promise<T>,
    /** The store's prepared statements, by their SQL. */
    private readonly statement: (sql: string) => Database.Statement,
  ) {}

  addSession(session: WebSession): Promise<void> {
    return this.run(() => {
      this
        .statement('INSERT INTO web_sessions (id_hash, user_id, kind, created_at, last_seen_at, ended_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(session.idHash, session.userId, session.kind, session.createdAt, session.lastSeenAt, session.endedAt);
    });
  }

  getSession(idHash: string): Promise<WebSession | undefined> {
    return this.run(() => {
      const row = this.statement('SELECT * FROM web_sessions WHERE id_hash = ?').get(idHash) as SessionRow | undefined;
      return row && toSession(row);
    });
  }

  touchSession(idHash: string, at: string): Promise<void> {
    return this.run(() => {
      this.statement('UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ? AND ended_at IS NULL AND last_seen_at < ?').run(at, idHash, at);
    });
  }

  endSession(idHash: string, at: string): Promise<boolean> {
    return this.run(() => this.statement('UPDATE web_sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL').run(at, idHash).changes === 1);
  }

  endUserSessions(userId: string, at: string): Promise<number> {
    return this.run(() => endOpenSessions(this.db, userId, at));
  }
}
