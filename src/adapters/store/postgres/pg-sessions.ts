import type { SessionKind, SessionStore, WebSession } from '../../../application/ports/session-store.port';
import type { Sql } from './pg-store';

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

/** Web sessions on PostgreSQL: the store's `sessions`, so a sign-in holds on every node. */
export class PgSessions implements SessionStore {
  constructor(private readonly run: <T>(work: (sql: Sql) => Promise<T>) => Promise<T>) {}

  /** Ends a user's open sessions; `setUserPassword` runs it inside its own transaction. */
  async endOpen(sql: Sql, userId: string, at: string): Promise<number> {
    const { rowCount } = await sql.query('UPDATE web_sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL', [at, userId]);
    return rowCount ?? 0;
  }

  addSession(session: WebSession): Promise<void> {
    return this.run(async (sql) => {
      await sql.query('INSERT INTO web_sessions (id_hash, user_id, kind, created_at, last_seen_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        session.idHash,
        session.userId,
        session.kind,
        session.createdAt,
        session.lastSeenAt,
        session.endedAt,
      ]);
    });
  }

  getSession(idHash: string): Promise<WebSession | undefined> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<SessionRow>('SELECT * FROM web_sessions WHERE id_hash = $1', [idHash]);
      return rows[0] && toSession(rows[0]);
    });
  }

  touchSession(idHash: string, at: string): Promise<void> {
    return this.run(async (sql) => {
      await sql.query('UPDATE web_sessions SET last_seen_at = $1 WHERE id_hash = $2 AND ended_at IS NULL AND last_seen_at < $1', [at, idHash]);
    });
  }

  endSession(idHash: string, at: string): Promise<boolean> {
    return this.run(async (sql) => {
      const { rowCount } = await sql.query('UPDATE web_sessions SET ended_at = $1 WHERE id_hash = $2 AND ended_at IS NULL', [at, idHash]);
      return rowCount === 1;
    });
  }

  endUserSessions(userId: string, at: string): Promise<number> {
    return this.run((sql) => this.endOpen(sql, userId, at));
  }
}
