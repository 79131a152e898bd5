// Audit-log proofs read from a Store. The Merkle core reads nodes through a synchronous reader, but
// a store answers asynchronously; since which nodes a proof needs depends only on the sizes, the
// core is run twice: once with a reader that records the addresses it is asked for, then, after one
// batched `logNodes` read, with a reader backed by what the store returned.
import type { MerkleNodeReader, NodeAddress } from '../../domain/audit-log/merkle-tree';
import { consistencyProof, inclusionProof, rootFor } from '../../domain/audit-log/merkle-tree';
import { HASH_SIZE } from '../../domain/audit-log/merkle-hash';
import { SdxError } from '../../domain/shared/errors';
import type { AuditLogStore } from '../ports/store.port';

/** RFC 9162 PATH(index, D[size]), bottom level first, from the store's nodes: O(log n) reads. */
export async function inclusionProofFromStore(store: AuditLogStore, index: number, size: number): Promise<Uint8Array[]> {
  await requireStoredSize(store, size);
  return withStoredNodes(store, (reader) => inclusionProof(index, size, reader));
}

/** RFC 9162 PROOF(size1, D[size2]) from the store's nodes: O(log n) reads. */
export async function consistencyProofFromStore(store: AuditLogStore, size1: number, size2: number): Promise<Uint8Array[]> {
  await requireStoredSize(store, size2);
  return withStoredNodes(store, (reader) => consistencyProof(size1, size2, reader));
}

/** MTH(D[size]) of the log at an earlier (or the current) size: popCount(size) reads. */
export async function rootAtSize(store: AuditLogStore, size: number): Promise<Uint8Array> {
  await requireStoredSize(store, size);
  return withStoredNodes(store, (reader) => rootFor(size, reader));
}

/**
 * Runs a Merkle computation whose node reads depend only on its arguments (every proof and root
 * function of merkle-tree.ts) against the store's nodes, reading them in one batch.
 */
export async function withStoredNodes<T>(store: AuditLogStore, compute: (reader: MerkleNodeReader) => T): Promise<T> {
  const wanted: NodeAddress[] = [];
  const seen = new Set<string>();
  const dummy = new Uint8Array(HASH_SIZE);
  compute({
    get(level, index) {
      const key = keyOf(level, index);
      if (!seen.has(key)) {
        seen.add(key);
        wanted.push({ level, index });
      }
      return dummy;
    },
  });
  const hashes = await store.logNodes(wanted);
  const nodes = new Map<string, Uint8Array>();
  wanted.forEach(({ level, index }, i) => {
    const hash = hashes[i];
    if (hash !== undefined) nodes.set(keyOf(level, index), hash);
  });
  return compute({ get: (level, index) => nodes.get(keyOf(level, index)) });
}

/**
 * Nodes of a size beyond the log may partly exist (a proof for a leaf not yet appended can be made
 * of stored nodes), so sizes are checked against the log before any proof is built.
 */
async function requireStoredSize(store: AuditLogStore, size: number): Promise<void> {
  const { size: logSize } = await store.logState();
  if (!Number.isSafeInteger(size) || size < 0 || size > logSize) {
    throw new SdxError(
      'merkle-range-invalid',
      `the log holds ${logSize} leaves, so there is no tree of size ${String(size)}; ask for a size from 0 to ${logSize}`,
    );
  }
}

function keyOf(level: number, index: number): string {
  return `${level}:${index}`;
}
