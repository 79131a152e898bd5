import mongoose from 'mongoose';
import {
  isLogPositionTaken,
  isTransactionRace,
  isWriteMajorityUnreachable,
  translateMongoError,
} from '../../../src/adapters/store/mongo/mongo-errors';
import { appendOnlyCollections, logStateCollection, mongoRoleCommand, mongoRolePrivileges } from '../../../src/adapters/store/mongo/mongo-role';
import { modelsOn } from '../../../src/adapters/store/mongo/mongo-schemas';
import { sessionModelsOn } from '../../../src/adapters/store/mongo/mongo-sessions';
import { BLOB_CHUNK_BYTES, BLOB_INLINE_BYTES, chunksOf, MONGO_MAX_BLOB_BYTES, recordBytesOf } from '../../../src/adapters/store/mongo/mongo-blob-chunks';
import { transactionOptions } from '../../../src/adapters/store/mongo/mongo-store';
import { blobHash } from '../../../src/domain/audit-log/event-hash';
import { checkBlobSize } from '../../../src/adapters/store/blob-size';
import type { BlobRecord } from '../../../src/adapters/store/mongo/mongo-mappers';
import { statusFor } from '../../../src/http/problem';
import { SdxError } from '../../../src/domain/shared/errors';
import { uploadModelsOn } from '../../../src/adapters/store/mongo/mongo-uploads';
import { claimQuery } from '../../../src/adapters/store/mongo/leased-claim';
import { redriveQuery, webhookModelsOn } from '../../../src/adapters/store/mongo/mongo-webhooks';
import { federationModelsOn } from '../../../src/adapters/store/mongo/mongo-federation';
import { Deadline, withDeadline } from '../../../src/adapters/store/store-deadline';

// What a replica set would expose, checked on the driver's own classes and mongoose's query building; no server needed.
const { MongoServerError, MongoWriteConcernError, MongoOperationTimeoutError } = mongoose.mongo;

/** Which driver operation a built query would send. */
const opOf = (query: object): unknown => (query as { op?: unknown }).op;

// A connection that never opens: models and queries are built, nothing is sent.
const connection = mongoose.createConnection();
const models = { ...modelsOn(connection), ...webhookModelsOn(connection), ...uploadModelsOn(connection), ...sessionModelsOn(connection), ...federationModelsOn(connection) };
afterAll(() => connection.close());

describe('MongoDB webhook claims and redrives', () => {
  it.each([
    ['webhook delivery', () => claimQuery(models.webhookDeliveries, '2026-12-03T10:00:00.000Z', '2026-12-03T10:01:00.000Z')],
    ['peer send', () => claimQuery(models.peerSends, '2026-12-03T10:00:00.000Z', '2026-12-03T10:01:00.000Z')],
  ])('when a %s is claimed, then one findOneAndUpdate repeats the whole condition, oldest first, and returns the row as updated', (_outbox, claim) => {
    const query = claim();
    expect(opOf(query)).toBe('findOneAndUpdate');
    expect(query.getFilter()).toEqual({
      status: 'pending',
      nextAttemptAt: { $lte: '2026-12-03T10:00:00.000Z' },
      $or: [{ leaseUntil: null }, { leaseUntil: { $lte: '2026-12-03T10:00:00.000Z' } }],
    });
    expect(query.getUpdate()).toEqual({ $set: { leaseUntil: '2026-12-03T10:01:00.000Z' } });
    expect(query.getOptions()).toMatchObject({ sort: { nextAttemptAt: 1, createdAt: 1, _id: 1 }, returnDocument: 'after' });
  });

  it('when a delivery is redriven, then the update is conditioned on not delivered and returns the row as updated', () => {
    const query = redriveQuery(models.webhookDeliveries, 'dlv-1', '2026-12-03T10:00:00.000Z');
    expect(opOf(query)).toBe('findOneAndUpdate');
    expect(query.getFilter()).toEqual({ _id: 'dlv-1', status: { $ne: 'delivered' } });
    expect(query.getUpdate()).toEqual({ $set: { status: 'pending', attempts: 0, nextAttemptAt: '2026-12-03T10:00:00.000Z', leaseUntil: null } });
    expect(query.getOptions()).toMatchObject({ returnDocument: 'after' });
  });
});

