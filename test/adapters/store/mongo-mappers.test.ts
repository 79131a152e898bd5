import mongoose from 'mongoose';
import { checkChanges, distinctParticipants } from '../../../src/application/commit/commit-planner';
import {
  checkLogRange,
  clampLimit,
  MAX_LOG_ENTRIES,
  decodeCursor,
  encodeCursor,
} from '../../../src/adapters/store/commit-checks';
import {
  duplicateKeyFields,
  isReplicaSetRequired,
  isTransactionRace,
  translateMongoError,
} from '../../../src/adapters/store/mongo/mongo-errors';
import {
  bytesOf,
  hashOf,
  toApiKey,
  toApiKeyRecord,
  toBuffer,
  toLogState,
  toParty,
  toPartyRecord,
  toStoredBlob,
  toStoredDocument,
  toUser,
  toUserRecord,
  type DocumentRecord,
} from '../../../src/adapters/store/mongo/mongo-mappers';
import {
  apiKeySchema,
  documentSchema,
  eventSchema,
  logNodeSchema,
  treeHeadSchema,
} from '../../../src/adapters/store/mongo/mongo-schemas';
import { StoreConflictError } from '../../../src/application/ports/store.port';
import { leafHash } from '../../../src/domain/audit-log/merkle-hash';
import { appendLeaves } from '../../../src/domain/audit-log/merkle-tree';
import { SdxError, ValidationError } from '../../../src/domain/shared/errors';
import { appending, deliveryOrderState, issuing, signedEvent } from '../../support/document-fixtures';
import { apiKey, party, user } from '../../support/party-fixtures';

const { Binary, MongoServerError, MongoNetworkError } = mongoose.mongo;

