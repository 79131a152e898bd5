// Two nodes of one platform (two apps on one SQLite file): a signed peer request accepted by one
// is a replay at the other, because request ids are kept in the store, not in a process.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { signPeerRequest } from '../../src/application/federation/peer-requests';
import { Platform } from '../../src/application/federation/platform';
import { platformJwk } from '../../src/domain/federation/compact-jws';
import { startTestApp, type TestApp } from '../support/test-app';

const dir = mkdtempSync(join(tmpdir(), 'sdx-replay-'));
const carKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
let one: TestApp;
let two: TestApp;

beforeAll(async () => {
  const portKey = join(dir, 'port.key.pem');
  writeFileSync(portKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(join(dir, 'peers.json'), JSON.stringify([{ code: 'CAR1', url: 'http://127.0.0.1:9', jwk: platformJwk(carKey) }]));
  const env = { SDX_PLATFORM_CODE: 'PORT', SDX_PLATFORM_KEY_FILE: portKey, SDX_PEERS_FILE: join(dir, 'peers.json') };
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
