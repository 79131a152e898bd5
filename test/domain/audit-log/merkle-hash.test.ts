import { emptyRoot, equalHashes, leafHash, nodeHash } from '../../../src/domain/audit-log/merkle-hash';

describe('RFC 9162 hashing', () => {
  it('separates leaves from nodes by their prefix byte', () => {
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    const concatenated = new Uint8Array([...a, ...b]);
    expect(equalHashes(leafHash(concatenated), nodeHash(a, b))).toBe(false);
    expect(Buffer.from(leafHash(new Uint8Array())).toString('hex')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  it('gives a fresh empty root each time, so one caller cannot corrupt another\'s', () => {
    const first = emptyRoot();
    first.fill(0);
    expect(Buffer.from(emptyRoot()).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(leafHash(new Uint8Array())).not.toBeInstanceOf(Buffer);
  });
});
