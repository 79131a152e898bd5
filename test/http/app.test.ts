import request from 'supertest';
import { startTestApp } from '../support/test-app';

const appOnFreshStore = startTestApp;

describe('HTTP app basics', () => {
  it('GET /healthz answers 200 with the store status', async () => {
    const { app, store } = await appOnFreshStore();
    const response = await request(app).get('/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ok', store: { ok: true, backend: 'sqlite' } });
    expect(response.body.store.detail).toMatch(/schema version \d+/);
    await store.close();
  });

  it('GET /healthz answers 503 once the store is gone', async () => {
    const { app, store } = await appOnFreshStore();
    await store.close();
    const response = await request(app).get('/healthz');
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ status: 'unavailable', store: { ok: false } });
  });

  it('answers an unknown route with a problem+json 404', async () => {
    const { app, store } = await appOnFreshStore();
    const response = await request(app).get('/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toEqual({
      type: 'https://sdx.dev/problems/route-not-found',
      title: 'Not Found',
      status: 404,
      code: 'route-not-found',
      detail: 'no route for GET /nothing-here',
    });
    await store.close();
  });

  it('answers malformed JSON with a problem+json 400 and reports nothing as unexpected', async () => {
    const { app, store, unexpected } = await appOnFreshStore();
    const response = await request(app).post('/api/v1/documents').set('content-type', 'application/json').send('{"kind": ');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, code: 'malformed-json' });
    expect(unexpected).toEqual([]);
    await store.close();
  });

  it('answers an oversized body with 413, not 500', async () => {
    const { app, store } = await appOnFreshStore();
    const response = await request(app)
      .post('/api/v1/documents')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ code: 'body-too-large' });
    await store.close();
  });

  it('answers a request while the store is down with 503, Retry-After and no internals', async () => {
    const { app, store, keys, unexpected } = await appOnFreshStore();
    await store.close();
    const response = await request(app).get('/api/v1/documents').set('Authorization', `Bearer ${keys['demo-auditor']}`);
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toMatchObject({ code: 'store-unavailable', detail: 'the service is unavailable; retry later' });
    expect(JSON.stringify(response.body)).not.toMatch(/sqlite|\/tmp\//);
    expect(unexpected).toEqual([]);
  });
});
