// Adversarial review of the exchange API and the audit-log routes: what a party can learn about
// documents it takes no part in, how credentials are read, and inputs that must never cause a 500.
import http from 'node:http';
import request from 'supertest';
import type { Response } from 'supertest';
import { hashApiKey } from '../../src/application/api-keys';
import { startTestApp, type TestApp } from '../support/test-app';
import { API, Client, P, expectProblem, expectStatus, payloadOf, photo, type DocumentBody, useExchange } from './exchange-client';

let t: TestApp;
let c: Client;
/** Held by the consignee; the haulier B takes no part in it. */
let d: DocumentBody;
useExchange(async (app, client) => {
  t = app;
  c = client;
  d = await client.deliveryOrder();
});

/** A problem with its id-specific detail removed, to compare "exists" with "does not exist". */
function shapeOf(res: Response, id: string): unknown {
  const body = res.body as Record<string, unknown>;
  return { status: res.status, ...body, detail: String(body['detail']).replaceAll(id, '<id>') };
}

describe('a party that takes no part in a document cannot tell it from one that does not exist', () => {
  const outsider = P.haulierB;
  const routes: [string, (id: string) => request.Test][] = [
    ['GET /documents/:id', (id) => c.get(outsider, `/documents/${id}`)],
    ['GET /documents/:id/pdf', (id) => c.get(outsider, `/documents/${id}/pdf`)],
    ['POST /documents/:id/events (valid body)', (id) => c.act(outsider, id, { type: 'release' })],
    ['POST /documents/:id/events (invalid body)', (id) => c.act(outsider, id, { type: 7 })],
    ['POST /documents/:id/events (stale If-Match)', (id) => c.act(outsider, id, { type: 'release' }, { 'If-Match': '"9"' })],
    ['POST /documents/:id/attachments', (id) => c.attach(outsider, id, photo('gate-photo-front.jpg'), 'a.jpg', 'image/jpeg')],
    ['POST /documents/:id/attachments (not a photo)', (id) => c.attach(outsider, id, Buffer.from('hello'), 'a.txt', 'text/plain')],
  ];

  it.each(routes)('%s answers the same problem for both', async (_name, call) => {
    const existing = await call(d.id);
    const missing = await call('doc-00000000-0000-4000-8000-000000000000');
    expect(existing.status).toBeGreaterThanOrEqual(400);
    expectProblem(existing, existing.status);
    expect(shapeOf(existing, d.id)).toEqual(shapeOf(missing, 'doc-00000000-0000-4000-8000-000000000000'));
  });

  it('GET /log/entries leaves its events out; an auditor sees them', async () => {
    const size = (await c.get(P.auditor, '/log/tree-head')).body.size as number;
    const mine = await c.get(outsider, `/log/entries?start=0&end=${size}`);
    expectStatus(mine, 200);
    expect((mine.body.entries as { documentId: string }[]).map((e) => e.documentId)).not.toContain(d.id);
    const audited = await c.get(P.auditor, `/log/entries?start=0&end=${size}`);
    expect((audited.body.entries as { documentId: string }[]).map((e) => e.documentId)).toContain(d.id);
  });

  it('list filters and cursors never show it', async () => {
    for (const q of ['', '?kind=delivery-order', '?status=issued', '?role=consignee', '?role=issuer', '?limit=1']) {
      const res = await c.get(outsider, `/documents${q}`);
      expectStatus(res, 200);
      expect((res.body.items as { id: string }[]).map((i) => i.id)).not.toContain(d.id);
    }
  });

  it('the same Idempotency-Key used by two parties makes two documents; neither answers with the other\'s', async () => {
    const key = `shared-${Date.now()}`;
    const first = await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order'), { 'Idempotency-Key': key });
    expectStatus(first, 201);
    // Same key, another party, a payload of its own: a new document, not the first one.
    const other = await c.issue(P.agentPus, 'delivery-order', payloadOf('delivery-order', (p) => {
      p['carrierAgent'] = { ...(p['carrierAgent'] as Record<string, unknown>), partyId: P.agentPus };
    }), { 'Idempotency-Key': key });
    expectStatus(other, 201);
    expect(other.body.id).not.toBe(first.body.id);
    // The second party repeating the first party's exact request cannot reach the first document.
    const replay = await c.issue(P.agentPus, 'delivery-order', first.body.payload, { 'Idempotency-Key': key });
    expect(replay.body.id).not.toBe(first.body.id);
    expect(JSON.stringify(replay.body)).not.toContain(first.body.id as string);
  });
});

