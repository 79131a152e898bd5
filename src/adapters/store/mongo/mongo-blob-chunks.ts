import type { ClientSession, Model } from 'mongoose';
import { SdxError } from '../../../domain/shared/errors';
import { bytesOf } from './mongo-mappers';

/**
 * A MongoDB document holds at most 16 MiB of BSON, so a blob larger than BLOB_INLINE_BYTES (an EIR
 * PDF with many gate photos) is stored as chunks of BLOB_CHUNK_BYTES in `blobChunks`, written in the
 * same transaction as the blob's record (GridFS's bucket cannot join a transaction). Blobs up to
 * the inline size stay in their record, as before.
 */
export const BLOB_INLINE_BYTES = 8 * 1024 * 1024;
export const BLOB_CHUNK_BYTES = 8 * 1024 * 1024;
/** The largest blob the MongoDB store takes: refused with 413 before anything is written. */
export const MONGO_MAX_BLOB_BYTES = 64 * 1024 * 1024;

export interface BlobChunkRecord {
  /** `<sha256>:<n>`: one chunk of one blob, so writing a blob twice writes nothing new. */
  _id: string;
  sha256: string;
  n: number;
  bytes: Buffer;
}

/** The chunks a blob is stored as: none when it fits its record. */
export function chunksOf(sha256: string, bytes: Buffer): BlobChunkRecord[] {
  if (bytes.byteLength <= BLOB_INLINE_BYTES) return [];
  const chunks: BlobChunkRecord[] = [];
  for (let at = 0, n = 0; at < bytes.byteLength; at += BLOB_CHUNK_BYTES, n += 1) {
    chunks.push({ _id: `${sha256}:${n}`, sha256, n, bytes: bytes.subarray(at, at + BLOB_CHUNK_BYTES) });
  }
  return chunks;
}

/** What a blob's record keeps of its bytes: the bytes themselves, or how many chunks hold them. */
export function recordBytesOf(bytes: Buffer, chunks: readonly BlobChunkRecord[]): { bytes: Buffer } | { chunks: number } {
  return chunks.length === 0 ? { bytes } : { chunks: chunks.length };
}

/** Writes a blob's chunks (each once: a chunk is content-addressed by its blob and place). */
export async function writeChunks(model: Model<BlobChunkRecord>, chunks: readonly BlobChunkRecord[], session: ClientSession): Promise<void> {
  // One at a time: a transaction's operations must not run in parallel on its session.
  for (const chunk of chunks) {
    await model.updateOne({ _id: chunk._id }, { $setOnInsert: { sha256: chunk.sha256, n: chunk.n, bytes: chunk.bytes } }, { upsert: true, session });
  }
}

/** The blob's bytes from its chunks, all of them in order, or store-corrupt. */
export async function readChunks(model: Model<BlobChunkRecord>, sha256: string, count: number, size: number): Promise<Uint8Array> {
  const rows = await model.find({ sha256 }).sort({ n: 1 }).lean<BlobChunkRecord[]>().exec();
  const parts = rows.map((row) => bytesOf(row.bytes, `chunk ${row._id}`));
  if (rows.length !== count || rows.some((row, i) => row.n !== i)) {
    throw new SdxError('store-corrupt', `blob ${sha256} should have ${count} chunks, found ${rows.length}`);
  }
  const joined = Buffer.concat(parts);
  if (joined.byteLength !== size) throw new SdxError('store-corrupt', `blob ${sha256} has ${joined.byteLength} bytes in its chunks, not ${size}`);
  return joined;
}
