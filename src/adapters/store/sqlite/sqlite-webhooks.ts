import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type {
  ClaimedDelivery,
  DeliveryAttempt,
  DeliveryStatus,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookStore,
} from '../../../application/ports/webhook-store.port';
import { SdxError } from '../../../domain/shared/errors';
import type { OutboxEndpoint, PlannedDelivery } from '../../../application/commit/commit-planner';

interface EndpointRow {
  id: string;
  party_id: string;
  url: string;
  event_types: string;
  created_at: string;
  disabled_at: string | null;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  document_id: string;
  seq: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

const toEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  partyId: row.party_id,
  url: row.url,
  eventTypes: row.event_types.split(','),
  createdAt: row.created_at,
  disabledAt: row.disabled_at,
});

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  endpointId: row.endpoint_id,
  documentId: row.document_id,
  seq: row.seq,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  lastAttemptAt: row.last_attempt_at,
  lastStatus: row.last_status,
  lastError: row.last_error,
  createdAt: row.created_at,
  deliveredAt: row.delivered_at,
});

/** The outbox and endpoints on SQLite: the store's `webhooks`, run through its `run` (open check, error codes). */
export class SqliteWebhooks implements WebhookStore {
  constructor(
    private readonly db: Database.Database,
    private readonly run: <T>(work: () => T) => Promise<T>,
    /** The store's prepared statements, by their SQL. */
    private readonly statement: (sql: string) => Database.Statement,
  ) {}

  /** The enabled endpoints of these parties, for the commit planner's outbox rows. */
  endpointsOf(partyIds: readonly string[]): OutboxEndpoint[] {
    if (partyIds.length === 0) return [];
    const rows = this
      .statement(`SELECT id, party_id, event_types FROM webhook_endpoints WHERE disabled_at IS NULL AND party_id IN (${partyIds.map(() => '?').join(', ')})`)
      .all(...partyIds) as Pick<EndpointRow, 'id' | 'party_id' | 'event_types'>[];
    return rows.map((row) => ({ id: row.id, partyId: row.party_id, eventTypes: row.event_types.split(',') }));
  }

  /** Inside the commit's transaction: the outbox rows the plan names. */
  insertDeliveries(deliveries: readonly PlannedDelivery[]): void {
    const insert = this.statement(
      `INSERT OR IGNORE INTO webhook_deliveries (id, endpoint_id, document_id, seq, status, attempts, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)`,
    );
    for (const d of deliveries) insert.run(`dlv-${randomUUID()}`, d.endpointId, d.documentId, d.seq, d.due, d.due);
  }

  addWebhookEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    return this.run(() => {
      this
        .statement('INSERT INTO webhook_endpoints (id, party_id, url, event_types, created_at, disabled_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(endpoint.id, endpoint.partyId, endpoint.url, endpoint.eventTypes.join(','), endpoint.createdAt, endpoint.disabledAt);
    });
  }

  getWebhookEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    return this.run(() => {
      const row = this.statement('SELECT * FROM webhook_endpoints WHERE id = ?').get(id) as EndpointRow | undefined;
      return row && toEndpoint(row);
    });
  }

  listWebhookEndpoints(partyId: string): Promise<WebhookEndpoint[]> {
    return this.run(() => {
      const rows = this.statement('SELECT * FROM webhook_endpoints WHERE party_id = ? ORDER BY created_at, id').all(partyId) as EndpointRow[];
      return rows.map(toEndpoint);
    });
  }

  disableWebhookEndpoint(id: string, at: string): Promise<void> {
    return this.run(() => {
      const found = this.statement('UPDATE webhook_endpoints SET disabled_at = COALESCE(disabled_at, ?) WHERE id = ?').run(at, id);
      if (found.changes === 0) throw new SdxError('not-found', `no webhook ${id}`);
    });
  }

  claimDeliveries(now: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]> {
    return this.run(() => {
      return this.db.transaction(() => {
        const rows = this
          .statement(
            `SELECT d.*, w.url, e.envelope, e.type AS event_type FROM webhook_deliveries d
             JOIN webhook_endpoints w ON w.id = d.endpoint_id
             JOIN events e ON e.document_id = d.document_id AND e.seq = d.seq
             WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?)
             ORDER BY d.next_attempt_at, d.created_at LIMIT ?`,
          )
          .all(now, now, limit) as (DeliveryRow & { url: string; envelope: string; event_type: string })[];
        const lease = this.statement('UPDATE webhook_deliveries SET lease_until = ? WHERE id = ?');
        for (const row of rows) lease.run(leaseUntil, row.id);
        return rows.map((row) => ({ ...toDelivery(row), url: row.url, envelope: row.envelope, eventType: row.event_type }));
      }).immediate();
    });
  }

  recordDeliveryAttempt(id: string, attempt: DeliveryAttempt): Promise<void> {
    return this.run(() => {
      const result = this
        .statement(
          `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = ?,
             next_attempt_at = COALESCE(?, next_attempt_at), lease_until = NULL,
             delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
           WHERE id = ?`,
        )
        .run(attempt.status, attempt.at, attempt.httpStatus, attempt.error, attempt.nextAttemptAt, attempt.status, attempt.at, id);
      if (result.changes === 0) throw new SdxError('not-found', `no delivery ${id}`);
    });
  }

  getDelivery(id: string): Promise<WebhookDelivery | undefined> {
    return this.run(() => {
      const row = this.statement('SELECT * FROM webhook_deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
      return row && toDelivery(row);
    });
  }

  listDeliveries(endpointId: string, query: { status?: DeliveryStatus; limit: number }): Promise<WebhookDelivery[]> {
    return this.run(() => {
      const limit = Math.max(1, Math.min(500, Math.floor(query.limit)));
      const rows = (
        query.status
          ? this
              .statement('SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND status = ? ORDER BY created_at DESC, id LIMIT ?')
              .all(endpointId, query.status, limit)
          : this.statement('SELECT * FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY created_at DESC, id LIMIT ?').all(endpointId, limit)
      ) as DeliveryRow[];
      return rows.map(toDelivery);
    });
  }

  redriveDelivery(id: string, now: string): Promise<WebhookDelivery> {
    return this.run(() => {
      const result = this
        .statement(`UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, lease_until = NULL WHERE id = ? AND status <> 'delivered'`)
        .run(now, id);
      const row = this.statement('SELECT * FROM webhook_deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
      if (!row) throw new SdxError('not-found', `no delivery ${id}`);
      if (result.changes === 0) throw new SdxError('already-delivered', `delivery ${id} was delivered at ${row.delivered_at ?? ''}; nothing to redrive`);
      return toDelivery(row);
    });
  }

  deliveryBacklog(): Promise<{ pending: number; dead: number }> {
    return this.run(() => {
      const rows = this.statement(`SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE status <> 'delivered' GROUP BY status`).all() as {
        status: DeliveryStatus;
        n: number;
      }[];
      return { pending: rows.find((r) => r.status === 'pending')?.n ?? 0, dead: rows.find((r) => r.status === 'dead')?.n ?? 0 };
    });
  }
}
