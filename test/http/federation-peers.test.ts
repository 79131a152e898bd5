// Two real SDX apps on loopback, each a platform with its own key and store, each configured with
// the other as a peer: CAR1 pins PORT's key (jwk), PORT reads CAR1's from its JWKS URL.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PeerClient, fetchJwks } from '../../src/adapters/http/peer-client';
import { signPeerRequest } from '../../src/application/federation/peer-requests';
import { PeerDirectory, Platform } from '../../src/application/federation/platform';
import { platformJwk } from '../../src/domain/federation/compact-jws';
import { peersOf, platformOf } from '../../src/main';
import { settingsOrThrow } from '../../src/settings';
import { dcsaProblems } from '../support/dcsa-schemas';
import { startTestApp, type TestApp } from '../support/test-app';

const dir = mkdtempSync(join(tmpdir(), 'sdx-peers-'));

interface Side {
  code: string;
  key: KeyObject;
  server: Server;
  url: string;
  env: NodeJS.ProcessEnv;
  app?: TestApp;
}

async function side(code: string): Promise<Side> {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const keyFile = join(dir, `${code}.key.pem`);
  writeFileSync(keyFile, key.export({ format: 'pem', type: 'pkcs8' }));
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { code, key, server, url, env: { SDX_PLATFORM_CODE: code, SDX_PLATFORM_KEY_FILE: keyFile, SDX_PEERS_FILE: join(dir, `${code}.peers.json`) } };
}

let car: Side;
let port: Side;
/** CAR1's client for PORT, and PORT's for CAR1, wired from each side's settings as the service is. */
let carClient: PeerClient;
let portClient: PeerClient;

beforeAll(async () => {
  car = await side('CAR1');
  port = await side('PORT');
  writeFileSync(car.env.SDX_PEERS_FILE ?? '', JSON.stringify([{ code: 'PORT', url: port.url, jwk: platformJwk(port.key) }]));
  writeFileSync(port.env.SDX_PEERS_FILE ?? '', JSON.stringify([{ code: 'CAR1', url: `${car.url}/`, jwksUrl: `${car.url}/.well-known/jwks.json` }]));
  for (const s of [car, port]) {
    s.app = await startTestApp({ env: s.env });
    s.server.on('request', s.app.app);
  }
  carClient = new PeerClient(platformOf(settingsOrThrow(car.env)), new PeerDirectory(peersOf(settingsOrThrow(car.env)), fetchJwks));
  portClient = new PeerClient(platformOf(settingsOrThrow(port.env)), new PeerDirectory(peersOf(settingsOrThrow(port.env)), fetchJwks));
});

afterAll(async () => {
  for (const s of [car, port]) {
    s.server.closeAllConnections();
    await new Promise<void>((done) => s.server.close(() => done()));
    expect(s.app?.unexpected).toEqual([]);
    await s.app?.close();
  }
});

/** A signed receiver-validation call from CAR1 to PORT, sent as is. */
function call(authorization: string | undefined, body: unknown = { codeListProvider: 'PORT', partyCode: 'demo-consignee' }): Promise<Response> {
  return fetch(`${port.url}/pint/v3/receiver-validation`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
    body: JSON.stringify(body),
  });
}
const signedBy = (platform: Platform, body: unknown = { codeListProvider: 'PORT', partyCode: 'demo-consignee' }, to = 'PORT') =>
  signPeerRequest(platform, { to, method: 'POST', path: '/pint/v3/receiver-validation', body, now: new Date() });

describe('POST /pint/v3/receiver-validation between two platforms', () => {
  it('CAR1 learns the name of a party on PORT, in the asker’s language; the answer is PINT’s', async () => {
    expect(await carClient.validateReceiver({ platform: 'PORT', party: 'demo-consignee' })).toEqual({ found: true, partyName: 'Shanghai Lianhua Import Co. (demo)' });
    expect(await carClient.validateReceiver({ platform: 'PORT', party: 'demo-consignee' }, 'zh')).toEqual({ found: true, partyName: '上海联华进口有限公司（演示）' });
    const raw = await call(signedBy(platformOf(settingsOrThrow(car.env))));
    expect(raw.status).toBe(200);
    expect(raw.headers.get('api-version')).toBe('3.0.0');
    expect(dcsaProblems('pint-receiver-validation-response', await raw.json(), { closed: true })).toEqual([]);
  });

  it('PORT asks CAR1 the other way, CAR1 checking PORT’s key from its JWKS URL', async () => {
    expect(await portClient.validateReceiver({ platform: 'CAR1', party: 'demo-carrier' })).toEqual({ found: true, partyName: 'Pearl Ocean Container Line (demo)' });
  });

  it.each([
    ['a party PORT does not have', { platform: 'PORT', party: 'demo-nobody' }],
    ['an auditor, who takes no documents', { platform: 'PORT', party: 'demo-auditor' }],
  ])('answers not found for %s', async (_what, address) => {
    expect(await carClient.validateReceiver(address)).toEqual({ found: false });
  });

  it('answers 404 pint-party-unknown for another platform’s code list, with no more said', async () => {
    const body = { codeListProvider: 'WAVE', partyCode: 'demo-consignee' };
    const res = await call(signedBy(platformOf(settingsOrThrow(car.env)), body), body);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'pint-party-unknown', status: 404 });
  });
});

