// The operator's view of the peer outbox: a guarantee sent to a peer that does not answer waits
// there with its attempts, last error and next try; only loopback or the operator token
// (SDX_METRICS_TOKEN) sees it, not a party's API key from elsewhere.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { platformJwk } from '../../src/domain/federation/compact-jws';
import { exampleJson } from '../support/examples';
import { startTestApp, type TestApp } from '../support/test-app';

const dir = mkdtempSync(join(tmpdir(), 'sdx-fed-sends-'));
const TOKEN = 'operator-token-for-the-sends-test';
let car: TestApp;

beforeAll(async () => {
  writeFileSync(join(dir, 'CAR1.key.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  // PORT's address answers nothing: every send to it fails and waits for its next try.
  writeFileSync(join(dir, 'CAR1.peers.json'), JSON.stringify([{ code: 'PORT', url: 'http://127.0.0.1:9', jwk: platformJwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) }]));
  car = await startTestApp({ env: { SDX_PLATFORM_CODE: 'CAR1', SDX_PLATFORM_KEY_FILE: join(dir, 'CAR1.key.pem'), SDX_PEERS_FILE: join(dir, 'CAR1.peers.json'), SDX_METRICS_TOKEN: TOKEN } });
});

afterAll(async () => {
  expect(car.unexpected).toEqual([]);
  await car.close();
});

const as = (party: string) => ({ Authorization: `Bearer ${car.keys[party] ?? ''}` });

it('lists a send the peer has not answered, with its attempts, last error and next try (none before it was sent)', async () => {
  expect((await request(car.app).get('/api/v1/federation/sends')).body).toEqual({ items: [] });
  const issued = await request(car.app).post('/api/v1/documents').set(as('demo-shipper')).send({ kind: 'telex-release-guarantee', payload: { ...exampleJson('telex-release-guarantee'), guaranteeNumber: 'TRG-SENDS-1' } });
  expect(issued.status).toBe(201);
  const id = String(issued.body.id);
  expect((await request(car.app).post(`/api/v1/documents/${id}/events`).set(as('demo-shipper')).send({ type: 'transfer', to: 'PORT:demo-agent-pus' })).status).toBe(200);
  if (!car.peerSender) throw new Error('the SQLite store has federation records');
  await car.peerSender.runOnce();

  const listed = await request(car.app).get('/api/v1/federation/sends');
  expect(listed.status).toBe(200);
  const items = listed.body.items as { peer: string; documentId: string; kind: string; attempts: number; nextAttemptAt: string; lastError: string | null; createdAt: string }[];
  expect(items.map(({ peer, documentId, kind, attempts }) => ({ peer, documentId, kind, attempts }))).toEqual([{ peer: 'PORT', documentId: id, kind: 'envelope', attempts: 1 }]);
  expect(items[0]?.lastError).toEqual(expect.any(String));
  expect(Date.parse(items[0]?.nextAttemptAt ?? '')).toBeGreaterThan(Date.parse(items[0]?.createdAt ?? ''));
  expect(Object.keys(items[0] ?? {})).not.toContain('body');
});

/** This machine's first non-loopback IPv4 address: a request from it is not loopback. */
const outward = Object.values(networkInterfaces()).flat().find((i) => i?.family === 'IPv4' && !i.internal)?.address;
if (!outward) {
  if (process.env['CI'] === 'true') throw new Error('CI needs a non-loopback IPv4 address to call the sends view from');
  console.warn('skipping the non-loopback sends test: this machine has no non-loopback IPv4 address');
}

(outward ? it : it.skip)('from another address, only the operator token opens it: a party’s API key is 403 operator-forbidden', async () => {
  const server: Server = createServer(car.app);
  await new Promise<void>((done) => server.listen(0, outward, done));
  try {
    const url = `http://${outward ?? ''}:${(server.address() as AddressInfo).port}/api/v1/federation/sends`;
    const withKey = await fetch(url, { headers: as('demo-shipper') });
    expect([withKey.status, ((await withKey.json()) as { code: string }).code]).toEqual([403, 'operator-forbidden']);
    const withToken = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect([withToken.status, ((await withToken.json()) as { items: unknown[] }).items.length]).toEqual([200, 1]);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
});
