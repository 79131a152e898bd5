import { openEvent } from '../events/signed-event';
import type { ClaimedDelivery, DeliveryAttempt, WebhookStore } from '../ports/webhook-store.port';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signDelivery } from './webhook-signature';
import { RepeatingPass } from '../repeating-pass';

/**
 * Why a POST got no answer: the destination is not one SDX may reach (`refused-destination`, no
 * connection made), the receiver did not answer in time, or anything else on the way.
 */
export type PostFailure = 'refused-destination' | 'timeout' | 'connection-failed';

/** What one POST came to: the receiver's HTTP status (redirects are not followed), or a failure. */
export type PostResult = { status: number } | { failure: PostFailure };

/** Sends one POST, bounded by `timeoutMs`; it resolves in every case. */
export type HttpPost = (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<PostResult>;

/**
 * The outcome a delivery record keeps: `refused-destination`, `timeout`, `connection-failed` or
 * `http-<status>`, never an address or error text that would map the network behind the receiver.
 * Records written before outcomes were coarse are read through the same mapping.
 */
export function coarseOutcome(error: string | null): string | null {
  if (error === null || /^(refused-destination|timeout|connection-failed|http-[1-5]\d\d)$/.test(error)) return error;
  const http = /^HTTP (\d{3})$/.exec(error);
  if (http) return `http-${http[1]}`;
  return /timeout|abort/i.test(error) ? 'timeout' : 'connection-failed';
}

export interface DispatcherOptions {
  store: WebhookStore;
  post: HttpPost;
  /** The signing secret of an endpoint (derived, never stored). */
  secretFor: (endpointId: string) => string;
  clock: () => Date;
  random?: () => number;
  /** Attempts before a delivery is moved aside as dead. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  batchSize?: number;
  /** How long a claimed delivery stays with this dispatcher before another may take it. */
  leaseMs?: number;
  pollMs?: number;
}

/** The body a receiver gets: the event as signed by its actor, plus the fields it needs to route it. */
export function deliveryBody(delivery: Pick<ClaimedDelivery, 'documentId' | 'seq' | 'eventType' | 'envelope'>): string {
  let kind: string | undefined;
  let at: string | undefined;
  let actor: string | undefined;
  try {
    const { body } = openEvent(delivery.envelope);
    ({ kind, at } = body);
    actor = body.actor.partyId;
  } catch {
    // A stored envelope always opens; if one did not, the receiver still gets the raw JWS to judge.
  }
  return JSON.stringify({
    id: `${delivery.documentId}:${delivery.seq}`,
    type: delivery.eventType,
    documentId: delivery.documentId,
    seq: delivery.seq,
    ...(kind ? { kind } : {}),
    ...(at ? { at } : {}),
    ...(actor ? { actor } : {}),
    envelope: delivery.envelope,
  });
}

/**
 * Delivers the outbox: claims due deliveries, POSTs each signed, and records the outcome. Failures
 * wait an exponentially growing, fully jittered delay; after `maxAttempts` a delivery is dead until
 * redriven. Delivery is at least once: a crash between the POST and the record sends it again,
 * with the same event id.
 */
export class WebhookDispatcher {
  private readonly o: Required<Omit<DispatcherOptions, 'random'>> & { random: () => number };
  private readonly passes = new RepeatingPass();

  constructor(options: DispatcherOptions) {
    this.o = {
      maxAttempts: 8,
      baseDelayMs: 1000,
      maxDelayMs: 3_600_000,
      timeoutMs: 5000,
      batchSize: 20,
      leaseMs: 60_000,
      pollMs: 500,
      random: Math.random,
      ...options,
    };
  }

  /** The wait before attempt `attempts + 1`: full jitter over min(max, base · 2^attempts). */
  retryDelayMs(attempts: number): number {
    const ceiling = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(attempts, 30));
    return Math.max(this.o.baseDelayMs / 2, Math.floor(this.o.random() * ceiling));
  }

  /** One pass: returns how many deliveries it attempted. */
  async runOnce(): Promise<number> {
    const now = this.o.clock();
    const claimed = await this.o.store.claimDeliveries(now.toISOString(), new Date(now.getTime() + this.o.leaseMs).toISOString(), this.o.batchSize);
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    return claimed.length;
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const body = deliveryBody(delivery);
    const sentAt = this.o.clock();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'SDX-Webhooks/1',
      [EVENT_ID_HEADER]: `${delivery.documentId}:${delivery.seq}`,
      [SIGNATURE_HEADER]: signDelivery(this.o.secretFor(delivery.endpointId), body, Math.floor(sentAt.getTime() / 1000)),
    };
    let result: PostResult;
    try {
      result = await this.o.post(delivery.url, body, headers, this.o.timeoutMs);
    } catch {
      result = { failure: 'connection-failed' };
    }
    const status = 'status' in result ? result.status : null;
    const error = 'failure' in result ? result.failure : result.status >= 200 && result.status < 300 ? null : `http-${result.status}`;
    const at = this.o.clock();
    const attempts = delivery.attempts + 1;
    const outcome: DeliveryAttempt =
      error === null
        ? { at: at.toISOString(), status: 'delivered', httpStatus: status, error: null, nextAttemptAt: null }
        : attempts >= this.o.maxAttempts
          ? { at: at.toISOString(), status: 'dead', httpStatus: status, error, nextAttemptAt: null }
          : { at: at.toISOString(), status: 'pending', httpStatus: status, error, nextAttemptAt: new Date(at.getTime() + this.retryDelayMs(attempts - 1)).toISOString() };
    await this.o.store.recordDeliveryAttempt(delivery.id, outcome);
  }

  /** Polls until `stop`; a failing pass (store briefly down) is retried on the next tick, a full batch at once. */
  start(onError: (error: unknown) => void = () => undefined): void {
    this.passes.start(async () => ((await this.runOnce()) >= this.o.batchSize ? 0 : this.o.pollMs), onError, this.o.pollMs);
  }

  /** Stops polling and waits for the deliveries in flight to be recorded. */
  stop(): Promise<void> {
    return this.passes.stop();
  }
}