describe('MongoDB duplicate log positions', () => {
  // As insertMany reports it: the first write error's code and message, no key pattern.
  const logNode = new MongoServerError({
    message: 'E11000 duplicate key error collection: sdx.logNodes index: level_1_index_1 dup key: { level: 0, index: 3 }',
    code: 11000,
  });
  const logIndex = new MongoServerError({
    message: 'E11000 duplicate key error collection: sdx.events index: logIndex_1 dup key: { logIndex: 7 }',
    errmsg: 'E11000 duplicate key error collection: sdx.events index: logIndex_1 dup key: { logIndex: 7 }',
    code: 11000,
    keyPattern: { logIndex: 1 },
    keyValue: { logIndex: 7 },
  });
  const eventSeq = new MongoServerError({
    message: 'E11000 duplicate key error collection: sdx.events index: documentId_1_seq_1 dup key: { documentId: "do-1", seq: 2 }',
    code: 11000,
    keyPattern: { documentId: 1, seq: 1 },
  });

  it('when a log index or a Merkle node is taken, then it is store-corrupt and no race to retry', () => {
    for (const error of [logNode, logIndex]) {
      expect(isLogPositionTaken(error)).toBe(true);
      expect(isTransactionRace(error)).toBe(false);
      expect(translateMongoError(error, 'MongoDB store sdx failed')).toMatchObject({ code: 'store-corrupt', message: expect.stringMatching(/integrity audit/) });
    }
  });

  it('when a document sequence is taken, then it stays a lost race', () => {
    expect(isLogPositionTaken(eventSeq)).toBe(false);
    expect(isTransactionRace(eventSeq)).toBe(true);
  });
});

