import { createHmac, randomUUID } from 'node:crypto';
import { actionInput } from '../action-input';
import type { Caller } from '../document-service';
import type { WebhookDelivery, WebhookEndpoint, WebhookStore, DeliveryStatus } from '../ports/webhook-store.port';
import { SdxError } from '../../domain/shared/errors';

/** Event types a webhook may ask for: issuing, every action, and expiry; or `*`. */
export const webhookEventTypes: readonly string[] = ['issue', 'expire', ...actionInput.options.map((option) => option.shape.type.value)];

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Literal addresses inside private, link-local (cloud metadata at 169.254.169.254) or unique-local
 * ranges: a webhook must not make SDX reach into its own network. Names that resolve there are not
 * caught here (that needs a check at connect time).
 */
function isPrivateAddress(hostname: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(hostname);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  const v6 = /^\[([0-9a-f:.]+)\]$/i.exec(hostname)?.[1]?.toLowerCase();
  return v6 !== undefined && v6 !== '::1' && (/^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || v6.startsWith('::ffff:') || v6 === '::');
}

/**
 * Registering and inspecting a party's webhooks. Endpoints must be https (plain http only to
 * loopback, for development); the signing secret is derived from the endpoint id, shown once.
 */
export class WebhookService {
  constructor(
    private readonly deps: { store: WebhookStore; secret: Uint8Array; clock: () => Date; allowHttp: boolean },
  ) {}

  secretFor(endpointId: string): string {
    return `whsec_${createHmac('sha256', this.deps.secret).update(endpointId, 'utf8').digest('base64url')}`;
  }

  async register(caller: Caller, input: unknown): Promise<WebhookEndpoint & { secret: string }> {
    const body = (typeof input === 'object' && input !== null ? input : {}) as { url?: unknown; eventTypes?: unknown };
    const url = this.checkedUrl(body.url);
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

  private checkedUrl(value: unknown): string {
    if (typeof value !== 'string' || value.length > 2000) throw new SdxError('webhook-url-invalid', 'url is an absolute https URL of at most 2000 characters');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new SdxError('webhook-url-invalid', 'url is not an absolute URL');
    }
    if (url.username || url.password) throw new SdxError('webhook-url-invalid', 'url must not carry credentials; deliveries are signed instead');
    if (isPrivateAddress(url.hostname)) throw new SdxError('webhook-url-invalid', 'url must not point into a private or link-local network');
    const plainAllowed = this.deps.allowHttp || LOOPBACK.has(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && plainAllowed)) {
      throw new SdxError('webhook-url-invalid', 'url must use https');
    }
    return url.toString();
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
    return this.deps.store.listDeliveries(id, { ...(query.status ? { status: query.status as DeliveryStatus } : {}), limit });
  }

  async redrive(caller: Caller, id: string, deliveryId: string): Promise<WebhookDelivery> {
    await this.own(caller, id);
    const delivery = await this.deps.store.getDelivery(deliveryId);
    if (!delivery || delivery.endpointId !== id) throw new SdxError('not-found', `no delivery ${deliveryId} for webhook ${id}`);
    return this.deps.store.redriveDelivery(deliveryId, this.deps.clock().toISOString());
  }
}
