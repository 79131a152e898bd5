import { SdxError } from '../../../domain/shared/errors';

/**
 * What this adapter reads from a driver error. The checks go by shape (name, numeric code, labels),
 * not by `instanceof`: mongoose and the driver may be loaded more than once (test runners' VM
 * contexts), and shape checks can be unit-tested with fabricated errors.
 */
export interface DriverErrorShape {
  name: string;
  message: string;
  code?: number | string;
  codeName?: string;
  errorLabels?: readonly string[];
  keyPattern?: Record<string, unknown>;
  keyValue?: Record<string, unknown>;
}

/** Server error codes this adapter acts on (see the server's error_codes.yml). */
export const MongoCode = {
  illegalOperation: 20,
  authenticationFailed: 18,
  writeConflict: 112,
  noSuchTransaction: 251,
  writeConcernFailed: 64,
  duplicateKey: 11000,
} as const;

/** Codes meaning the server (or the primary) cannot serve right now: retry later. */
const unavailableCodes: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** Driver-side failures to reach or keep a connection; the server never saw the operation or its answer was lost. */
const unavailableNames: ReadonlySet<string> = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoPoolClosedError',
  'MongoWriteConcernError',
  // The driver's deadline (timeoutMS, set from SDX_STORE_TIMEOUT_MS) ran out.
  'MongoOperationTimeoutError',
]);

export function isDriverError(error: unknown): error is DriverErrorShape {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return typeof name === 'string' && /^Mongo/.test(name) && typeof message === 'string';
}

function labelsOf(error: DriverErrorShape): readonly string[] {
  return Array.isArray(error.errorLabels) ? error.errorLabels : [];
}

export function isDuplicateKey(error: unknown): boolean {
  return isDriverError(error) && error.code === MongoCode.duplicateKey;
}

/** The fields of the unique index a duplicate-key error names, e.g. ['documentId', 'seq']. */
export function duplicateKeyFields(error: DriverErrorShape): string[] {
  if (error.keyPattern && typeof error.keyPattern === 'object') return Object.keys(error.keyPattern);
  // Older servers give only the message: "... index: keyHash_1 dup key: { ... }".
  const index = /index: (\S+)/.exec(error.message)?.[1];
  if (!index) return [];
  if (index === '_id_') return ['_id'];
  // Index names are field_direction pairs joined by '_'; field names may contain '_' themselves.
  return [...index.matchAll(/(.+?)_(-?1|text|hashed|2dsphere|2d)(?:_|$)/g)].map((match) => match[1] ?? '');
}

/**
 * A duplicate key on a log index or a Merkle node: the positions a commit takes come from the one
 * log-state document inside its transaction, so a taken position means the log state no longer
 * matches what is stored. That is damage to report, not a race to retry.
 */
export function isLogPositionTaken(error: unknown): boolean {
  if (!isDuplicateKey(error) || !isDriverError(error)) return false;
  const fields = duplicateKeyFields(error).join(',');
  return fields === 'logIndex' || fields === 'level,index';
}

/**
 * The primary took the write but a majority did not acknowledge it in time (wtimeout): the replica
 * set has lost its majority, or its secondaries lag far behind.
 */
export function isWriteMajorityUnreachable(error: unknown): boolean {
  if (!isDriverError(error)) return false;
  if (error.name === 'MongoWriteConcernError' || error.code === MongoCode.writeConcernFailed) return true;
  const concern = (error as { writeConcernError?: { code?: unknown } }).writeConcernError;
  return typeof concern === 'object' && concern !== null && concern.code === MongoCode.writeConcernFailed;
}

/** Standalone servers refuse sessions with transaction numbers: SDX needs a replica set (or mongos). */
export function isReplicaSetRequired(error: unknown): boolean {
  if (!isDriverError(error)) return false;
  if (/Transaction numbers are only allowed on a replica set member or mongos/i.test(error.message)) return true;
  return error.code === MongoCode.illegalOperation && /replica set|transaction/i.test(error.message);
}

/**
 * A transaction that lost a race with another writer: a write conflict, a transient transaction
 * error the driver gave up retrying, or a duplicate key on one of the commit's unique indexes. The
 * commit re-reads the documents to say what happened (duplicate, conflict, or try again).
 */
export function isTransactionRace(error: unknown): boolean {
  if (!isDriverError(error)) return false;
  if (error.code === MongoCode.writeConflict || error.code === MongoCode.noSuchTransaction) return true;
  if (error.code === MongoCode.duplicateKey) return !isLogPositionTaken(error);
  return labelsOf(error).includes('TransientTransactionError');
}

export function isUnavailable(error: unknown): boolean {
  if (!isDriverError(error)) return false;
  if (unavailableNames.has(error.name)) return true;
  if (typeof error.code === 'number' && unavailableCodes.has(error.code)) return true;
  const labels = labelsOf(error);
  return labels.includes('ResetPool') || labels.includes('RetryableWriteError');
}

export const replicaSetRequiredMessage =
  'MongoDB transactions need a replica set: this server is a standalone. Start mongod with --replSet rs0 and run rs.initiate() once (a one-member replica set is enough), or point the URI at a replica set or mongos';

/**
 * Maps a driver failure onto the store's error codes. `context` says what was being done; it must
 * never contain the connection URI (it may carry a password). Anything that is not a driver error
 * (an SdxError, or a bug) passes through unchanged.
 */
export function translateMongoError(error: unknown, context: string): unknown {
  if (!isDriverError(error)) return error;
  if (isReplicaSetRequired(error)) {
    return new SdxError('store-unavailable', `${context}: ${replicaSetRequiredMessage}`, { cause: error });
  }
  if (isLogPositionTaken(error)) {
    return new SdxError(
      'store-corrupt',
      `${context}: a log position the audit log state says is free is already stored (${duplicateKeyFields(error).join(' + ')}); the log state is damaged, run the integrity audit`,
      { cause: error },
    );
  }
  if (isDuplicateKey(error)) {
    const fields = duplicateKeyFields(error);
    const what = fields.length > 0 ? fields.join(' + ') : 'key';
    return new SdxError('store-conflict', `${context}: a record with that ${what} already exists`, { cause: error });
  }
  if (error.code === MongoCode.authenticationFailed) {
    return new SdxError('store-unavailable', `${context}: MongoDB refused the credentials; check the user and password in the URI`, {
      cause: error,
    });
  }
  if (isUnavailable(error)) {
    return new SdxError('store-unavailable', `${context}: MongoDB cannot be reached (${error.message}); check that the replica set is up and retry`, {
      cause: error,
    });
  }
  return new SdxError('store-unavailable', `${context}: ${error.message}`, { cause: error });
}
