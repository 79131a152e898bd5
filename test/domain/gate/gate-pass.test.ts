import { generateKeyPairSync, sign, verify } from 'node:crypto';
import {
  gateVerdict,
  isLowS,
  mayPassGate,
  normalisePlate,
  parsePassClaims,
  parsePassHeader,
  plateCheck,
  reasonForRefusal,
  toLowS,
  type LiveStatus,
  type PassClaims,
  type VerdictInput,
} from '../../../src/domain/gate/gate-pass';

const now = 1_790_000_000;
const eir: PassClaims = { d: 'doc-1', k: 'e', s: 1, h: '0123456789abcdef', o: 'demo-haulier-a', iat: now - 60, exp: now + 3600, f: 'demo-terminal', p: '沪AD12345', c: 'CSQU3054383' };
const order: PassClaims = { d: 'doc-2', k: 'd', s: 2, h: '0123456789abcdef', o: 'demo-haulier-a', iat: now - 60, exp: now + 3600, f: 'demo-terminal' };
const live = (status: string, holderUnchanged = true): LiveStatus => ({ found: true, status, seq: 1, holderUnchanged });
const base = (claims: PassClaims, more: Partial<VerdictInput> = {}): VerdictInput => ({ claims, signature: 'valid', now, ...more });

describe('gateVerdict', () => {
  it.each<[string, VerdictInput, string, string[]]>([
    ['an issued EIR, right plate, online', base(eir, { presentedPlate: '沪A·D 12345', live: live('issued') }), 'green', []],
    ['an issued EIR with no plate typed: the plate was not checked', base(eir, { live: live('issued') }), 'amber', ['plate-not-checked']],
    ['an issued EIR with only blanks typed', base(eir, { presentedPlate: '  ', live: live('issued') }), 'amber', ['plate-not-checked']],
    ['a presented D/O held by the pass holder', base(order, { live: live('presented') }), 'green', []],
    ['a transferred D/O still held by the pass holder', base(order, { live: live('transferred') }), 'green', []],
    ['offline, signature good, right plate', base(eir, { presentedPlate: '沪AD12345' }), 'amber', ['offline']],
    ['offline and no plate typed', base(eir), 'amber', ['plate-not-checked', 'offline']],
    ['a D/O names no plate: one typed is not compared', base(order, { presentedPlate: '沪B99999', live: live('issued') }), 'green', []],
    ['an already-used EIR with no plate typed is red, not amber', base(eir, { live: live('gate-recorded') }), 'red', ['already-used']],
    ['wrong plate', base(eir, { presentedPlate: '沪B99999', live: live('issued') }), 'red', ['wrong-plate']],
    ['wrong plate offline stays red', base(eir, { presentedPlate: '沪B99999' }), 'red', ['wrong-plate']],
    ['a released D/O', base(order, { live: live('released', false) }), 'red', ['released', 'holder-changed']],
    ['a D/O passed on since the pass', base(order, { live: live('transferred', false) }), 'red', ['holder-changed']],
    ['an EIR already gate-recorded', base(eir, { live: live('gate-recorded') }), 'red', ['already-used']],
    ['a voided EIR', base(eir, { live: live('voided') }), 'red', ['voided']],
    ['an amended D/O', base(order, { live: live('superseded') }), 'red', ['superseded']],
    ['an expired EIR status', base(eir, { live: live('expired') }), 'red', ['closed']],
    ['unknown to the service', base(eir, { live: { found: false } }), 'red', ['not-found']],
    ['expired pass (beyond skew)', base(eir, { now: eir.exp + 301, live: live('issued') }), 'red', ['expired']],
    ['just expired, within clock skew', base(eir, { now: eir.exp + 299, presentedPlate: '沪AD12345', live: live('issued') }), 'green', []],
    ['from the future', base(eir, { now: eir.iat - 301, live: live('issued') }), 'red', ['not-yet-valid']],
    ['a guarantee is no gate document', base({ ...order, k: 'g' }, { live: live('accepted') }), 'red', ['not-a-gate-document']],
    ['bad signature', { claims: eir, signature: 'invalid', now }, 'red', ['signature-invalid']],
    ['unknown key', { claims: eir, signature: 'unknown-key', now }, 'red', ['unknown-key']],
    ['unreadable', { claims: undefined, signature: 'invalid', now }, 'red', ['malformed']],
    ['a retired key’s pass made after its retirement', { claims: eir, signature: 'key-retired', now }, 'red', ['key-retired']],
    // The server is the clock: whatever the gate's clock says, its refusal is red, and any 4xx is a refusal.
    ['the server says expired, the gate’s clock disagrees', base(eir, { presentedPlate: '沪AD12345', refused: 'pass-expired' }), 'red', ['expired']],
    ['the server does not know the key', base(eir, { presentedPlate: '沪AD12345', refused: 'pass-unknown-key' }), 'red', ['unknown-key']],
    ['the server refuses with a code this gate does not know', base(eir, { presentedPlate: '沪AD12345', refused: 'http-403' }), 'red', ['refused']],
    ['the server says the window has ended', base(eir, { presentedPlate: '沪AD12345', refused: 'pass-window-ended' }), 'red', ['window-ended']],
    ['living a hundred years', base({ ...eir, exp: eir.iat + 100 * 365 * 86400 }, { presentedPlate: '沪AD12345', live: live('issued') }), 'red', ['lifetime-too-long']],
    ['an EIR whose window has not started (offline)', base({ ...eir, nbf: now + 3000 }, { presentedPlate: '沪AD12345' }), 'red', ['window-not-started']],
    ['an EIR whose window has just started', base({ ...eir, nbf: now - 10 }, { presentedPlate: '沪AD12345', live: live('issued') }), 'green', []],
    ['a terminal’s EIR at the depot gate', base(eir, { presentedPlate: '沪AD12345', gateParty: 'demo-depot', live: live('issued') }), 'red', ['wrong-facility']],
    ['a terminal’s EIR at the depot gate, offline', base(eir, { presentedPlate: '沪AD12345', gateParty: 'demo-depot' }), 'red', ['wrong-facility']],
    ['a pass naming no facility at a gate', base({ ...order, f: undefined }, { gateParty: 'demo-terminal', live: live('presented') }), 'red', ['wrong-facility']],
    ['a D/O presented to the terminal at the terminal gate', base(order, { gateParty: 'demo-terminal', live: live('presented') }), 'green', []],
    ['a D/O whose presentation was rejected may be presented again', base(order, { live: live('presentation-rejected') }), 'green', []],
    ['A → B → A: the same holder, a later event', base(order, { live: { ...live('transferred'), current: false } }), 'red', ['outdated']],
    ['a released D/O is red for its release, not as outdated', base(order, { live: { ...live('released', false), current: false } }), 'red', ['released', 'holder-changed']],
  ])('%s → %s', (_name, input, colour, reasons) => {
    expect(gateVerdict(input)).toEqual({ colour, reasons });
  });
});

