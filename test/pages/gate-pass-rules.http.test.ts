// What the service refuses at /v/<token>/status, by its own clock, and the gate record outside an
// EIR's validity window: each class crafted with the deployment's real pass key. The gate page's
// side of the same rules is test/domain/gate/gate-pass.test.ts and gate-pass-rules.e2e.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { PassClaims } from '../../src/domain/gate/gate-pass';
import { Client, P, gateRecordExample, payloadOf } from '../http/exchange-client';
import { runSdx } from '../support/built-cli';
import { certsDevPath } from '../support/certs-dev';
import { signedIn } from '../support/page-forms';
import { craftedPass, devPassKey, devPasses, highS, kidOf, resign } from '../support/pass-tokens';
import { startTestApp, type TestApp } from '../support/test-app';

const HOUR = 3600;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

let t: TestApp;
let c: Client;

beforeAll(async () => {
  t = await startTestApp();
  c = new Client(t);
});

afterAll(async () => {
  expect(t.unexpected).toEqual([]);
  await t.close();
});

const passes = devPasses();
async function claimsOf(id: string, at = new Date()): Promise<PassClaims> {
  const stored = await t.store.getDocument(id);
  if (!stored) throw new Error(`${id} not stored`);
  return passes.claimsFor(stored, at);
}
const status = (token: string, agent: ReturnType<typeof request.agent> | ReturnType<typeof request> = request(t.app)) =>
  agent.get(`/v/${token}/status`).set('Accept', 'application/json');

async function refused(token: string, expected: number, code: string): Promise<void> {
  const res = await status(token);
  expect({ status: res.status, code: res.body.code }).toEqual({ status: expected, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

describe('the server is the clock', () => {
  it('a fresh pass is answered, with the server’s Date', async () => {
    const eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
    const res = await status(craftedPass(await claimsOf(eir.id))).expect(200);
    expect(res.body).toEqual({ found: true, status: 'issued', seq: 1, holderUnchanged: true, current: true });
    expect(Math.abs(Date.parse(String(res.headers['date'])) - Date.now())).toBeLessThan(60_000);
  });

  it('refuses an expired pass, one issued in the future and one living a hundred years, each with its own code', async () => {
    const eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
    const claims = await claimsOf(eir.id);
    const now = nowSeconds();
    await refused(craftedPass({ ...claims, iat: now - 25 * HOUR, exp: now - HOUR }), 409, 'pass-expired');
    await refused(craftedPass({ ...claims, iat: now + HOUR, exp: now + 2 * HOUR }), 409, 'pass-not-yet-valid');
    await refused(craftedPass({ ...claims, iat: now - 60, exp: now + 100 * 365 * 24 * HOUR }), 400, 'pass-lifetime-too-long');
    // Only the lifetime: a day and a second is one second too long.
    await refused(craftedPass({ ...claims, iat: now - 60, exp: now - 60 + 24 * HOUR + 1 }), 400, 'pass-lifetime-too-long');
    await status(craftedPass({ ...claims, iat: now - 60, exp: now - 60 + 24 * HOUR })).expect(200);
  });
});

describe('signatures and headers', () => {
  it('refuses the high-S twin of a valid signature, a crit header, and a key it does not publish', async () => {
    const eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
    const claims = await claimsOf(eir.id);
    const token = craftedPass(claims);
    await status(token).expect(200);
    await refused(highS(token), 400, 'pass-invalid');
    const key = devPassKey();
    await refused(resign(key, { alg: 'ES256', kid: kidOf(key), crit: ['sdx-ignore-exp'], 'sdx-ignore-exp': true }, claims), 400, 'pass-invalid');
    await refused(resign(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, { alg: 'ES256', kid: 'stranger' }, claims), 400, 'pass-unknown-key');
  });
});

describe('right place, right document', () => {
  it('a terminal’s EIR is answered at its own gate and on the public page, refused at the depot’s gate', async () => {
    const eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
    const token = craftedPass(await claimsOf(eir.id));
    await status(token, await signedIn(t.app, 'demo-terminal-gate')).expect(200);
    await status(token).expect(200);
    const depot = await status(token, await signedIn(t.app, 'demo-depot-gate')).expect(409);
    expect(depot.body.code).toBe('pass-wrong-facility');
  });

  it('a D/O presented to the terminal is refused at the depot’s gate', async () => {
    const order = await c.deliveryOrder();
    await c.acted(P.consignee, order.id, { type: 'present', to: P.terminal });
    const token = craftedPass(await claimsOf(order.id));
    await status(token, await signedIn(t.app, 'demo-terminal-gate')).expect(200);
    expect((await status(token, await signedIn(t.app, 'demo-depot-gate')).expect(409)).body.code).toBe('pass-wrong-facility');
  });

  it('A → B → A: a pass from before the transfer is stale when the document is back with its holder', async () => {
    const order = await c.deliveryOrder();
    const token = craftedPass(await claimsOf(order.id));
    expect((await status(token).expect(200)).body).toMatchObject({ status: 'issued', holderUnchanged: true, current: true });
    await c.acted(P.consignee, order.id, { type: 'transfer', to: P.forwarder });
    await c.acted(P.forwarder, order.id, { type: 'transfer', to: P.consignee });
    expect((await status(token).expect(200)).body).toEqual({ found: true, status: 'transferred', seq: 3, holderUnchanged: true, current: false });
    expect((await status(craftedPass(await claimsOf(order.id))).expect(200)).body).toMatchObject({ current: true });
  });

  it('a D/O whose presentation was rejected is open: its holder gets a QR and a fresh pass is current', async () => {
    const order = await c.deliveryOrder();
    await c.acted(P.consignee, order.id, { type: 'present', to: P.terminal });
    await c.acted(P.terminal, order.id, { type: 'reject-presentation', reason: 'customs hold' });
    expect((await status(craftedPass(await claimsOf(order.id))).expect(200)).body).toMatchObject({ status: 'presentation-rejected', current: true });
    const consignee = await signedIn(t.app, 'demo-consignee-logistics');
    expect((await consignee.get(`/m/d/${order.id}`).expect(200)).text).toContain('<figure class="qr"');
  });
});

describe('an EIR’s validity window', () => {
  const window = (from: number, until: number) => payloadOf('eir', (p) => Object.assign(p, { validFrom: iso(from), validUntil: iso(until) }));

  it('before it starts: the pass is refused and a gate record is 409', async () => {
    const now = nowSeconds();
    const eir = await c.issued(P.terminal, 'eir', window(now + 2 * HOUR, now + 48 * HOUR));
    const claims = await claimsOf(eir.id);
    expect(claims.nbf).toBe(now + 2 * HOUR);
    await refused(craftedPass(claims), 409, 'pass-window-not-started');
    // A pass without its not-before is refused just the same: the server reads the document's window.
    const { nbf: _nbf, ...withoutNbf } = claims;
    await refused(craftedPass(withoutNbf), 409, 'pass-window-not-started');
    const res = await c.act(P.terminal, eir.id, { type: 'gate-record', gateRecord: gateRecordExample() });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: 'eir-not-yet-valid' });
    expect((await c.document(P.terminal, eir.id)).status).toBe('issued');
  });

  it('after it ends: a pass still within its own lifetime is refused and a gate record is 409', async () => {
    const now = nowSeconds();
    const eir = await c.issued(P.terminal, 'eir', window(now - 5 * HOUR, now - HOUR));
    const claims = await claimsOf(eir.id, new Date((now - 2 * HOUR) * 1000));
    await refused(craftedPass({ ...claims, exp: now + HOUR }), 409, 'pass-window-ended');
    const res = await c.act(P.terminal, eir.id, { type: 'gate-record', gateRecord: gateRecordExample() });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: 'eir-validity-ended' });
  });

  it('within it the gate record goes through', async () => {
    const now = nowSeconds();
    const eir = await c.issued(P.terminal, 'eir', window(now - HOUR, now + HOUR));
    await c.acted(P.terminal, eir.id, { type: 'gate-record', gateRecord: gateRecordExample() });
  });
});

