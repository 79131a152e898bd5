import type { PartyId } from '../../domain/party/party';

/**
 * A party's webhook: where to POST the events of the documents it takes part in. The secret that
 * signs deliveries is not stored: it is derived from the endpoint id under a deployment secret.
 */
export interface WebhookEndpoint {
  id: string;
  partyId: PartyId;
  url: string;
  /** Event types to deliver (`issue`, `transfer`, ...), or `['*']` for all. */
  eventTypes: string[];
  createdAt: string;
  disabledAt: string | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/** One event for one endpoint: an outbox row, written in the event's own transaction. */
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  documentId: string;
  seq: number;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastAttemptAt: string | null;
  /** HTTP status of the last attempt; null when it got no answer. */
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** A due delivery, leased to one dispatcher, with what it needs to send it. */
export interface ClaimedDelivery extends WebhookDelivery {
  url: string;
  envelope: string;
  eventType: string;
}

export interface DeliveryAttempt {
  at: string;
  status: DeliveryStatus;
  httpStatus: number | null;
  error: string | null;
  /** When to try again; for a pending outcome only. */
  nextAttemptAt: string | null;
}

/**
 * The outbox part of the store. Guarantees (proven by the contract suite):
 * - `commit` MUST add one pending delivery per (event, active endpoint of a party taking part in the
 *   document after the change, whose event types match) in the same transaction as the event.
 * - `claimDeliveries` MUST hand a due delivery to one claimant only until `leaseUntil` passes.
 * - Endpoint ids are unique (`store-conflict`); unknown ids are `not-found`.
 */
export interface WebhookStore {
  addWebhookEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  getWebhookEndpoint(id: string): Promise<WebhookEndpoint | undefined>;
  listWebhookEndpoints(partyId: PartyId): Promise<WebhookEndpoint[]>;
  disableWebhookEndpoint(id: string, at: string): Promise<void>;
  /** Pending deliveries due at `now` and not leased, oldest first, leased until `leaseUntil`. */
  claimDeliveries(now: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]>;
  recordDeliveryAttempt(id: string, attempt: DeliveryAttempt): Promise<void>;
  getDelivery(id: string): Promise<WebhookDelivery | undefined>;
  listDeliveries(endpointId: string, query: { status?: DeliveryStatus; limit: number }): Promise<WebhookDelivery[]>;
  /** Makes a delivery due again now with a fresh attempt count (dead ones included). */
  redriveDelivery(id: string, now: string): Promise<WebhookDelivery>;
  deliveryBacklog(): Promise<{ pending: number; dead: number }>;
}
