import type { FailureCounts, FailureWindow, SharedLimits } from '../../../application/ports/shared-limits.port';
import type { Sql } from './pg-store';

/**
 * The sign-in throttle's counts and the write buckets in PostgreSQL, so that every node enforces
 * one limit. Each change is one upsert under the row's lock, so racing nodes never both take the
 * last token or both miss a failure; buckets run on the server's clock, which every node shares.
 */
export class PgLimits implements SharedLimits {
  readonly failures: FailureCounts;

  constructor(private readonly run: <T>(work: (sql: Sql) => Promise<T>) => Promise<T>) {
    this.failures = {
      open: (keys, windowMs, nowMs) => this.openWindows(keys, windowMs, nowMs),
      add: (keys, windowMs, nowMs) => this.addFailures(keys, windowMs, nowMs),
      clear: (key) =>
        this.run(async (sql) => {
          await sql.query('DELETE FROM signin_failures WHERE key = $1', [key]);
        }),
    };
  }

  takeToken(key: string, limit: { perSecond: number; burst: number }): Promise<number> {
    return this.run(async (sql) => {
      // SET sees the old row throughout: `refilled` is the bucket before this take.
      const refilled = 'LEAST($2::float8, b.tokens + GREATEST(0, excluded.at_ms - b.at_ms) / 1000 * $3::float8)';
      const { rows } = await sql.query<{ allowed: boolean; tokens: number }>(
        `INSERT INTO rate_buckets AS b (key, tokens, at_ms, allowed)
         VALUES ($1, $2::float8 - 1, extract(epoch FROM clock_timestamp()) * 1000, true)
         ON CONFLICT (key) DO UPDATE SET
           allowed = ${refilled} >= 1,
           tokens = ${refilled} - CASE WHEN ${refilled} >= 1 THEN 1 ELSE 0 END,
           at_ms = GREATEST(b.at_ms, excluded.at_ms)
         RETURNING allowed, tokens`,
        [key, limit.burst, limit.perSecond],
      );
      const row = rows[0];
      if (!row || row.allowed) return 0;
      return Math.max(1, Math.ceil((1 - row.tokens) / limit.perSecond));
    });
  }

  private openWindows(keys: readonly string[], windowMs: number, nowMs: number): Promise<(FailureWindow | undefined)[]> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<{ key: string; failures: number; started_at_ms: string }>(
        'SELECT key, failures, started_at_ms FROM signin_failures WHERE key = ANY($1) AND started_at_ms > $2',
        [keys, nowMs - windowMs],
      );
      const found = new Map(rows.map((r) => [r.key, { failures: r.failures, startedAt: Number(r.started_at_ms) }]));
      return keys.map((key) => found.get(key));
    });
  }

  private addFailures(keys: readonly string[], windowMs: number, nowMs: number): Promise<void> {
    return this.run(async (sql) => {
      // Closed windows go here, so the table holds only the open ones (failures are rare).
      await sql.query('DELETE FROM signin_failures WHERE started_at_ms <= $1', [nowMs - windowMs]);
      // Keys in one order, so that two nodes' upserts never wait on each other crosswise.
      await sql.query(
        `INSERT INTO signin_failures AS f (key, failures, started_at_ms)
         SELECT k, 1, $2 FROM unnest($1::text[]) AS k ORDER BY k
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN f.started_at_ms <= $3 THEN 1 ELSE f.failures + 1 END,
           started_at_ms = CASE WHEN f.started_at_ms <= $3 THEN $2 ELSE f.started_at_ms END`,
        [[...keys], nowMs, nowMs - windowMs],
      );
    });
  }
}
