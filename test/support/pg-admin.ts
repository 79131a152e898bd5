import pg from 'pg';

/** One statement on its own connection, for creating and dropping test databases. */
export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const OBJECT_IN_USE = '55006';

/**
 * Drops a database this role made, ending this role's sessions on it first. Not `WITH (FORCE)`: on
 * PostgreSQL 15 FORCE refuses (42501) whenever an autovacuum worker is in the database, since a
 * non-superuser may not signal it; a plain DROP stops autovacuum itself and waits for the ended
 * sessions to go. A session that outlives that wait is retried, a bounded number of times.
 */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()',
        [name],
      );
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
        return;
      } catch (error) {
        const inUse = error instanceof Error && 'code' in error && error.code === OBJECT_IN_USE;
        if (!inUse || attempt === 3) throw error;
      }
    }
  } finally {
    await client.end();
  }
}
