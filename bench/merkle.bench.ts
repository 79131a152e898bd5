// Audit-log Merkle tree: appends per second for 1,000,000 leaves kept in memory, then inclusion and
// consistency proof times (and stored-node reads) at 1,000 and 1,000,000 leaves. Proof cost should
// grow with log n: the ratio between the two sizes should be near log2(1e6)/log2(1e3) = 2, not 1000.
//   npx tsc -p tsconfig.bench.json && node dist-bench/bench/merkle.bench.js
import { createHash } from 'node:crypto';
import { leafHash } from '../src/domain/audit-log/merkle-hash';
import { verifyConsistency, verifyInclusion } from '../src/domain/audit-log/merkle-proofs';
import { appendLeaves, consistencyProof, inclusionProof, rootFor, type Frontier } from '../src/domain/audit-log/merkle-tree';
import { CountingReader, MemoryMerkleNodes, seededRandom } from '../test/support/merkle-memory-nodes';

const LEAVES = Number(process.env.BENCH_LEAVES ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1);
const PROOFS = 2000;

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

// Leaf hashes are prepared first so that appends/s measures the tree, not event hashing.
const leaves = Array.from({ length: LEAVES }, (_x, i) => leafHash(createHash('sha256').update(`event ${i}`).digest()));
const store = new MemoryMerkleNodes();
let size = 0;
let frontier: Frontier = [];
let writes = 0;
const appendStart = process.hrtime.bigint();
for (let i = 0; i < LEAVES; i += BATCH) {
  const result = appendLeaves(size, frontier, leaves.slice(i, i + BATCH));
  store.put(result.writes);
  writes += result.writes.length;
  ({ size, frontier } = result);
}
const appendSeconds = seconds(appendStart);
process.stdout.write(
  `append: ${LEAVES} leaves in batches of ${BATCH}: ${appendSeconds.toFixed(2)} s, ` +
    `${Math.round(LEAVES / appendSeconds)} appends/s, ${writes} nodes written\n`,
);

const random = seededRandom(1);
const results = new Map<number, { inclusionUs: number; consistencyUs: number; inclusionReads: number; consistencyReads: number }>();
for (const n of [1000, LEAVES]) {
  const root = rootFor(n, store);
  const indices = Array.from({ length: PROOFS }, () => Math.floor(random() * n));
  const sizes1 = Array.from({ length: PROOFS }, () => 1 + Math.floor(random() * n));
  const roots1 = sizes1.map((s) => rootFor(s, store));
  let inclusionReads = 0;
  let consistencyReads = 0;

  const t0 = process.hrtime.bigint();
  for (const index of indices) inclusionProof(index, n, store);
  const inclusionUs = (seconds(t0) / PROOFS) * 1e6;
  const t1 = process.hrtime.bigint();
  for (const s of sizes1) consistencyProof(s, n, store);
  const consistencyUs = (seconds(t1) / PROOFS) * 1e6;

  // Outside the timed loops: count reads and check that every proof verifies.
  indices.forEach((index) => {
    const counter = new CountingReader(store);
    const proof = inclusionProof(index, n, counter);
    inclusionReads = Math.max(inclusionReads, counter.reads);
    if (!verifyInclusion(index, n, leaves[index] as Uint8Array, proof, root)) throw new Error(`inclusion ${index}/${n} failed`);
  });
  sizes1.forEach((s, i) => {
    const counter = new CountingReader(store);
    const proof = consistencyProof(s, n, counter);
    consistencyReads = Math.max(consistencyReads, counter.reads);
    if (!verifyConsistency(s, n, roots1[i] as Uint8Array, root, proof)) throw new Error(`consistency ${s}->${n} failed`);
  });
  results.set(n, { inclusionUs, consistencyUs, inclusionReads, consistencyReads });
  process.stdout.write(
    `size ${n}: inclusion proof ${inclusionUs.toFixed(1)} µs (max ${inclusionReads} reads), ` +
      `consistency proof ${consistencyUs.toFixed(1)} µs (max ${consistencyReads} reads), mean of ${PROOFS}\n`,
  );
}
const small = results.get(1000);
const large = results.get(LEAVES);
if (small && large) {
  process.stdout.write(
    `ratio ${LEAVES}/1000: inclusion ${(large.inclusionUs / small.inclusionUs).toFixed(2)}x, ` +
      `consistency ${(large.consistencyUs / small.consistencyUs).toFixed(2)}x ` +
      `(log2 ratio ${(Math.log2(LEAVES) / Math.log2(1000)).toFixed(2)}x, linear would be ${LEAVES / 1000}x)\n`,
  );
}
