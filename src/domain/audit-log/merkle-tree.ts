// The audit log's Merkle tree (RFC 9162 section 2.1), independent of storage.
//
// Storage model: the hash of every *perfect* subtree is addressed by (level, index); level 0 holds
// the leaf hashes and node (L, i) covers leaves [i * 2^L, (i + 1) * 2^L). Such a node never changes
// once its last leaf exists, so storage is append-only. A tree of n leaves is kept as its frontier:
// the roots of the perfect subtrees that tile [0, n), one per set bit of n, largest first (a
// "compact range"). Appending needs only the frontier; proofs read O(log n) perfect nodes, because
// every RFC 9162 subtree that is not perfect lies on the right edge and is the fold of at most
// log2(n) perfect nodes.
import { SdxError } from '../shared/errors';
import { HASH_SIZE, emptyRoot, nodeHash } from './merkle-hash';
import { bitLength, isOdd, isTreeSize, largestPowerOfTwoBelow, popCount } from './merkle-tree-math';

/**
 * Read access to stored perfect-subtree hashes. `get` MUST return the hash of node (level, index)
 * if that node is complete in the stored tree, and undefined if it was never written. It MUST NOT
 * return a hash for an incomplete node.
 */
export interface MerkleNodeReader {
  get(level: number, index: number): Uint8Array | undefined;
}