describe('credentials', () => {
  const key = () => t.keys[P.consignee] ?? '';
  const list = (authorization: string) => request(t.app).get(`${API}/documents`).set('Authorization', authorization);

  it('accepts "bearer" in any case and extra spaces around the key', async () => {
    expectStatus(await list(`bearer ${key()}`), 200);
    expectStatus(await list(`BEARER    ${key()}`), 200);
  });

  it('refuses two tokens, other schemes, a key with a character changed, and an empty bearer with 401 problems', async () => {
    expectProblem(await list(`Bearer ${key()} ${t.keys[P.carrier] ?? ''}`), 401, 'missing-credentials');
    expectProblem(await list(`Basic ${key()}`), 401, 'missing-credentials');
    expectProblem(await list('Bearer'), 401, 'missing-credentials');
    expectProblem(await list(`Bearer ${key().slice(0, -1)}${key().endsWith('A') ? 'B' : 'A'}`), 401, 'invalid-credentials');
  });

  it('two Authorization headers never act as the second party', async () => {
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise<void>((ready) => server.once('listening', () => ready()));
    try {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const { status, body } = await new Promise<{ status: number; body: string }>((done, fail) => {
        const req = http.request({ host: '127.0.0.1', port, path: `${API}/documents` }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', fail);
        // An array sends one header line per value.
        req.setHeader('Authorization', [`Bearer ${key()}`, `Bearer ${t.keys[P.haulierB] ?? ''}`]);
        req.end();
      });
      // Node keeps only the first Authorization line: the request is the consignee's, or refused.
      expect([200, 401]).toContain(status);
      if (status === 200) expect((JSON.parse(body) as { items: { id: string }[] }).items.map((i) => i.id)).toContain(d.id);
    } finally {
      await new Promise<void>((closed) => server.close(() => closed()));
    }
  });

  it('a revoked key is 401 invalid-credentials from then on', async () => {
    const own = await startTestApp();
    try {
      const secret = own.keys[P.forwarder] ?? '';
      const call = () => request(own.app).get(`${API}/documents`).set('Authorization', `Bearer ${secret}`);
      expectStatus(await call(), 200);
      const found = await own.store.findActiveApiKey(hashApiKey(secret));
      if (!found) throw new Error('demo key not stored');
      await own.store.revokeApiKey(found.key.id, new Date().toISOString());
      expectProblem(await call(), 401, 'invalid-credentials');
      expect(own.unexpected).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('every 401 is a complete problem titled Unauthorized, with WWW-Authenticate', async () => {
    for (const res of [await request(t.app).get(`${API}/log/tree-head`), await list('Bearer nope')]) {
      expectProblem(res, 401);
      expect(res.body.title).toBe('Unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="sdx"/);
    }
  });

  it('no response to a failed or refused request carries an API key', async () => {
    const secrets = Object.values(t.keys);
    const responses = [
      await list(`Bearer ${key()}x`),
      await list(`Basic ${key()}`),
      await c.act(P.consignee, d.id, { type: 'transfer', to: key() }),
      await c.get(P.consignee, `/documents/${key()}`),
      await c.get(P.consignee, `/documents?cursor=${key()}`),
      await request(t.app).get(`/verify/doc-missing`).set('Authorization', `Bearer ${key()}`),
    ];
    for (const res of responses) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      for (const secret of secrets) {
        // The key the client itself put into a path or field may be echoed back; no other key is.
        if (secret === key()) continue;
        expect(JSON.stringify(res.body)).not.toContain(secret);
      }
      expect(JSON.stringify(res.headers)).not.toContain(key());
    }
  });
});

describe('odd input is a 4xx problem, never a 500', () => {
  it('repeated query parameters ("simple" parser arrays) are 422', async () => {
    for (const path of [
      '/documents?limit=1&limit=2',
      '/documents?kind=eir&kind=eir',
      '/documents?cursor=a&cursor=b',
      '/log/entries?start=0&start=1&end=2',
      '/log/proof/inclusion?index=0&index=0&size=1',
      '/log/proof/consistency?from=1&to=1&to=1',
    ]) {
      expectProblem(await c.get(P.consignee, path), 422, 'validation-failed');
    }
  });

  it('__proto__, constructor and hasOwnProperty as query names are 422 unknown-field', async () => {
    for (const name of ['__proto__', 'constructor', 'hasOwnProperty']) {
      const res = await c.get(P.consignee, `/documents?${name}=1`);
      expectProblem(res, 422, 'validation-failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ path: name, code: 'unknown-field' })]);
    }
  });

  it('__proto__ and constructor keys in JSON bodies are 422 and pollute nothing', async () => {
    const valid = JSON.stringify({ kind: 'eir', payload: payloadOf('eir') });
    for (const body of [
      valid.replace('"payload":{', '"payload":{"__proto__":{"polluted":true},'),
      valid.replace('"payload":{', '"payload":{"constructor":{"prototype":{"polluted":true}},'),
      valid.replace('{"kind"', '{"__proto__":{"polluted":true},"kind"'),
    ]) {
      const res = await c.post(P.terminal, '/documents').set('content-type', 'application/json').send(body);
      expectProblem(res, 422, 'validation-failed');
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('log query numbers are plain decimal digits: empty, blank, hex and exponent forms are 422', async () => {
    for (const path of [
      '/log/entries?start=&end=',
      '/log/entries?start=0&end=0x2',
      '/log/entries?start=0&end=1e1',
      '/log/proof/inclusion?index=%20&size=1',
      '/log/proof/consistency?from=1&to=1.0',
      '/log/entries?start=0&end=99999999999999999999',
    ]) {
      expectProblem(await c.get(P.consignee, path), 422, 'validation-failed');
    }
  });

  it('/log/entries past the end of the log is an empty page', async () => {
    const size = (await c.get(P.auditor, '/log/tree-head')).body.size as number;
    for (const [start, end] of [[size, size + 5], [size + 1, size + 5], [size + 500, size + 1000]]) {
      const res = await c.get(P.auditor, `/log/entries?start=${start}&end=${end}`);
      expectStatus(res, 200);
      expect(res.body).toEqual({ entries: [] });
    }
    expectProblem(await c.get(P.auditor, '/log/entries?start=5&end=4'), 422, 'validation-failed');
  });

  it('path parameters with NUL, dot-dot and broken escapes are 400/404 problems', async () => {
    expectProblem(await c.get(P.consignee, '/documents/%00/pdf'), 404, 'not-found');
    expectProblem(await c.get(P.consignee, '/documents/..%2F..%2Fetc%2Fpasswd/pdf'), 404, 'not-found');
    expectProblem(await c.get(P.consignee, '/documents/%E0%A4%A/pdf'), 400);
    expectProblem(await request(t.app).get('/verify/%00'), 404, 'not-found');
    expectProblem(await request(t.app).get('/verify/%E0%A4%A'), 400);
  });

  it('multipart: two files, another field name, an empty file, a broken body', async () => {
    const jpeg = photo('gate-photo-front.jpg');
    const at = `${API}/documents/${d.id}/attachments`;
    const auth = c.auth(P.consignee);
    expectProblem(
      await request(t.app).post(at).set('Authorization', auth).attach('file', jpeg, 'a.jpg').attach('file', jpeg, 'b.jpg'),
      422, 'invalid-upload',
    );
    expectProblem(await request(t.app).post(at).set('Authorization', auth).attach('photo', jpeg, 'a.jpg'), 422, 'invalid-upload');
    expectProblem(await c.attach(P.consignee, d.id, Buffer.alloc(0), 'a.jpg', 'image/jpeg'), 415, 'unsupported-media-type');
    expectProblem(await request(t.app).post(at).set('Authorization', auth), 422, 'file-required');
    const broken = await request(t.app).post(at).set('Authorization', auth)
      .set('content-type', 'multipart/form-data; boundary=xyz')
      .send('--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n\xff\xd8\xff');
    expectProblem(broken, 400, 'malformed-multipart');
    expectProblem(await request(t.app).post('/verify').attach('file', Buffer.alloc(0), 'a.pdf'), 415, 'unsupported-media-type');
    expectProblem(await request(t.app).post('/verify').attach('doc', Buffer.from('%PDF-1.7'), 'a.pdf'), 422, 'invalid-upload');
  });
});
