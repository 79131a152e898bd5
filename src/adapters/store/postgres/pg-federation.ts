import type { PlannedPeerSend } from '../../../application/commit/commit-planner';
import type { FederationStore, PeerSend, PeerSendAttempt } from '../../../application/ports/federation-store.port';
import { SdxError } from '../../../domain/shared/errors';
import { toPeerSend, type PeerSendRow } from '../sqlite/sqlite-federation';
import type { Sql } from './pg-store';

type Run = <T>(work: (sql: Sql) => Promise<T>) => Promise<T>;

/** Peer sends and shared records on PostgreSQL: claims skip rows another node holds (SKIP LOCKED). */
export class PgFederation implements FederationStore {
  constructor(
    private readonly run: Run,
    private readonly transaction: Run,
  ) {}

  /** Inside the commit's transaction: the peer sends the plan names. */
  async insertPeerSends(sql: Sql, sends: readonly PlannedPeerSend[]): Promise<void> {
    for (const s of sends) {
      await sql.query(
        `INSERT INTO peer_sends (id, peer, document_id, kind, body, status, attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)`,
        [s.id, s.peer, s.documentId, s.kind, s.body, s.due],
      );
    }
  }

  claimPeerSends(now: string, leaseUntil: string, limit: number): Promise<PeerSend[]> {
    return this.transaction(async (sql) => {
      const { rows } = await sql.query<PeerSendRow>(
        `SELECT * FROM peer_sends WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
         ORDER BY next_attempt_at, created_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      if (rows.length > 0) await sql.query('UPDATE peer_sends SET lease_until = $1 WHERE id = ANY($2)', [leaseUntil, rows.map((r) => r.id)]);
      return rows.map(toPeerSend);
    });
  }

  recordPeerSendAttempt(id: string, attempt: PeerSendAttempt): Promise<void> {
    return this.run(async (sql) => {
      const status = attempt.done ? 'done' : 'pending';
      const { rowCount } = await sql.query(
        `UPDATE peer_sends SET status = $1, attempts = attempts + 1, last_error = $2, next_attempt_at = COALESCE($3, next_attempt_at),
           lease_until = NULL, done_at = CASE WHEN $1 = 'done' THEN $4 ELSE done_at END WHERE id = $5`,
        [status, attempt.error, attempt.nextAttemptAt, attempt.at, id],
      );
      if (rowCount === 0) throw new SdxError('not-found', `no peer send ${id}`);
    });
  }

  listPeerSends(documentId: string): Promise<PeerSend[]> {
    return this.run(async (sql) => (await sql.query<PeerSendRow>('SELECT * FROM peer_sends WHERE document_id = $1 ORDER BY created_at, id', [documentId])).rows.map(toPeerSend));
  }

  listPendingPeerSends(limit: number): Promise<PeerSend[]> {
    return this.run(async (sql) => (await sql.query<PeerSendRow>("SELECT * FROM peer_sends WHERE status = 'pending' ORDER BY next_attempt_at, created_at, id LIMIT $1", [limit])).rows.map(toPeerSend));
  }

  remember(kind: string, key: string, value: string, expiresAt: string | null, now: string): Promise<boolean> {
    return this.transaction(async (sql) => {
      await sql.query('DELETE FROM peer_records WHERE kind = $1 AND expires_at <= $2', [kind, now]);
      const { rowCount } = await sql.query('INSERT INTO peer_records (kind, key, value, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [kind, key, value, expiresAt]);
      return rowCount === 1;
    });
  }

  recall(kind: string, key: string, now: string): Promise<string | undefined> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<{ value: string }>('SELECT value FROM peer_records WHERE kind = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > $3)', [kind, key, now]);
      return rows[0]?.value;
    });
  }
}
