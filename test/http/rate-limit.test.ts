import request from 'supertest';
import { generateApiKey, hashApiKey } from '../../src/application/api-keys';
import { openApiDocument } from '../../src/http/openapi';
import { TokenBuckets } from '../../src/http/rate-limit';
import { DEFAULT_WRITE_RATE_LIMIT, settingsOrThrow } from '../../src/settings';
import { storeSnapshot } from '../support/store-snapshot';
import { startTestApp, type TestApp } from '../support/test-app';
import { API, Client, P, expectProblem, expectStatus, payloadOf, photo, sha256Hex } from './exchange-client';

describe('token buckets', () => {
  let now = 0;
  const clock = () => now;

  it('allow a burst, then one write per 1/perSecond seconds, with the wait in whole seconds', () => {
    now = 0;
    const buckets = new TokenBuckets({ perSecond: 0.5, burst: 3 }, clock);
    expect([buckets.take('k'), buckets.take('k'), buckets.take('k')]).toEqual([0, 0, 0]);
    expect(buckets.take('k')).toBe(2);
    now += 1_000;
    expect(buckets.take('k')).toBe(1);
    now += 1_000;
    expect(buckets.take('k')).toBe(0);
    expect(buckets.take('k')).toBe(2);
  });

  it('never hold more than the burst, however long a key was idle', () => {
    now = 0;
    const buckets = new TokenBuckets({ perSecond: 10, burst: 2 }, clock);
    buckets.take('k');
    now += 3_600_000;
    expect([buckets.take('k'), buckets.take('k'), buckets.take('k')]).toEqual([0, 0, 1]);
  });

  it('are kept per key: one key at its limit leaves the others their full burst', () => {
    now = 0;
    const buckets = new TokenBuckets({ perSecond: 1, burst: 2 }, clock);
    buckets.take('a');
    buckets.take('a');
    expect(buckets.take('a')).toBe(1);
    expect([buckets.take('b'), buckets.take('b'), buckets.take('b')]).toEqual([0, 0, 1]);
  });

  it('a clock that steps back refills nothing and drains nothing', () => {
    now = 10_000;
    const buckets = new TokenBuckets({ perSecond: 1, burst: 1 }, clock);
    expect(buckets.take('k')).toBe(0);
    now = 0;
    expect(buckets.take('k')).toBe(1);
    now = 1_000;
    expect(buckets.take('k')).toBe(0);
  });

  it('keep at most maxKeys buckets, forgetting the least recently used', () => {
    now = 0;
    const buckets = new TokenBuckets({ perSecond: 1, burst: 1 }, clock, 100);
    buckets.take('busy');
    let largest = 0;
    const busyWaits = new Set<number>();
    for (let i = 0; i < 10_000; i += 1) {
      buckets.take(`key-${i}`);
      // Used all along, so never the least recently used: its empty bucket is remembered.
      if (i % 50 === 0) busyWaits.add(buckets.take('busy'));
      largest = Math.max(largest, buckets.size);
    }
    expect(largest).toBe(100);
    expect([...busyWaits]).toEqual([1]);
  });

  it('refuse a limit that would never allow a write', () => {
    expect(() => new TokenBuckets({ perSecond: 0, burst: 5 }, clock)).toThrow(/perSecond/);
    expect(() => new TokenBuckets({ perSecond: 1, burst: 0 }, clock)).toThrow(/burst/);
  });
});

