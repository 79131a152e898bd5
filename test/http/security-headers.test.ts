import request from 'supertest';
import type { Response } from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import { API, Client, P, payloadOf, photo, useExchange } from './exchange-client';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});

/** What helmet (src/http/app.ts) sets on every answer, pages and API alike. */
function expectSecurityHeaders(res: Response): void {
  const what = `${res.request.method} ${res.request.url} (${res.status})`;
  const csp = String(res.headers['content-security-policy'] ?? '');
  expect({ what, csp }).toEqual({ what, csp: expect.stringContaining("default-src 'none'") });
  for (const directive of ["script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"]) {
    expect({ what, directive, present: csp.includes(directive) }).toEqual({ what, directive, present: true });
  }
  expect({ what, unsafe: /unsafe-(inline|eval)/.test(csp) }).toEqual({ what, unsafe: false });
  expect({
    what,
    nosniff: res.headers['x-content-type-options'],
    referrer: res.headers['referrer-policy'],
    frame: res.headers['x-frame-options'],
    opener: res.headers['cross-origin-opener-policy'],
    resource: res.headers['cross-origin-resource-policy'],
    poweredBy: res.headers['x-powered-by'],
  }).toEqual({
    what,
    nosniff: 'nosniff',
    referrer: 'no-referrer',
    frame: 'SAMEORIGIN',
    opener: 'same-origin',
    resource: 'same-origin',
    poweredBy: undefined,
  });
}

describe('security headers on API responses', () => {
  it('every kind of API answer carries them: success, PDF, problems of each family, public routes', async () => {
    const issued = await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order'));
    expect(issued.status).toBe(201);
    const id = String(issued.body.id);
    const answers = [
      issued,
      await c.get(P.consignee, `/documents/${id}`),
      await c.get(P.consignee, '/documents?limit=1'),
      await c.get(P.consignee, `/documents/${id}/pdf`),
      await c.get(P.auditor, '/log/tree-head'),
      await c.act(P.consignee, id, { type: 7 }),
      await c.act(P.haulierB, id, { type: 'release' }),
      await c.act(P.auditor, id, { type: 'release' }),
      await c.post(P.consignee, `/documents/${id}/events`).set('content-type', 'application/json').send('{"type":'),
      await c.post(P.consignee, `/documents/${id}/events`).set('content-type', 'text/plain').send('x'),
      await c.attach(P.consignee, id, photo('gate-photo-front.jpg').subarray(0, 0), 'a.jpg', 'image/jpeg'),
      await request(t.app).get(`${API}/documents`),
      await request(t.app).get(`${API}/documents`).set('Authorization', 'Bearer nope'),
      await request(t.app).get(`${API}/no-such-route`),
      await request(t.app).get('/healthz'),
      await request(t.app).get('/openapi.json'),
      await request(t.app).get(`/verify/${id}`).set('Accept', 'application/json'),
      await request(t.app).get('/pass-keys.json'),
      await request(t.app).post('/verify').attach('file', Buffer.from('not a pdf'), 'x.pdf'),
    ];
    expect(new Set(answers.map((res) => res.status))).toEqual(new Set([200, 201, 400, 401, 403, 404, 415, 422]));
    for (const res of answers) expectSecurityHeaders(res);
  });

  it('no HSTS over plain http; HSTS and upgrade-insecure-requests when the public URL is https', async () => {
    const plain = await request(t.app).get('/healthz');
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    const secure = await startTestApp({ env: { SDX_PUBLIC_URL: 'https://sdx.example' } });
    try {
      const res = await request(secure.app).get(`${API}/documents`).set('Authorization', `Bearer ${secure.keys[P.consignee] ?? ''}`);
      expect(res.status).toBe(200);
      expectSecurityHeaders(res);
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
      expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    } finally {
      await secure.close();
    }
  });
});
