// Every vector of transparency-dev/merkle's testdata (copied to test/vectors/rfc9162-merkle/), run
// through our verifiers: happy paths must pass, every mutation (bit flips, wrong sizes, garbage,
// swapped roots, truncated proofs, ...) must fail. All four folders use RFC 6962/9162 SHA-256 hashing.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkConsistency, checkInclusion, verifyConsistency, verifyInclusion } from '../../../src/domain/audit-log/merkle-proofs';
import { checkSubtreeConsistency, checkSubtreeInclusion } from '../../../src/domain/audit-log/merkle-subtree-proofs';
import { appendLeaves, consistencyProof, inclusionProof, rootFromFrontier } from '../../../src/domain/audit-log/merkle-tree';
import { leafHash } from '../../../src/domain/audit-log/merkle-hash';
import { MemoryMerkleNodes } from '../../support/merkle-memory-nodes';

const vectorsDir = join(__dirname, '..', '..', 'vectors', 'rfc9162-merkle');

/** Each JSON vector below `folder`, with its path (for the test name) and parsed body. */
function vectorsIn(folder: string): [string, Record<string, unknown>][] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : [],
    );
  return walk(join(vectorsDir, folder))
    .sort()
    .map((file) => [relative(vectorsDir, file), JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>]);
}

const bytes = (b64: unknown): Uint8Array => new Uint8Array(Buffer.from(String(b64), 'base64'));
const proofOf = (v: Record<string, unknown>): Uint8Array[] => ((v.proof as string[] | null) ?? []).map(bytes);
// Sizes stay JSON numbers: 9223372036854775810 in one vector becomes an unsafe float, which the
// verifiers must refuse as they would any other impossible size.
const num = (value: unknown): number => value as number;

const inclusion = vectorsIn('inclusion');
const consistency = vectorsIn('consistency');
const subtreeInclusion = vectorsIn('subtreeinclusion');
const subtreeConsistency = vectorsIn('subtreeconsistency');

describe('RFC 9162 vectors from transparency-dev/merkle', () => {
  it('finds every vector file that was copied (518: 98 + 98 + 204 + 118)', () => {
    expect([inclusion.length, consistency.length, subtreeInclusion.length, subtreeConsistency.length]).toEqual([98, 98, 204, 118]);
  });

  describe('inclusion (RFC 9162 section 2.1.3.2)', () => {
    it.each(inclusion)('%s', (_name, v) => {
      const args = [num(v.leafIdx), num(v.treeSize), bytes(v.leafHash), proofOf(v), bytes(v.root)] as const;
      const result = checkInclusion(...args);
      expect({ ok: result.ok, desc: v.desc }).toEqual({ ok: !v.wantErr, desc: v.desc });
      expect(verifyInclusion(...args)).toBe(result.ok);
    });
  });

  describe('consistency (RFC 9162 section 2.1.4.2)', () => {
    it.each(consistency)('%s', (_name, v) => {
      const args = [num(v.size1), num(v.size2), bytes(v.root1), bytes(v.root2), proofOf(v)] as const;
      const result = checkConsistency(...args);
      expect({ ok: result.ok, desc: v.desc }).toEqual({ ok: !v.wantErr, desc: v.desc });
      expect(verifyConsistency(...args)).toBe(result.ok);
    });
  });

  describe('subtree inclusion (Merkle Tree Certificates draft, RFC 9162 inclusion within [start, end))', () => {
    it.each(subtreeInclusion)('%s', (_name, v) => {
      const result = checkSubtreeInclusion(num(v.leafIdx), num(v.start), num(v.end), bytes(v.leafHash), proofOf(v), bytes(v.root));
      expect({ ok: result.ok, desc: v.desc }).toEqual({ ok: !v.wantErr, desc: v.desc });
    });
  });

  describe('subtree consistency (Merkle Tree Certificates draft; start = 0 is RFC 9162 consistency)', () => {
    it.each(subtreeConsistency)('%s', (_name, v) => {
      const result = checkSubtreeConsistency(num(v.start), num(v.end), num(v.size), proofOf(v), bytes(v.root1), bytes(v.root2));
      expect({ ok: result.ok, desc: v.desc }).toEqual({ ok: !v.wantErr, desc: v.desc });
    });
  });

  describe('our tree rebuilds the vectors from their leaves (reference-tree.json)', () => {
    const reference = JSON.parse(readFileSync(join(vectorsDir, 'reference-tree.json'), 'utf8')) as {
      leafInputs: string[];
      nodeHashes: string[][];
      rootHashes: string[];
    };
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    const store = new MemoryMerkleNodes();
    const roots: string[] = [];
    let size = 0;
    let frontier: readonly Uint8Array[] = [];
    roots.push(hex(rootFromFrontier(size, frontier)));
    for (const input of reference.leafInputs) {
      const appended = appendLeaves(size, frontier, [leafHash(Buffer.from(input, 'hex'))]);
      store.put(appended.writes);
      ({ size, frontier } = appended);
      roots.push(hex(rootFromFrontier(size, frontier)));
    }

    it('has the published root for every size 0..8', () => {
      expect(roots).toEqual(reference.rootHashes);
    });

    it('stores exactly the published perfect-subtree node hashes', () => {
      const stored = reference.nodeHashes.map((level, l) => level.map((_h, i) => hex(store.get(l, i) ?? new Uint8Array())));
      expect(stored).toEqual(reference.nodeHashes);
      expect(store.get(0, 8)).toBeUndefined();
      expect(store.get(4, 0)).toBeUndefined();
    });

    const happyInclusion = inclusion.filter(([name]) => /^inclusion\/\d\/happy-path\.json$/.test(name));
    it.each(happyInclusion)('produces the proof of %s', (_name, v) => {
      const root = bytes(v.root);
      expect(hex(root)).toBe(reference.rootHashes[num(v.treeSize)]);
      expect(inclusionProof(num(v.leafIdx), num(v.treeSize), store).map(hex)).toEqual(proofOf(v).map(hex));
    });

    const happyConsistency = consistency.filter(([name]) => /^consistency\/\d\/happy-path\.json$/.test(name));
    it.each(happyConsistency)('produces the proof of %s', (_name, v) => {
      expect(consistencyProof(num(v.size1), num(v.size2), store).map(hex)).toEqual(proofOf(v).map(hex));
    });
  });
});