describe('writes per API key over HTTP', () => {
  // One write per 10 s after a burst of 3: no refill can land inside the test.
  const limited = { SDX_WRITE_RATE: '0.1', SDX_WRITE_BURST: '3' };
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await startTestApp({ env: limited });
    c = new Client(t);
  });
  afterAll(async () => {
    expect(t.unexpected).toEqual([]);
    await t.close();
  });

  it('a key past its burst gets 429 rate-limited with Retry-After on every write route, and nothing is stored', async () => {
    const d = await c.deliveryOrder();
    // Three writes the service refuses anyway still use the consignee's burst.
    for (let i = 0; i < 3; i += 1) expectProblem(await c.act(P.consignee, d.id, { type: 7 }), 422, 'validation-failed');

    const before = await storeSnapshot(t.store);
    const jpeg = photo('gate-photo-front.jpg');
    const refused = [
      await c.act(P.consignee, d.id, { type: 'transfer', to: P.forwarder }),
      await c.issue(P.consignee, 'delivery-order', payloadOf('delivery-order')),
      await c.attach(P.consignee, d.id, jpeg, 'a.jpg', 'image/jpeg'),
    ];
    for (const res of refused) {
      expectProblem(res, 429, 'rate-limited');
      expect(res.body.title).toBe('Too Many Requests');
      const wait = Number(res.headers['retry-after']);
      expect(Number.isInteger(wait) && wait >= 1 && wait <= 10).toBe(true);
    }
    expect(await storeSnapshot(t.store)).toEqual(before);
    expect(await t.store.getBlob(sha256Hex(jpeg))).toBeUndefined();
    expect(await c.document(P.consignee, d.id)).toMatchObject({ status: 'issued', holder: P.consignee, sequence: 1 });
  });

  it('reads by the same key are not limited', async () => {
    const d = (await c.get(P.consignee, '/documents?limit=1')).body.items[0] as { id: string };
    for (let i = 0; i < 10; i += 1) {
      expectStatus(await c.get(P.consignee, `/documents/${d.id}`), 200);
      expectStatus(await c.get(P.consignee, '/documents'), 200);
      expectStatus(await c.get(P.consignee, '/log/tree-head'), 200);
    }
    expect((await c.pdf(P.consignee, d.id)).length).toBeGreaterThan(0);
  });

  it('another key, of another party or of the same user, still writes', async () => {
    const d = (await c.get(P.consignee, '/documents?limit=1')).body.items[0] as { id: string };
    expectStatus(await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order')), 201);

    const secondKey = generateApiKey();
    const user = (await t.store.findActiveApiKey(hashApiKey(t.keys[P.consignee] ?? '')))?.user;
    if (!user) throw new Error('the consignee demo key is not stored');
    await t.store.addApiKey({ id: 'key-second', userId: user.id, keyHash: hashApiKey(secondKey), label: 'second', createdAt: new Date().toISOString(), revokedAt: null });
    const moved = await request(t.app)
      .post(`${API}/documents/${d.id}/events`)
      .set('Authorization', `Bearer ${secondKey}`)
      .send({ type: 'transfer', to: P.forwarder });
    expectStatus(moved, 200);
    expect(moved.body).toMatchObject({ status: 'transferred', holder: P.forwarder });
    // The first key is still waiting.
    expectProblem(await c.act(P.consignee, d.id, { type: 'void', reason: 'x' }), 429, 'rate-limited');
  });

  it('requests without a valid key are 401 before any limit applies', async () => {
    for (let i = 0; i < 5; i += 1) {
      expectProblem(await request(t.app).post(`${API}/documents`).send({}), 401, 'missing-credentials');
      expectProblem(await request(t.app).post(`${API}/documents`).set('Authorization', 'Bearer sdx_nope').send({}), 401, 'invalid-credentials');
    }
  });
});

describe('configuration', () => {
  it('defaults to 20 writes a second with bursts of 60', () => {
    expect(DEFAULT_WRITE_RATE_LIMIT).toEqual({ perSecond: 20, burst: 60 });
    expect(settingsOrThrow().writeRateLimit).toEqual(DEFAULT_WRITE_RATE_LIMIT);
  });

  it('SDX_WRITE_RATE=0 turns the limit off', async () => {
    const t = await startTestApp({ env: { SDX_WRITE_RATE: '0', SDX_WRITE_BURST: '1' } });
    try {
      const c = new Client(t);
      const d = await c.deliveryOrder();
      for (let i = 0; i < 5; i += 1) expectProblem(await c.act(P.consignee, d.id, { type: 7 }), 422, 'validation-failed');
      expect(t.unexpected).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it.each([
    ['SDX_WRITE_RATE', 'fast', /SDX_WRITE_RATE must be writes per second/],
    ['SDX_WRITE_RATE', '-1', /SDX_WRITE_RATE must be/],
    ['SDX_WRITE_BURST', '0', /SDX_WRITE_BURST must be a whole number/],
    ['SDX_WRITE_BURST', '2.5', /SDX_WRITE_BURST must be/],
  ])('%s=%s stops start-up with a reason, before the store is used', (variable, value, reason) => {
    expect(() => settingsOrThrow({ [variable]: value })).toThrow(reason);
  });

  it('the OpenAPI document lists 429 with Retry-After for every POST under /api/v1 and the capped event stream, and for nothing else', () => {
    const doc = openApiDocument() as {
      paths: Record<string, Record<string, { responses: Record<string, { $ref?: string }> }>>;
      components: { responses: Record<string, { headers?: Record<string, unknown> }> };
    };
    const limited: string[] = [];
    const writes: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (operation.responses['429']) limited.push(`${method.toUpperCase()} ${path}`);
        if (method === 'post' && path.startsWith(`${API}/`)) writes.push(`POST ${path}`);
      }
    }
    expect(writes).toEqual(expect.arrayContaining(['POST /api/v1/documents', 'POST /api/v1/documents/{id}/attachments', 'POST /api/v1/documents/{id}/events']));
    expect(limited.sort()).toEqual([...writes, `GET ${API}/stream`].sort());
    expect(doc.components.responses['TooManyRequests']?.headers).toHaveProperty('Retry-After');
  });
});
