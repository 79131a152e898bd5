import { randomUUID } from 'node:crypto';
import { Schema, type ClientSession, type Connection, type Model } from 'mongoose';
import { claimQuery } from './leased-claim';
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

export interface EndpointRecord {
  _id: string;
  partyId: string;
  url: string;
  eventTypes: string[];
  createdAt: string;
  disabledAt: string | null;
}

export interface DeliveryRecord {
  _id: string;
  endpointId: string;
  documentId: string;
  seq: number;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  leaseUntil: string | null;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

const options = { versionKey: false, strict: 'throw', minimize: false, autoIndex: false, autoCreate: false, bufferCommands: false } as const;

const endpointSchema = new Schema<EndpointRecord>(
  { _id: String, partyId: String, url: String, eventTypes: [String], createdAt: String, disabledAt: { type: String, default: null } },
  options,
);
endpointSchema.index({ partyId: 1 });

const deliverySchema = new Schema<DeliveryRecord>(
  {
    _id: String,
    endpointId: String,
    documentId: String,
    seq: Number,
    status: String,
    attempts: Number,
    nextAttemptAt: String,
    leaseUntil: { type: String, default: null },
    lastAttemptAt: { type: String, default: null },
    lastStatus: { type: Number, default: null },
    lastError: { type: String, default: null },
    createdAt: String,
    deliveredAt: { type: String, default: null },
  },
  options,
);
deliverySchema.index({ endpointId: 1, documentId: 1, seq: 1 }, { unique: true });
deliverySchema.index({ status: 1, nextAttemptAt: 1 });

export interface WebhookModels {
  webhookEndpoints: Model<EndpointRecord>;
  webhookDeliveries: Model<DeliveryRecord>;
}

export function webhookModelsOn(connection: Connection): WebhookModels {
  return {
    webhookEndpoints: connection.model<EndpointRecord>('WebhookEndpoint', endpointSchema, 'webhookEndpoints'),
    webhookDeliveries: connection.model<DeliveryRecord>('WebhookDelivery', deliverySchema, 'webhookDeliveries'),
  };
}

const toEndpoint = (r: EndpointRecord): WebhookEndpoint => ({
  id: r._id,
  partyId: r.partyId,
  url: r.url,
  eventTypes: [...r.eventTypes],
  createdAt: r.createdAt,
  disabledAt: r.disabledAt ?? null,
});

const toDelivery = (r: DeliveryRecord): WebhookDelivery => ({
  id: r._id,
  endpointId: r.endpointId,
  documentId: r.documentId,
  seq: r.seq,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.nextAttemptAt,
  lastAttemptAt: r.lastAttemptAt ?? null,
  lastStatus: r.lastStatus ?? null,
  lastError: r.lastError ?? null,
  createdAt: r.createdAt,
  deliveredAt: r.deliveredAt ?? null,
});

/** A redrive: due now with a fresh attempt count, only if not delivered; returned as updated. */
export function redriveQuery(deliveries: Model<DeliveryRecord>, id: string, now: string) {
  return deliveries.findOneAndUpdate(
    { _id: id, status: { $ne: 'delivered' } },
    { $set: { status: 'pending', attempts: 0, nextAttemptAt: now, leaseUntil: null } },
    { returnDocument: 'after' },
  );
}

/** The outbox on MongoDB: the store's `webhooks`; `insertDeliveries` runs inside the commit's transaction. */
export class MongoWebhooks implements WebhookStore {
  constructor(
    private readonly models: WebhookModels,
    private readonly run: <T>(work: () => Promise<T>) => Promise<T>,
    private readonly eventOf: (documentId: string, seq: number) => Promise<{ envelope: string; type: string } | undefined>,
  ) {}

  /** The enabled endpoints of these parties, for the commit planner's outbox rows. */
  async endpointsOf(session: ClientSession, partyIds: readonly string[]): Promise<OutboxEndpoint[]> {
    if (partyIds.length === 0) return [];
    const records = await this.models.webhookEndpoints.find({ partyId: { $in: [...partyIds] }, disabledAt: null }, null, { session }).lean().exec();
    return records.map((r) => ({ id: r._id, partyId: r.partyId, eventTypes: r.eventTypes }));
  }

  /** Inside the commit's transaction: the outbox rows the plan names. */
  async insertDeliveries(session: ClientSession, deliveries: readonly PlannedDelivery[]): Promise<void> {
    const rows: DeliveryRecord[] = deliveries.map((d) => ({
      _id: `dlv-${randomUUID()}`,
      endpointId: d.endpointId,
      documentId: d.documentId,
      seq: d.seq,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: d.due,
      leaseUntil: null,
      lastAttemptAt: null,
      lastStatus: null,
      lastError: null,
      createdAt: d.due,
      deliveredAt: null,
    }));
    if (rows.length > 0) await this.models.webhookDeliveries.insertMany(rows, { session, ordered: true });
  }

  addWebhookEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    return this.run(async () => {
      await this.models.webhookEndpoints.insertMany([{ _id: endpoint.id, partyId: endpoint.partyId, url: endpoint.url, eventTypes: endpoint.eventTypes, createdAt: endpoint.createdAt, disabledAt: endpoint.disabledAt }]);
    });
  }

  getWebhookEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    return this.run(async () => {
      const record = await this.models.webhookEndpoints.findById(id).lean().exec();
      return record ? toEndpoint(record) : undefined;
    });
  }

  listWebhookEndpoints(partyId: string): Promise<WebhookEndpoint[]> {
    return this.run(async () => {
      const records = await this.models.webhookEndpoints.find({ partyId }).sort({ createdAt: 1, _id: 1 }).lean().exec();
      return records.map(toEndpoint);
    });
  }

  disableWebhookEndpoint(id: string, at: string): Promise<void> {
    return this.run(async () => {
      const found = await this.models.webhookEndpoints.findById(id).lean().exec();
      if (!found) throw new SdxError('not-found', `no webhook ${id}`);
      await this.models.webhookEndpoints.updateOne({ _id: id, disabledAt: null }, { $set: { disabledAt: at } }).exec();
    });
  }

  /**
   * Leases due deliveries one `findOneAndUpdate` at a time: each repeats the whole claim condition,
   * so a row another dispatcher has just leased or rescheduled is never taken, and a dispatcher that
   * loses a row to another simply gets the next due one. The row comes back as updated, so its
   * attempt count is the current one.
   */
  claimDeliveries(now: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]> {
    return this.run(async () => {
      const claimed: ClaimedDelivery[] = [];
      for (let taken = 0; taken < limit; taken += 1) {
        const row = await claimQuery(this.models.webhookDeliveries, now, leaseUntil).lean<DeliveryRecord>().exec();
        if (!row) break;
        const endpoint = await this.models.webhookEndpoints.findById(row.endpointId).lean().exec();
        const event = await this.eventOf(row.documentId, row.seq);
        // Leased but unsendable (endpoint or event gone): left to its lease, as before.
        if (!endpoint || !event) continue;
        claimed.push({ ...toDelivery(row), url: endpoint.url, envelope: event.envelope, eventType: event.type });
      }
      return claimed;
    });
  }

  recordDeliveryAttempt(id: string, attempt: DeliveryAttempt): Promise<void> {
    return this.run(async () => {
      const result = await this.models.webhookDeliveries
        .updateOne(
          { _id: id },
          {
            $set: {
              status: attempt.status,
              lastAttemptAt: attempt.at,
              lastStatus: attempt.httpStatus,
              lastError: attempt.error,
              leaseUntil: null,
              ...(attempt.nextAttemptAt ? { nextAttemptAt: attempt.nextAttemptAt } : {}),
              ...(attempt.status === 'delivered' ? { deliveredAt: attempt.at } : {}),
            },
            $inc: { attempts: 1 },
          },
        )
        .exec();
      if (result.matchedCount === 0) throw new SdxError('not-found', `no delivery ${id}`);
    });
  }

  getDelivery(id: string): Promise<WebhookDelivery | undefined> {
    return this.run(async () => {
      const record = await this.models.webhookDeliveries.findById(id).lean().exec();
      return record ? toDelivery(record) : undefined;
    });
  }

  listDeliveries(endpointId: string, query: { status?: DeliveryStatus; limit: number }): Promise<WebhookDelivery[]> {
    return this.run(async () => {
      const limit = Math.max(1, Math.min(500, Math.floor(query.limit)));
      const records = await this.models.webhookDeliveries
        .find({ endpointId, ...(query.status ? { status: query.status } : {}) })
        .sort({ createdAt: -1, _id: 1 })
        .limit(limit)
        .lean()
        .exec();
      return records.map(toDelivery);
    });
  }

  /**
   * Updates first, on the condition that the delivery is not delivered, then reads: a delivery that
   * completes meanwhile is reported as delivered, never as pending.
   */
  redriveDelivery(id: string, now: string): Promise<WebhookDelivery> {
    return this.run(async () => {
      const redriven = await redriveQuery(this.models.webhookDeliveries, id, now).lean<DeliveryRecord>().exec();
      if (redriven) return toDelivery(redriven);
      const found = await this.models.webhookDeliveries.findById(id).lean().exec();
      if (!found) throw new SdxError('not-found', `no delivery ${id}`);
      throw new SdxError('already-delivered', `delivery ${id} was delivered at ${found.deliveredAt ?? ''}; nothing to redrive`);
    });
  }

  deliveryBacklog(): Promise<{ pending: number; dead: number }> {
    return this.run(async () => {
      const [pending, dead] = await Promise.all([
        this.models.webhookDeliveries.countDocuments({ status: 'pending' }).exec(),
        this.models.webhookDeliveries.countDocuments({ status: 'dead' }).exec(),
      ]);
      return { pending, dead };
    });
  }
}
