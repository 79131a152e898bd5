import pg from 'pg';
import { describeWithPostgres, freshDatabase, pgTestUrl } from '../../support/postgres';

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: pgTestUrl ?? '' });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

// Every PostgreSQL suite ends by dropping its database; a drop that fails fails the suite after all its tests passed.
describeWithPostgres('a test database', () => {
  it('is dropped while this role still holds it: an idle session and one inside a transaction holding a lock', async () => {
    const database = await freshDatabase(pgTestUrl ?? '');
    const name = new URL(database.url).pathname.slice(1);
    const idle = new pg.Client({ connectionString: database.url });
    const busy = new pg.Client({ connectionString: database.url });
    for (const client of [idle, busy]) {
      client.on('error', () => undefined); // the drop ends these sessions; their queries below say so
      await client.connect();
    }
    await busy.query('BEGIN');
    await busy.query('CREATE TABLE held (a int)');
    await busy.query('LOCK TABLE held IN ACCESS EXCLUSIVE MODE');

    await database.drop();

    expect(await databaseExists(name)).toBe(false);
    for (const client of [idle, busy]) await expect(client.query('SELECT 1')).rejects.toThrow();
    await Promise.allSettled([idle.end(), busy.end()]);
  });

  it('is dropped twice without error', async () => {
    const database = await freshDatabase(pgTestUrl ?? '');
    const name = new URL(database.url).pathname.slice(1);
    await database.drop();
    await database.drop();
    expect(await databaseExists(name)).toBe(false);
  });
});