describe('MongoDB deadlines and majority', () => {
  it('when the majority does not acknowledge in time, then it is a write majority out of reach and store-unavailable', () => {
    const wtimeout = new MongoWriteConcernError({ ok: 1, writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' } });
    expect(isWriteMajorityUnreachable(wtimeout)).toBe(true);
    expect(translateMongoError(wtimeout, 'x')).toMatchObject({ code: 'store-unavailable' });
    expect(isWriteMajorityUnreachable(new MongoServerError({ message: 'E11000', code: 11000 }))).toBe(false);
    expect(translateMongoError(new MongoOperationTimeoutError('Timed out during operation'), 'x')).toMatchObject({
      code: 'store-unavailable',
      message: expect.stringMatching(/cannot be reached/),
    });
  });

  it('when a transaction runs, then its commit and its majority write wait no longer than the store timeout', () => {
    expect(transactionOptions(2500)).toEqual({
      readConcern: { level: 'snapshot' },
      writeConcern: { w: 'majority', journal: true, wtimeoutMS: 2500 },
      readPreference: 'primary',
      maxCommitTimeMS: 2500,
    });
  });

  it('when the deadline passes, then the next attempt is refused as store-unavailable', () => {
    let now = 1_000;
    const deadline = new Deadline(500, 'MongoDB store sdx', () => now);
    expect(() => deadline.check()).not.toThrow();
    now = 1_499;
    expect(deadline.remainingMs()).toBe(1);
    now = 1_500;
    expect(() => deadline.check()).toThrow(expect.objectContaining({ code: 'store-unavailable', message: expect.stringMatching(/SDX_STORE_TIMEOUT_MS/) }));
  });

  it('when a store call never answers, then the caller gets store-unavailable; a call that answers gets its answer', async () => {
    await expect(withDeadline(20, 'MongoDB store sdx', () => new Promise<never>(() => undefined))).rejects.toMatchObject({ code: 'store-unavailable' });
    await expect(withDeadline(10_000, 'MongoDB store sdx', () => Promise.resolve(42))).resolves.toBe(42);
    const failure = new Error('driver failure');
    await expect(withDeadline(10_000, 'MongoDB store sdx', () => Promise.reject(failure))).rejects.toBe(failure);
  });
});

describe('MongoDB blob size', () => {
  const uploads = Array.from({ length: 1000 }, (_, i) => ({ partyId: `party-with-a-long-identifier-${i}`, size: MONGO_MAX_BLOB_BYTES, uploadedAt: '2026-12-03T10:00:00.000Z' }));
  const bsonSize = (value: object) => mongoose.mongo.BSON.calculateObjectSize(value);

  it('when a blob fits its record, then the record with many uploads fits one BSON document and has no chunks', () => {
    const bytes = Buffer.alloc(BLOB_INLINE_BYTES, 1);
    const chunks = chunksOf('a'.repeat(64), bytes);
    expect(chunks).toEqual([]);
    const record: BlobRecord = { _id: 'a'.repeat(64), mediaType: 'application/pdf', size: bytes.byteLength, ...recordBytesOf(bytes, chunks), pendingSince: null, uploads };
    expect(bsonSize(record)).toBeLessThanOrEqual(16 * 1024 * 1024);
  });

  it('when a blob is at the store maximum, then it is chunks that each fit a BSON document and join back to the same bytes', () => {
    const bytes = Buffer.alloc(MONGO_MAX_BLOB_BYTES);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i % 251;
    const sha256 = blobHash(bytes);
    const chunks = chunksOf(sha256, bytes);
    expect(chunks.length).toBe(Math.ceil(MONGO_MAX_BLOB_BYTES / BLOB_CHUNK_BYTES));
    for (const chunk of chunks) expect(bsonSize(chunk)).toBeLessThan(16 * 1024 * 1024);
    expect(chunks.map((c) => [c._id, c.n])).toEqual(chunks.map((_, n) => [`${sha256}:${n}`, n]));
    expect(blobHash(Buffer.concat(chunks.map((c) => c.bytes)))).toBe(sha256);
    // The record keeps the count, not the bytes: it stays small whatever the blob's size.
    const record: BlobRecord = { _id: sha256, mediaType: 'application/pdf', size: bytes.byteLength, ...recordBytesOf(bytes, chunks), pendingSince: null, uploads };
    expect(record).not.toHaveProperty('bytes');
    expect(bsonSize(record)).toBeLessThan(1024 * 1024);
  });

  it('when a blob is one byte over the inline size, then it is two chunks, the second one byte long', () => {
    const chunks = chunksOf('b'.repeat(64), Buffer.alloc(BLOB_INLINE_BYTES + 1));
    expect(chunks.map((c) => c.bytes.byteLength)).toEqual([BLOB_CHUNK_BYTES, BLOB_INLINE_BYTES + 1 - BLOB_CHUNK_BYTES]);
  });

  it('when a blob is over the maximum, then it is refused as 413 blob-too-large before anything is written', () => {
    expect(() => checkBlobSize(MONGO_MAX_BLOB_BYTES, MONGO_MAX_BLOB_BYTES, 'MongoDB store sdx')).not.toThrow();
    let refused: unknown;
    try {
      checkBlobSize(MONGO_MAX_BLOB_BYTES + 1, MONGO_MAX_BLOB_BYTES, 'MongoDB store sdx');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(SdxError);
    expect(statusFor(refused as SdxError)).toBe(413);
    expect(refused).toMatchObject({ code: 'blob-too-large' });
  });
});

describe('sdx admin mongo-role', () => {
  it('when the role is built, then it covers every collection the store uses and keeps the log append-only', () => {
    const used = Object.values(models).map((model) => model.collection.collectionName).sort();
    const privileges = mongoRolePrivileges('sdx');
    expect(privileges.map((p) => p.resource.collection).sort()).toEqual(used);
    for (const privilege of privileges) expect(privilege.resource.db).toBe('sdx');
    const actionsOn = (collection: string) => privileges.find((p) => p.resource.collection === collection)?.actions.slice().sort();
    for (const collection of appendOnlyCollections) expect(actionsOn(collection)).toEqual(['createCollection', 'createIndex', 'find', 'insert']);
    expect(actionsOn(logStateCollection)).toEqual(['createCollection', 'createIndex', 'find', 'insert', 'update']);
    const removers = privileges.filter((p) => p.actions.includes('remove')).map((p) => p.resource.collection);
    expect(removers).toEqual(['blobs', 'blobChunks', 'peerRecords']);
  });

  it('when printed, then it is one mongosh createRole command for the named database and role', () => {
    const printed = mongoRoleCommand('shipping', 'sdxApp');
    const match = /^db\.getSiblingDB\("shipping"\)\.runCommand\(([\s\S]*)\)$/.exec(printed);
    expect(match).not.toBeNull();
    const command = JSON.parse(match?.[1] ?? '') as { createRole: string; privileges: unknown[]; roles: unknown[] };
    expect(command).toEqual({ createRole: 'sdxApp', privileges: mongoRolePrivileges('shipping'), roles: [] });
  });
});
