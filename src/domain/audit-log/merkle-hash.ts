import { createHash } from 'node:crypto';

/** Length in bytes of every hash in the log (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** RFC 9162 section 2.1.1: MTH({d(0)}) = SHA-256(0x00 || d(0)). */
export function leafHash(bytes: Uint8Array): Uint8Array {
  return digest(LEAF_PREFIX, bytes);
}

/** RFC 9162 section 2.1.1: SHA-256(0x01 || left || right). The prefixes keep leaves and nodes apart. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return digest(NODE_PREFIX, left, right);
}

/** MTH({}) = SHA-256 of the empty string. A fresh copy each call, so callers may not corrupt it. */
export function emptyRoot(): Uint8Array {
  return digest();
}

export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

function digest(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  const out = hash.digest();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
