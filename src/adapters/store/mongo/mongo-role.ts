/**
 * The least privilege SDX needs on its MongoDB database, as a `createRole` command an operator runs
 * once. SQLite refuses UPDATE and DELETE on the log by trigger; on MongoDB the role does it: the
 * events, the Merkle nodes and the signed tree heads can only be read and added to, and the one
 * log-state document only rewritten, never removed. A database administrator can still change
 * anything; the integrity audit stays the detector of last resort.
 */

/** Append-only: read and insert, nothing else. */
export const appendOnlyCollections = ['events', 'logNodes', 'treeHeads'] as const;

/** Rewritten by every commit (its size and frontier), never removed. */
export const logStateCollection = 'logState';

/** The service's working records: read, added, changed and (only those the sweeps clear) removed. */
export const workingCollections = [
  'parties',
  'users',
  'apiKeys',
  'documents',
  'blobs',
  'blobChunks',
  'blobRefs',
  'uploadLocks',
  'webhookEndpoints',
  'webhookDeliveries',
  'webSessions',
  'healthProbes',
  'peerSends',
  'peerRecords',
] as const;

/** Only the sweeps delete: of never-referenced uploads, and of expired federation records. */
const removableCollections: ReadonlySet<string> = new Set(['blobs', 'blobChunks', 'peerRecords']);

export interface RolePrivilege {
  resource: { db: string; collection: string };
  actions: string[];
}

/** Every collection is created, and its indexes built, by the service at connect. */
const setUp = ['createCollection', 'createIndex'];

export function mongoRolePrivileges(dbName: string): RolePrivilege[] {
  const on = (collection: string, actions: string[]): RolePrivilege => ({ resource: { db: dbName, collection }, actions: [...actions, ...setUp] });
  return [
    ...appendOnlyCollections.map((c) => on(c, ['find', 'insert'])),
    on(logStateCollection, ['find', 'insert', 'update']),
    ...workingCollections.map((c) => on(c, ['find', 'insert', 'update', ...(removableCollections.has(c) ? ['remove'] : [])])),
  ];
}

/** The mongosh statement that creates the role in `dbName` (run as a user administrator). */
export function mongoRoleCommand(dbName: string, roleName: string): string {
  const command = { createRole: roleName, privileges: mongoRolePrivileges(dbName), roles: [] };
  return `db.getSiblingDB(${JSON.stringify(dbName)}).runCommand(${JSON.stringify(command, null, 2)})`;
}
