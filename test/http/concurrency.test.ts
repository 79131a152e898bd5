import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { startTestApp, type TestApp } from '../support/test-app';
import { API, Client, P, expectChain, expectValidPdf, payloadOf, type DocumentBody, type PartyName } from './exchange-client';
import { tally, type Answer } from '../support/answer-tally';

let t: TestApp;
let c: Client;
let server: Server;
let base: string;
beforeAll(async () => {
  t = await startTestApp();
  c = new Client(t);
  // One listening server, so that parallel requests truly overlap inside one process.
  server = await new Promise<Server>((resolve) => {
    const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${API}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  expect(t.unexpected).toEqual([]);
  await t.close();
});

async function post(party: PartyName, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { authorization: c.auth(party), 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('one holder under concurrent requests', () => {
  it('20 simultaneous transfers of one D/O: exactly one succeeds, 19 get 409 concurrent-update, one transfer event', async () => {
    const d = await c.deliveryOrder();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(P.consignee, `/documents/${d.id}/events`, { type: 'transfer', to: P.forwarder })),
    );
    // All 20 read the D/O while the consignee held it; only the first commit can land on sequence 1.
    expect(tally(answers)).toEqual({ '200': 1, '409 concurrent-update': 19 });
    for (const a of answers.filter((x) => x.status === 409)) {
      expect(a.body).toMatchObject({ status: 409, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
    }
    const view = await c.document(P.forwarder, d.id);
    expect(view).toMatchObject({ status: 'transferred', holder: P.forwarder, sequence: 2 });
    expect(view.events.filter((e) => e.type === 'transfer')).toHaveLength(1);
    expectChain(view);
    await expectValidPdf(await c.pdf(P.forwarder, d.id), d.payloadHash);
  });

  it('a former holder who acts after its transfer landed is told the D/O changed (409), a never-holder 403', async () => {
    const d = await c.deliveryOrder();
    await c.acted(P.consignee, d.id, { type: 'transfer', to: P.forwarder });
    const late = await post(P.consignee, `/documents/${d.id}/events`, { type: 'transfer', to: P.haulierA });
    expect(late).toMatchObject({ status: 409, body: { code: 'concurrent-update' } });
    const never = await post(P.carrier, `/documents/${d.id}/events`, { type: 'transfer', to: P.haulierA });
    expect(never).toMatchObject({ status: 403, body: { code: 'not-holder' } });
    expect((await c.document(P.forwarder, d.id)).sequence).toBe(2);
  });

  it('20 simultaneous transfers to different parties: one new holder, the others 409', async () => {
    const d = await c.deliveryOrder();
    const targets: PartyName[] = [P.forwarder, P.haulierA, P.haulierB, P.shipper];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(P.consignee, `/documents/${d.id}/events`, { type: 'transfer', to: targets[i % targets.length] })),
    );
    expect(tally(answers)).toEqual({ '200': 1, '409 concurrent-update': 19 });
    const winner = answers.find((a) => a.status === 200)?.body as unknown as DocumentBody;
    const view = await c.document(winner.holder as PartyName, d.id);
    expect(view.holder).toBe(winner.holder);
    expect(view.events.filter((e) => e.type === 'transfer')).toHaveLength(1);
    expectChain(view);
  });

  it('10 simultaneous releases by the terminal: one release, the rest 409', async () => {
    const d = await c.deliveryOrder();
    await c.acted(P.consignee, d.id, { type: 'present', to: P.terminal });
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(P.terminal, `/documents/${d.id}/events`, { type: 'release' })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    // A request that read the D/O before the winner committed loses the race (concurrent-update);
    // one that read it after sees it released. Both say "no" with 409.
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a.status).toBe(409);
      expect(['concurrent-update', 'already-released']).toContain(a.body['code']);
    }
    const view = await c.document(P.terminal, d.id);
    expect(view.events.filter((e) => e.type === 'release')).toHaveLength(1);
    expectChain(view);
  });

  it('two D/Os naming one guarantee at once: one is issued, the other refused', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    await c.acted(P.agentPus, guarantee.id, { type: 'accept' });
    const telex = () =>
      payloadOf('delivery-order', (p) => {
        p['releaseBasis'] = { type: 'telex-release', guaranteeId: guarantee.id };
      });
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => post(P.agentSha, '/documents', { kind: 'delivery-order', payload: telex() })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect([
        '409 concurrent-update', // read the guarantee before the winner recorded its backing
        '422 guarantee-already-used', // read it after
      ]).toContain(`${a.status} ${String(a.body['code'])}`);
    }
    const listed = await c.get(P.agentSha, '/documents?kind=delivery-order&limit=200');
    const backed = (listed.body.items as { id: string }[]).filter((item) => answers.some((a) => a.body['id'] === item.id));
    expect(backed).toHaveLength(1);
    const history = await c.document(P.agentSha, guarantee.id);
    expect(history.events.filter((e) => e.type === 'backing-recorded')).toHaveLength(1);
    expectChain(history);
  });
});
