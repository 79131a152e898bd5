// Verification of RFC 9162 inclusion (section 2.1.3.2) and consistency (section 2.1.4.2) proofs,
// written step by step as the RFC states them so that a reader can check one against the other.
import { HASH_SIZE, equalHashes, nodeHash } from './merkle-hash';
import { isOdd, isPowerOfTwo, isTreeSize } from './merkle-tree-math';

/** Why a proof was rejected. Stable values: a verifier's finding may quote them. */
export type ProofFailure =
  | 'invalid-size'
  | 'index-out-of-range'
  | 'bad-hash-length'
  | 'proof-too-long'
  | 'proof-too-short'
  | 'root-mismatch'
  | 'size1-greater-than-size2'
  | 'empty-first-tree'
  | 'proof-not-empty'
  | 'empty-proof'
  | 'first-root-mismatch'
  | 'second-root-mismatch'
  | 'invalid-subtree'
  | 'end-beyond-size';

export type ProofCheck = { ok: true } | { ok: false; reason: ProofFailure };
export type ComputedRoot = { ok: true; root: Uint8Array } | { ok: false; reason: ProofFailure };

/**
 * The root that an inclusion proof leads to from `leafHash` at `leafIndex` in a tree of `treeSize`
 * leaves (RFC 9162 section 2.1.3.2 steps 1 to 4, and the `sn` check of step 5). Compare it with a
 * trusted root, or use checkInclusion.
 */
export function rootFromInclusionProof(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): ComputedRoot {
  if (!isTreeSize(leafIndex) || !isTreeSize(treeSize)) return fail('invalid-size');
  if (leafIndex >= treeSize) return fail('index-out-of-range');
  if (leafHash.length !== HASH_SIZE || proof.some((p) => p.length !== HASH_SIZE)) return fail('bad-hash-length');

  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return fail('proof-too-long');
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail('proof-too-short');
  return { ok: true, root: r };
}

/** RFC 9162 section 2.1.3.2 in full: whether `proof` shows `leafHash` at `leafIndex` under `rootHash`. */
export function checkInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  rootHash: Uint8Array,
): ProofCheck {
  const computed = rootFromInclusionProof(leafIndex, treeSize, leafHash, proof);
  if (!computed.ok) return computed;
  return equalHashes(computed.root, rootHash) ? { ok: true } : fail('root-mismatch');
}

export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  rootHash: Uint8Array,
): boolean {
  return checkInclusion(leafIndex, treeSize, leafHash, proof, rootHash).ok;
}

/**
 * RFC 9162 section 2.1.4.2: whether `proof` shows that the tree of `size1` leaves with `root1` is a
 * prefix of the tree of `size2` leaves with `root2`. The RFC algorithm assumes 0 < size1 < size2;
 * around it: equal sizes need an empty proof and equal roots, and a proof from the empty tree is
 * refused (every tree extends it, so such a proof says nothing).
 */
export function checkConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): ProofCheck {
  if (!isTreeSize(size1) || !isTreeSize(size2)) return fail('invalid-size');
  if (size1 > size2) return fail('size1-greater-than-size2');
  if (size1 === 0) return fail('empty-first-tree');
  if (size1 === size2) {
    if (proof.length > 0) return fail('proof-not-empty');
    return equalHashes(root1, root2) ? { ok: true } : fail('root-mismatch');
  }
  // Step 1.
  if (proof.length === 0) return fail('empty-proof');
  if (proof.some((p) => p.length !== HASH_SIZE)) return fail('bad-hash-length');

  // Step 2.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  // Steps 3 and 4.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5 (path is non-empty: step 1 or 2 put at least one hash in it).
  let fr = path[0] as Uint8Array;
  let sr = fr;
  // Step 6.
  for (const c of path.slice(1)) {
    if (sn === 0) return fail('proof-too-long');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) return fail('proof-too-short');
  if (!equalHashes(fr, root1)) return fail('first-root-mismatch');
  if (!equalHashes(sr, root2)) return fail('second-root-mismatch');
  return { ok: true };
}

export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  return checkConsistency(size1, size2, root1, root2, proof).ok;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function fail(reason: ProofFailure): { ok: false; reason: ProofFailure } {
  return { ok: false, reason };
}
