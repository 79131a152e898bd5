// Test-only reference for RFC 9162 section 2.1: MTH, PATH and PROOF written as the RFC's recursive
// definitions over the full list of leaf hashes, to compare the storage-backed tree against.
import { createHash } from 'node:crypto';

function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

function node(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(1), left, right);
}

/** The largest power of two smaller than n (n > 1). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaf hashes (the leaf hashes are already SHA-256(0x00 || d)). */
export function referenceRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  const n = leafHashes.length;
  if (n === 0) return sha256();
  if (n === 1) return leafHashes[0] as Uint8Array;
  const k = splitPoint(n);
  return node(referenceRoot(leafHashes.slice(0, k)), referenceRoot(leafHashes.slice(k)));
}

/** PATH(m, D[n]). */
export function referenceInclusionProof(m: number, leafHashes: readonly Uint8Array[]): Uint8Array[] {
  const n = leafHashes.length;
  if (n <= 1) return [];
  const k = splitPoint(n);
  return m < k
    ? [...referenceInclusionProof(m, leafHashes.slice(0, k)), referenceRoot(leafHashes.slice(k))]
    : [...referenceInclusionProof(m - k, leafHashes.slice(k)), referenceRoot(leafHashes.slice(0, k))];
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
export function referenceConsistencyProof(m: number, leafHashes: readonly Uint8Array[]): Uint8Array[] {
  return subproof(m, leafHashes, true);
}

function subproof(m: number, leafHashes: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = leafHashes.length;
  if (m === n) return b ? [] : [referenceRoot(leafHashes)];
  const k = splitPoint(n);
  return m <= k
    ? [...subproof(m, leafHashes.slice(0, k), b), referenceRoot(leafHashes.slice(k))]
    : [...subproof(m - k, leafHashes.slice(k), false), referenceRoot(leafHashes.slice(0, k))];
}
