import request from 'supertest';
import type { TestApp } from '../support/test-app';
import {
  Client,
  P,
  expectProblem,
  expectStatus,
  expectValidPdf,
  gateRecordExample,
  payloadOf,
  photo,
  sha256Hex,
  type DocumentBody,
  type PartyName,
  useExchange,
} from './exchange-client';

// A store of its own, so that list results are exact.
let t: TestApp;
let c: Client;
let orders: DocumentBody[];
let eir: DocumentBody;
let guarantee: DocumentBody;
useExchange(async (app, client) => {
  t = app;
  c = client;
  orders = [];
  for (let i = 0; i < 5; i += 1) orders.push(await client.deliveryOrder());
  eir = await client.issued(P.terminal, 'eir');
  guarantee = await client.issued(P.shipper, 'telex-release-guarantee');
  // One D/O moves on to the forwarder.
  await client.acted(P.consignee, orders[4]!.id, { type: 'transfer', to: P.forwarder });
});

interface ListItem {
  id: string;
  kind: string;
  status: string;
}

async function list(party: PartyName, query = ''): Promise<ListItem[]> {
  const res = await c.get(party, `/documents${query}`);
  expectStatus(res, 200);
  expect(res.body.nextCursor).toBeNull();
  return res.body.items as ListItem[];
}

const ids = (items: readonly { id: string }[]) => items.map((i) => i.id).sort();

describe('a party that takes no part in a document', () => {
  it('gets 404 for it, its PDF, its events and its attachments, never 403', async () => {
    const outsiders: [PartyName, DocumentBody][] = [
      [P.haulierB, orders[0]!],
      [P.depot, orders[0]!],
      [P.shipper, orders[0]!],
      [P.consignee, eir],
      [P.terminal, guarantee],
      [P.consignee, guarantee],
    ];
    for (const [party, document] of outsiders) {
      expectProblem(await c.get(party, `/documents/${document.id}`), 404, 'not-found');
      expectProblem(await c.get(party, `/documents/${document.id}/pdf`), 404, 'not-found');
      expectProblem(await c.act(party, document.id, { type: 'void', reason: 'x' }), 404, 'not-found');
      expectProblem(await c.act(party, document.id, { type: 'transfer', to: P.forwarder }), 404, 'not-found');
      const image = Buffer.concat([photo('gate-photo-front.jpg'), Buffer.from(party)]);
      expectProblem(await c.attach(party, document.id, image, 'x.jpg', 'image/jpeg'), 404, 'not-found');
      expect(await t.store.getBlob(sha256Hex(image))).toBeUndefined();
    }
  });

  it('gets the same 404 for a document that exists as for one that does not', async () => {
    const hidden = await c.get(P.haulierB, `/documents/${orders[0]!.id}`);
    const missing = await c.get(P.haulierB, '/documents/doc-00000000-0000-0000-0000-000000000000');
    expect(hidden.status).toBe(404);
    expect({ ...hidden.body, detail: '' }).toEqual({ ...missing.body, detail: '' });
    expect(hidden.body.detail).toBe(`no document ${orders[0]!.id}`);
  });

  it('never sees it in lists', async () => {
    expect(await list(P.haulierB)).toEqual([]);
    expect(await list(P.depot)).toEqual([]);
    expect(ids(await list(P.shipper))).toEqual([guarantee.id]);
    expect(ids(await list(P.haulierA))).toEqual([eir.id]);
    expect(ids(await list(P.forwarder))).toEqual([orders[4]!.id]);
    expect(ids(await list(P.consignee))).toEqual(ids(orders));
    // The guarantee names the carrier (whose cargo it releases), so the carrier sees it too.
    expect(ids(await list(P.carrier))).toEqual(ids([...orders, eir, guarantee]));
  });
});

describe('listing', () => {
  it('filters by kind, status and role', async () => {
    expect(ids(await list(P.terminal, '?kind=eir'))).toEqual([eir.id]);
    expect(ids(await list(P.terminal, '?kind=delivery-order'))).toEqual(ids(orders));
    expect(await list(P.consignee, '?kind=eir')).toEqual([]);
    expect(ids(await list(P.consignee, '?status=transferred'))).toEqual([orders[4]!.id]);
    expect(ids(await list(P.consignee, '?status=issued'))).toEqual(ids(orders.slice(0, 4)));
    expect(ids(await list(P.forwarder, '?role=transferee'))).toEqual([orders[4]!.id]);
    expect(await list(P.consignee, '?role=issuer')).toEqual([]);
    expect(ids(await list(P.agentSha, '?role=issuer&kind=delivery-order&status=issued'))).toEqual(ids(orders.slice(0, 4)));
    expect(ids(await list(P.agentSha, '?role=destination-agent'))).toEqual([guarantee.id]);
    const items = await list(P.terminal, '?kind=eir');
    expect(items[0]).toMatchObject({ id: eir.id, kind: 'eir', status: 'issued', issuer: P.terminal, holder: P.haulierA, sequence: 1 });
  });

  it('pages with limit=2 through 5 documents, visiting each once', async () => {
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await c.get(P.consignee, `/documents${query}`);
      expectStatus(res, 200);
      const items = res.body.items as ListItem[];
      pageSizes.push(items.length);
      seen.push(...items.map((i) => i.id));
      cursor = res.body.nextCursor as string | null;
    } while (cursor !== null && pageSizes.length < 10);
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(orders.map((o) => o.id).reverse());
  });

  it('a cursor does not widen what a party sees', async () => {
    const first = await c.get(P.auditor, '/documents?limit=1');
    const cursor = first.body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const res = await c.get(P.haulierB, `/documents?limit=50&cursor=${encodeURIComponent(cursor)}`);
    expectStatus(res, 200);
    expect(res.body.items).toEqual([]);
  });
});

