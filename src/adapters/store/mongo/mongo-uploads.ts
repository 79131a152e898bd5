import { Schema, type Connection, type Model } from 'mongoose';

/** Which documents' events cite a blob; written in the transaction that commits those events. */
export interface BlobRefRecord {
  sha256: string;
  documentId: string;
}

/**
 * One per uploading party, rewritten by each of its uploads inside the upload's transaction, so
 * that two concurrent uploads of one party conflict and the quota is checked one upload at a time.
 */
export interface UploadLockRecord {
  _id: string;
  at: string;
}

const options = { versionKey: false, strict: 'throw', minimize: false, autoIndex: false, autoCreate: false, bufferCommands: false } as const;

const blobRefSchema = new Schema<BlobRefRecord>({ sha256: String, documentId: String }, options);
blobRefSchema.index({ sha256: 1, documentId: 1 }, { unique: true });

const uploadLockSchema = new Schema<UploadLockRecord>({ _id: String, at: String }, options);

export interface UploadModels {
  blobRefs: Model<BlobRefRecord>;
  uploadLocks: Model<UploadLockRecord>;
}

export function uploadModelsOn(connection: Connection): UploadModels {
  return {
    blobRefs: connection.model<BlobRefRecord>('BlobRef', blobRefSchema, 'blobRefs'),
    uploadLocks: connection.model<UploadLockRecord>('UploadLock', uploadLockSchema, 'uploadLocks'),
  };
}
