import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, verify, webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { x509 } from '../../src/adapters/pki/x509';
import { openJws, platformJwk, publicKeyFromJwk, signJws, type PlatformJwk } from '../../src/domain/federation/compact-jws';
import { parseSettings } from '../../src/settings';
import { PeerDirectory } from '../../src/application/federation/platform';
import { peersOf, settingProblems } from '../../src/main';
import { settingsOrThrow } from '../../src/settings';
import { certsDevText } from '../support/certs-dev';
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

describe('a peer’s x5c', () => {
  const problems = (env: NodeJS.ProcessEnv) => settingProblems(parseSettings(env)).filter((p) => p.includes('SDX_PEERS_FILE'));
  const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;

  /** A certificate for `key`'s public half, signed by `issuerKey` under `issuer` (the development root by default). */
  async function leafFor(key: KeyObject, signer?: { key: KeyObject; name: string }): Promise<string> {
    const issuerKey = signer?.key ?? createPrivateKey(certsDevText('root-ca.key.pem'));
    const der = (k: KeyObject, type: 'spki' | 'pkcs8') => k.export({ format: 'der', type });
    const signingKey = await webcrypto.subtle.importKey('pkcs8', der(issuerKey, 'pkcs8'), ecdsa, false, ['sign']);
    const algorithm = key.asymmetricKeyType === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : ecdsa;
    const publicKey = await webcrypto.subtle.importKey('spki', der(createPublicKey(key), 'spki'), algorithm, true, ['verify']);
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: '0102',
      subject: 'CN=PORT platform',
      issuer: signer?.name ?? new x509.X509Certificate(certsDevText('root-ca.pem')).subject,
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2036-01-01T00:00:00Z'),
      publicKey,
      signingKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    return Buffer.from(certificate.rawData).toString('base64');
  }

  const peersWith = (entry: Record<string, unknown>) => {
    const file = join(dir, `x5c-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify([{ code: 'PORT', url: 'https://port.example', ...entry }]));
    return { SDX_PEERS_FILE: file };
  };
  const portKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

  it('is taken when it chains to the development root and its leaf is the pinned key', async () => {
    expect(problems(peersWith({ jwk: platformJwk(portKey), x5c: [await leafFor(portKey)] }))).toEqual([]);
  });

  it('with a JWKS URL, certifies the one key taken from the peer', async () => {
    const env = peersWith({ jwksUrl: 'https://port.example/.well-known/jwks.json', x5c: [await leafFor(portKey)] });
    expect(problems(env)).toEqual([]);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    // Whatever the peer's JWKS would hold: the certified key is the only one, so it is not even fetched.
    const directory = new PeerDirectory(peersOf(settingsOrThrow(env)), async () => ({ keys: [platformJwk(portKey), platformJwk(other)] }));
    expect((await directory.keyFor('PORT', platformJwk(portKey).kid))?.export({ format: 'jwk' })).toEqual(createPublicKey(portKey).export({ format: 'jwk' }));
    expect(await directory.keyFor('PORT', platformJwk(other).kid)).toBeUndefined();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(problems(peersWith({ jwksUrl: 'https://port.example/.well-known/jwks.json', x5c: [await leafFor(rsa)] }))).toEqual([expect.stringContaining("x5c.0's public key is not an EC P-256 key")]);
  });

  it.each<[string, () => Promise<Record<string, unknown>>, string]>([
    ['a leaf for another key than the pinned one', async () => ({ jwk: platformJwk(portKey), x5c: [await leafFor(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)] }), "PORT: x5c.0's public key is not the pinned jwk"],
    [
      'a chain to a root that is not a trust anchor here',
      async () => ({ jwk: platformJwk(portKey), x5c: [await leafFor(portKey, { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, name: 'CN=SDX Development Root CA, O=SDX Development' })] }),
      'PORT: x5c does not lead to a trust anchor',
    ],
    ['bytes that are no certificate', async () => ({ jwk: platformJwk(portKey), x5c: ['AAAA'] }), 'PORT: x5c.0 is not a DER certificate'],
  ])('refuses start-up with %s', async (_what, entry, message) => {
    expect(problems(peersWith(await entry()))).toEqual([expect.stringContaining(message)]);
  });
});
