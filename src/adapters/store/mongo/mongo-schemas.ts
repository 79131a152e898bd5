import { Schema, type Connection, type Model } from 'mongoose';
import type {
  ApiKeyRecordDoc,
  BlobRecord,
  DocumentRecord,
  EventRecord,
  LogNodeRecord,
  LogStateRecord,
  PartyRecord,
  TreeHeadRecord,
  UserRecord,
} from './mongo-mappers';
import type { BlobChunkRecord } from './mongo-blob-chunks';

/*
 * The collections and their indexes. Indexes are created explicitly by `MongoStore.connect`
 * (autoIndex off), so that a missing unique index is a start-up failure, not a silent race later.
 * `strict: 'throw'` refuses a field the schema does not know instead of dropping it.
 */
const options = {
  versionKey: false,
  strict: 'throw',
  minimize: false,
  autoIndex: false,
  autoCreate: false,
  bufferCommands: false,
} as const;

export const partySchema = new Schema<PartyRecord>({ _id: String, data: String }, options);

export const userSchema = new Schema<UserRecord>(
  { _id: String, partyId: String, name: String, createdAt: String, passwordHash: { type: String, default: null } },
  options,
);

export const apiKeySchema = new Schema<ApiKeyRecordDoc>(
  { _id: String, userId: String, keyHash: String, label: String, createdAt: String, revokedAt: { type: String, default: null } },
  options,
);
// Keys are looked up by hash only, and one hash never names two keys.
apiKeySchema.index({ keyHash: 1 }, { unique: true });

const participantSchema = new Schema({ partyId: String, role: String }, { _id: false, strict: 'throw' });

export const documentSchema = new Schema<DocumentRecord>(
  {
    _id: String,
    ord: Number,
    kind: String,
    status: String,
    holder: { type: String, default: null },
    issuer: String,
    seq: Number,
    payload: String,
    state: String,
    participants: [participantSchema],
    keys: [String],
    keysVersion: Number,
    createdAt: String,
    updatedAt: String,
  },
  options,
);
documentSchema.index({ ord: 1 }, { unique: true });
// Multikey: business keys as "key:value"; an anchored regex on it is an index range (prefix search).
documentSchema.index({ keys: 1, ord: -1 });
documentSchema.index({ keysVersion: 1 });
documentSchema.index({ holder: 1, ord: -1 });
documentSchema.index({ issuer: 1, ord: -1 });
documentSchema.index({ createdAt: 1 });
// Multikey: "documents party P takes part in (as role R)", in creation order.
documentSchema.index({ 'participants.partyId': 1, 'participants.role': 1, ord: 1 });
documentSchema.index({ 'participants.role': 1, ord: 1 });
documentSchema.index({ kind: 1, status: 1, ord: 1 });
documentSchema.index({ holder: 1, kind: 1, status: 1, ord: -1 });

export const eventSchema = new Schema<EventRecord>(
  {
    documentId: String,
    seq: Number,
    logIndex: Number,
    hash: String,
    type: String,
    actor: String,
    recordedAt: String,
    envelope: String,
  },
  options,
);
// Two writers appending at one sequence cannot both win, and no log position is taken twice.
eventSchema.index({ documentId: 1, seq: 1 }, { unique: true });
eventSchema.index({ logIndex: 1 }, { unique: true });

const blobUploadSchema = new Schema({ partyId: String, size: Number, uploadedAt: String }, { _id: false, strict: 'throw' });

export const blobSchema = new Schema<BlobRecord>(
  {
    _id: String,
    mediaType: String,
    size: Number,
    bytes: Buffer,
    chunks: Number,
    pendingSince: { type: String, default: null },
    uploads: { type: [blobUploadSchema], default: [] },
  },
  options,
);
// The sweep's scan (pending, oldest first) and a party's pending bytes.
blobSchema.index({ pendingSince: 1 }, { partialFilterExpression: { pendingSince: { $type: 'string' } } });
blobSchema.index({ 'uploads.partyId': 1, pendingSince: 1 });

export const blobChunkSchema = new Schema<BlobChunkRecord>({ _id: String, sha256: String, n: Number, bytes: Buffer }, options);
blobChunkSchema.index({ sha256: 1, n: 1 });

export const logNodeSchema = new Schema<LogNodeRecord>({ level: Number, index: Number, hash: Buffer }, options);
logNodeSchema.index({ level: 1, index: 1 }, { unique: true });

export const logStateSchema = new Schema<LogStateRecord>({ _id: String, size: Number, frontier: [Buffer] }, options);

export const treeHeadSchema = new Schema<TreeHeadRecord>(
  { size: Number, rootHash: String, timestamp: String, signature: String },
  options,
);
treeHeadSchema.index({ size: 1 }, { unique: true });

/** One document `/healthz` rewrites with a majority write concern, to learn whether the primary can reach a majority. */
export const healthProbeSchema = new Schema<{ _id: string; at: string }>({ _id: String, at: String }, options);

export interface MongoModels {
  parties: Model<PartyRecord>;
  users: Model<UserRecord>;
  apiKeys: Model<ApiKeyRecordDoc>;
  documents: Model<DocumentRecord>;
  events: Model<EventRecord>;
  blobs: Model<BlobRecord>;
  blobChunks: Model<BlobChunkRecord>;
  logNodes: Model<LogNodeRecord>;
  logState: Model<LogStateRecord>;
  treeHeads: Model<TreeHeadRecord>;
  healthProbes: Model<{ _id: string; at: string }>;
}

/** The models on one connection; the collection names are fixed, never pluralised by mongoose. */
export function modelsOn(connection: Connection): MongoModels {
  return {
    parties: connection.model<PartyRecord>('Party', partySchema, 'parties'),
    users: connection.model<UserRecord>('User', userSchema, 'users'),
    apiKeys: connection.model<ApiKeyRecordDoc>('ApiKey', apiKeySchema, 'apiKeys'),
    documents: connection.model<DocumentRecord>('Document', documentSchema, 'documents'),
    events: connection.model<EventRecord>('Event', eventSchema, 'events'),
    blobs: connection.model<BlobRecord>('Blob', blobSchema, 'blobs'),
    blobChunks: connection.model<BlobChunkRecord>('BlobChunk', blobChunkSchema, 'blobChunks'),
    logNodes: connection.model<LogNodeRecord>('LogNode', logNodeSchema, 'logNodes'),
    logState: connection.model<LogStateRecord>('LogState', logStateSchema, 'logState'),
    treeHeads: connection.model<TreeHeadRecord>('TreeHead', treeHeadSchema, 'treeHeads'),
    healthProbes: connection.model<{ _id: string; at: string }>('HealthProbe', healthProbeSchema, 'healthProbes'),
  };
}
