import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgStore } from '../../../src/adapters/store/postgres/pg-store';
import { SqliteStore } from '../../../src/adapters/store/sqlite/sqlite-store';
import { describeFederationStoreContract } from '../../contract/federation-store.contract';
import { describeWithPostgres, freshDatabase, freshSchema, pgTestUrl } from '../../support/postgres';

describeFederationStoreContract('SqliteStore', async () => SqliteStore.open(join(mkdtempSync(join(tmpdir(), 'sdx-fed-store-')), 'sdx.db')));

let database: { url: string; drop(): Promise<void> } | undefined;
describeWithPostgres('PgStore', () => {
  afterAll(async () => {
    await database?.drop();
  });
  describeFederationStoreContract('PgStore', async () => {
    database ??= await freshDatabase(pgTestUrl ?? '');
    return PgStore.open(await freshSchema(database.url), { poolSize: 4 });
  });
});
