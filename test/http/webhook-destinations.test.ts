import { createServer, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { ResolveHost } from '../../src/application/ports/resolve-host.port';
import { expectDocumentedResponse } from '../support/openapi-responses';
import { startTestApp, type TestApp } from '../support/test-app';
import { Client, P, expectProblem } from './exchange-client';

jest.setTimeout(30_000);

/** DNS for the suite: names point wherever a test says, and can be re-pointed after registration. */
function fakeDns(): { names: Map<string, readonly string[]>; resolveHost: ResolveHost; asked: string[] } {
  const names = new Map<string, readonly string[]>();
  const asked: string[] = [];
  const resolveHost: ResolveHost = (hostname) => {
    asked.push(hostname);
    const found = names.get(hostname);
    return found ? Promise.resolve(found) : Promise.reject(Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' }));
  };
  return { names, resolveHost, asked };
}

/**
 * A receiver on loopback that counts TCP connections, not just requests: a refused delivery must
 * not even connect. `reply` answers each request (status and headers).
 */
async function listener(reply: () => { status: number; headers?: OutgoingHttpHeaders } = () => ({ status: 204 })) {
  let connections = 0;
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(String(req.url));
    req.resume();
    req.on('end', () => {
      const answer = reply();
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Fast attempts; a failed delivery waits a minute, so each pass below attempts each delivery once. */
const deliveryEnv = { SDX_WEBHOOK_TIMEOUT_MS: '1000', SDX_WEBHOOK_LEASE_MS: '2000', SDX_WEBHOOK_BASE_DELAY_MS: '60000' };

async function deliverDue(t: TestApp): Promise<void> {
  for (let round = 0; round < 10 && (await t.dispatcher.runOnce()) > 0; round += 1);
}

interface DeliveryView {
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}

async function deliveriesOf(c: Client, id: string): Promise<DeliveryView[]> {
  const res = await c.get(P.terminal, `/webhooks/${id}/deliveries`);
  expect(res.status).toBe(200);
  expectDocumentedResponse('/api/v1/webhooks/{id}/deliveries', 'get', res);
  return res.body.items as DeliveryView[];
}

/** Stops every endpoint of the terminal, so that one test's events reach only its own endpoints. */
async function disableAll(c: Client): Promise<void> {
  for (const endpoint of (await c.get(P.terminal, '/webhooks')).body.items as { id: string; disabledAt: string | null }[]) {
    if (endpoint.disabledAt === null) expect((await request(c.t.app).delete(`/api/v1/webhooks/${endpoint.id}`).set('Authorization', c.auth(P.terminal))).status).toBe(204);
  }
}

describe('webhook destinations in production (private networks closed)', () => {
  const dns = fakeDns();
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await startTestApp({ env: { SDX_WEBHOOK_ALLOW_PRIVATE: '0', ...deliveryEnv }, resolveHost: dns.resolveHost });
    c = new Client(t);
  });
  afterAll(async () => {
    expect(t.unexpected).toEqual([]);
    await t.close();
  });

  // Names an attacker points inside the network (nip.io answers with the address in the name).
  const pointedInside: Record<string, readonly string[]> = {
    '169.254.169.254.nip.io': ['169.254.169.254'],
    '127.0.0.1.nip.io': ['127.0.0.1'],
    'rebound.example': ['10.0.0.1'],
    'v6-inside.example': ['fd00::1'],
    'half-inside.example': ['93.184.215.14', '169.254.169.254'],
    'nat64-metadata.example': ['64:ff9b::a9fe:a9fe'],
    'mapped-loopback.example': ['::ffff:127.0.0.1'],
    'bench.example': ['198.18.0.1'],
    'cgnat.example': ['100.64.0.1'],
    'link-local-v6.example': ['fe80::1'],
  };

  const forbidden: readonly [url: string, why: string][] = [
    // Loopback, in every spelling the URL parser turns into 127.0.0.1 or ::1.
    ['https://127.0.0.1/hooks', 'loopback'],
    ['http://127.1/hooks', 'short loopback'],
    ['http://0x7f000001/hooks', 'hexadecimal loopback'],
    ['http://2130706433/hooks', 'decimal loopback'],
    ['http://0177.0.0.1/hooks', 'octal loopback'],
    ['https://[::1]/hooks', 'IPv6 loopback'],
    ['https://[::ffff:127.0.0.1]/hooks', 'IPv4-mapped loopback'],
    ['https://0.0.0.0/hooks', 'unspecified, which reaches the machine itself'],
    ['https://0/hooks', 'unspecified, short'],
    ['https://[::]/hooks', 'IPv6 unspecified'],
    // Private, shared and link-local networks.
    ['https://10.0.0.5/hooks', 'RFC 1918'],
    ['https://172.16.0.1/hooks', 'RFC 1918'],
    ['https://192.168.1.20/hooks', 'RFC 1918'],
    ['https://100.64.0.1/hooks', 'shared address space'],
    ['https://169.254.169.254/latest/meta-data', 'cloud metadata'],
    ['https://[fe80::1]/hooks', 'IPv6 link-local'],
    ['https://[fd00::1]/hooks', 'unique-local'],
    ['https://[fec0::1]/hooks', 'site-local'],
    // IPv4 inside IPv6.
    ['https://[::ffff:10.0.0.1]/hooks', 'IPv4-mapped private'],
    ['https://[64:ff9b::a9fe:a9fe]/hooks', 'NAT64 form of 169.254.169.254'],
    ['https://[64:ff9b:1::a9fe:a9fe]/hooks', 'local-use NAT64'],
    ['https://[::a9fe:a9fe]/hooks', 'IPv4-compatible form of 169.254.169.254'],
    ['https://[2002:a9fe:a9fe::1]/hooks', '6to4 around 169.254.169.254'],
    ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hooks', 'Teredo'],
    // Other special-purpose ranges.
    ['https://198.18.0.1/hooks', 'benchmarking'],
    ['https://[2001:2::1]/hooks', 'IPv6 benchmarking'],
    ['https://192.0.0.192/hooks', 'IETF protocol assignments'],
    ['https://192.0.2.1/hooks', 'documentation'],
    ['https://198.51.100.1/hooks', 'documentation'],
    ['https://203.0.113.1/hooks', 'documentation'],
    ['https://[2001:db8::1]/hooks', 'IPv6 documentation'],
    ['https://[3fff::1]/hooks', 'IPv6 documentation (RFC 9637)'],
    ['https://224.0.0.1/hooks', 'multicast'],
    ['https://[ff02::1]/hooks', 'IPv6 multicast'],
    ['https://255.255.255.255/hooks', 'broadcast'],
    ['https://240.0.0.1/hooks', 'reserved'],
    ['https://[100::1]/hooks', 'discard-only'],
    ['https://[2001:20::1]/hooks', 'ORCHIDv2'],
    // Names of the local network, refused without asking DNS.
    ['https://localhost/hooks', 'localhost'],
    ['https://localhost./hooks', 'localhost with a trailing dot'],
    ['https://app.localhost/hooks', 'a subdomain of localhost'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'cloud metadata by name'],
    ['https://metadata.google.internal./computeMetadata/v1/', 'cloud metadata by name, trailing dot'],
    ['https://db.internal/hooks', '.internal'],
    ['https://printer.local/hooks', 'mDNS'],
    ['https://metadata/hooks', 'a single label, completed by the resolver’s search domains'],
    // Names that resolve inside.
    ...Object.keys(pointedInside).map((name): [string, string] => [`https://${name}/hooks`, `resolves to ${pointedInside[name]?.join(', ')}`]),
  ];

  it('has a table of at least 30 forbidden forms, literals and names', () => {
    expect(forbidden.length).toBeGreaterThanOrEqual(30);
    expect(forbidden.filter(([url]) => /\/\/(\[|\d)/.test(url)).length).toBeGreaterThanOrEqual(30);
    expect(forbidden.filter(([url]) => /\/\/[a-z]/.test(url)).length).toBeGreaterThanOrEqual(15);
  });

  it.each(forbidden)('registering %s (%s) is refused with 422 webhook-destination-forbidden, storing nothing', async (url) => {
    for (const [name, addresses] of Object.entries(pointedInside)) dns.names.set(name, addresses);
    const before = (await c.get(P.terminal, '/webhooks')).body.items.length;
    const res = await c.post(P.terminal, '/webhooks', { url });
    expectProblem(res, 422, 'webhook-destination-forbidden');
    expectDocumentedResponse('/api/v1/webhooks', 'post', res);
    // The answer names no address a name resolved to.
    for (const address of Object.values(pointedInside).flat()) if (!url.includes(address)) expect(String(res.body.detail)).not.toContain(address);
    expect((await c.get(P.terminal, '/webhooks')).body.items.length).toBe(before);
  });

  it('names of the local network are refused without asking DNS', async () => {
    dns.asked.length = 0;
    for (const url of ['https://localhost./', 'https://metadata.google.internal/', 'https://db.internal/', 'https://metadata/']) {
      expectProblem(await c.post(P.terminal, '/webhooks', { url }), 422, 'webhook-destination-forbidden');
    }
    expect(dns.asked).toEqual([]);
  });

  it('a name whose every address is global passes, as do global literals and a name that does not resolve yet', async () => {
    dns.names.set('hooks.example.com', ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:c8d4']);
    for (const url of ['https://hooks.example.com/sdx', 'https://8.8.8.8/hooks', 'https://[2606:4700:4700::1111]/hooks', 'https://[64:ff9b::808:808]/hooks', 'https://not-yet-published.example/hooks']) {
      const res = await c.post(P.terminal, '/webhooks', { url });
      expect([url, res.status]).toEqual([url, 201]);
      expectDocumentedResponse('/api/v1/webhooks', 'post', res);
    }
    expect(dns.asked).toContain('hooks.example.com');
    await disableAll(c);
  });

  it('plain http is still refused beyond loopback', async () => {
    dns.names.set('hooks.example.com', ['93.184.215.14']);
    expectProblem(await c.post(P.terminal, '/webhooks', { url: 'http://hooks.example.com/sdx' }), 422, 'webhook-url-invalid');
    expectProblem(await c.post(P.terminal, '/webhooks', { url: 'http://8.8.8.8/sdx' }), 422, 'webhook-url-invalid');
  });

  it('a name re-pointed inside after registration is refused at delivery, inside the connection: no connection is made', async () => {
    const inside = await listener();
    try {
      // Each name passes registration pointing at a public address, then is re-pointed at the listener
      // (or another inside address); the delivery is refused before any socket opens.
      const repointed: Record<string, readonly string[]> = {
        'rebind-loopback.example': ['127.0.0.1'],
        'rebind-mapped.example': ['::ffff:127.0.0.1'],
        'rebind-unspecified.example': ['0.0.0.0'],
        'rebind-v6-loopback.example': ['::1'],
        'rebind-private.example': ['10.0.0.1'],
        'rebind-metadata.example': ['169.254.169.254'],
        'rebind-nat64.example': ['64:ff9b::a9fe:a9fe'],
        'rebind-second.example': ['93.184.215.14', '127.0.0.1'],
        'rebind-first.example': ['127.0.0.1', '93.184.215.14'],
      };
      const endpoints: string[] = [];
      for (const name of Object.keys(repointed)) {
        dns.names.set(name, ['93.184.215.14']);
        const res = await c.post(P.terminal, '/webhooks', { url: `https://${name}:${inside.port}/hooks`, eventTypes: ['issue'] });
        expect(res.status).toBe(201);
        endpoints.push(String(res.body.id));
      }
      for (const [name, addresses] of Object.entries(repointed)) dns.names.set(name, addresses);
      await c.issued(P.terminal, 'eir');
      await deliverDue(t);
      for (const id of endpoints) {
        expect(await deliveriesOf(c, id)).toEqual([expect.objectContaining({ status: 'pending', attempts: 1, lastStatus: null, lastError: 'refused-destination' })]);
      }
      expect(inside.connections()).toBe(0);
    } finally {
      await inside.close();
      await disableAll(c);
    }
  });

  it('an endpoint stored before the rule, with a literal loopback URL, is refused at delivery', async () => {
    const inside = await listener();
    try {
      const id = 'wh-stored-before-the-rule';
      await t.store.webhooks.addWebhookEndpoint({ id, partyId: P.terminal, url: inside.url, eventTypes: ['issue'], createdAt: new Date().toISOString(), disabledAt: null });
      await c.issued(P.terminal, 'eir');
      await deliverDue(t);
      expect(await deliveriesOf(c, id)).toEqual([expect.objectContaining({ lastStatus: null, lastError: 'refused-destination' })]);
      expect(inside.connections()).toBe(0);
    } finally {
      await inside.close();
      await disableAll(c);
    }
  });
});

describe('webhook destinations in development (SDX_WEBHOOK_ALLOW_PRIVATE=1)', () => {
  const dns = fakeDns();
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await startTestApp({ env: { SDX_WEBHOOK_ALLOW_PRIVATE: '1', SDX_WEBHOOK_ALLOW_HTTP: '1', ...deliveryEnv }, resolveHost: dns.resolveHost });
    c = new Client(t);
  });
  afterAll(async () => {
    expect(t.unexpected).toEqual([]);
    await t.close();
  });

  it('loopback and private destinations register; link-local and the other special ranges still do not', async () => {
    for (const url of ['http://127.0.0.1:9/hooks', 'http://127.1:9/hooks', 'https://[::1]/hooks', 'https://10.0.0.5/hooks', 'https://192.168.1.20/hooks', 'https://[fd00::1]/hooks']) {
      expect([url, (await c.post(P.terminal, '/webhooks', { url })).status]).toEqual([url, 201]);
    }
    for (const url of ['https://169.254.169.254/', 'https://[fe80::1]/', 'https://100.64.0.1/', 'https://0.0.0.0/', 'https://[64:ff9b::a9fe:a9fe]/', 'https://localhost/']) {
      expectProblem(await c.post(P.terminal, '/webhooks', { url }), 422, 'webhook-destination-forbidden');
    }
    await disableAll(c);
  });

  it('a name with one forbidden address among loopback ones is refused at delivery, though the loopback listener could have taken it', async () => {
    const inside = await listener();
    try {
      const forbiddenAddresses = ['169.254.169.254', '100.64.0.1', '0.0.0.0', '198.18.0.1', '192.0.0.192', '224.0.0.1', '255.255.255.255', 'fe80::1', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1', '2001:db8::1'];
      const refused: string[] = [];
      for (const [i, address] of forbiddenAddresses.entries()) {
        const name = `mixed-${i}.example`;
        const res = await c.post(P.terminal, '/webhooks', { url: `http://${name}:${inside.port}/hooks`, eventTypes: ['issue'] });
        expect(res.status).toBe(201);
        refused.push(String(res.body.id));
        // Loopback first: a connection that skipped the check would reach the listener.
        dns.names.set(name, ['127.0.0.1', address]);
      }
      // The control: a name that resolves to loopback alone is delivered through the same lookup.
      dns.names.set('loopback-only.example', ['127.0.0.1']);
      const control = await c.post(P.terminal, '/webhooks', { url: `http://loopback-only.example:${inside.port}/hooks`, eventTypes: ['issue'] });
      expect(control.status).toBe(201);
      await c.issued(P.terminal, 'eir');
      await deliverDue(t);
      for (const id of refused) expect(await deliveriesOf(c, id)).toEqual([expect.objectContaining({ lastStatus: null, lastError: 'refused-destination' })]);
      expect(await deliveriesOf(c, String(control.body.id))).toEqual([expect.objectContaining({ status: 'delivered', lastStatus: 204, lastError: null })]);
      expect(inside.requests).toEqual(['/hooks']);
      expect(inside.connections()).toBe(1);
    } finally {
      await inside.close();
      await disableAll(c);
    }
  });

  it('a redirect is not followed: the receiver’s 302 is the outcome, and its target hears nothing', async () => {
    const target = await listener();
    const redirecting = await listener(() => ({ status: 302, headers: { location: target.url } }));
    try {
      const res = await c.post(P.terminal, '/webhooks', { url: redirecting.url, eventTypes: ['issue'] });
      expect(res.status).toBe(201);
      await c.issued(P.terminal, 'eir');
      await deliverDue(t);
      expect(redirecting.requests).toEqual(['/hooks']);
      expect(target.connections()).toBe(0);
      expect(await deliveriesOf(c, String(res.body.id))).toEqual([expect.objectContaining({ status: 'pending', lastStatus: 302, lastError: 'http-302' })]);
    } finally {
      await target.close();
      await redirecting.close();
      await disableAll(c);
    }
  });

  it('a delivery record keeps a coarse outcome, never an address or error text', async () => {
    const closed = await listener();
    await closed.close();
    try {
      const gone = await c.post(P.terminal, '/webhooks', { url: closed.url, eventTypes: ['issue'] });
      const unknown = await c.post(P.terminal, '/webhooks', { url: 'http://nowhere.example:9/hooks', eventTypes: ['issue'] });
      await c.issued(P.terminal, 'eir');
      await deliverDue(t);
      const outcomes = [...(await deliveriesOf(c, String(gone.body.id))), ...(await deliveriesOf(c, String(unknown.body.id)))];
      expect(outcomes.map((d) => d.lastError)).toEqual(['connection-failed', 'connection-failed']);
    } finally {
      await disableAll(c);
    }
  });

  it('records from before coarse outcomes are listed coarse', async () => {
    const res = await c.post(P.terminal, '/webhooks', { url: 'http://127.0.0.1:9/hooks', eventTypes: ['issue'] });
    const id = String(res.body.id);
    await c.issued(P.terminal, 'eir');
    await disableAll(c);
    const [delivery] = await t.store.webhooks.listDeliveries(id, { limit: 1 });
    if (!delivery) throw new Error('no delivery');
    const at = new Date().toISOString();
    for (const [old, coarse] of [
      ['TypeError: fetch failed (ECONNREFUSED)', 'connection-failed'],
      ['TimeoutError: The operation was aborted due to timeout', 'timeout'],
      ['HTTP 503', 'http-503'],
      ['Error: connect ECONNREFUSED 10.1.2.3:8443', 'connection-failed'],
    ] as const) {
      await t.store.webhooks.recordDeliveryAttempt(delivery.id, { at, status: 'pending', httpStatus: null, error: old, nextAttemptAt: at });
      expect((await deliveriesOf(c, id))[0]?.lastError).toBe(coarse);
    }
  });
});
