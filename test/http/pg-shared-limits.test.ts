// Two app instances on one PostgreSQL database, as two nodes behind a load balancer: the write
// rate limit and the sign-in throttle are one limit for both, not one per node.
import request from 'supertest';
import { PgStore } from '../../src/adapters/store/postgres/pg-store';
import { postLogin } from '../support/page-forms';
import { describeWithPostgres, freshDatabase, pgTestUrl } from '../support/postgres';
import { startTestAppOn, type TestAppOn } from '../support/test-app';

const BURST = 4;

describeWithPostgres('limits shared by two nodes on one PostgreSQL database', () => {
  let database: { url: string; drop(): Promise<void> };
  let nodes: TestAppOn<PgStore>[] = [];

  beforeAll(async () => {
    database = await freshDatabase(pgTestUrl ?? '');
    // A refill of one write per 1000 s: within the test only the burst is ever allowed.
    const env = { SDX_WRITE_RATE: '0.001', SDX_WRITE_BURST: String(BURST) };
    for (let i = 0; i < 2; i += 1) nodes.push(await startTestAppOn(await PgStore.open(database.url, { poolSize: 4 }), { env }));
  }, 60_000);

  afterAll(async () => {
    for (const node of nodes) {
      expect(node.unexpected).toEqual([]);
      await node.close();
    }
    nodes = [];
    await database?.drop();
  });

  it('when one API key sends 12 writes spread over both nodes at once, then exactly the burst passes and the rest are 429 with Retry-After', async () => {
    const key = nodes[0]?.keys['demo-consignee'] as string;
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        request((nodes[i % 2] as TestAppOn<PgStore>).app).post('/api/v1/webhooks').set('Authorization', `Bearer ${key}`).send({}),
      ),
    );
    const refused = answers.filter((res) => res.status === 429);
    // The writes that got a token reach the route and are refused there for their empty body.
    expect(answers.filter((res) => res.status !== 429).map((res) => res.status)).toEqual(Array(BURST).fill(422));
    expect(refused).toHaveLength(12 - BURST);
    for (const res of refused) {
      expect(res.body).toMatchObject({ code: 'rate-limited' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Another key has its own bucket, on either node.
    const other = nodes[1]?.keys['demo-forwarder'] as string;
    const fresh = await request((nodes[1] as TestAppOn<PgStore>).app).post('/api/v1/webhooks').set('Authorization', `Bearer ${other}`).send({});
    expect(fresh.status).toBe(422);
  });

  it('when a user fails three times on one node and twice on the other, then even the right password waits on both (429)', async () => {
    const [a, b] = nodes as [TestAppOn<PgStore>, TestAppOn<PgStore>];
    const login = (node: TestAppOn<PgStore>, password: string) => postLogin(request.agent(node.app), { userId: 'demo-depot-gate', password });
    for (const node of [a, b, a, b, a]) expect((await login(node, 'wrong-guess')).status).toBe(401);
    for (const node of [a, b]) {
      const locked = await login(node, 'sdx-demo');
      expect(locked.status).toBe(429);
      expect(locked.text).toContain('data-code="sign-in-locked"');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    }
    // Another user behind the same address signs in on either node.
    expect((await postLogin(request.agent(b.app), { userId: 'demo-terminal-gate', password: 'sdx-demo' })).status).toBe(303);
  });
});
