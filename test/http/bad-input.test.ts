import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import type { Response } from 'supertest';
import { answerClientErrors } from '../../src/http/client-errors';
import { JSON_BODY_LIMIT_BYTES } from '../../src/http/json-body';
import { MAX_UPLOAD_BYTES } from '../../src/http/uploads';
import { rawRequest, type RawResponse } from '../support/raw-http';
import { expectNothingStored } from '../support/store-snapshot';
import type { TestApp } from '../support/test-app';
import {
  API, Client, P, expectProblem, expectStatus, gateRecordExample, payloadOf, photo, sha256Hex, type DocumentBody, type PartyName,
  useExchange,
} from './exchange-client';

let t: TestApp;
let c: Client;
let d: DocumentBody;
useExchange(async (app, client) => {
  t = app;
  c = client;
  d = await client.deliveryOrder();
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
    expectProblem(asText, 415, 'unsupported-content-type');
    const asForm = await c.post(P.consignee, `/documents/${d.id}/events`).type('form').send({ type: 'transfer', to: P.forwarder });
    expectProblem(asForm, 415, 'unsupported-content-type');
    const latin1 = await c.post(P.consignee, `/documents/${d.id}/events`).set('content-type', 'application/json; charset=latin1').send('{}');
    expectProblem(latin1, 415);
    const gzipLie = await c.post(P.consignee, `/documents/${d.id}/events`).set('content-type', 'application/json').set('content-encoding', 'gzip').send('{}');
    expect(gzipLie.status).toBeGreaterThanOrEqual(400);
    expect(gzipLie.status).toBeLessThan(500);
    await expectUnchanged();
  });
});

