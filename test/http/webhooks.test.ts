import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { openEvent } from '../../src/application/events/signed-event';
import { checkDeliverySignature, signDelivery } from '../../src/application/webhooks/webhook-signature';
import { startTestApp, type TestApp } from '../support/test-app';
import { Client, P, expectProblem } from './exchange-client';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook receiver on loopback that answers with `reply` (or never, for a hanging one). */
async function receiver(reply: () => number | 'hang'): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = reply();
      if (status !== 'hang') res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let t: TestApp;
let c: Client;
beforeAll(async () => {
  t = await startTestApp({ env: { SDX_WEBHOOK_TIMEOUT_MS: '300', SDX_WEBHOOK_LEASE_MS: '1000', SDX_WEBHOOK_MAX_ATTEMPTS: '3', SDX_WEBHOOK_BASE_DELAY_MS: '10' } });
  c = new Client(t);
});
afterAll(async () => {
  expect(t.unexpected).toEqual([]);
  await t.close();
});

async function register(party: Parameters<Client['post']>[0], url: string, eventTypes?: string[]): Promise<{ id: string; secret: string }> {
  const res = await c.post(party, '/webhooks', { url, ...(eventTypes ? { eventTypes } : {}) });
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string };
}

/** Runs dispatcher passes until nothing is due or `rounds` pass, waiting out retry delays. */
async function drain(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    await t.dispatcher.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
}