/** A completed perfect-subtree node to store. Written once; never rewritten with another hash. */
export interface MerkleNodeWrite {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

/** Perfect-subtree roots tiling [0, size), largest (leftmost) first; popCount(size) of them. */
export type Frontier = readonly Uint8Array[];

export interface AppendResult {
  readonly size: number;
  readonly frontier: Frontier;
  /** Every node completed by the append, children before parents, in leaf order. */
  readonly writes: MerkleNodeWrite[];
}

/** Where a perfect node sits: level and index, as in MerkleNodeReader. */
export interface NodeAddress {
  readonly level: number;
  readonly index: number;
}

/**
 * Appends leaf hashes to the tree of `size` leaves whose frontier is `frontier`. Reads no storage;
 * each leaf costs O(log n) hashing. The caller stores `writes` and keeps the returned frontier.
 */
export function appendLeaves(size: number, frontier: Frontier, leafHashes: readonly Uint8Array[]): AppendResult {
  checkFrontier(size, frontier);
  if (!isTreeSize(size + leafHashes.length)) {
    throw new SdxError('merkle-range-invalid', `the log cannot grow past ${Number.MAX_SAFE_INTEGER} leaves`);
  }
  const right = [...frontier];
  const writes: MerkleNodeWrite[] = [];
  let n = size;
  for (const leaf of leafHashes) {
    checkHash(leaf, `leaf hash ${n}`);
    let hash = leaf;
    let level = 0;
    let index = n;
    writes.push({ level, index, hash });
    // Like a binary counter's carry: each trailing one bit of n is a perfect subtree on the frontier
    // that the new node completes into a parent twice its width.
    for (let bits = n; isOdd(bits); bits = Math.floor(bits / 2)) {
      hash = nodeHash(right.pop() as Uint8Array, hash);
      level += 1;
      index = Math.floor(index / 2);
      writes.push({ level, index, hash });
    }
    right.push(hash);
    n += 1;
  }
  return { size: n, frontier: right, writes };
}

/** The tree head root, MTH(D[size]), from the frontier alone. */
export function rootFromFrontier(size: number, frontier: Frontier): Uint8Array {
  checkFrontier(size, frontier);
  return foldRight(frontier) ?? emptyRoot();
}

/** Rebuilds the frontier of the tree of `size` leaves from storage: popCount(size) reads. */
export function frontierFor(size: number, reader: MerkleNodeReader): Frontier {
  if (!isTreeSize(size)) throw new SdxError('merkle-range-invalid', `tree size ${String(size)} is not a non-negative integer`);
  return perfectNodes(0, size).map((node) => readNode(reader, node));
}

/** MTH(D[size]) of an earlier (or the current) tree size, from storage: popCount(size) reads. */
export function rootFor(size: number, reader: MerkleNodeReader): Uint8Array {
  return rootFromFrontier(size, frontierFor(size, reader));
}

/**
 * RFC 9162 section 2.1.3.1 PATH(index, D[size]), bottom level first: the audit path of leaf `index`
 * in the tree of `size` leaves. Reads at most 2 * log2(size) + 1 stored nodes.
 */
export function inclusionProof(index: number, size: number, reader: MerkleNodeReader): Uint8Array[] {
  if (!isTreeSize(index) || !isTreeSize(size) || index >= size) {
    throw new SdxError('merkle-range-invalid', `leaf ${String(index)} is not in a tree of ${String(size)} leaves; ask for an index below the tree size`);
  }
  // PATH's recursion unrolled top-down; the RFC lists the path bottom-up, hence the reverse.
  const topDown: Uint8Array[] = [];
  let start = 0;
  let width = size;
  let m = index;
  while (width > 1) {
    const k = largestPowerOfTwoBelow(width);
    if (m < k) {
      topDown.push(subtreeRoot(start + k, start + width, reader));
      width = k;
    } else {
      topDown.push(subtreeRoot(start, start + k, reader));
      start += k;
      m -= k;
      width -= k;
    }
  }
  return topDown.reverse();
}

/**
 * RFC 9162 section 2.1.4.1 PROOF(size1, D[size2]): shows the tree of size1 leaves is a prefix of the
 * tree of size2 leaves. Empty when the sizes are equal. Reads at most 2 * log2(size2) + 1 nodes.
 */
export function consistencyProof(size1: number, size2: number, reader: MerkleNodeReader): Uint8Array[] {
  if (!isTreeSize(size1) || !isTreeSize(size2) || size1 === 0 || size1 > size2) {
    throw new SdxError(
      'merkle-range-invalid',
      `no consistency proof from size ${String(size1)} to size ${String(size2)}; ask for 0 < size1 <= size2`,
    );
  }
  // SUBPROOF(m, D[n], b)'s recursion unrolled top-down, as in inclusionProof.
  const topDown: Uint8Array[] = [];
  let start = 0;
  let width = size2;
  let m = size1;
  let isWholeFirstTree = true; // RFC 9162's b: the subtree still starts at leaf 0
  while (m !== width) {
    const k = largestPowerOfTwoBelow(width);
    if (m <= k) {
      topDown.push(subtreeRoot(start + k, start + width, reader));
      width = k;
    } else {
      topDown.push(subtreeRoot(start, start + k, reader));
      start += k;
      m -= k;
      width -= k;
      isWholeFirstTree = false;
    }
  }
  // SUBPROOF(m, D[m], false) = {MTH(D[m])}; with b true the verifier already has that root.
  if (!isWholeFirstTree) topDown.push(subtreeRoot(start, start + width, reader));
  return topDown.reverse();
}

/**
 * The perfect nodes that tile leaves [start, end), left to right, each as wide as alignment
 * allows. For an RFC 9162 subtree this is the binary decomposition of its width, at most
 * log2(end - start) + 1 nodes.
 */
export function perfectNodes(start: number, end: number): NodeAddress[] {
  const nodes: NodeAddress[] = [];
  let at = start;
  while (at < end) {
    let level = bitLength(end - at) - 1;
    while (at % 2 ** level !== 0) level -= 1;
    nodes.push({ level, index: at / 2 ** level });
    at += 2 ** level;
  }
  return nodes;
}

/** MTH of the RFC 9162 subtree D[start:end]: one read if it is perfect, else one per tile. */
function subtreeRoot(start: number, end: number, reader: MerkleNodeReader): Uint8Array {
  return foldRight(perfectNodes(start, end).map((node) => readNode(reader, node))) ?? emptyRoot();
}

/** The right-edge fold of perfect subtrees, largest first: h0 . (h1 . (h2 ...)). */
function foldRight(hashes: readonly Uint8Array[]): Uint8Array | undefined {
  let acc: Uint8Array | undefined;
  for (let i = hashes.length - 1; i >= 0; i -= 1) {
    const hash = hashes[i] as Uint8Array;
    acc = acc === undefined ? hash : nodeHash(hash, acc);
  }
  return acc;
}

function readNode(reader: MerkleNodeReader, { level, index }: NodeAddress): Uint8Array {
  const hash = reader.get(level, index);
  if (hash === undefined) {
    throw new SdxError(
      'merkle-node-missing',
      `the log's storage has no node at level ${level}, index ${index}; it is incomplete or the requested size is beyond the stored tree`,
    );
  }
  checkHash(hash, `stored node (${level}, ${index})`);
  return hash;
}

function checkFrontier(size: number, frontier: Frontier): void {
  if (!isTreeSize(size)) throw new SdxError('merkle-range-invalid', `tree size ${String(size)} is not a non-negative integer`);
  if (frontier.length !== popCount(size)) {
    throw new SdxError(
      'merkle-frontier-invalid',
      `a tree of ${size} leaves has ${popCount(size)} frontier hashes, not ${frontier.length}; rebuild it with frontierFor`,
    );
  }
  frontier.forEach((hash, i) => checkHash(hash, `frontier hash ${i}`));
}

function checkHash(hash: Uint8Array, what: string): void {
  if (hash.length !== HASH_SIZE) {
    throw new SdxError('merkle-hash-invalid', `${what} is ${hash.length} bytes; Merkle hashes are ${HASH_SIZE}-byte SHA-256 values`);
  }
}