/** A server error as the driver builds it from a server reply. */
function serverError(fields: { code: number; errmsg: string; codeName?: string; errorLabels?: string[]; keyPattern?: object; keyValue?: object }) {
  return new MongoServerError({ ...fields, message: fields.errmsg });
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('MongoDB mappers', () => {
  it('when bytes come back as BSON Binary, Buffer or Uint8Array, then each maps to a plain Uint8Array of exactly those bytes', () => {
    const bytes = Uint8Array.from([1, 2, 3, 250]);
    for (const stored of [new Binary(Buffer.from(bytes)), Buffer.from(bytes), bytes]) {
      const read = bytesOf(stored, 'test');
      expect(read).toEqual(bytes);
      expect(Buffer.isBuffer(read)).toBe(false);
    }
    expect(bytesOf(new Binary(Buffer.alloc(0)), 'empty').byteLength).toBe(0);
    expect(bytesOf(new Uint8ClampedArray([5]), 'clamped')).toEqual(Uint8Array.of(5));
    expect(errorOf(() => bytesOf(Uint16Array.of(1), 'wide'))).toMatchObject({ code: 'store-corrupt' });
    expect(errorOf(() => bytesOf('AQID', 'blob x'))).toMatchObject({ code: 'store-corrupt', message: expect.stringMatching(/blob x/) });
  });

  it('when a view into a larger buffer is written, then only the viewed bytes go to the database', () => {
    const backing = Uint8Array.from([9, 9, 1, 2, 3, 9]);
    const buffer = toBuffer(backing.subarray(2, 5));
    expect([...buffer]).toEqual([1, 2, 3]);
    expect([...bytesOf(new Binary(buffer), 'view')]).toEqual([1, 2, 3]);
  });

  it('when a stored hash is not 32 bytes, then it is corrupt', () => {
    expect(hashOf(new Binary(Buffer.alloc(32, 7)), 'node')).toHaveLength(32);
    expect(errorOf(() => hashOf(new Binary(Buffer.alloc(31)), 'log node (0, 1)'))).toMatchObject({ code: 'store-corrupt' });
  });

  it('when the log state is read, then its frontier must fit its size', () => {
    const leaves = [1, 2, 3].map((n) => leafHash(Uint8Array.of(n)));
    const appended = appendLeaves(0, [], leaves);
    const record = { _id: 'log', size: 3, frontier: appended.frontier.map((h) => new Binary(Buffer.from(h))) };
    expect(toLogState(record, 'db')).toEqual({ size: 3, frontier: appended.frontier.map((h) => Uint8Array.from(h)) });
    expect(toLogState({ _id: 'log', size: 0, frontier: [] }, 'db')).toEqual({ size: 0, frontier: [] });
    expect(errorOf(() => toLogState({ ...record, size: 4 }, 'db'))).toMatchObject({ code: 'store-corrupt' });
    expect(errorOf(() => toLogState({ ...record, size: -1 }, 'db'))).toMatchObject({ code: 'store-corrupt' });
    expect(errorOf(() => toLogState(null, 'sdx_x'))).toMatchObject({ code: 'store-corrupt', message: expect.stringMatching(/sdx_x/) });
  });

  it('when parties, users and keys are mapped to records and back, then they are unchanged', () => {
    const carrier = party('cosco-shipping', ['carrier'], { name: { en: 'COSCO', zh: '中远海运' } });
    expect(toParty(toPartyRecord(carrier))).toEqual(carrier);
    expect(toPartyRecord(carrier)._id).toBe('cosco-shipping');
    expect(errorOf(() => toParty({ _id: 'other-id', data: JSON.stringify(carrier) }))).toMatchObject({ code: 'store-corrupt' });
    expect(errorOf(() => toParty({ _id: 'x', data: '{not json' }))).toMatchObject({ code: 'store-corrupt' });

    const clerk = user('user-1', 'acme-imports');
    expect(toUser(toUserRecord(clerk))).toEqual(clerk);
    const key = apiKey('key-1', 'user-1', 'sdx_secret');
    expect(toApiKeyRecord(key)).toMatchObject({ _id: 'key-1', keyHash: key.keyHash, revokedAt: null });
    expect(toApiKey(toApiKeyRecord(key))).toEqual(key);
  });

  it('when a document record is read, then state and payload round-trip through JSON text and a state for another id is corrupt', () => {
    const state = deliveryOrderState('do-1');
    const payload = { $weird: 'key', 'dotted.key': -0, empty: {}, list: [] };
    const record: DocumentRecord = {
      _id: 'do-1',
      ord: 0,
      kind: state.kind,
      status: state.status,
      holder: state.holder,
      issuer: state.issuer,
      seq: 1,
      payload: JSON.stringify(payload),
      state: JSON.stringify(state),
      participants: state.participants,
      createdAt: 'a',
      updatedAt: 'b',
    };
    expect(toStoredDocument(record)).toEqual({ state, payload: JSON.parse(JSON.stringify(payload)), seq: 1, createdAt: 'a', updatedAt: 'b' });
    expect(errorOf(() => toStoredDocument({ ...record, _id: 'do-2' }))).toMatchObject({ code: 'store-corrupt' });
  });

  it('when participants repeat, then each (party, role) pair is kept once in first-seen order', () => {
    expect(
      distinctParticipants([
        { partyId: 'b', role: 'issuer' },
        { partyId: 'a', role: 'consignee' },
        { partyId: 'b', role: 'issuer' },
        { partyId: 'b', role: 'consignee' },
      ]),
    ).toEqual([
      { partyId: 'b', role: 'issuer' },
      { partyId: 'a', role: 'consignee' },
      { partyId: 'b', role: 'consignee' },
    ]);
  });

  it('when a blob record is read, then its bytes are a Uint8Array and its id is the hash', () => {
    const blob = toStoredBlob({ _id: 'ab', mediaType: 'image/jpeg', size: 2, bytes: new Binary(Buffer.from([1, 2])) });
    expect(blob).toEqual({ sha256: 'ab', mediaType: 'image/jpeg', size: 2, bytes: Uint8Array.from([1, 2]), pending: false });
  });

  it('when a blob record has a pending time, then it is pending; one from before uploads were tracked is not', () => {
    const bytes = new Binary(Buffer.from([1]));
    expect(toStoredBlob({ _id: 'ab', mediaType: 'image/png', size: 1, bytes, pendingSince: '2026-11-28T00:00:00.000Z' }).pending).toBe(true);
    expect(toStoredBlob({ _id: 'ab', mediaType: 'image/png', size: 1, bytes, pendingSince: null }).pending).toBe(false);
  });

  it('when a cursor round-trips, then the ord comes back; anything else is a validation error', () => {
    expect(decodeCursor(encodeCursor(0))).toBe(0);
    expect(decodeCursor(encodeCursor(123_456))).toBe(123_456);
    for (const forged of ['not-a-cursor', Buffer.from('{"ord":-1}').toString('base64url'), Buffer.from('{"ord":1.5}').toString('base64url'), Buffer.from('[]').toString('base64url')]) {
      expect(errorOf(() => decodeCursor(forged))).toBeInstanceOf(ValidationError);
    }
  });
});

describe('MongoDB commit checks', () => {
  it('when a change could never commit, then it is refused with the issue codes SQLite uses', () => {
    const change = issuing(deliveryOrderState('do-1'));
    const codesOf = (fn: () => unknown) => (errorOf(fn) as ValidationError).issues.map((i) => i.code);
    expect(codesOf(() => checkChanges([]))).toEqual(['no-changes']);
    expect(codesOf(() => checkChanges([change, change]))).toEqual(['repeated-document']);
    expect(codesOf(() => checkChanges([{ ...change, documentId: 'do-2' }]))).toEqual(['state-id-mismatch']);
    expect(codesOf(() => checkChanges([{ ...change, events: [] }]))).toEqual(['no-events']);
    expect(codesOf(() => checkChanges([{ ...change, payload: undefined }]))).toEqual(['payload-required']);
    expect(codesOf(() => checkChanges([{ ...appending(deliveryOrderState('do-1'), 1), expectedSeq: -1 }]))).toEqual(['invalid-seq']);
    expect(() => checkChanges([change, appending(deliveryOrderState('do-2'), 3, { events: [signedEvent('do-2', 4)] })])).not.toThrow();
  });

  it('when a log range or a limit is out of bounds, then the range is refused and the limit clamped', () => {
    expect(() => checkLogRange(0, MAX_LOG_ENTRIES)).not.toThrow();
    for (const [start, end] of [[-1, 3], [4, 2], [0.5, 3], [0, MAX_LOG_ENTRIES + 1]] as const) {
      expect(errorOf(() => checkLogRange(start, end))).toMatchObject({ code: 'validation-failed' });
    }
    expect([0, -5, 1, 42, 500, 501, 10_000, Number.NaN, 2.7].map(clampLimit)).toEqual([1, 1, 1, 42, 500, 500, 500, 1, 2]);
  });
});

describe('MongoDB error translation', () => {
  it('when a key id or key hash is reused, then it is store-conflict naming the index fields', () => {
    const byHash = serverError({
      code: 11000,
      codeName: 'DuplicateKey',
      errmsg: 'E11000 duplicate key error collection: sdx.apiKeys index: keyHash_1 dup key: { keyHash: "abc" }',
      keyPattern: { keyHash: 1 },
      keyValue: { keyHash: 'abc' },
    });
    const translated = translateMongoError(byHash, 'MongoDB store sdx failed');
    expect(translated).toBeInstanceOf(SdxError);
    expect(translated).toMatchObject({ code: 'store-conflict', message: expect.stringMatching(/keyHash/), cause: byHash });
    expect(duplicateKeyFields(byHash)).toEqual(['keyHash']);
    const byId = serverError({ code: 11000, errmsg: 'E11000 duplicate key error collection: sdx.users index: _id_ dup key: { _id: "user-1" }' });
    expect(translateMongoError(byId, 'x')).toMatchObject({ code: 'store-conflict' });
    expect(duplicateKeyFields(byId)).toEqual(['_id']);
    // insertMany fails with a bulk error: the code and message of the first write error, no keyPattern.
    const bulk = Object.assign(new Error('E11000 duplicate key error collection: sdx.apiKeys index: _id_ dup key: { _id: "key-1" }'), {
      name: 'MongoBulkWriteError',
      code: 11000,
      writeErrors: [{ code: 11000 }],
    });
    expect(translateMongoError(bulk, 'x')).toMatchObject({ code: 'store-conflict', message: expect.stringMatching(/_id/) });
    expect(duplicateKeyFields(serverError({ code: 11000, errmsg: 'E11000 index: party_id_1_role_-1 dup key: {}' }))).toEqual([
      'party_id',
      'role',
    ]);
  });

  it('when an event or a document id collides inside a commit, then it counts as a lost race, as do write conflicts', () => {
    const eventSeq = serverError({
      code: 11000,
      errmsg: 'E11000 duplicate key error collection: sdx.events index: documentId_1_seq_1 dup key: { documentId: "do-1", seq: 2 }',
      keyPattern: { documentId: 1, seq: 1 },
      keyValue: { documentId: 'do-1', seq: 2 },
    });
    expect(isTransactionRace(eventSeq)).toBe(true);
    expect(duplicateKeyFields(eventSeq)).toEqual(['documentId', 'seq']);
    expect(duplicateKeyFields(serverError({ code: 11000, errmsg: 'E11000 ... index: documentId_1_seq_1 dup key: {}' }))).toEqual([
      'documentId',
      'seq',
    ]);
    expect(isTransactionRace(serverError({ code: 112, codeName: 'WriteConflict', errmsg: 'WriteConflict error', errorLabels: ['TransientTransactionError'] }))).toBe(true);
    expect(isTransactionRace(serverError({ code: 50, errmsg: 'operation exceeded time limit', errorLabels: ['TransientTransactionError'] }))).toBe(true);
    expect(isTransactionRace(serverError({ code: 2, errmsg: 'BadValue' }))).toBe(false);
    expect(isTransactionRace(new StoreConflictError('do-1', 1, 2))).toBe(false);
  });

  it('when the server is a standalone, then the error says a replica set is required and how to get one', () => {
    const standalone = serverError({
      code: 20,
      codeName: 'IllegalOperation',
      errmsg: 'Transaction numbers are only allowed on a replica set member or mongos',
    });
    expect(isReplicaSetRequired(standalone)).toBe(true);
    expect(translateMongoError(standalone, 'MongoDB store sdx failed')).toMatchObject({
      code: 'store-unavailable',
      message: expect.stringMatching(/replica set.*--replSet rs0.*rs\.initiate\(\)/),
    });
    expect(isReplicaSetRequired(serverError({ code: 20, errmsg: 'something else entirely' }))).toBe(false);
  });

  it('when the network fails or the primary steps down, then it is store-unavailable', () => {
    expect(translateMongoError(new MongoNetworkError('connection 3 to 10.0.0.5:27017 closed'), 'x')).toMatchObject({
      code: 'store-unavailable',
      message: expect.stringMatching(/cannot be reached/),
    });
    const selection = Object.assign(new Error('Server selection timed out after 300 ms'), { name: 'MongooseServerSelectionError' });
    expect(translateMongoError(selection, 'x')).toMatchObject({ code: 'store-unavailable' });
    expect(translateMongoError(serverError({ code: 10107, errmsg: 'not primary' }), 'x')).toMatchObject({ code: 'store-unavailable' });
    expect(translateMongoError(serverError({ code: 18, errmsg: 'Authentication failed.' }), 'x')).toMatchObject({
      code: 'store-unavailable',
      message: expect.stringMatching(/credentials/),
    });
  });

  it('when the error is not the driver’s, then it passes through unchanged', () => {
    const conflict = new StoreConflictError('do-1', 1, 2);
    expect(translateMongoError(conflict, 'x')).toBe(conflict);
    const bug = new TypeError('undefined is not a function');
    expect(translateMongoError(bug, 'x')).toBe(bug);
  });
});

describe('MongoDB schemas', () => {
  const indexesOf = (schema: { indexes(): unknown[] }) => schema.indexes();

  it('when the schemas are read, then the unique indexes the port relies on are declared', () => {
    expect(indexesOf(eventSchema)).toEqual(
      expect.arrayContaining([
        [{ documentId: 1, seq: 1 }, expect.objectContaining({ unique: true })],
        [{ logIndex: 1 }, expect.objectContaining({ unique: true })],
      ]),
    );
    expect(indexesOf(apiKeySchema)).toEqual([[{ keyHash: 1 }, expect.objectContaining({ unique: true })]]);
    expect(indexesOf(logNodeSchema)).toEqual([[{ level: 1, index: 1 }, expect.objectContaining({ unique: true })]]);
    expect(indexesOf(treeHeadSchema)).toEqual([[{ size: 1 }, expect.objectContaining({ unique: true })]]);
    expect(indexesOf(documentSchema)).toEqual(
      expect.arrayContaining([
        [{ ord: 1 }, expect.objectContaining({ unique: true })],
        [{ 'participants.partyId': 1, 'participants.role': 1, ord: 1 }, expect.anything()],
      ]),
    );
  });

  it('when a record carries a field the schema does not know, then mongoose refuses it instead of dropping it', () => {
    const Event = mongoose.model('EventSchemaProbe', eventSchema);
    expect(() => new Event({ documentId: 'do-1', seq: 1, forged: true })).toThrow(/forged/);
  });
});