describe('parsePassClaims', () => {
  it('accepts exactly the pass claims', () => {
    expect(parsePassClaims(eir)).toEqual(eir);
    expect(parsePassClaims(order)).toEqual(order);
  });

  it.each<[string, unknown]>([
    ['not an object', 'x'],
    ['an unknown claim', { ...eir, admin: true }],
    ['an unknown kind', { ...eir, k: 'x' }],
    ['seq 0', { ...eir, s: 0 }],
    ['a long hash prefix', { ...eir, h: '0123456789abcdef0' }],
    ['upper-case hash', { ...eir, h: '0123456789ABCDEF' }],
    ['exp before iat', { ...eir, exp: eir.iat }],
    ['a fractional time', { ...eir, exp: eir.exp + 0.5 }],
    ['an overlong plate', { ...eir, p: 'X'.repeat(17) }],
    ['an empty holder', { ...eir, o: '' }],
    ['not-before after expiry', { ...eir, nbf: eir.exp }],
    ['an empty facility', { ...eir, f: '' }],
  ])('refuses %s', (_name, body) => {
    expect(parsePassClaims(body)).toBeUndefined();
  });
});

it('the plate check: none for a pass without a plate, unchecked when nothing is typed, else match or mismatch', () => {
  expect(plateCheck(undefined, '沪AD12345')).toBe('none');
  expect(plateCheck('沪AD12345', undefined)).toBe('unchecked');
  expect(plateCheck('沪AD12345', ' ')).toBe('unchecked');
  expect(plateCheck('沪AD12345', '沪a·d12345')).toBe('match');
  expect(plateCheck('沪AD12345', '沪B99999')).toBe('mismatch');
});

it('only a document that could still be green may pass a gate', () => {
  expect(mayPassGate('eir', 'issued')).toBe(true);
  expect(mayPassGate('eir', 'gate-recorded')).toBe(false);
  expect(mayPassGate('delivery-order', 'presented')).toBe(true);
  expect(mayPassGate('delivery-order', 'presentation-rejected')).toBe(true);
  expect(mayPassGate('delivery-order', 'released')).toBe(false);
  expect(mayPassGate('telex-release-guarantee', 'accepted')).toBe(false);
});

it('plates compare without separators and case', () => {
  expect(normalisePlate('沪a·d-123 45')).toBe(normalisePlate('沪AD12345'));
  expect(normalisePlate('沪AD12345')).not.toBe(normalisePlate('沪AD12346'));
});

describe('parsePassHeader', () => {
  it('accepts exactly alg ES256 and a key id', () => {
    expect(parsePassHeader({ alg: 'ES256', kid: 'abcd1234' })).toEqual({ alg: 'ES256', kid: 'abcd1234' });
  });

  it.each<[string, unknown]>([
    ['crit naming an extension', { alg: 'ES256', kid: 'k', crit: ['b64'], b64: false }],
    ['an empty crit', { alg: 'ES256', kid: 'k', crit: [] }],
    ['another member', { alg: 'ES256', kid: 'k', typ: 'JWT' }],
    ['another algorithm', { alg: 'none', kid: 'k' }],
    ['no key id', { alg: 'ES256' }],
    ['not an object', ['ES256']],
  ])('refuses %s', (_name, header) => {
    expect(parsePassHeader(header)).toBeUndefined();
  });
});

describe('low-S signatures', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.from('pass');

  it('of the two encodings ECDSA accepts, toLowS gives the one isLowS accepts', () => {
    let high = 0;
    for (let i = 0; i < 32; i += 1) {
      const raw = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const low = toLowS(raw);
      if (!isLowS(raw)) high += 1;
      expect(isLowS(low)).toBe(true);
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, low)).toBe(true);
      // Plain ECDSA verifies both; only the low-S rule tells them apart.
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
    }
    // About half of OpenSSL's signatures come out high-S; 32 all low would happen once in 4 billion runs.
    expect(high).toBeGreaterThan(0);
  });

  it('refuses wrong lengths and zero values', () => {
    expect(isLowS(new Uint8Array(63))).toBe(false);
    expect(isLowS(new Uint8Array(64))).toBe(false);
  });
});

it('each server refusal code shows its reason; an unknown one is a plain refusal', () => {
  expect(reasonForRefusal('pass-wrong-facility')).toBe('wrong-facility');
  expect(reasonForRefusal('pass-key-retired')).toBe('key-retired');
  expect(reasonForRefusal('toString')).toBe('refused');
});