describe('POST /api/v1/receiver-validation: a user of CAR1 checks a receiver before a transfer', () => {
  const ask = (to: unknown, language = 'en') =>
    fetch(`${car.url}/api/v1/receiver-validation`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${car.app?.keys['demo-consignee'] ?? ''}`, 'Content-Type': 'application/json', 'Accept-Language': language },
      body: JSON.stringify({ to }),
    });

  it('a party on PORT is asked of PORT; a local one (bare or under CAR1) is found here', async () => {
    const there = await ask('PORT:demo-forwarder', 'zh');
    expect({ status: there.status, body: (await there.json()) as unknown }).toEqual({ status: 200, body: { platform: 'PORT', partyId: 'demo-forwarder', partyName: '外滩货运代理（演示）' } });
    for (const to of ['demo-terminal', 'CAR1:demo-terminal']) {
      expect(await (await ask(to)).json()).toEqual({ platform: 'CAR1', partyId: 'demo-terminal', partyName: 'Yangshan Demo Container Terminal' });
    }
  });

  it('unknown there: 404 pint-party-unknown; not an address: 422; an unconfigured platform: 503 peer-unavailable', async () => {
    const unknown = await ask('PORT:demo-nobody');
    expect([unknown.status, ((await unknown.json()) as { code?: string }).code]).toEqual([404, 'pint-party-unknown']);
    const bad = await ask('port:Demo Consignee');
    expect([bad.status, ((await bad.json()) as { code?: string }).code]).toEqual([422, 'validation-failed']);
    const elsewhere = await ask('WAVE:demo-consignee');
    expect([elsewhere.status, ((await elsewhere.json()) as { code?: string }).code]).toEqual([503, 'peer-unavailable']);
  });
});

describe('PORT refuses platform requests it cannot tie to a peer', () => {
  const refused = async (res: Response, code: string) => {
    expect({ status: res.status, body: (await res.json()) as unknown }).toEqual({ status: 401, body: expect.objectContaining({ code, status: 401 }) });
  };

  it('with no platform signature', async () => {
    await refused(await call(undefined), 'peer-credentials-missing');
    await refused(await call('Bearer sdx_demo_key'), 'peer-credentials-missing');
  });

  it('signed by a key CAR1 does not publish', async () => {
    const impostor = new Platform('CAR1', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    await refused(await call(signedBy(impostor)), 'peer-signature-invalid');
  });

  it('from a platform that is not a peer', async () => {
    await refused(await call(signedBy(new Platform('WAVE', car.key))), 'peer-unknown');
  });

  it('signed for another body or another receiver', async () => {
    await refused(await call(signedBy(platformOf(settingsOrThrow(car.env)), { codeListProvider: 'PORT', partyCode: 'demo-shipper' })), 'peer-request-invalid');
    await refused(await call(signedBy(platformOf(settingsOrThrow(car.env)), undefined, 'CAR2')), 'peer-request-invalid');
  });

  it('sent a second time (replayed), while the first was answered', async () => {
    const once = signedBy(platformOf(settingsOrThrow(car.env)));
    expect((await call(once)).status).toBe(200);
    await refused(await call(once), 'peer-request-replayed');
  });

  it('tells the caller in Chinese when asked', async () => {
    const res = await fetch(`${port.url}/pint/v3/receiver-validation`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Accept-Language': 'zh-CN' }, body: '{}' });
    expect(await res.json()).toMatchObject({ code: 'peer-credentials-missing', title: '缺少平台签名' });
  });
});

describe('a peer out of reach', () => {
  it('is peer-unavailable, not a party that does not exist', async () => {
    const gone = createServer();
    await new Promise<void>((done) => gone.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
    await new Promise<void>((done) => gone.close(() => done()));
    const client = new PeerClient(platformOf(settingsOrThrow(car.env)), new PeerDirectory([{ code: 'PORT', url, jwk: platformJwk(port.key) }], fetchJwks));
    await expect(client.validateReceiver({ platform: 'PORT', party: 'demo-consignee' })).rejects.toMatchObject({ code: 'peer-unavailable' });
  });
});
