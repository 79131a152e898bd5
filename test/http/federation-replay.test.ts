// Two nodes of one platform (two apps on one SQLite file): a signed peer request accepted by one
// is a replay at the other, because request ids are kept in the store, not in a process; and what
// a peer sends for envelopes it never finishes counts against a quota, as a party's uploads do.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { signPeerRequest } from '../../src/application/federation/peer-requests';
import { Platform } from '../../src/application/federation/platform';
import { platformJwk } from '../../src/domain/federation/compact-jws';
import { pintPartyOf, sealEnvelope, signChainEntry } from '../../src/domain/federation/pint-envelope';
import { exampleJson } from '../support/examples';
import { startTestApp, type TestApp } from '../support/test-app';

const dir = mkdtempSync(join(tmpdir(), 'sdx-replay-'));
const carKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
let one: TestApp;
let two: TestApp;

beforeAll(async () => {
  const portKey = join(dir, 'port.key.pem');
  writeFileSync(portKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(join(dir, 'peers.json'), JSON.stringify([{ code: 'CAR1', url: 'http://127.0.0.1:9', jwk: platformJwk(carKey), parties: ['demo-agent-sha'], carriers: ['POCL'] }]));
  const env = { SDX_PLATFORM_CODE: 'PORT', SDX_PLATFORM_KEY_FILE: portKey, SDX_PEERS_FILE: join(dir, 'peers.json'), SDX_PENDING_UPLOAD_MB: '1' };
  one = await startTestApp({ env });
  two = await startTestApp({ env, dbFile: one.dbFile });
});

afterAll(async () => {
  for (const node of [one, two]) {
    expect(node.unexpected).toEqual([]);
    await node.close();
  }
});

it('a request one node accepted is refused as replayed by the other', async () => {
  const body = { codeListProvider: 'PORT', partyCode: 'demo-consignee' };
  const authorization = signPeerRequest(new Platform('CAR1', carKey), { to: 'PORT', method: 'POST', path: '/pint/v3/receiver-validation', body, now: new Date() });
  const first = await request(one.app).post('/pint/v3/receiver-validation').set('Authorization', authorization).send(body);
  expect(first.status).toBe(200);
  const again = await request(two.app).post('/pint/v3/receiver-validation').set('Authorization', authorization).send(body);
  expect([again.status, again.body.code]).toEqual([401, 'peer-request-replayed']);
});

it('additional documents of envelopes a peer never finishes count against its quota of pending bytes', async () => {
  const car = new Platform('CAR1', carKey);
  const send = async (method: 'POST' | 'PUT', path: string, body: unknown) =>
    request(one.app)[method === 'POST' ? 'post' : 'put'](path)
      .set('Authorization', signPeerRequest(car, { to: 'PORT', method, path, body, now: new Date() }))
      .type('json')
      .send(JSON.stringify(body));
  const statuses: number[] = [];
  for (const n of [1, 2]) {
    const payload = exampleJson('delivery-order');
    payload['deliveryOrderNumber'] = `DO-QUOTA-${n}`;
    const bytes = randomBytes(700_000);
    const checksum = createHash('sha256').update(bytes).digest('hex');
    const at = '2026-12-04T01:00:00.000Z';
    const agent = pintPartyOf('CAR1', 'demo-agent-sha', 'Agent');
    const entry = signChainEntry(
      { platform: 'CAR1', document: payload, transactions: [{ actionCode: 'ISSUE', actor: agent, recipient: pintPartyOf('PORT', 'demo-consignee', 'Consignee'), actionDateTime: at }] },
      car.signer,
    );
    const envelope = sealEnvelope({ document: payload, chain: [entry], supportingDocuments: [{ name: 'do.pdf', size: bytes.length, mediaType: 'application/pdf', documentChecksum: checksum }] }, car.signer);
    const started = await send('POST', '/pint/v3/envelopes', envelope);
    expect(started.status).toBe(201);
    const put = await send('PUT', `/pint/v3/envelopes/${String(started.body.envelopeReference)}/additional-documents/${checksum}`, bytes.toString('base64'));
    statuses.push(put.status);
    if (put.status !== 204) expect(put.body.code).toBe('upload-quota');
  }
  // 700 kB waits within the 1 MiB quota; another 700 kB would pass it.
  expect(statuses).toEqual([204, 413]);
});
