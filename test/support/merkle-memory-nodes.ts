// In-memory storage for the Merkle tree's perfect-subtree nodes, for tests and the benchmark: one
// growing byte array per level, so a million-leaf tree costs 64 MB and no per-node objects.
import type { MerkleNodeReader, MerkleNodeWrite } from '../../src/domain/audit-log/merkle-tree';

const HASH_SIZE = 32;

export class MemoryMerkleNodes implements MerkleNodeReader {
  private readonly levels: { bytes: Uint8Array; count: number }[] = [];

  /** Stores writes as appendLeaves returns them; each level fills strictly left to right. */
  put(writes: readonly MerkleNodeWrite[]): void {
    for (const { level, index, hash } of writes) {
      const row = (this.levels[level] ??= { bytes: new Uint8Array(1024 * HASH_SIZE), count: 0 });
      if (index !== row.count) throw new Error(`node (${level}, ${index}) written out of order; expected index ${row.count}`);
      if (row.bytes.length < (index + 1) * HASH_SIZE) {
        const grown = new Uint8Array(row.bytes.length * 2);
        grown.set(row.bytes);
        row.bytes = grown;
      }
      row.bytes.set(hash, index * HASH_SIZE);
      row.count += 1;
    }
  }

  get(level: number, index: number): Uint8Array | undefined {
    const row = this.levels[level];
    if (!row || index < 0 || index >= row.count) return undefined;
    return row.bytes.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }

  /** Overwrites a stored node, to simulate storage tampering. */
  tamper(level: number, index: number, hash: Uint8Array): void {
    const row = this.levels[level];
    if (!row || index >= row.count) throw new Error(`no node (${level}, ${index}) to tamper with`);
    row.bytes.set(hash, index * HASH_SIZE);
  }
}

/** Wraps a reader and counts its reads, to check that proofs read O(log n) nodes. */
export class CountingReader implements MerkleNodeReader {
  reads = 0;
  constructor(private readonly inner: MerkleNodeReader) {}

  get(level: number, index: number): Uint8Array | undefined {
    this.reads += 1;
    return this.inner.get(level, index);
  }
}

/** A deterministic PRNG (mulberry32), so property tests fail the same way every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
