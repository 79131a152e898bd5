import { noticeEventTypes } from '../../domain/federation/peer-notices';
import { createHmac, randomUUID } from 'node:crypto';
import { actionInput } from '../action-input';
import { systemEventTypes } from '../../domain/document/lifecycle';
import type { Caller } from '../document-service';
import type { WebhookDelivery, WebhookEndpoint, WebhookStore, DeliveryStatus } from '../ports/webhook-store.port';
import { coarseOutcome } from './webhook-dispatcher';
import type { ResolveHost } from '../ports/resolve-host.port';
import { SdxError } from '../../domain/shared/errors';
import { parseIp } from '../../domain/network/ip-address';
import { addressRange } from '../../domain/network/special-purpose-address.rule';
import { addressPermitted, hostNameForbidden, type DestinationPolicy } from '../../domain/network/destination.rule';

/** Event types a webhook may ask for: issuing, every action, expiry, SDX's own events (archive renewals); or `*`. */
export const webhookEventTypes: readonly string[] = [
  'issue',
  'expire',
  ...actionInput.options.map((option) => option.shape.type.value),
  ...systemEventTypes,
  // Between platforms: received here, received there (signed receipt), refused there, released, decided or used there.
  'transfer-in',
  'transferred-out',
  'transfer-refused',
  ...noticeEventTypes,
];

/** How long registration waits for a name to resolve before leaving the check to delivery. */
const RESOLVE_TIMEOUT_MS = 3000;

/**
 * Registering and inspecting a party's webhooks. Endpoints must be https (plain http only to
 * loopback, for development) and reach globally routable addresses only (see `checkDestination`);
 * the signing secret is derived from the endpoint id, shown once.
 */
export class WebhookService {
  constructor(
    private readonly deps: {
      store: WebhookStore;
      secret: Uint8Array;
      clock: () => Date;
      allowHttp: boolean;
      destinations: DestinationPolicy;
      resolveHost: ResolveHost;
      resolveTimeoutMs?: number;
    },
  ) {}

  secretFor(endpointId: string): string {
    return `whsec_${createHmac('sha256', this.deps.secret).update(endpointId, 'utf8').digest('base64url')}`;
  }

  async register(caller: Caller, input: unknown): Promise<WebhookEndpoint & { secret: string }> {
    const body = (typeof input === 'object' && input !== null ? input : {}) as { url?: unknown; eventTypes?: unknown };
    const url = await this.checkedUrl(body.url);
    const eventTypes = body.eventTypes === undefined ? ['*'] : body.eventTypes;
    if (
      !Array.isArray(eventTypes) ||
      eventTypes.length === 0 ||
      eventTypes.length > webhookEventTypes.length ||
      !eventTypes.every((type): type is string => typeof type === 'string' && (type === '*' || webhookEventTypes.includes(type)))
    ) {
      throw new SdxError('validation-failed', `eventTypes is a non-empty list of "*" or ${webhookEventTypes.join(', ')}`);
    }
    const extra = Object.keys(body).filter((key) => key !== 'url' && key !== 'eventTypes');
    if (extra.length > 0) throw new SdxError('validation-failed', `unknown field ${extra[0]}`);
    const endpoint: WebhookEndpoint = {
      id: `wh-${randomUUID()}`,
      partyId: caller.partyId,
      url,
      eventTypes: eventTypes.includes('*') ? ['*'] : [...new Set(eventTypes)],
      createdAt: this.deps.clock().toISOString(),
      disabledAt: null,
    };
    await this.deps.store.addWebhookEndpoint(endpoint);
    return { ...endpoint, secret: this.secretFor(endpoint.id) };
  }

