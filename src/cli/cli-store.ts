import { MissingDatabaseError, type Store } from '../application/ports/store.port';
import { describeStore, openConfiguredStore } from '../main';
import { defaultDbFile, isStoreKind, storeConfigProblem, storeKinds, type Settings } from '../settings';

/** The store a tool works on, or why there is none (the tool then exits 2). */
export type ToolStore = { store: Store } | { missing: string };

/** The flags naming a tool's store, as `sdx serve` takes them (parseArgs options). */
export const storeFlagOptions = {
  db: { type: 'string' },
  store: { type: 'string' },
  'pg-url': { type: 'string' },
  'mongo-uri': { type: 'string' },
} as const;

export interface StoreFlags {
  db?: string | undefined;
  store?: string | undefined;
  'pg-url'?: string | undefined;
  'mongo-uri'?: string | undefined;
}

/** How the usage lines name a store. */
export const storeFlagsUsage = '--db FILE | --store postgres --pg-url URL | --store mongo --mongo-uri URI';

/**
 * The store an operator's tool (`sdx admin`, `sdx audit`) works on: `--store` or SDX_STORE picks
 * the kind as for `sdx serve`. For SQLite `--db PATH` names the file, and `createNamed` lets the
 * tool create it there (the first `sdx admin add-party`); without `--db` it is SDX_DB or the default
 * path, which must already hold a database: a tool run in the wrong folder never leaves an empty
 * database behind. PostgreSQL (`--pg-url` or SDX_PG_URL) must likewise hold an SDX schema unless
 * `createNamed`. `missing` says where none was found and how to name one.
 */
export async function openToolStore(flags: StoreFlags, settings: Settings, options: { createNamed: boolean }): Promise<ToolStore> {
  const kind = flags.store || settings.store;
  if (!isStoreKind(kind)) return { missing: `--store must be one of ${storeKinds.join(', ')}, not "${kind}"` };
  if (kind === 'sqlite') return openSqlite(flags.db, settings, options);
  if (flags.db) return { missing: `--db names a SQLite file, but the store is ${kind}` };
  const config = { ...settings, store: kind, ...(flags['pg-url'] ? { pgUrl: flags['pg-url'] } : {}), ...(flags['mongo-uri'] ? { mongoUri: flags['mongo-uri'] } : {}) };
  const problem = storeConfigProblem(config);
  if (problem) return { missing: problem };
  try {
    return { store: await openConfiguredStore(config, { existingOnly: !options.createNamed }) };
  } catch (error) {
    if (!(error instanceof MissingDatabaseError)) throw error;
    return { missing: `${describeStore(config)} holds no SDX database; sdx serve --store ${kind} creates one there` };
  }
}

async function openSqlite(dbFlag: string | undefined, settings: Settings, options: { createNamed: boolean }): Promise<ToolStore> {
  const named = dbFlag !== undefined && dbFlag !== '';
  const dbFile = named ? dbFlag : settings.dbFile;
  try {
    return { store: await openConfiguredStore({ store: 'sqlite', dbFile }, { existingOnly: !(named && options.createNamed) }) };
  } catch (error) {
    if (!(error instanceof MissingDatabaseError)) throw error;
    if (named) return { missing: `there is no database at ${dbFile}` };
    const where = dbFile !== defaultDbFile() ? `${dbFile} (SDX_DB)` : `the default path ${dbFile}`;
    return {
      missing: `there is no database at ${where}; name one with --db PATH or SDX_DB=PATH (sdx serve creates the database where it is named)`,
    };
  }
}
