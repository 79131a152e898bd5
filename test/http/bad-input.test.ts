import request from 'supertest';
import type { Response } from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import { API, Client, P, expectProblem, expectStatus, gateRecordExample, payloadOf, type DocumentBody } from './exchange-client';

let t: TestApp;
let c: Client;
let d: DocumentBody;
beforeAll(async () => {
  t = await startTestApp();
  c = new Client(t);
  d = await c.deliveryOrder();
});
afterAll(async () => {
  expect(t.unexpected).toEqual([]);
  await t.close();
});

/** The D/O `d` has not changed: still issued, held by the consignee, one event. */
async function expectUnchanged(id = d.id): Promise<void> {
  const view = await c.document(P.consignee, id);
  expect(view).toMatchObject({ status: 'issued', holder: P.consignee, sequence: 1 });
}

function issuesOf(res: Response): { path: string; code: string }[] {
  return (res.body.errors ?? []) as { path: string; code: string }[];
}

describe('malformed and invalid requests', () => {
  it('malformed JSON is 400 malformed-json on every JSON route', async () => {
    for (const path of ['/documents', `/documents/${d.id}/events`]) {
      const res = await c.post(P.consignee, path).set('content-type', 'application/json').send('{"type": "transfer", ');
      expectProblem(res, 400, 'malformed-json');
    }
    await expectUnchanged();
  });

  it('an unknown payload field is 422 naming its path', async () => {
    const payload = payloadOf('eir', (p) => {
      (p['container'] as Record<string, unknown>)['colour'] = 'red';
    });
    const res = await c.issue(P.terminal, 'eir', payload);
    expectProblem(res, 422, 'validation-failed');
    expect(issuesOf(res)).toEqual([expect.objectContaining({ path: 'payload.container.colour', code: 'unknown-field' })]);
    expect(res.body.detail).toContain('payload.container.colour');
  });

  it('an unknown top-level field of POST /documents is 422 naming it', async () => {
    const res = await c.post(P.agentSha, '/documents', { kind: 'delivery-order', payload: payloadOf('delivery-order'), extra: 1 });
    expectProblem(res, 422);
    expect(issuesOf(res)).toEqual([expect.objectContaining({ path: 'extra', code: 'unknown-field' })]);
  });

  it('a wrong container check digit is 422 naming payload.containers[0].number', async () => {
    const payload = payloadOf('delivery-order', (p) => {
      (p['containers'] as Record<string, unknown>[])[0]!['number'] = 'CSQU3054384';
    });
    const res = await c.issue(P.agentSha, 'delivery-order', payload);
    expectProblem(res, 422, 'validation-failed');
    expect(issuesOf(res)).toEqual([expect.objectContaining({ path: 'payload.containers[0].number', code: 'container-check-digit' })]);
  });

  it('an unknown document kind is 422 naming kind', async () => {
    const res = await c.post(P.agentSha, '/documents', { kind: 'bill-of-lading', payload: payloadOf('delivery-order') });
    expectProblem(res, 422);
    expect(issuesOf(res)).toEqual([expect.objectContaining({ path: 'kind' })]);
  });

  it('no Authorization is 401 with WWW-Authenticate', async () => {
    for (const req of [request(t.app).get(`${API}/documents`), request(t.app).post(`${API}/documents/${d.id}/events`).send({ type: 'release' })]) {
      const res = await req;
      expectProblem(res, 401, 'missing-credentials');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    }
  });

  it('a wrong or malformed key is 401 with WWW-Authenticate', async () => {
    for (const value of ['Bearer sdx_demo_consignee_000000', 'Bearer ' + 'a'.repeat(5000), 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b']) {
      const res = await request(t.app).get(`${API}/documents/${d.id}`).set('Authorization', value);
      expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    }
  });

  it('If-Match: the current ETag is honoured, a stale one is 412 and changes nothing', async () => {
    const doc = await c.deliveryOrder();
    const got = await c.get(P.consignee, `/documents/${doc.id}`);
    expect(got.headers['etag']).toBe('"1"');
    const stale = await c.act(P.consignee, doc.id, { type: 'transfer', to: P.forwarder }, { 'If-Match': '"0"' });
    expectProblem(stale, 412, 'precondition-failed');
    for (const odd of ['W/"1"', '*', '1', '"abc"', '"1", "2"']) {
      expectProblem(await c.act(P.consignee, doc.id, { type: 'transfer', to: P.forwarder }, { 'If-Match': odd }), 412, 'precondition-failed');
    }
    await expectUnchanged(doc.id);

    const ok = await c.act(P.consignee, doc.id, { type: 'transfer', to: P.forwarder }, { 'If-Match': '"1"' });
    expectStatus(ok, 200);
    expect(ok.headers['etag']).toBe('"2"');
    const again = await c.act(P.forwarder, doc.id, { type: 'present', to: P.terminal }, { 'If-Match': '"1"' });
    expectProblem(again, 412, 'precondition-failed');
    expect((await c.document(P.forwarder, doc.id)).sequence).toBe(2);
  });

  it('an unknown action type is 422', async () => {
    const res = await c.act(P.consignee, d.id, { type: 'teleport', to: P.forwarder });
    expectProblem(res, 422);
    expect(issuesOf(res)[0]).toMatchObject({ path: 'type' });
    await expectUnchanged();
  });

  it('an action of another kind of document is 422 unknown-action', async () => {
    expectProblem(await c.act(P.consignee, d.id, { type: 'countersign' }), 422, 'unknown-action');
    await expectUnchanged();
  });

  it('a transfer to an unknown party is 422 unknown-party on "to"', async () => {
    const res = await c.act(P.consignee, d.id, { type: 'transfer', to: 'no-such-party' });
    expectProblem(res, 422);
    expect(issuesOf(res)).toEqual([expect.objectContaining({ path: 'to', code: 'unknown-party' })]);
    await expectUnchanged();
  });

  it('a document naming a party SDX does not know is 422 unknown-party', async () => {
    const payload = payloadOf('delivery-order', (p) => {
      (p['consignee'] as Record<string, unknown>)['partyId'] = 'ghost-importer';
    });
    const res = await c.issue(P.agentSha, 'delivery-order', payload);
    expectProblem(res, 422);
    expect(issuesOf(res)).toEqual([expect.objectContaining({ code: 'unknown-party' })]);
  });

  it('list parameters are checked: bad limit, unknown parameter, a forged cursor', async () => {
    const bad = await c.get(P.consignee, '/documents?limit=abc&foo=1');
    expectProblem(bad, 422);
    expect(issuesOf(bad).map((i) => i.path).sort()).toEqual(['foo', 'limit']);
    expectProblem(await c.get(P.consignee, '/documents?limit=0'), 422);
    expectProblem(await c.get(P.consignee, '/documents?limit=100000'), 422);
    expectProblem(await c.get(P.consignee, '/documents?kind=eir&kind=delivery-order'), 422);
    const cursor = await c.get(P.consignee, '/documents?cursor=not-a-cursor');
    expectProblem(cursor, 422);
    // The problem names the query parameter the client sent.
    expect(issuesOf(cursor)).toEqual([expect.objectContaining({ path: 'cursor', code: 'invalid-cursor' })]);
  });

  it('unknown routes and ids are problem+json 404s', async () => {
    expectProblem(await c.get(P.consignee, '/documents/doc-nope'), 404, 'not-found');
    expectProblem(await c.get(P.consignee, `/documents/${'x'.repeat(5000)}`), 404);
    expectProblem(await c.get(P.consignee, '/documents/%E2%9C%93%00'), 404);
    expectProblem(await c.get(P.consignee, `/documents/${d.id}/nothing`), 404, 'route-not-found');
    expectProblem(await request(t.app).get('/verify/doc-nope'), 404, 'not-found');
  });
});

describe('hostile bodies never cause a 500', () => {
  const huge = 'x'.repeat(900_000);
  const nested = JSON.parse('['.repeat(2000) + ']'.repeat(2000)) as unknown;
  const deepObject = JSON.parse('{"a":'.repeat(2000) + '1' + '}'.repeat(2000)) as unknown;

  const actionBodies: [string, unknown][] = [
    ['an array', [{ type: 'transfer', to: P.forwarder }]],
    ['an empty object', {}],
    ['type null', { type: null }],
    ['type a number', { type: 7 }],
    ['type an array', { type: ['transfer'] }],
    ['type an object', { type: { toString: 'transfer' } }],
    ['type __proto__', { type: '__proto__' }],
    ['a __proto__ key', JSON.parse('{"type":"transfer","to":"demo-forwarder","__proto__":{"admin":true}}')],
    ['a constructor key', { type: 'release', constructor: { prototype: {} } }],
    ['to null', { type: 'transfer', to: null }],
    ['to a number', { type: 'transfer', to: 42 }],
    ['to an object', { type: 'transfer', to: { partyId: P.forwarder } }],
    ['to an array', { type: 'present', to: [P.terminal] }],
    ['to a huge string', { type: 'transfer', to: huge }],
    ['to with control characters', { type: 'transfer', to: 'demo-forwarder\u0000\n' }],
    ['reason a number', { type: 'void', reason: 1 }],
    ['reason empty', { type: 'void', reason: '   ' }],
    ['reason huge', { type: 'void', reason: huge }],
    ['reason an object', { type: 'reject-presentation', reason: { en: 'x' } }],
    ['release with extras', { type: 'release', to: P.terminal, force: true }],
    ['amend without payload', { type: 'amend', reason: 'x' }],
    ['amend with payload null', { type: 'amend', payload: null, reason: 'x' }],
    ['amend with payload a string', { type: 'amend', payload: 'x', reason: 'x' }],
    ['amend with deeply nested payload', { type: 'amend', payload: deepObject, reason: 'x' }],
    ['gate-record null', { type: 'gate-record', gateRecord: null }],
    ['gate-record wrong types', { type: 'gate-record', gateRecord: { ...gateRecordExample(), passedAt: 5, damages: 'many', seals: [null] } }],
    ['gate-record huge photo list', { type: 'gate-record', gateRecord: { ...gateRecordExample(), photoSha256: Array(1000).fill('0'.repeat(64)) } }],
    ['nested arrays', nested],
    ['deeply nested object', deepObject],
    ['a string', 'transfer'],
    ['a number', 123],
    ['null', null],
    ['true', true],
  ];

  it.each(actionBodies)('POST /documents/:id/events with %s → 4xx problem, D/O unchanged', async (_name, body) => {
    const res = await c.post(P.consignee, `/documents/${d.id}/events`).set('content-type', 'application/json').send(JSON.stringify(body));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectProblem(res, res.status);
    await expectUnchanged();
  });

  const issueBodies: [string, unknown][] = [
    ['an empty object', {}],
    ['kind null', { kind: null, payload: payloadOf('delivery-order') }],
    ['kind a number', { kind: 1, payload: payloadOf('delivery-order') }],
    ['kind huge', { kind: huge, payload: {} }],
    ['kind __proto__', { kind: '__proto__', payload: {} }],
    ['kind constructor', { kind: 'constructor', payload: {} }],
    ['kind toString', { kind: 'toString', payload: {} }],
    ['payload missing', { kind: 'delivery-order' }],
    ['payload null', { kind: 'delivery-order', payload: null }],
    ['payload an array', { kind: 'delivery-order', payload: [payloadOf('delivery-order')] }],
    ['payload a string', { kind: 'eir', payload: 'eir' }],
    ['payload deeply nested', { kind: 'eir', payload: deepObject }],
    ['payload with every field null', { kind: 'delivery-order', payload: Object.fromEntries(Object.keys(payloadOf('delivery-order')).map((k) => [k, null])) }],
    ['payload with every field a number', { kind: 'eir', payload: Object.fromEntries(Object.keys(payloadOf('eir')).map((k) => [k, 1])) }],
    ['payload with every field an array', { kind: 'telex-release-guarantee', payload: Object.fromEntries(Object.keys(payloadOf('telex-release-guarantee')).map((k) => [k, []])) }],
    ['containers huge', { kind: 'delivery-order', payload: { ...payloadOf('delivery-order'), containers: Array(5000).fill({ number: 'CSQU3054383' }) } }],
    ['dates that are not dates', { kind: 'delivery-order', payload: { ...payloadOf('delivery-order'), validUntil: '2026-02-30T25:61:00+08:00' } }],
    ['weights that are not numbers', { kind: 'delivery-order', payload: { ...payloadOf('delivery-order'), cargo: { ...(payloadOf('delivery-order')['cargo'] as object), grossWeightKg: 'heavy' } } }],
    ['negative and non-finite numbers', { kind: 'delivery-order', payload: { ...payloadOf('delivery-order'), cargo: { ...(payloadOf('delivery-order')['cargo'] as object), packageCount: -1, volumeM3: 1e400 } } }],
    ['release basis of an unknown type', { kind: 'delivery-order', payload: { ...payloadOf('delivery-order'), releaseBasis: { type: 'handshake' } } }],
    ['telex release naming a huge id', { kind: 'delivery-order', payload: { ...payloadOf('delivery-order'), releaseBasis: { type: 'telex-release', guaranteeId: huge } } }],
    ['a party id with SQL in it', { kind: 'delivery-order', payload: { ...payloadOf('delivery-order'), consignee: { partyId: "x'; DROP TABLE documents; --", name: 'x' } } }],
  ];

  it.each(issueBodies)('POST /documents with %s → 4xx problem', async (_name, body) => {
    const res = await c.post(P.agentSha, '/documents').set('content-type', 'application/json').send(JSON.stringify(body));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectProblem(res, res.status);
  });

  it('odd content types and bodies are refused cleanly', async () => {
    const asText = await c.post(P.consignee, `/documents/${d.id}/events`).set('content-type', 'text/plain').send('{"type":"release"}');
    expectProblem(asText, 422);
    const asForm = await c.post(P.consignee, `/documents/${d.id}/events`).type('form').send({ type: 'transfer', to: P.forwarder });
    expectProblem(asForm, 422);
    const latin1 = await c.post(P.consignee, `/documents/${d.id}/events`).set('content-type', 'application/json; charset=latin1').send('{}');
    expect(latin1.status).toBeGreaterThanOrEqual(400);
    expect(latin1.status).toBeLessThan(500);
    const gzipLie = await c.post(P.consignee, `/documents/${d.id}/events`).set('content-type', 'application/json').set('content-encoding', 'gzip').send('{}');
    expect(gzipLie.status).toBeGreaterThanOrEqual(400);
    expect(gzipLie.status).toBeLessThan(500);
    await expectUnchanged();
  });
});
