import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { TestApp } from '../support/test-app';
import { API, Client, P, expectProblem, expectStatus, expectValidPdf, payloadOf, type DocumentBody, type PartyName, useExchange } from './exchange-client';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});

async function documentIds(party: PartyName): Promise<string[]> {
  const res = await c.get(party, '/documents?limit=200');
  expectStatus(res, 200);
  return (res.body.items as { id: string }[]).map((i) => i.id);
}

describe('Idempotency-Key on POST /documents', () => {
  it('a repeat with the same key and body returns the first document and creates nothing', async () => {
    const payload = payloadOf('delivery-order');
    const before = await documentIds(P.agentSha);
    const first = await c.issue(P.agentSha, 'delivery-order', payload, { 'Idempotency-Key': 'do-000123-a' });
    expectStatus(first, 201);
    const repeat = await c.issue(P.agentSha, 'delivery-order', payload, { 'Idempotency-Key': 'do-000123-a' });
    expectStatus(repeat, 201);
    expect(repeat.body.id).toBe(first.body.id);
    expect(repeat.body.sequence).toBe(1);
    expect(repeat.body.events).toEqual(first.body.events);
    expect(repeat.headers['location']).toBe(first.headers['location']);

    const after = await documentIds(P.agentSha);
    expect(after.filter((id) => !before.includes(id))).toEqual([first.body.id]);
    await expectValidPdf(await c.pdf(P.agentSha, first.body.id), first.body.payloadHash);
  });

  it('the same payload with its fields in another order is the same request', async () => {
    const payload = payloadOf('delivery-order');
    const reordered = Object.fromEntries(Object.entries(payload).reverse());
    const first = await c.issue(P.agentSha, 'delivery-order', payload, { 'Idempotency-Key': 'reordered' });
    const repeat = await c.issue(P.agentSha, 'delivery-order', reordered, { 'Idempotency-Key': 'reordered' });
    expectStatus(repeat, 201);
    expect(repeat.body.id).toBe(first.body.id);
  });

  it('the same key with a different body is 422 idempotency-key-reused and creates nothing', async () => {
    const first = await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order'), { 'Idempotency-Key': 'reused-key' });
    expectStatus(first, 201);
    const before = await documentIds(P.agentSha);
    const other = await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order'), { 'Idempotency-Key': 'reused-key' });
    expectProblem(other, 422, 'idempotency-key-reused');
    const otherKind = await c.issue(P.agentSha, 'eir', payloadOf('eir'), { 'Idempotency-Key': 'reused-key' });
    expectProblem(otherKind, 422, 'idempotency-key-reused');
    const invalid = await c.issue(P.agentSha, 'delivery-order', { nonsense: true }, { 'Idempotency-Key': 'reused-key' });
    expectProblem(invalid, 422, 'idempotency-key-reused');
    expect(await documentIds(P.agentSha)).toEqual(before);
  });

  it('keys belong to the party: another party using the same key gets its own document', async () => {
    const payload = payloadOf('delivery-order');
    const byAgent = await c.issue(P.agentSha, 'delivery-order', payload, { 'Idempotency-Key': 'shared-key' });
    const byCarrier = await c.issue(P.carrier, 'delivery-order', payload, { 'Idempotency-Key': 'shared-key' });
    expectStatus(byAgent, 201);
    expectStatus(byCarrier, 201);
    expect(byCarrier.body.id).not.toBe(byAgent.body.id);
    expect(byCarrier.body.issuer).toBe(P.carrier);
  });

  it('a refused issue does not burn the key', async () => {
    const bad = payloadOf('delivery-order', (p) => {
      p['containers'] = [];
    });
    expectProblem(await c.issue(P.agentSha, 'delivery-order', bad, { 'Idempotency-Key': 'retry-after-fix' }), 422);
    const fixed = await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order'), { 'Idempotency-Key': 'retry-after-fix' });
    expectStatus(fixed, 201);
  });

  it('a malformed key is 422', async () => {
    const res = await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order'), { 'Idempotency-Key': 'x'.repeat(201) });
    expectProblem(res, 422, 'validation-failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);
  });

  it('5 concurrent repeats create one document and all answer with it', async () => {
    const server = await new Promise<Server>((resolve) => {
      const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${API}/documents`;
      const body = JSON.stringify({ kind: 'delivery-order', payload: payloadOf('delivery-order') });
      const before = await documentIds(P.agentSha);
      const answers = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const res = await fetch(url, {
            method: 'POST',
            headers: { authorization: c.auth(P.agentSha), 'content-type': 'application/json', 'idempotency-key': 'concurrent-5' },
            body,
          });
          return { status: res.status, body: (await res.json()) as DocumentBody };
        }),
      );
      expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
      const ids = new Set(answers.map((a) => a.body.id));
      expect(ids.size).toBe(1);
      const after = await documentIds(P.agentSha);
      expect(after.filter((id) => !before.includes(id))).toEqual([...ids]);
      const view = await c.document(P.agentSha, [...ids][0] ?? '');
      expect(view.events).toHaveLength(1);
      await expectValidPdf(await c.pdf(P.agentSha, view.id), view.payloadHash);
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  });
});

describe('ids derived from Idempotency-Keys', () => {
  it('cannot be computed from the party and the key alone, since ids are public in QR links', async () => {
    const key = 'DO-SHA-2026-000123';
    const res = await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order'), { 'Idempotency-Key': key });
    expectStatus(res, 201);
    const plainHash = createHash('sha256').update(`${P.agentSha}\n${key}`, 'utf8').digest('hex').slice(0, 32);
    expect(res.body.id).toMatch(/^doc-[0-9a-f]{32}$/);
    expect(res.body.id).not.toBe(`doc-${plainHash}`);
  });
});
