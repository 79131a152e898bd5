import { randomUUID } from 'node:crypto';
import type {
  ClaimedDelivery,
  DeliveryAttempt,
  DeliveryStatus,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookStore,
} from '../../../application/ports/webhook-store.port';
import type { OutboxEndpoint, PlannedDelivery } from '../../../application/commit/commit-planner';
import { SdxError } from '../../../domain/shared/errors';
import type { Sql } from './pg-store';

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

type Run = <T>(work: (sql: Sql) => Promise<T>) => Promise<T>;

/** Endpoints and the outbox on PostgreSQL; due deliveries are leased with FOR UPDATE SKIP LOCKED, so nodes never claim the same one. */
export class PgWebhooks implements WebhookStore {
  constructor(
    private readonly run: Run,
    private readonly transaction: Run,
  ) {}

  /** The enabled endpoints of these parties, read inside the commit's transaction for the planner. */
  async endpointsOf(sql: Sql, partyIds: readonly string[]): Promise<OutboxEndpoint[]> {
    if (partyIds.length === 0) return [];
    const { rows } = await sql.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE disabled_at IS NULL AND party_id = ANY($1)', [[...partyIds]]);
    return rows.map((row) => ({ id: row.id, partyId: row.party_id, eventTypes: row.event_types.split(',') }));
  }

  /** Inside the commit's transaction: the outbox rows the plan names. */
  async insertDeliveries(sql: Sql, deliveries: readonly PlannedDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await sql.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, document_id, seq, status, attempts, next_attempt_at, created_at)
       SELECT id, endpoint, doc, seq, 'pending', 0, due, due FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[]) AS t(id, endpoint, doc, seq, due)
       ON CONFLICT DO NOTHING`,
      [
        deliveries.map(() => `dlv-${randomUUID()}`),
        deliveries.map((d) => d.endpointId),
        deliveries.map((d) => d.documentId),
        deliveries.map((d) => d.seq),
        deliveries.map((d) => d.due),
      ],
    );
  }

  addWebhookEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    return this.run(async (sql) => {
      await sql.query('INSERT INTO webhook_endpoints (id, party_id, url, event_types, created_at, disabled_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        endpoint.id,
        endpoint.partyId,
        endpoint.url,
        endpoint.eventTypes.join(','),
        endpoint.createdAt,
        endpoint.disabledAt,
      ]);
    });
  }

  getWebhookEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = $1', [id]);
      return rows[0] && toEndpoint(rows[0]);
    });
  }

  listWebhookEndpoints(partyId: string): Promise<WebhookEndpoint[]> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE party_id = $1 ORDER BY created_at, id', [partyId]);
      return rows.map(toEndpoint);
    });
  }

  disableWebhookEndpoint(id: string, at: string): Promise<void> {
    return this.run(async (sql) => {
      const { rowCount } = await sql.query('UPDATE webhook_endpoints SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2', [at, id]);
      if (rowCount === 0) throw new SdxError('not-found', `no webhook ${id}`);
    });
  }

  claimDeliveries(now: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]> {
    return this.transaction(async (sql) => {
      const { rows } = await sql.query<DeliveryRow & { url: string; envelope: string; event_type: string }>(
        `SELECT d.*, w.url, e.envelope, e.type AS event_type FROM webhook_deliveries d
         JOIN webhook_endpoints w ON w.id = d.endpoint_id
         JOIN events e ON e.document_id = d.document_id AND e.seq = d.seq
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
         ORDER BY d.next_attempt_at, d.created_at LIMIT $2
         FOR UPDATE OF d SKIP LOCKED`,
        [now, limit],
      );
      if (rows.length > 0) await sql.query('UPDATE webhook_deliveries SET lease_until = $1 WHERE id = ANY($2)', [leaseUntil, rows.map((r) => r.id)]);
      return rows.map((row) => ({ ...toDelivery(row), url: row.url, envelope: row.envelope, eventType: row.event_type }));
    });
  }

  recordDeliveryAttempt(id: string, attempt: DeliveryAttempt): Promise<void> {
    return this.run(async (sql) => {
      const { rowCount } = await sql.query(
        `UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, last_attempt_at = $2, last_status = $3, last_error = $4,
           next_attempt_at = COALESCE($5, next_attempt_at), lease_until = NULL,
           delivered_at = CASE WHEN $1 = 'delivered' THEN $2 ELSE delivered_at END
         WHERE id = $6`,
        [attempt.status, attempt.at, attempt.httpStatus, attempt.error, attempt.nextAttemptAt, id],
      );
      if (rowCount === 0) throw new SdxError('not-found', `no delivery ${id}`);
    });
  }

  getDelivery(id: string): Promise<WebhookDelivery | undefined> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = $1', [id]);
      return rows[0] && toDelivery(rows[0]);
    });
  }

  listDeliveries(endpointId: string, query: { status?: DeliveryStatus; limit: number }): Promise<WebhookDelivery[]> {
    return this.run(async (sql) => {
      const limit = Math.max(1, Math.min(500, Math.floor(query.limit)));
      const { rows } = await sql.query<DeliveryRow>(
        'SELECT * FROM webhook_deliveries WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY created_at DESC, id LIMIT $3',
        [endpointId, query.status ?? null, limit],
      );
      return rows.map(toDelivery);
    });
  }

  redriveDelivery(id: string, now: string): Promise<WebhookDelivery> {
    return this.transaction(async (sql) => {
      const { rowCount } = await sql.query(
        `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_until = NULL WHERE id = $2 AND status <> 'delivered'`,
        [now, id],
      );
      const { rows } = await sql.query<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = $1', [id]);
      const row = rows[0];
      if (!row) throw new SdxError('not-found', `no delivery ${id}`);
      if (rowCount === 0) throw new SdxError('already-delivered', `delivery ${id} was delivered at ${row.delivered_at ?? ''}; nothing to redrive`);
      return toDelivery(row);
    });
  }

  deliveryBacklog(): Promise<{ pending: number; dead: number }> {
    return this.run(async (sql) => {
      const { rows } = await sql.query<{ status: DeliveryStatus; n: number }>(
        `SELECT status, COUNT(*)::int AS n FROM webhook_deliveries WHERE status <> 'delivered' GROUP BY status`,
      );
      return { pending: rows.find((r) => r.status === 'pending')?.n ?? 0, dead: rows.find((r) => r.status === 'dead')?.n ?? 0 };
    });
  }
}
