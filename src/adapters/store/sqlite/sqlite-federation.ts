import type Database from 'better-sqlite3';
import type { PlannedPeerSend } from '../../../application/commit/commit-planner';
import type { FederationStore, PeerSend, PeerSendAttempt } from '../../../application/ports/federation-store.port';
import { SdxError } from '../../../domain/shared/errors';

interface PeerSendRow {
  id: string;
  peer: string;
  document_id: string;
  kind: PeerSend['kind'];
  body: string;
  status: PeerSend['status'];
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  done_at: string | null;
}

export const toPeerSend = (row: PeerSendRow): PeerSend => ({
  id: row.id,
  peer: row.peer,
  documentId: row.document_id,
  kind: row.kind,
  body: row.body,
  status: row.status,
  attempts: Number(row.attempts),
  nextAttemptAt: row.next_attempt_at,
  lastError: row.last_error,
  createdAt: row.created_at,
  doneAt: row.done_at,
});

export type { PeerSendRow };

/** Peer sends and shared records on SQLite: the store's `federation`, run through its `run`. */
export class SqliteFederation implements FederationStore {
  constructor(
    private readonly db: Database.Database,
    private readonly run: <T>(work: () => T) => Promise<T>,
    /** The store's prepared statements, by their SQL. */
    private readonly statement: (sql: string) => Database.Statement,
  ) {}

  /** Inside the commit's transaction: the peer sends the plan names. */
  insertPeerSends(sends: readonly PlannedPeerSend[]): void {
    const insert = this.statement(
      `INSERT INTO peer_sends (id, peer, document_id, kind, body, status, attempts, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
    );
    for (const s of sends) insert.run(s.id, s.peer, s.documentId, s.kind, s.body, s.due, s.due);
  }

  claimPeerSends(now: string, leaseUntil: string, limit: number): Promise<PeerSend[]> {
    return this.run(() =>
      this.db.transaction(() => {
        const rows = this
          .statement(
            `SELECT * FROM peer_sends WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
             ORDER BY next_attempt_at, created_at LIMIT ?`,
          )
          .all(now, now, limit) as PeerSendRow[];
        const lease = this.statement('UPDATE peer_sends SET lease_until = ? WHERE id = ?');
        for (const row of rows) lease.run(leaseUntil, row.id);
        return rows.map(toPeerSend);
      }).immediate(),
    );
  }

  recordPeerSendAttempt(id: string, attempt: PeerSendAttempt): Promise<void> {
    return this.run(() => {
      const result = this
        .statement(
          `UPDATE peer_sends SET status = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at),
             lease_until = NULL, done_at = CASE WHEN ? = 'done' THEN ? ELSE done_at END WHERE id = ?`,
        )
        .run(attempt.done ? 'done' : 'pending', attempt.error, attempt.nextAttemptAt, attempt.done ? 'done' : 'pending', attempt.at, id);
      if (result.changes === 0) throw new SdxError('not-found', `no peer send ${id}`);
    });
  }

  listPeerSends(documentId: string): Promise<PeerSend[]> {
    return this.run(() => (this.statement('SELECT * FROM peer_sends WHERE document_id = ? ORDER BY created_at, id').all(documentId) as PeerSendRow[]).map(toPeerSend));
  }

  listPendingPeerSends(limit: number): Promise<PeerSend[]> {
    return this.run(() => (this.statement("SELECT * FROM peer_sends WHERE status = 'pending' ORDER BY next_attempt_at, created_at, id LIMIT ?").all(limit) as PeerSendRow[]).map(toPeerSend));
  }

  remember(kind: string, key: string, value: string, expiresAt: string | null, now: string): Promise<boolean> {
    return this.run(() =>
      this.db.transaction(() => {
        this.statement('DELETE FROM peer_records WHERE kind = ? AND expires_at <= ?').run(kind, now);
        return this.statement('INSERT OR IGNORE INTO peer_records (kind, key, value, expires_at) VALUES (?, ?, ?, ?)').run(kind, key, value, expiresAt).changes === 1;
      }).immediate(),
    );
  }

  recall(kind: string, key: string, now: string): Promise<string | undefined> {
    return this.run(
      () =>
        this.statement('SELECT value FROM peer_records WHERE kind = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)').pluck().get(kind, key, now) as
          | string
          | undefined,
    );
  }
}
