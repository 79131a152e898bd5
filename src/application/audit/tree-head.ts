import { SdxError } from '../../domain/shared/errors';
import { openCompactJws, signCompactJws } from '../events/compact-jws';
import type { PartySigner } from '../ports/key-store.port';

/** What a signed tree head commits to: the log's size and root at a moment. */
export interface TreeHeadBody {
  size: number;
  /** RFC 9162 root hash, lowercase hex (SHA-256 of the empty string for size 0). */
  rootHash: string;
  timestamp: string;
}

/** A tree head as published and stored: the body and its compact JWS by the log key. */
export interface SignedTreeHead extends TreeHeadBody {
  signature: string;
}

const TREE_HEAD_TYPE = 'sdx-tree-head+jws';

export async function signTreeHead(body: TreeHeadBody, logSigner: PartySigner): Promise<SignedTreeHead> {
  const canonicalBody: TreeHeadBody = { size: body.size, rootHash: body.rootHash, timestamp: body.timestamp };
  return { ...canonicalBody, signature: await signCompactJws(canonicalBody, logSigner, TREE_HEAD_TYPE) };
}

/**
 * Checks a head's signature against the certificate it carries, and that the signed body is the one
 * shown beside it. Returns the log certificate and its chain for the caller to check against trust.
 * Throws `tree-head-invalid`.
 */
export function openTreeHead(head: SignedTreeHead): { certificate: Uint8Array; chain: Uint8Array[] } {
  let opened;
  try {
    opened = openCompactJws(head.signature, TREE_HEAD_TYPE);
  } catch (error) {
    throw new SdxError('tree-head-invalid', `the tree head signature is not valid: ${(error as Error).message}`, { cause: error });
  }
  const body = opened.body as Partial<TreeHeadBody>;
  if (body.size !== head.size || body.rootHash !== head.rootHash || body.timestamp !== head.timestamp) {
    throw new SdxError('tree-head-invalid', 'the tree head differs from what its signature covers');
  }
  return { certificate: opened.certificate, chain: opened.chain };
}
