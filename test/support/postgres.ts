import { randomBytes } from 'node:crypto';
import { adminQuery, dropDatabase } from './pg-admin';

/**
 * A PostgreSQL server for the tests: SDX_TEST_PG_URL names a role that may CREATE DATABASE. Without
 * it the PostgreSQL tests say why they skip, except in CI (`CI=true`), where they must run.
 */
export const pgTestUrl: string | undefined = process.env.SDX_TEST_PG_URL || undefined;

export function requirePostgres(): boolean {
  if (pgTestUrl !== undefined) return true;
  if (process.env.CI === 'true') throw new Error('SDX_TEST_PG_URL is required in CI (.ci/run starts PostgreSQL and sets it)');
  process.stdout.write('skipping: PostgreSQL tests need SDX_TEST_PG_URL (a role with CREATEDB), e.g. postgres://sdx_test:sdx_test@127.0.0.1/postgres\n');
  return false;
}

/** `describe` when a server is configured, else `describe.skip` (see requirePostgres). */
export const describeWithPostgres: jest.Describe = requirePostgres() ? describe : describe.skip;

/** The URL with another database name, or extra connection options. */
export function pgUrlWith(url: string, change: { database?: string; searchPath?: string }): string {
  const parsed = new URL(url);
  if (change.database !== undefined) parsed.pathname = `/${change.database}`;
  if (change.searchPath !== undefined) parsed.searchParams.set('options', `-c search_path=${change.searchPath}`);
  return parsed.toString();
}

/** A fresh database for one test run, and how to drop it after (ending whatever still holds it). */
export async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sdx_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `CREATE DATABASE ${name}`);
  return {
    url: pgUrlWith(url, { database: name }),
    drop: () => dropDatabase(url, name),
  };
}

/** A fresh schema in a database: a store of its own without the cost of a database per test. */
export async function freshSchema(databaseUrl: string): Promise<string> {
  const schema = `s_${randomBytes(6).toString('hex')}`;
  await adminQuery(databaseUrl, `CREATE SCHEMA ${schema}`);
  return pgUrlWith(databaseUrl, { searchPath: schema });
}
