// Tree sizes and indices are JavaScript numbers up to 2^53 - 1. Bitwise operators would truncate them
// to 32 bits, so the bit arithmetic here splits a number into two 32-bit halves or divides instead.

const TWO_32 = 2 ** 32;

/** A non-negative safe integer: the only kind of tree size, leaf index or subtree bound accepted. */
export function isTreeSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

export function isOdd(n: number): boolean {
  return n % 2 === 1;
}

/** n >> k for non-negative n. */
export function shiftRight(n: number, k: number): number {
  return Math.floor(n / 2 ** k);
}

/** Number of bits needed to write n (0 for 0): Go's bits.Len64. */
export function bitLength(n: number): number {
  const high = Math.floor(n / TWO_32);
  return high > 0 ? 64 - Math.clz32(high) : 32 - Math.clz32(n >>> 0);
}

export function popCount(n: number): number {
  return popCount32(Math.floor(n / TWO_32)) + popCount32(n >>> 0);
}

/** Number of trailing zero bits of n > 0. */
export function trailingZeros(n: number): number {
  let count = 0;
  while (n > 0 && !isOdd(n)) {
    n /= 2;
    count += 1;
  }
  return count;
}

export function xor(a: number, b: number): number {
  const high = (Math.floor(a / TWO_32) ^ Math.floor(b / TWO_32)) >>> 0;
  const low = ((a >>> 0) ^ (b >>> 0)) >>> 0;
  return high * TWO_32 + low;
}

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && popCount(n) === 1;
}

/** The largest power of two strictly below n, for n >= 2 (RFC 9162's k in MTH and PATH). */
export function largestPowerOfTwoBelow(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}

/** The smallest power of two >= n, for n >= 1. */
export function bitCeil(n: number): number {
  return 2 ** bitLength(n - 1);
}

function popCount32(x: number): number {
  let v = x >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