  private async checkedUrl(value: unknown): Promise<string> {
    if (typeof value !== 'string' || value.length > 2000) throw new SdxError('webhook-url-invalid', 'url is an absolute https URL of at most 2000 characters');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new SdxError('webhook-url-invalid', 'url is not an absolute URL');
    }
    if (url.username || url.password) throw new SdxError('webhook-url-invalid', 'url must not carry credentials; deliveries are signed instead');
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SdxError('webhook-url-invalid', 'url must use https');
    await this.checkDestination(url.hostname);
    const plainAllowed = this.deps.allowHttp || addressRange(url.hostname) === 'loopback';
    if (url.protocol === 'http:' && !plainAllowed) throw new SdxError('webhook-url-invalid', 'url must use https');
    return url.toString();
  }

  /**
   * A literal address must be globally routable (or, with private destinations allowed, loopback or
   * private); a name must not be one that means the local network, and every address it resolves to
   * now must pass the same test. A name that does not resolve yet is accepted: delivery resolves it
   * again inside each connection and refuses it there. The refusal names no resolved address.
   */
  private async checkDestination(hostname: string): Promise<void> {
    const policy = this.deps.destinations;
    const literal = parseIp(hostname);
    if (literal) {
      if (addressPermitted(literal, policy)) return;
      throw new SdxError('webhook-destination-forbidden', `url points to a ${addressRange(literal)} address; webhooks reach globally routable addresses only`);
    }
    if (hostNameForbidden(hostname)) {
      throw new SdxError('webhook-destination-forbidden', 'url names a host of the local network (localhost, .internal, .local, a single label); use a public name');
    }
    const addresses = await this.resolved(hostname);
    if (addresses.some((address) => !addressPermitted(address, policy))) {
      throw new SdxError('webhook-destination-forbidden', 'url names a host that resolves to an address that is not globally routable');
    }
  }

  /** The name's addresses, or none when it does not resolve within the bound. */
  private async resolved(hostname: string): Promise<readonly string[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<readonly string[]>((done) => {
      timer = setTimeout(() => done([]), this.deps.resolveTimeoutMs ?? RESOLVE_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.deps.resolveHost(hostname).catch(() => []), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async list(caller: Caller): Promise<WebhookEndpoint[]> {
    return this.deps.store.listWebhookEndpoints(caller.partyId);
  }

  /** Another party's endpoint is reported as not found, like another party's document. */
  async own(caller: Caller, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.deps.store.getWebhookEndpoint(id);
    if (!endpoint || endpoint.partyId !== caller.partyId) throw new SdxError('not-found', `no webhook ${id}`);
    return endpoint;
  }

  async disable(caller: Caller, id: string): Promise<void> {
    await this.own(caller, id);
    await this.deps.store.disableWebhookEndpoint(id, this.deps.clock().toISOString());
  }

  async deliveries(caller: Caller, id: string, query: { status?: unknown; limit?: unknown }): Promise<WebhookDelivery[]> {
    await this.own(caller, id);
    const statuses: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead'];
    if (query.status !== undefined && !statuses.includes(query.status as DeliveryStatus)) {
      throw new SdxError('validation-failed', 'status is pending, delivered or dead');
    }
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500) throw new SdxError('validation-failed', 'limit is a whole number from 1 to 500');
    const deliveries = await this.deps.store.listDeliveries(id, { ...(query.status ? { status: query.status as DeliveryStatus } : {}), limit });
    return deliveries.map(withCoarseOutcome);
  }

  async redrive(caller: Caller, id: string, deliveryId: string): Promise<WebhookDelivery> {
    await this.own(caller, id);
    const delivery = await this.deps.store.getDelivery(deliveryId);
    if (!delivery || delivery.endpointId !== id) throw new SdxError('not-found', `no delivery ${deliveryId} for webhook ${id}`);
    return withCoarseOutcome(await this.deps.store.redriveDelivery(deliveryId, this.deps.clock().toISOString()));
  }
}

/** Older records kept error text; a caller sees only the coarse outcome. */
function withCoarseOutcome(delivery: WebhookDelivery): WebhookDelivery {
  return { ...delivery, lastError: coarseOutcome(delivery.lastError) };
}
