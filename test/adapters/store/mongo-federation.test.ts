import mongoose from 'mongoose';
import {
  checkPeerSendSizes,
  expiredRecords,
  federationModelsOn,
  liveRecord,
  MONGO_MAX_FEDERATION_TEXT_BYTES,
  peerRecordSchema,
  peerSendAttemptUpdate,
  peerSendSchema,
  toPeerSend,
  toPeerSendRecord,
} from '../../../src/adapters/store/mongo/mongo-federation';
import { isDuplicateKey } from '../../../src/adapters/store/mongo/mongo-errors';
import { statusFor } from '../../../src/http/problem';
import { SdxError } from '../../../src/domain/shared/errors';
import { appending, deliveryOrderState } from '../../support/document-fixtures';

// The pure parts of the MongoDB federation store, on mongoose's query building and the driver's own BSON; no server needed.
const { BSON, MongoServerError } = mongoose.mongo;
const connection = mongoose.createConnection();
const models = federationModelsOn(connection);
afterAll(() => connection.close());

const planned = { id: 'snd-1', peer: 'PORT', documentId: 'do-1', kind: 'envelope' as const, body: '{"a":"é"}', due: '2026-12-03T10:00:00.000Z' };

describe('MongoDB peer sends', () => {
  it('when a planned send is written and read back through BSON, then it is the pending send the port describes', async () => {
    const record = toPeerSendRecord(planned);
    const stored = BSON.deserialize(BSON.serialize(record)) as typeof record;
    expect(toPeerSend(stored)).toEqual({
      id: 'snd-1',
      peer: 'PORT',
      documentId: 'do-1',
      kind: 'envelope',
      body: '{"a":"é"}',
      status: 'pending',
      attempts: 0,
      nextAttemptAt: planned.due,
      lastError: null,
      createdAt: planned.due,
      doneAt: null,
    });
    // The schema takes the record as it is, and refuses a field it does not know.
    await expect(new models.peerSends(record).validate()).resolves.toBeUndefined();
    expect(() => new models.peerSends({ ...record, forged: true })).toThrow(/forged/);
  });

  it('when an attempt fails, then it is counted, the lease given back and the send due again; when done, it carries the done time', () => {
    expect(peerSendAttemptUpdate({ at: '2026-12-03T10:00:01.000Z', done: false, error: 'no signed answer', nextAttemptAt: '2026-12-03T10:00:05.000Z' })).toEqual({
      $set: { status: 'pending', lastError: 'no signed answer', leaseUntil: null, nextAttemptAt: '2026-12-03T10:00:05.000Z' },
      $inc: { attempts: 1 },
    });
    expect(peerSendAttemptUpdate({ at: '2026-12-03T10:00:06.000Z', done: true, error: null, nextAttemptAt: null })).toEqual({
      $set: { status: 'done', lastError: null, leaseUntil: null, doneAt: '2026-12-03T10:00:06.000Z' },
      $inc: { attempts: 1 },
    });
  });

  it('when the schema is read, then the claim and a document’s sends have indexes', () => {
    expect(peerSendSchema.indexes()).toEqual([
      [{ status: 1, nextAttemptAt: 1 }, expect.anything()],
      [{ documentId: 1, createdAt: 1 }, expect.anything()],
    ]);
  });
});

describe('MongoDB federation records', () => {
  it('when the schema is read, then (kind, key) is unique, so of concurrent writers of one record one wins', () => {
    expect(peerRecordSchema.indexes()).toEqual([
      [{ kind: 1, key: 1 }, expect.objectContaining({ unique: true })],
      [{ kind: 1, expiresAt: 1 }, expect.anything()],
    ]);
    // What the losers get back from the insert, as the driver reports it: a duplicate key, answered `false`.
    const lost = new MongoServerError({ message: 'E11000 duplicate key error collection: sdx.peerRecords index: kind_1_key_1 dup key', code: 11000, keyPattern: { kind: 1, key: 1 } });
    expect(isDuplicateKey(lost)).toBe(true);
  });

  it('when records expire, then the sweep takes a kind’s expired ones only and a read sees unexpired or never-expiring ones', () => {
    expect(expiredRecords('jti', '2026-12-03T10:00:00.000Z')).toEqual({ kind: 'jti', expiresAt: { $lte: '2026-12-03T10:00:00.000Z' } });
    expect(liveRecord('envelope', 'abc', '2026-12-03T10:00:00.000Z')).toEqual({
      kind: 'envelope',
      key: 'abc',
      $or: [{ expiresAt: null }, { expiresAt: { $gt: '2026-12-03T10:00:00.000Z' } }],
    });
  });
});

describe('MongoDB federation sizes', () => {
  const bsonSize = (value: object) => BSON.calculateObjectSize(value);

  it('when a body or a value is at the maximum, then its record fits one BSON document, even in multi-byte UTF-8', () => {
    const widest = 'é'.repeat(MONGO_MAX_FEDERATION_TEXT_BYTES / 2);
    expect(Buffer.byteLength(widest, 'utf8')).toBe(MONGO_MAX_FEDERATION_TEXT_BYTES);
    expect(bsonSize(toPeerSendRecord({ ...planned, body: widest }))).toBeLessThan(16 * 1024 * 1024);
    expect(bsonSize({ _id: new mongoose.Types.ObjectId(), kind: 'envelope', key: 'a'.repeat(64), value: widest, expiresAt: planned.due })).toBeLessThan(16 * 1024 * 1024);
  });

  it('when a commit would queue a body over the maximum, then it is refused as 413 blob-too-large before its transaction', () => {
    const state = deliveryOrderState('do-big');
    const within = { id: 'snd-a', peer: 'PORT', kind: 'envelope' as const, body: 'x'.repeat(MONGO_MAX_FEDERATION_TEXT_BYTES) };
    expect(() => checkPeerSendSizes([{ ...appending(state, 1), peerSends: [within] }], 'MongoDB store sdx')).not.toThrow();
    let refused: unknown;
    try {
      checkPeerSendSizes([{ ...appending(state, 1), peerSends: [within, { ...within, id: 'snd-b', body: `${within.body}é` }] }], 'MongoDB store sdx');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(SdxError);
    expect(statusFor(refused as SdxError)).toBe(413);
    expect(refused).toMatchObject({ code: 'blob-too-large', message: expect.stringMatching(/MongoDB store sdx holds peer send bodies of at most/) });
  });
});
