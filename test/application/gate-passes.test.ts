import { generateKeyPairSync } from 'node:crypto';
import { GatePasses, SERVER_CLOCK_SKEW_SECONDS, liveStatusFor, passRefusalAt } from '../../src/application/gate-passes';
import { PASS_LIFETIME_SECONDS, isLowS, type PassClaims } from '../../src/domain/gate/gate-pass';
import { highS, resign } from '../support/pass-tokens';
import type { StoredDocument } from '../../src/application/ports/store.port';
import { exampleJson } from '../support/examples';

const newKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

function storedEir(overrides: Partial<StoredDocument['state']> = {}): StoredDocument {
  return {
    state: {
      id: 'doc-0123456789abcdef0123456789abcdef',
      kind: 'eir',
      version: 1,
      status: 'issued',
      issuer: 'demo-terminal',
      holder: 'demo-haulier-a',
      presentedTo: null,
      participants: [
        { partyId: 'demo-terminal', role: 'facility-operator' },
        { partyId: 'demo-haulier-a', role: 'haulier' },
      ],
      payloadHash: 'ab'.repeat(32),
      validUntil: '2026-12-05T15:59:00.000Z',
      supersedes: null,
      supersededBy: null,
      guaranteeId: null,
      backsDeliveryOrder: null,
      ...overrides,
    },
    payload: exampleJson('eir'),
    seq: 1,
    createdAt: '2026-11-28T00:00:00.000Z',
    updatedAt: '2026-11-28T00:00:00.000Z',
  };
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

describe('GatePasses', () => {
  const current = newKey();
  const passes = new GatePasses({ signing: current.privateKey });

  it('signs a pass that opens with its claims, naming its facility; the pass URL fits a QR a phone reads at arm’s length', () => {
    const claims = passes.claimsFor(storedEir(), new Date('2026-11-28T02:00:00Z'));
    expect(claims).toMatchObject({ d: storedEir().state.id, k: 'e', s: 1, h: 'ab'.repeat(8), o: 'demo-haulier-a', f: 'demo-terminal', p: '沪AD12345', c: 'CSQU3054383' });
    const token = passes.sign(claims);
    expect(passes.open(token)).toEqual({ outcome: 'valid', claims });
    // At error correction M a version-15 code (77x77 modules) holds 412 bytes; a phone reads that at arm's length.
    expect(Buffer.byteLength(`https://sdx.example.cn/v/${token}`)).toBeLessThanOrEqual(412);
  });

  it('a pass expires at the end of the document’s validity or after 24 hours, whichever is first; before the window opens it says when it does', () => {
    const issuedAt = new Date('2026-11-28T02:00:00Z');
    expect(passes.claimsFor(storedEir(), issuedAt).exp - passes.claimsFor(storedEir(), issuedAt).iat).toBe(PASS_LIFETIME_SECONDS);
    const ending = storedEir({ validUntil: '2026-11-28T03:00:00Z' });
    expect(passes.claimsFor(ending, issuedAt).exp).toBe(seconds('2026-11-28T03:00:00Z'));
    // The example EIR is valid from 2026-11-28 08:00 Beijing time (00:00 UTC).
    expect(passes.claimsFor(storedEir(), new Date('2026-11-27T20:00:00Z')).nbf).toBe(seconds('2026-11-28T00:00:00Z'));
    expect(passes.claimsFor(storedEir(), issuedAt).nbf).toBeUndefined();
  });

  it('every signature it makes is in low-S form, and the high-S twin of a valid signature is refused', () => {
    for (let i = 0; i < 16; i += 1) {
      const token = passes.sign(passes.claimsFor(storedEir(), new Date()));
      expect(isLowS(Buffer.from(token.split('.')[2] ?? '', 'base64url'))).toBe(true);
      expect(passes.open(token).outcome).toBe('valid');
      expect(passes.open(highS(token)).outcome).toBe('invalid');
    }
  });

  it('refuses a header with crit or any member besides alg and kid, even correctly signed', () => {
    const claims = passes.claimsFor(storedEir(), new Date());
    const kid = passes.trustList(new Date()).keys[0]?.kid ?? '';
    expect(passes.open(resign(current.privateKey, { alg: 'ES256', kid }, claims)).outcome).toBe('valid');
    expect(passes.open(resign(current.privateKey, { alg: 'ES256', kid, crit: ['exp'], exp: 1 }, claims)).outcome).toBe('invalid');
    expect(passes.open(resign(current.privateKey, { alg: 'ES256', kid, crit: [] }, claims)).outcome).toBe('invalid');
    expect(passes.open(resign(current.privateKey, { alg: 'ES256', kid, typ: 'JWT' }, claims)).outcome).toBe('invalid');
  });

  it('refuses a changed claim, a foreign key and garbage', () => {
    const token = passes.sign(passes.claimsFor(storedEir(), new Date()));
    const [header, body, signature] = token.split('.');
    const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body ?? '', 'base64url').toString()), p: '沪B00000' })).toString('base64url');
    expect(passes.open(`${header}.${changed}.${signature}`).outcome).toBe('invalid');
    const stranger = new GatePasses({ signing: newKey().privateKey });
    expect(stranger.open(token).outcome).toBe('unknown-key');
    for (const junk of ['', 'a.b', 'a.b.c', `${header}.${body}`, `${token}.x`, 'x'.repeat(5000)]) expect(passes.open(junk).outcome).not.toBe('valid');
  });

  it('after a key rotation, a retired key opens only the passes it made before its retirement, and is published until they have expired', () => {
    const retiredAt = new Date('2026-12-01T00:00:00Z');
    const before = passes.sign(passes.claimsFor(storedEir(), new Date('2026-11-30T23:59:59Z')));
    const after = passes.sign(passes.claimsFor(storedEir(), retiredAt));
    const rotated = new GatePasses({ signing: newKey().privateKey, retired: [{ key: current.publicKey, retiredAt }] });
    expect(rotated.open(before).outcome).toBe('valid');
    expect(rotated.open(after).outcome).toBe('key-retired');
    const published = rotated.trustList(new Date('2026-12-01T12:00:00Z')).keys;
    expect(published).toHaveLength(2);
    expect(published[1]?.retired).toBe(seconds('2026-12-01T00:00:00Z'));
    expect(JSON.stringify(published)).not.toMatch(/"d"/);
    expect(rotated.trustList(new Date('2026-12-02T01:00:00Z')).keys).toHaveLength(1);
  });

  it('live status tells the bearer only what the pass names, and whether the document is still where the pass left it', () => {
    const claims = passes.claimsFor(storedEir(), new Date());
    expect(liveStatusFor(claims, storedEir())).toEqual({ found: true, status: 'issued', seq: 1, holderUnchanged: true, current: true });
    expect(liveStatusFor(claims, storedEir({ holder: 'demo-haulier-b' }))).toMatchObject({ holderUnchanged: false });
    // A → B → A: the same holder again, but two events later.
    expect(liveStatusFor(claims, { ...storedEir(), seq: 3 })).toMatchObject({ holderUnchanged: true, current: false });
    expect(liveStatusFor(claims, storedEir({ payloadHash: 'cd'.repeat(32) }))).toMatchObject({ current: false });
    expect(liveStatusFor(claims, undefined)).toEqual({ found: false });
    expect(liveStatusFor({ ...claims, k: 'd' }, storedEir())).toEqual({ found: false });
  });
});

