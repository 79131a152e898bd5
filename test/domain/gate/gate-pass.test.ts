import { gateVerdict, mayPassGate, normalisePlate, parsePassClaims, plateCheck, type LiveStatus, type PassClaims, type VerdictInput } from '../../../src/domain/gate/gate-pass';

const now = 1_790_000_000;
const eir: PassClaims = { d: 'doc-1', k: 'e', s: 1, h: '0123456789abcdef', o: 'demo-haulier-a', iat: now - 60, exp: now + 3600, p: '沪AD12345', c: 'CSQU3054383' };
const order: PassClaims = { d: 'doc-2', k: 'd', s: 2, h: '0123456789abcdef', o: 'demo-haulier-a', iat: now - 60, exp: now + 3600 };
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
  expect(mayPassGate('delivery-order', 'released')).toBe(false);
  expect(mayPassGate('telex-release-guarantee', 'accepted')).toBe(false);
});

it('plates compare without separators and case', () => {
  expect(normalisePlate('沪a·d-123 45')).toBe(normalisePlate('沪AD12345'));
  expect(normalisePlate('沪AD12345')).not.toBe(normalisePlate('沪AD12346'));
});