describe('webhooks', () => {
  it('a party’s receiver gets each event of its documents once, signed, with a stable event id and the signed event', async () => {
    const hook = await receiver(() => 204);
    try {
      const endpoint = await register(P.consignee, hook.url);
      expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      const order = await c.deliveryOrder();
      await c.acted(P.consignee, order.id, { type: 'transfer', to: P.forwarder });
      await drain(3);
      expect(hook.received).toHaveLength(2);
      const [issued, transferred] = hook.received.map((r) => ({ ...r, json: JSON.parse(r.body) as Record<string, unknown> }));
      expect(issued?.json).toMatchObject({ id: `${order.id}:1`, type: 'issue', documentId: order.id, seq: 1, kind: 'delivery-order', actor: P.agentSha });
      expect(transferred?.json).toMatchObject({ id: `${order.id}:2`, type: 'transfer', seq: 2 });
      expect(transferred?.headers['sdx-event-id']).toBe(`${order.id}:2`);
      const now = Math.floor(Date.now() / 1000);
      for (const r of hook.received) {
        expect(checkDeliverySignature(endpoint.secret, r.body, String(r.headers['sdx-signature']), now)).toBe('valid');
        expect(checkDeliverySignature(endpoint.secret, r.body.replace('"seq":', '"seq": '), String(r.headers['sdx-signature']), now)).toBe('mismatch');
        expect(checkDeliverySignature('whsec_other', r.body, String(r.headers['sdx-signature']), now)).toBe('mismatch');
        expect(checkDeliverySignature(endpoint.secret, r.body, String(r.headers['sdx-signature']), now + 3600)).toBe('stale');
        // The envelope is the event as its actor signed it: a receiver can check it without trusting us.
        expect(openEvent(String(JSON.parse(r.body).envelope)).body.documentId).toBe(order.id);
      }
      const deliveries = await c.get(P.consignee, `/webhooks/${endpoint.id}/deliveries`);
      expect(deliveries.body.items).toHaveLength(2);
      expect(deliveries.body.items[0]).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 204 });
      // A forwarder's receiver hears nothing of a document before it takes part.
    } finally {
      await hook.close();
    }
  });

  it('a failing receiver is retried with backoff, set aside as dead after the last attempt, and redriven on request', async () => {
    let status = 500;
    const hook = await receiver(() => status);
    try {
      const endpoint = await register(P.terminal, hook.url, ['issue']);
      await c.issued(P.terminal, 'eir');
      await drain(15);
      expect(hook.received).toHaveLength(3);
      const dead = await c.get(P.terminal, `/webhooks/${endpoint.id}/deliveries?status=dead`);
      expect(dead.body.items).toEqual([expect.objectContaining({ status: 'dead', attempts: 3, lastStatus: 500, lastError: 'http-500' })]);
      // Each retry waited longer than the previous one's floor (jittered exponential backoff).
      status = 200;
      const redriven = await c.post(P.terminal, `/webhooks/${endpoint.id}/deliveries/${dead.body.items[0].id}/redrive`);
      expect(redriven.body).toMatchObject({ status: 'pending', attempts: 0 });
      await drain(2);
      expect(hook.received).toHaveLength(4);
      const after = await c.get(P.terminal, `/webhooks/${endpoint.id}/deliveries?status=delivered`);
      expect(after.body.items).toHaveLength(1);
      expectProblem(await c.post(P.terminal, `/webhooks/${endpoint.id}/deliveries/${dead.body.items[0].id}/redrive`), 409, 'already-delivered');
    } finally {
      await hook.close();
    }
  });

  it('a hanging receiver costs one timeout per attempt and does not hold up other receivers', async () => {
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver(() => 200);
    try {
      const slow = await register(P.haulierA, hanging.url);
      await register(P.terminal, healthy.url);
      await c.issued(P.terminal, 'eir');
      const started = Date.now();
      await t.dispatcher.runOnce();
      expect(Date.now() - started).toBeLessThan(3000);
      expect(healthy.received.length).toBeGreaterThanOrEqual(1);
      const pending = await c.get(P.haulierA, `/webhooks/${slow.id}/deliveries`);
      expect(pending.body.items[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null });
      expect(pending.body.items[0].lastError).toBe('timeout');
    } finally {
      await hanging.close();
      await healthy.close();
    }
  });

  it('endpoints are the registering party’s own; bad registrations are refused with a reason and store nothing', async () => {
    const endpoint = await register(P.forwarder, 'https://forwarder.example/hooks', ['transfer', 'release']);
    expect((await c.get(P.forwarder, '/webhooks')).body.items.map((e: { id: string }) => e.id)).toContain(endpoint.id);
    expect((await c.get(P.forwarder, `/webhooks/${endpoint.id}`)).body).not.toHaveProperty('secret');
    expectProblem(await c.get(P.consignee, `/webhooks/${endpoint.id}`), 404, 'not-found');
    expectProblem(await c.get(P.consignee, `/webhooks/${endpoint.id}/deliveries`), 404, 'not-found');
    expect((await request(t.app).delete(`/api/v1/webhooks/${endpoint.id}`).set('Authorization', c.auth(P.consignee))).status).toBe(404);
    const before = (await c.get(P.forwarder, '/webhooks')).body.items.length;
    for (const [body, code] of [
      [{ url: 'http://forwarder.example/hooks' }, 'webhook-url-invalid'],
      [{ url: 'https://user:pw@forwarder.example/hooks' }, 'webhook-url-invalid'],
      [{ url: 'ftp://forwarder.example/' }, 'webhook-url-invalid'],
      [{ url: 'not a url' }, 'webhook-url-invalid'],
      // Private networks are open in tests (SDX_WEBHOOK_ALLOW_PRIVATE=1); link-local never is. The
      // production rule is test/http/webhook-destinations.test.ts.
      [{ url: 'https://169.254.169.254/latest/meta-data' }, 'webhook-destination-forbidden'],
      [{ url: 'https://localhost/hooks' }, 'webhook-destination-forbidden'],
      [{ url: 'https://forwarder.example/', eventTypes: ['teleport'] }, 'validation-failed'],
      [{ url: 'https://forwarder.example/', eventTypes: [] }, 'validation-failed'],
      [{ url: 'https://forwarder.example/', surprise: 1 }, 'validation-failed'],
    ] as const) {
      expectProblem(await c.post(P.forwarder, '/webhooks', body), 422, code);
    }
    expect((await c.get(P.forwarder, '/webhooks')).body.items.length).toBe(before);
    expect((await request(t.app).delete(`/api/v1/webhooks/${endpoint.id}`).set('Authorization', c.auth(P.forwarder))).status).toBe(204);
    expect((await c.get(P.forwarder, `/webhooks/${endpoint.id}`)).body.disabledAt).not.toBeNull();
  });
});

describe('delivery signatures', () => {
  it('sign and check agree; a malformed header is refused', () => {
    const body = '{"id":"doc-1:1"}';
    const header = signDelivery('whsec_test', body, 1_790_000_000);
    expect(checkDeliverySignature('whsec_test', body, header, 1_790_000_100)).toBe('valid');
    for (const bad of [undefined, '', 'v1=abc', `t=1,v1=${'g'.repeat(64)}`]) expect(checkDeliverySignature('whsec_test', body, bad, 1_790_000_000)).toBe('malformed');
  });
});
