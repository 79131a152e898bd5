import { bitCeil, bitLength, isPowerOfTwo, isTreeSize, largestPowerOfTwoBelow, popCount, shiftRight, trailingZeros, xor } from '../../../src/domain/audit-log/merkle-tree-math';

describe('tree arithmetic beyond 32 bits (bitwise operators would truncate)', () => {
  const max = Number.MAX_SAFE_INTEGER; // 2^53 - 1

  it('bitLength and popCount match BigInt for values across the 32-bit boundary', () => {
    for (const n of [0, 1, 2, 3, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12_345, 2 ** 52, max]) {
      const big = BigInt(n);
      expect(bitLength(n)).toBe(big === 0n ? 0 : big.toString(2).length);
      expect(popCount(n)).toBe(big.toString(2).replace(/0/g, '').length);
    }
  });

  it('xor, shiftRight and trailingZeros agree with BigInt', () => {
    const pairs: [number, number][] = [[2 ** 40 + 5, 2 ** 33 + 9], [max, 2 ** 52], [2 ** 32, 2 ** 32 - 1]];
    for (const [a, b] of pairs) {
      expect(BigInt(xor(a, b))).toBe(BigInt(a) ^ BigInt(b));
      expect(BigInt(shiftRight(a, 33))).toBe(BigInt(a) >> 33n);
    }
    expect(trailingZeros(2 ** 52)).toBe(52);
    expect(trailingZeros(2 ** 40 * 3)).toBe(40);
  });

  it('the RFC 9162 split point k is the largest power of two strictly below n', () => {
    expect([2, 3, 4, 5, 8, 9].map(largestPowerOfTwoBelow)).toEqual([1, 2, 2, 4, 4, 8]);
    expect(largestPowerOfTwoBelow(2 ** 40 + 1)).toBe(2 ** 40);
    expect(largestPowerOfTwoBelow(max)).toBe(2 ** 52);
    expect([1, 2, 3, 5, 2 ** 40 + 1].map(bitCeil)).toEqual([1, 2, 4, 8, 2 ** 41]);
    expect([1, 2 ** 52, 6, 0].map(isPowerOfTwo)).toEqual([true, true, false, false]);
  });

  it('only non-negative safe integers are sizes', () => {
    expect([0, 1, max].every(isTreeSize)).toBe(true);
    expect([-1, 0.5, max + 1, Number.NaN, Infinity, '3'].some(isTreeSize)).toBe(false);
  });
});
