import { MissingDatabaseError, type SqliteStore } from '../adapters/store/sqlite/sqlite-store';
import { configFromEnv, openStore } from '../main';

/** The store a tool works on, or why there is none (the tool then exits 2). */
export type ToolStore = { store: SqliteStore } | { missing: string };

/**
 * The SQLite database an operator's tool (`sdx admin`, `sdx audit export`) works on. `--db PATH`
 * names it, and `createNamed` lets the tool create it there (the first `sdx admin add-party`);
 * without `--db` it is SDX_DB or the default path, which must already hold a database: a tool run
 * in the wrong folder never leaves an empty database behind. `missing` says where none was found
 * and how to name one.
 */
export function openToolStore(dbFlag: string | undefined, env: NodeJS.ProcessEnv, options: { createNamed: boolean }): ToolStore {
  const named = dbFlag !== undefined && dbFlag !== '';
  const file = named ? dbFlag : configFromEnv(env).dbFile;
  if (named && options.createNamed) return { store: openStore(file) };
  try {
    return { store: openStore(file, { existingOnly: true }) };
  } catch (error) {
    if (!(error instanceof MissingDatabaseError)) throw error;
    if (named) return { missing: `there is no database at ${file}` };
    const where = env.SDX_DB ? `${file} (SDX_DB)` : `the default path ${file}`;
    return {
      missing: `there is no database at ${where}; name one with --db PATH or SDX_DB=PATH (sdx serve creates the database where it is named)`,
    };
  }
}
