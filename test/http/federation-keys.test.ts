import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { openJws, publicKeyFromJwk, signJws, type PlatformJwk } from '../../src/domain/federation/compact-jws';
import { parseSettings } from '../../src/settings';
import { settingProblems } from '../../src/main';
import { startTestApp, type TestApp } from '../support/test-app';

const dir = mkdtempSync(join(tmpdir(), 'sdx-platform-'));
const keyFile = join(dir, 'platform.key.pem');
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
writeFileSync(keyFile, key.export({ format: 'pem', type: 'pkcs8' }));

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { SDX_PLATFORM_CODE: 'CAR1', SDX_PLATFORM_KEY_FILE: keyFile } });
});
afterAll(() => t.close());

describe('GET /.well-known/jwks.json', () => {
  it('publishes the platform key, whose kid opens what the platform signs', async () => {
    const res = await request(t.app).get('/.well-known/jwks.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const [published, ...others] = res.body.keys as (PlatformJwk & { d?: string })[];
    expect(others).toEqual([]);
    expect(published).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(published?.d).toBeUndefined();
    const publicKey = publicKeyFromJwk(published ?? {});
    expect(publicKey.export({ format: 'pem', type: 'spki' })).toBe(createPublicKey(key).export({ format: 'pem', type: 'spki' }));
    const token = signJws({ hello: 'peer' }, { key, kid: published?.kid ?? '' });
    expect(openJws(token, (kid) => (kid === published?.kid ? publicKey : undefined))).toEqual({ ok: true, kid: published?.kid, payload: { hello: 'peer' } });
    // The signature is a plain ES256 one any JOSE library checks.
    const [h, p, s] = token.split('.');
    expect(verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s ?? '', 'base64url'))).toBe(true);
  });
});

describe('platform settings', () => {
  const problems = (env: NodeJS.ProcessEnv) => settingProblems(parseSettings(env)).filter((p) => /SDX_P(LATFORM|EERS)/.test(p));

  it('accept the defaults: code SDX and the development key', () => {
    expect(problems({})).toEqual([]);
  });

  it('name a bad code, an unreadable key, a non-EC key and a bad peers file', () => {
    const rsa = join(dir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const peers = join(dir, 'peers.json');
    writeFileSync(peers, JSON.stringify([{ code: 'PORT', url: 'ftp://x' }]));
    expect(problems({ SDX_PLATFORM_CODE: 'sdx' })).toEqual([expect.stringContaining('SDX_PLATFORM_CODE must be 2-4 capitals or digits')]);
    expect(problems({ SDX_PLATFORM_KEY_FILE: join(dir, 'none.pem') })).toEqual([expect.stringContaining('SDX_PLATFORM_KEY_FILE')]);
    expect(problems({ SDX_PLATFORM_KEY_FILE: rsa })).toEqual([expect.stringContaining('EC P-256')]);
    expect(problems({ SDX_PEERS_FILE: peers })).toEqual([expect.stringMatching(/SDX_PEERS_FILE: .*0\.url/)]);
  });
});