describe('a retired pass key', () => {
  let rotated: TestApp;
  const retiredAt = nowSeconds() - HOUR;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdx-pass-keys-'));
    const keyFile = join(dir, 'new-pass.key.pem');
    writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    rotated = await startTestApp({
      env: { SDX_PASS_KEY_FILE: keyFile, SDX_PASS_RETIRED_KEY_FILES: `${certsDevPath('gate-pass.key.pem')}@${iso(retiredAt)}` },
    });
  });

  afterAll(async () => {
    expect(rotated.unexpected).toEqual([]);
    await rotated.close();
  });

  it('is published with its retirement, and verifies only the passes it made before it', async () => {
    const keys = (await request(rotated.app).get('/pass-keys.json').expect(200)).body.keys as { kid: string; retired?: number }[];
    expect(keys).toHaveLength(2);
    expect(keys.find((key) => key.kid === kidOf(devPassKey()))?.retired).toBe(retiredAt);
    const eir = await new Client(rotated).issued(P.terminal, 'eir', payloadOf('eir'));
    const stored = await rotated.store.getDocument(eir.id);
    if (!stored) throw new Error('not stored');
    const before = craftedPass(passes.claimsFor(stored, new Date((retiredAt - 60) * 1000)));
    const after = craftedPass(passes.claimsFor(stored, new Date((retiredAt + 60) * 1000)));
    await request(rotated.app).get(`/v/${before}/status`).set('Accept', 'application/json').expect(200);
    const res = await request(rotated.app).get(`/v/${after}/status`).set('Accept', 'application/json').expect(400);
    expect(res.body.code).toBe('pass-key-retired');
  });
});

it('sdx serve refuses a retired pass key listed without its retirement time, naming the setting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdx-pass-setting-'));
  const result = runSdx(['serve', '--db', join(dir, 'sdx.sqlite')], {
    env: { SDX_STORE: '', SDX_MONGO_URI: '', SDX_PDF_WORKERS: '0', SDX_PASS_RETIRED_KEY_FILES: certsDevPath('gate-pass.key.pem') },
  });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('SDX_PASS_RETIRED_KEY_FILES');
  expect(result.stderr).toContain('must be FILE@TIME');
});