describe('passRefusalAt: the server is the clock', () => {
  const passes = new GatePasses({ signing: newKey().privateKey });
  const issued = new Date('2026-11-28T02:00:00Z');
  const claims: PassClaims = passes.claimsFor(storedEir(), issued);
  const at = (iso: string) => seconds(iso);

  it.each<[string, PassClaims, number, string | undefined, string | undefined]>([
    ['a fresh pass at its facility', claims, at('2026-11-28T03:00:00Z'), 'demo-terminal', undefined],
    ['a fresh pass on the public page', claims, at('2026-11-28T03:00:00Z'), undefined, undefined],
    ['expired', claims, claims.exp + SERVER_CLOCK_SKEW_SECONDS + 1, undefined, 'pass-expired'],
    ['issued in the future', claims, claims.iat - SERVER_CLOCK_SKEW_SECONDS - 1, undefined, 'pass-not-yet-valid'],
    ['living a hundred years', { ...claims, exp: claims.iat + 100 * 365 * 86400 }, claims.iat + 60, undefined, 'pass-lifetime-too-long'],
    ['at another facility', claims, claims.iat + 60, 'demo-depot', 'pass-wrong-facility'],
    ['naming no facility, at a facility', { ...claims, f: undefined }, claims.iat + 60, 'demo-terminal', 'pass-wrong-facility'],
  ])('%s', (_name, pass, now, gateParty, refusal) => {
    expect(passRefusalAt(pass, storedEir(), now, gateParty)).toBe(refusal);
  });

  it('an EIR outside its validity window: before it starts, and after it ends', () => {
    // The example EIR: 2026-11-28 00:00 UTC to 2026-12-05 15:59 UTC.
    const early = passes.claimsFor(storedEir(), new Date('2026-11-27T20:00:00Z'));
    expect(passRefusalAt(early, storedEir(), at('2026-11-27T20:01:00Z'))).toBe('pass-window-not-started');
    expect(passRefusalAt({ ...early, nbf: undefined }, storedEir(), at('2026-11-27T20:01:00Z'))).toBe('pass-window-not-started');
    expect(passRefusalAt(early, storedEir(), at('2026-11-28T00:01:00Z'))).toBeUndefined();
    const late = passes.claimsFor(storedEir({ validUntil: '2026-12-06T00:00:00Z' }), new Date('2026-12-05T15:00:00Z'));
    expect(passRefusalAt(late, storedEir(), at('2026-12-05T16:30:00Z'))).toBe('pass-window-ended');
  });
});
