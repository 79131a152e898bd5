import { generateKeyPairSync } from 'node:crypto';
import { GatePasses, liveStatusFor } from '../../src/application/gate-passes';
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
      participants: [],
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

describe('GatePasses', () => {
  const current = newKey();
  const passes = new GatePasses({ signing: current.privateKey });

  it('signs a pass that opens with its claims; the pass URL fits a QR a phone reads at arm’s length', () => {
    const claims = passes.claimsFor(storedEir(), new Date('2026-11-28T02:00:00Z'));
    expect(claims).toMatchObject({ d: storedEir().state.id, k: 'e', s: 1, h: 'ab'.repeat(8), o: 'demo-haulier-a', p: '沪AD12345', c: 'CSQU3054383' });
    const token = passes.sign(claims);
    expect(passes.open(token)).toEqual({ outcome: 'valid', claims });
    // At error correction M a version-15 code (77x77 modules) holds 412 bytes; a phone reads that at arm's length.
    expect(Buffer.byteLength(`https://sdx.example.cn/v/${token}`)).toBeLessThanOrEqual(412);
  });

  it('a pass expires at the end of the document’s validity or after 24 hours, whichever is first', () => {
    const issuedAt = new Date('2026-11-28T02:00:00Z');
    expect(passes.claimsFor(storedEir(), issuedAt).exp - passes.claimsFor(storedEir(), issuedAt).iat).toBe(24 * 3600);
    const ending = storedEir({ validUntil: '2026-11-28T03:00:00Z' });
    expect(passes.claimsFor(ending, issuedAt).exp).toBe(Date.parse('2026-11-28T03:00:00Z') / 1000);
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

  it('after a key rotation, passes signed with the retired key still open and the trust list carries both', () => {
    const old = passes.sign(passes.claimsFor(storedEir(), new Date()));
    const rotated = new GatePasses({ signing: newKey().privateKey, retired: [current.publicKey] });
    expect(rotated.open(old).outcome).toBe('valid');
    expect(rotated.trustList().keys).toHaveLength(2);
    expect(JSON.stringify(rotated.trustList())).not.toMatch(/"d"/);
  });

  it('live status tells the bearer only what the pass names', () => {
    const claims = passes.claimsFor(storedEir(), new Date());
    expect(liveStatusFor(claims, storedEir())).toEqual({ found: true, status: 'issued', seq: 1, holderUnchanged: true });
    expect(liveStatusFor(claims, storedEir({ holder: 'demo-haulier-b' }))).toMatchObject({ holderUnchanged: false });
    expect(liveStatusFor(claims, undefined)).toEqual({ found: false });
    expect(liveStatusFor({ ...claims, k: 'd' }, storedEir())).toEqual({ found: false });
  });
});