describe('hostile requests: a problem+json answer with a stable code, and nothing stored', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = t.app.listen(0, '127.0.0.1');
    answerClientErrors(server);
    await new Promise<void>((ready) => server.once('listening', () => ready()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

  const events = () => `/documents/${d.id}/events`;
  const postJsonText = (party: PartyName, path: string, text: string | Buffer) =>
    c.post(party, path).set('content-type', 'application/json').send(text);

  /** A request line and headers as written, for what no HTTP client library would send. */
  function raw(method: string, path: string, headers: string[], body = ''): string {
    return [`${method} ${API}${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
  }
  const consigneeAuth = () => `Authorization: ${c.auth(P.consignee)}`;

  function expectRawProblem(res: RawResponse, status: number, code: string): void {
    expect({ status: res.status, type: res.headers['content-type'] }).toEqual({ status, type: expect.stringMatching(/^application\/problem\+json/) });
    expect(JSON.parse(res.body)).toMatchObject({ status, code, type: `https://sdx.dev/problems/${code}` });
  }

  it('JSON nested 10,000 and 100,000 levels deep is 422 on every JSON route', async () => {
    await expectNothingStored(t.store, async () => {
      for (const depth of [10_000, 100_000]) {
        const arrays = '['.repeat(depth) + ']'.repeat(depth);
        const objects = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
        expectProblem(await postJsonText(P.consignee, events(), arrays), 422, 'validation-failed');
        expectProblem(await postJsonText(P.consignee, events(), objects), 422, 'validation-failed');
        expectProblem(await postJsonText(P.agentSha, '/documents', `{"kind":"eir","payload":${objects}}`), 422, 'validation-failed');
        expectProblem(await postJsonText(P.agentSha, events(), `{"type":"amend","reason":"x","payload":${objects}}`), 422, 'validation-failed');
      }
    });
    await expectUnchanged();
  });

  it('JSON of exactly 1 MiB is read (and judged on its content); one byte more is 413 body-too-large', async () => {
    const withReasonOf = (bytes: number) => {
      const head = '{"type":"void","reason":"';
      return head + 'x'.repeat(bytes - head.length - 2) + '"}';
    };
    expect(Buffer.byteLength(withReasonOf(JSON_BODY_LIMIT_BYTES))).toBe(1024 * 1024);
    await expectNothingStored(t.store, async () => {
      const atLimit = await postJsonText(P.agentSha, events(), withReasonOf(JSON_BODY_LIMIT_BYTES));
      expectProblem(atLimit, 422, 'validation-failed');
      expect(atLimit.body.errors).toEqual([expect.objectContaining({ path: 'reason', code: 'too-big' })]);
      expectProblem(await postJsonText(P.agentSha, events(), withReasonOf(JSON_BODY_LIMIT_BYTES + 1)), 413, 'body-too-large');
      expectProblem(await postJsonText(P.agentSha, '/documents', withReasonOf(JSON_BODY_LIMIT_BYTES * 4)), 413, 'body-too-large');
    });
    await expectUnchanged();
  });

  it('an oversized body without Content-Length, or one that inflates past the limit, is 413', async () => {
    await expectNothingStored(t.store, async () => {
      const chunk = `{"type":"void","reason":"${'x'.repeat(64 * 1024)}`;
      const chunked = [`POST ${API}${events()} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', consigneeAuth(), 'Content-Type: application/json', 'Transfer-Encoding: chunked', '', '']
        .join('\r\n') + Array.from({ length: 40 }, () => `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`).join('') + '0\r\n\r\n';
      expectRawProblem(await rawRequest(port, chunked), 413, 'body-too-large');

      // 5 MiB of spaces compress to a few kilobytes: the limit applies to what the body inflates to.
      const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20));
      expect(bomb.length).toBeLessThan(64 * 1024);
      const head = raw('POST', events(), [consigneeAuth(), 'Content-Type: application/json', 'Content-Encoding: gzip'], '').replace(/Content-Length: 0/, `Content-Length: ${bomb.length}`);
      expectRawProblem(await rawRequest(port, Buffer.concat([Buffer.from(head), bomb])), 413, 'body-too-large');
    });
    await expectUnchanged();
  });

  it('a file over 10 MB is 413 on both upload routes, and a body that is not multipart is refused', async () => {
    const big = Buffer.alloc(MAX_UPLOAD_BYTES + 1, 0xff);
    await expectNothingStored(t.store, async () => {
      expectProblem(await c.attach(P.consignee, d.id, big, 'big.jpg', 'image/jpeg'), 413, 'attachment-too-large');
      expectProblem(await request(t.app).post('/verify').attach('file', big, 'big.pdf'), 413, 'attachment-too-large');
      expectProblem(await c.post(P.consignee, `/documents/${d.id}/attachments`, { file: 'not multipart' }), 422, 'file-required');
    });
    expect(await t.store.getBlob(sha256Hex(big))).toBeUndefined();
  });

  const nonJsonBodies: [string, (req: request.Test) => request.Test][] = [
    ['text/plain', (req) => req.set('content-type', 'text/plain').send('{"type":"release"}')],
    ['form-urlencoded', (req) => req.type('form').send({ kind: 'eir', type: 'release' })],
    ['multipart', (req) => req.field('kind', 'delivery-order').field('type', 'release')],
    ['XML', (req) => req.set('content-type', 'application/xml').send('<release/>')],
    ['octet-stream', (req) => req.set('content-type', 'application/octet-stream').send(Buffer.from('{"type":"release"}'))],
    ['a body with no content type', (req) => req.set('content-type', '').send('{"type":"release"}')],
    ['JSON in UTF-16', (req) => req.set('content-type', 'application/json; charset=utf-16le').send(Buffer.from('{"type":"release"}', 'utf16le'))],
  ];

  it.each(nonJsonBodies)('%s on either JSON route is 415', async (_name, send) => {
    await expectNothingStored(t.store, async () => {
      const issue = await send(c.post(P.agentSha, '/documents'));
      const act = await send(c.post(P.consignee, events()));
      for (const res of [issue, act]) {
        expectProblem(res, 415);
        expect(['unsupported-content-type', 'bad-request']).toContain(res.body.code);
      }
    });
    await expectUnchanged();
  });

  it('CR, LF or NUL inside Idempotency-Key or If-Match is a 400 malformed-request problem from the HTTP layer', async () => {
    const issueBody = JSON.stringify({ kind: 'delivery-order', payload: payloadOf('delivery-order') });
    await expectNothingStored(t.store, async () => {
      for (const bad of ['a\rX-Injected: 1', 'a\nX-Injected: 1', 'a\u0000b', 'a\r\n\r\nGET / HTTP/1.1']) {
        const agentAuth = `Authorization: ${c.auth(P.agentSha)}`;
        const issued = await rawRequest(port, raw('POST', '/documents', [agentAuth, 'Content-Type: application/json', `Idempotency-Key: ${bad}`], issueBody));
        const acted = await rawRequest(port, raw('POST', events(), [consigneeAuth(), 'Content-Type: application/json', `If-Match: "1${bad}"`], '{"type":"release"}'));
        for (const res of [issued, acted]) {
          // A header line break in the value ends that header: the rest is a malformed header line or an injected one Node refuses.
          expect([400]).toContain(res.status);
          expectRawProblem(res, 400, 'malformed-request');
          expect(res.headers['x-injected']).toBeUndefined();
        }
      }
    });
    await expectUnchanged();
  });

  it('odd but well-formed header values are refused by the route: tab, non-ASCII, 201 characters', async () => {
    const issueBody = JSON.stringify({ kind: 'delivery-order', payload: payloadOf('delivery-order') });
    await expectNothingStored(t.store, async () => {
      for (const key of ['a\tb', 'ключ-1', 'x'.repeat(201), ' ']) {
        const res = await rawRequest(port, Buffer.from(raw('POST', '/documents', [`Authorization: ${c.auth(P.agentSha)}`, 'Content-Type: application/json', `Idempotency-Key: ${key}`], issueBody), 'utf8'));
        expectRawProblem(res, 422, 'validation-failed');
        expect(JSON.parse(res.body).errors).toEqual([expect.objectContaining({ path: 'Idempotency-Key', code: 'invalid-idempotency-key' })]);
      }
      for (const tag of ['"1\t"', '"１"', `"${'9'.repeat(400)}"`, '"-1"', '"1.0"']) {
        const res = await rawRequest(port, Buffer.from(raw('POST', events(), [consigneeAuth(), 'Content-Type: application/json', `If-Match: ${tag}`], '{"type":"release"}'), 'utf8'));
        expectRawProblem(res, 412, 'precondition-failed');
      }
    });
    await expectUnchanged();
  });

  it('headers over 16 KB are 431 headers-too-large', async () => {
    await expectNothingStored(t.store, async () => {
      const res = await rawRequest(port, raw('POST', events(), [consigneeAuth(), `X-Padding: ${'p'.repeat(20_000)}`, 'Content-Type: application/json'], '{"type":"release"}'));
      expectRawProblem(res, 431, 'headers-too-large');
      const longUrl = await rawRequest(port, raw('GET', `/documents?cursor=${'c'.repeat(20_000)}`, [consigneeAuth()]));
      expectRawProblem(longUrl, 431, 'headers-too-large');
    });
  });

  const hostileIds: [string, string][] = [
    ['dot-dot', '..'],
    ['dot', '.'],
    ['encoded slashes', '..%2F..%2Fetc%2Fpasswd'],
    ['encoded dots and slashes', '%2e%2e%2f%2e%2e%2fpackage.json'],
    ['encoded backslashes', '..%5C..%5Cwindows'],
    ['double-encoded traversal', '%252e%252e%252f'],
    ['one encoded slash', '%2F'],
    ['NUL before an extension', 'doc-x%00.pdf'],
    ['NUL', '%00'],
    ['CRLF and a header', '%0d%0aSet-Cookie:%20sdx_session=x'],
    ['a right-to-left override', '%E2%80%AE'],
    ['3,000 encoded characters', '%41'.repeat(3000)],
  ];

  it.each(hostileIds)('a document id with %s is a 404 not-found problem on every :id route', async (_name, id) => {
    await expectNothingStored(t.store, async () => {
      const answers = [
        await c.get(P.consignee, `/documents/${id}`),
        await c.get(P.consignee, `/documents/${id}/pdf`),
        await c.act(P.consignee, id, { type: 'release' }),
        await c.attach(P.consignee, id, photo('gate-photo-front.jpg'), 'a.jpg', 'image/jpeg'),
        await request(t.app).get(`/verify/${id}`).set('Accept', 'application/json'),
      ];
      for (const res of answers) {
        expectProblem(res, 404, 'not-found');
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    });
  });

  it('static files stay inside their folders: traversal and encoded slashes are 404s that reveal nothing', async () => {
    for (const path of ['/static/..%2f..%2fpackage.json', '/static/%2e%2e/%2e%2e/package.json', '/static/..%5c..%5cpackage.json', '/static/....//....//package.json', '/static/%2e%2e%2f%2e%2e%2fcerts-dev%2froot-ca.key.pem']) {
      const res = await request(t.app).get(path);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.text).not.toMatch(/"name":\s*"sdx"|PRIVATE KEY/);
    }
  });

  it('NUL and other control characters in payload text, reasons and query values are 422', async () => {
    await expectNothingStored(t.store, async () => {
      for (const bad of ['A\u0000B', 'A\u001bB', 'A\u007fB', 'A\u0085B']) {
        const res = await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order', (p) => {
          (p['consignee'] as Record<string, unknown>)['name'] = bad;
        }));
        expectProblem(res, 422, 'forbidden-character');
        expect(issuesOf(res)).toEqual([expect.objectContaining({ path: 'payload.consignee.name', code: 'forbidden-character' })]);
        const voided = await c.act(P.agentSha, d.id, { type: 'void', reason: `Issued in error${bad}` });
        expect(issuesOf(voided)).toEqual([expect.objectContaining({ path: 'reason', code: 'forbidden-character' })]);
      }
      expectProblem(await postJsonText(P.consignee, events(), '{"type\\u0000":"release"}'), 422, 'validation-failed');
      for (const query of ['cursor=%00', 'kind=eir%00', 'limit=1%00', 'status=%00issued', 'role=%00']) {
        expectProblem(await c.get(P.consignee, `/documents?${query}`), 422, 'validation-failed');
      }
    });
    // Tabs and line breaks are text, not control: a multi-line remark is fine.
    expectStatus(await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order', (p) => {
      p['remarks'] = 'Line one\nLine two\twith a tab';
    })), 201);
    await expectUnchanged();
  });

  it('an EIR number with a right-to-left override is 422 forbidden-character naming the path and U+202E, and nothing is issued', async () => {
    await expectNothingStored(t.store, async () => {
      // Reads "EIR-SHA-4711" in a browser, but the signed payload would say otherwise.
      const res = await c.issue(P.terminal, 'eir', payloadOf('eir', (p) => {
        p['eirNumber'] = 'EIR-SHA-\u202e1174';
      }));
      expectProblem(res, 422, 'forbidden-character');
      expect(res.body.type).toBe('https://sdx.dev/problems/forbidden-character');
      expect(res.body.errors).toEqual([
        { path: 'payload.eirNumber', code: 'forbidden-character', message: expect.stringContaining('U+202E (direction control)') },
      ]);
      expect(res.body.detail).toMatch(/^payload\.eirNumber: contains U\+202E/);
    });
  });

  it('any forbidden character makes the answer forbidden-character, with the other mistakes still listed', async () => {
    const res = await c.issue(P.terminal, 'eir', payloadOf('eir', (p) => {
      p['truckPlate'] = '\u6caaAD\u200b12345';
      p['colour'] = 'red';
    }));
    expectProblem(res, 422, 'forbidden-character');
    expect(issuesOf(res)).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'payload.truckPlate', code: 'forbidden-character' }),
      expect.objectContaining({ path: 'payload.colour', code: 'unknown-field' }),
    ]));
  });

  it('reasons and gate records with direction controls or invisible characters are 422 forbidden-character; the document is unchanged', async () => {
    for (const [body, path] of [
      [{ type: 'void', reason: 'Issued in error\u2067' }, 'reason'],
      [{ type: 'transfer', to: 'demo-\u200bhaulier-b' }, 'to'],
    ] as const) {
      const res = await c.act(P.agentSha, d.id, body);
      expectProblem(res, 422, 'forbidden-character');
      expect(issuesOf(res)).toEqual([expect.objectContaining({ path, code: 'forbidden-character' })]);
    }
    await expectUnchanged();
    const eir = await c.issued(P.terminal, 'eir');
    for (const [change, path] of [
      [(r: Record<string, unknown>) => { r['remarks'] = 'Lane 3\u202e'; }, 'gateRecord.remarks'],
      [(r: Record<string, unknown>) => { (r['seals'] as Record<string, unknown>[])[0]!['number'] = 'POCL\u2066778812'; }, 'gateRecord.seals[0].number'],
    ] as const) {
      const gateRecord = gateRecordExample();
      change(gateRecord);
      const res = await c.act(P.terminal, eir.id, { type: 'gate-record', gateRecord });
      expectProblem(res, 422, 'forbidden-character');
      expect(issuesOf(res)).toEqual([expect.objectContaining({ path, code: 'forbidden-character' })]);
    }
    expect(await c.document(P.terminal, eir.id)).toMatchObject({ status: 'issued', sequence: 1 });
  });

  it('an EIR number typed in decomposed form is stored composed (NFC)', async () => {
    const number = `EIR-CAF\u00c9-${Date.now()}`;
    const issued = await c.issued(P.terminal, 'eir', payloadOf('eir', (p) => {
      p['eirNumber'] = number.normalize('NFD');
    }));
    expect(issued.payload['eirNumber']).toBe(number);
  });

  it('huge, negative, fractional and non-numeric limit values and forged cursors are 422', async () => {
    await expectNothingStored(t.store, async () => {
      for (const limit of ['201', '1e308', '99999999999999999999999', '-1', '1.5', 'Infinity', 'NaN', '', '%20', '9007199254740993']) {
        const res = await c.get(P.consignee, `/documents?limit=${limit}`);
        expectProblem(res, 422, 'validation-failed');
        expect(new Set(issuesOf(res).map((i) => i.path))).toEqual(new Set(['limit']));
      }
      for (const cursor of ['c'.repeat(200), 'c'.repeat(201), Buffer.from('{"updatedAt":"9999","id":"' + 'x'.repeat(100) + '"}').toString('base64url').slice(0, 200), '..%2F..', '%7B%7D']) {
        const res = await c.get(P.consignee, `/documents?cursor=${cursor}`);
        expectProblem(res, 422, 'validation-failed');
        expect(new Set(issuesOf(res).map((i) => i.path))).toEqual(new Set(['cursor']));
      }
      for (const query of ['start=0&end=1e9', 'start=-1&end=2', 'start=99999999999999999&end=99999999999999999']) {
        const res = await c.get(P.consignee, `/log/entries?${query}`);
        expectProblem(res, 422, 'validation-failed');
      }
    });
  });

  it('__proto__, constructor and prototype keys anywhere in a body are unknown fields and pollute nothing', async () => {
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const gateRecord = JSON.stringify(gateRecordExample());
    const payload = JSON.stringify(payloadOf('delivery-order'));
    const bodies: [PartyName, string, string, string][] = [
      [P.agentSha, '/documents', `{"kind":"delivery-order","payload":${payload.replace('"cargo":{', '"cargo":{"__proto__":{"polluted":1},')}}`, 'payload.cargo.__proto__'],
      [P.agentSha, '/documents', `{"kind":"delivery-order","payload":${payload.replace('"containers":[{', '"containers":[{"constructor":{"prototype":{"polluted":1}},')}}`, 'payload.containers[0].constructor'],
      [P.agentSha, '/documents', `{"kind":"delivery-order","payload":${payload.replace('{', '{"prototype":{"polluted":1},')}}`, 'payload.prototype'],
      [P.consignee, events(), '{"type":"transfer","to":"demo-forwarder","constructor":{"prototype":{"polluted":1}}}', 'constructor'],
      [P.terminal, events(), `{"type":"gate-record","gateRecord":${gateRecord.replace('{', '{"__proto__":{"polluted":1},')}}`, 'gateRecord.__proto__'],
    ];
    await expectNothingStored(t.store, async () => {
      for (const [party, path, body, field] of bodies) {
        const res = await postJsonText(party, path, body);
        expectProblem(res, 422, 'validation-failed');
        expect(issuesOf(res)).toContainEqual(expect.objectContaining({ path: field, code: 'unknown-field' }));
      }
    });
    expect(Reflect.get({}, 'polluted')).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    await expectUnchanged();
  });

  it('__proto__ and constructor as Idempotency-Keys are ordinary keys: one document each, a repeat replays it', async () => {
    for (const key of ['__proto__', 'constructor', 'hasOwnProperty']) {
      const first = await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order'), { 'Idempotency-Key': key });
      expectStatus(first, 201);
      const again = await c.issue(P.agentSha, 'delivery-order', first.body.payload, { 'Idempotency-Key': key });
      expectStatus(again, 201);
      expect(again.body.id).toBe(first.body.id);
    }
  });

  const duplicates: [string, PartyName, () => string, string, string][] = [
    ['at the top of an action', P.consignee, events, '{"type":"release","type":"transfer","to":"demo-forwarder"}', 'type'],
    ['spelt with an escape', P.consignee, events, '{"type":"transfer","to":"demo-haulier-a","t\\u006f":"demo-forwarder"}', 'to'],
    ['inside a payload', P.agentSha, () => '/documents', '{"kind":"eir","payload":{"eirNumber":"A","eirNumber":"B"}}', 'payload.eirNumber'],
    ['inside an array element', P.terminal, events, '{"type":"gate-record","gateRecord":{"seals":[{"number":"1"},{"number":"2","number":"3"}]}}', 'gateRecord.seals[1].number'],
    ['at the top of an issue', P.agentSha, () => '/documents', '{"kind":"eir","kind":"delivery-order","payload":{}}', 'kind'],
  ];

  it.each(duplicates)('a name twice in one object (%s) is 422 duplicate-key naming it', async (_name, party, path, body, field) => {
    await expectNothingStored(t.store, async () => {
      const res = await postJsonText(party, path(), body);
      expectProblem(res, 422, 'validation-failed');
      expect(issuesOf(res)).toEqual([{ path: field, code: 'duplicate-key', message: expect.any(String) }]);
    });
    await expectUnchanged();
  });

  it('unknown fields in action bodies and nested records name their path', async () => {
    await expectNothingStored(t.store, async () => {
      const cases: [PartyName, unknown, string][] = [
        [P.consignee, { type: 'present', to: P.terminal, at: 'now' }, 'at'],
        [P.agentSha, { type: 'void', reason: 'x', force: true }, 'force'],
        [P.terminal, { type: 'gate-record', gateRecord: { ...gateRecordExample(), weather: 'rain' } }, 'gateRecord.weather'],
      ];
      for (const [party, body, field] of cases) {
        const res = await c.act(party, d.id, body);
        expectProblem(res, 422, 'validation-failed');
        expect(issuesOf(res)).toContainEqual(expect.objectContaining({ path: field, code: 'unknown-field' }));
      }
    });
    await expectUnchanged();
  });
});