describe('the auditor', () => {
  it('sees every document in lists and GETs, and their PDFs', async () => {
    const everything = [...orders, eir, guarantee];
    expect(ids(await list(P.auditor))).toEqual(ids(everything));
    expect(ids(await list(P.auditor, '?kind=telex-release-guarantee'))).toEqual([guarantee.id]);
    for (const document of everything) {
      const view = await c.document(P.auditor, document.id);
      expect(view.payloadHash).toBe(document.payloadHash);
      expect(view.events.length).toBeGreaterThan(0);
    }
    await expectValidPdf(await c.pdf(P.auditor, eir.id), eir.payloadHash);
  });

  it('changes nothing: every action is 403 read-only-party', async () => {
    const attempts: [DocumentBody, Record<string, unknown>][] = [
      [orders[0]!, { type: 'transfer', to: P.forwarder }],
      [orders[0]!, { type: 'present', to: P.terminal }],
      [orders[0]!, { type: 'void', reason: 'Audit finding' }],
      [orders[0]!, { type: 'amend', payload: payloadOf('delivery-order'), reason: 'Audit' }],
      [eir, { type: 'gate-record', gateRecord: gateRecordExample() }],
      [eir, { type: 'void', reason: 'Audit finding' }],
      [guarantee, { type: 'accept' }],
      [guarantee, { type: 'reject', reason: 'Audit finding' }],
      [guarantee, { type: 'withdraw' }],
    ];
    for (const [document, body] of attempts) {
      expectProblem(await c.act(P.auditor, document.id, body), 403, 'read-only-party');
    }
    const image = Buffer.concat([photo('gate-photo-front.jpg'), Buffer.from('auditor')]);
    expectProblem(await c.attach(P.auditor, eir.id, image, 'x.jpg', 'image/jpeg'), 403, 'read-only-party');
    expect(await t.store.getBlob(sha256Hex(image))).toBeUndefined();
    for (const document of [orders[0]!, eir, guarantee]) {
      expect((await c.document(P.auditor, document.id)).sequence).toBe(1);
    }
  });

  it('never becomes a holder: a transfer or presentation to the auditor is 422', async () => {
    const d = await c.deliveryOrder();
    expectProblem(await c.act(P.consignee, d.id, { type: 'transfer', to: P.auditor }), 422, 'target-role-not-allowed');
    expectProblem(await c.act(P.consignee, d.id, { type: 'present', to: P.auditor }), 422, 'target-role-not-allowed');
    expect((await c.document(P.consignee, d.id)).holder).toBe(P.consignee);
  });

  it('cannot be named as the haulier of an EIR: a party is named only for a part its roles allow', async () => {
    const res = await c.issue(P.terminal, 'eir', payloadOf('eir', (p) => {
      p['haulier'] = { partyId: P.auditor, name: 'Port Single Window Audit (demo)' };
    }));
    expectProblem(res, 422, 'validation-failed');
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'payload.haulier.partyId', code: 'party-role-mismatch' })]);
  });
});

describe('GET /verify/:id (public, for QR links)', () => {
  it('needs no key and reveals only id, kind, status, issuer, payload hash and the time of the last event', async () => {
    const res = await request(t.app).get(`/verify/${orders[4]!.id}`);
    expectStatus(res, 200);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'issuer', 'kind', 'lastEventAt', 'log', 'payloadHash', 'status']);
    expect(res.body.log).toEqual({ treeSize: expect.any(Number), included: true });
    expect(res.body).toMatchObject({ id: orders[4]!.id, kind: 'delivery-order', status: 'transferred', payloadHash: orders[4]!.payloadHash });
    expect(Object.keys(res.body.issuer as object).sort()).toEqual(['id', 'name']);
    expect(res.body.issuer.id).toBe(P.agentSha);
    const forwarderView = await c.document(P.forwarder, orders[4]!.id);
    expect(res.body.lastEventAt).toBe(forwarderView.events[forwarderView.events.length - 1]?.at);
    const text = JSON.stringify(res.body);
    for (const secret of [P.consignee, P.forwarder, P.terminal, 'CSQU3054383', 'DO-']) expect(text).not.toContain(secret);
  });

  it('is 404 for an unknown id', async () => {
    expectProblem(await request(t.app).get('/verify/doc-nope'), 404, 'not-found');
  });
});
