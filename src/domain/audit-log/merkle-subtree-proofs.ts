// Subtree proofs: the generalisation of RFC 9162 proofs to a subtree [start, end) of a log, from the
// Merkle Tree Certificates draft (draft-ietf-plants-merkle-tree-certs, "Subtree inclusion proofs"
// and "Subtree consistency proofs"). Same hashing as RFC 9162; a subtree with start = 0 is an
// ordinary earlier tree. Ported from transparency-dev/merkle proof/verify.go, whose vectors we run.
// The log itself does not produce these proofs yet.
import { HASH_SIZE, emptyRoot, equalHashes, nodeHash } from './merkle-hash';
import { checkInclusion, type ComputedRoot, type ProofCheck, type ProofFailure } from './merkle-proofs';
import { bitCeil, bitLength, isOdd, isTreeSize, popCount, shiftRight, trailingZeros, xor } from './merkle-tree-math';

/**
 * Whether [start, end) is a subtree: start must be a multiple of the smallest power of two >= the
 * subtree's width, so that the range is one node (or the left part of one) in every tree holding it.
 */
export function isValidSubtree(start: number, end: number): boolean {
  if (!isTreeSize(start) || !isTreeSize(end) || start > end) return false;
  if (start === 0 || start === end) return true;
  return start % bitCeil(end - start) === 0;
}

/** Whether `proof` shows `leafHash` at `leafIndex` under the root `subtreeRoot` of subtree [start, end). */
export function checkSubtreeInclusion(
  leafIndex: number,
  start: number,
  end: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
): ProofCheck {
  if (!isTreeSize(leafIndex)) return fail('invalid-size');
  if (!isValidSubtree(start, end)) return fail('invalid-subtree');
  if (leafIndex < start || leafIndex >= end) return fail('index-out-of-range');
  return checkInclusion(leafIndex - start, end - start, leafHash, proof, subtreeRoot);
}

/**
 * Whether `proof` shows that subtree [start, end) with root `subtreeRoot` is part of the tree of
 * `size` leaves with root `treeRoot`.
 */
export function checkSubtreeConsistency(
  start: number,
  end: number,
  size: number,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
  treeRoot: Uint8Array,
): ProofCheck {
  if (!isTreeSize(start) || !isTreeSize(end) || !isTreeSize(size)) return fail('invalid-size');
  if (start === end) {
    // An empty subtree is part of every tree; only its own form can be wrong.
    if (end > size) return fail('end-beyond-size');
    if (proof.length > 0) return fail('proof-not-empty');
    return equalHashes(subtreeRoot, emptyRoot()) ? { ok: true } : fail('first-root-mismatch');
  }
  const computed = rootFromSubtreeConsistencyProof(start, end, size, proof, subtreeRoot);
  if (!computed.ok) return computed;
  return equalHashes(computed.root, treeRoot) ? { ok: true } : fail('second-root-mismatch');
}

function rootFromSubtreeConsistencyProof(
  start: number,
  end: number,
  size: number,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
): ComputedRoot {
  if (!isValidSubtree(start, end)) return fail('invalid-subtree');
  if (size < end) return fail('end-beyond-size');
  if (start === 0 && end === size) {
    return proof.length > 0 ? fail('proof-not-empty') : { ok: true, root: subtreeRoot };
  }
  if (proof.length === 0) return fail('empty-proof');
  if (proof.some((p) => p.length !== HASH_SIZE)) return fail('bad-hash-length');

  if (end === size) {
    // The subtree sits on the right edge: its root grows into the tree root with one left sibling
    // per level at which the subtree's ancestor is a right child.
    const level = bitLength(xor(end - 1, start));
    const lengthCheck = expectLength(proof.length, popCount(shiftRight(start, level)));
    return lengthCheck ?? { ok: true, root: chainBorderRight(subtreeRoot, proof) };
  }

  // Split where the paths to leaves end-1 and size-1 diverge (inner part below, border above).
  const forkLevel = bitLength(xor(end - 1, size - 1));
  const border = popCount(shiftRight(end - 1, forkLevel));
  // The proof starts at the height of the rightmost perfect subtree inside [start, end); when the
  // subtree is itself perfect the verifier already has that node (subtreeRoot), so it is not sent.
  const shift = trailingZeros(end - start);
  const inner = forkLevel - shift;
  const perfect = end - start === 2 ** shift;
  const seed = perfect ? subtreeRoot : (proof[0] as Uint8Array);
  const rest = perfect ? proof : proof.slice(1);
  const lengthCheck = expectLength(proof.length, (perfect ? 0 : 1) + inner + border);
  if (lengthCheck) return lengthCheck;
  const mask = shiftRight(end - 1, shift);

  if (!perfect) {
    // The proof's nodes inside the subtree must rebuild the claimed subtree root.
    const height = bitLength(xor(end - 1, start));
    const subInner = Math.min(height, forkLevel) - shift;
    const subBorder = Math.max(0, border - popCount(shiftRight(end - 1, height)));
    const hash1 = chainBorderRight(chainInnerRight(seed, rest.slice(0, subInner), mask), rest.slice(inner, inner + subBorder));
    if (!equalHashes(hash1, subtreeRoot)) return fail('first-root-mismatch');
  }
  const hash2 = chainBorderRight(chainInner(seed, rest.slice(0, inner), mask), rest.slice(inner));
  return { ok: true, root: hash2 };
}

/** Hashes `seed` up the path of node `index` with siblings `proof`, bottom level first. */
function chainInner(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  return proof.reduce((acc, sibling, i) => (isOdd(shiftRight(index, i)) ? nodeHash(sibling, acc) : nodeHash(acc, sibling)), seed);
}

/** Like chainInner, but only left siblings count: the result is the node as of an earlier, smaller tree. */
function chainInnerRight(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  return proof.reduce((acc, sibling, i) => (isOdd(shiftRight(index, i)) ? nodeHash(sibling, acc) : acc), seed);
}

function chainBorderRight(seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  return proof.reduce((acc, sibling) => nodeHash(sibling, acc), seed);
}

function expectLength(actual: number, expected: number): { ok: false; reason: ProofFailure } | undefined {
  if (actual > expected) return fail('proof-too-long');
  if (actual < expected) return fail('proof-too-short');
  return undefined;
}

function fail(reason: ProofFailure): { ok: false; reason: ProofFailure } {
  return { ok: false, reason };
}
