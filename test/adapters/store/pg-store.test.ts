import pg from 'pg';
import { PgStore, redactedUrl } from '../../../src/adapters/store/postgres/pg-store';
import { SdxError } from '../../../src/domain/shared/errors';
import { describeStoreSearchContract } from '../../contract/store-search.contract';
import { describeStoreContract } from '../../contract/store.contract';
import { eirState, issuing } from '../../support/document-fixtures';
import { describeWithPostgres, freshDatabase, freshSchema, pgTestUrl } from '../../support/postgres';

let database: { url: string; drop(): Promise<void> } | undefined;
let schemaUrl = '';

async function runDatabase(): Promise<string> {
  database ??= await freshDatabase(pgTestUrl ?? '');
  return database.url;
}

// One database per run, a schema per store: the contract opens a fresh store for every test.
const pgFactory = {
  open: async () => {
    schemaUrl = await freshSchema(await runDatabase());
    return PgStore.open(schemaUrl, { poolSize: 4 });
  },
  reopen: () => PgStore.open(schemaUrl, { poolSize: 4 }),
};

describeWithPostgres('PgStore', () => {
  afterAll(async () => {
    await database?.drop();
  });

  describeStoreContract('PgStore', pgFactory);
  describeStoreSearchContract('PgStore', pgFactory);

  describe('on its own terms', () => {
    it('refuses UPDATE and DELETE on events, log nodes and tree heads, and shrinking the log', async () => {
      const store = await pgFactory.open();
      try {
        await store.commit([issuing(eirState('eir-1'))]);
        await store.putTreeHead({ size: 1, rootHash: 'aa', timestamp: '2026-01-01T00:00:00Z', signature: 'sig' });
        const client = new pg.Client({ connectionString: schemaUrl });
        await client.connect();
        try {
          for (const sql of [
            "UPDATE events SET type = 'x'",
            'DELETE FROM events',
            'TRUNCATE events CASCADE',
            "UPDATE log_nodes SET hash = '\\x00'",
            'DELETE FROM log_nodes',
            "UPDATE tree_heads SET signature = 'forged'",
            'DELETE FROM tree_heads',
            'UPDATE log_state SET size = 0',
            'DELETE FROM log_state',
          ]) {
            await expect(client.query(sql)).rejects.toThrow(/append-only|only grows/);
          }
        } finally {
          await client.end();
        }
        expect((await store.logState()).size).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('when another node commits, then a watcher of the log hears it (LISTEN/NOTIFY), and stops hearing once unsubscribed', async () => {
      const here = await pgFactory.open();
      const there = await PgStore.open(schemaUrl, { poolSize: 2 });
      try {
        let heard = 0;
        let woke: () => void = () => undefined;
        const stop = here.watchLog(() => {
          heard += 1;
          woke();
        });
        // LISTEN is set up asynchronously; commit until the first notification arrives.
        for (let i = 0; heard === 0 && i < 50; i += 1) {
          const arrived = new Promise<void>((resolve) => (woke = resolve));
          await there.commit([issuing(eirState(`eir-w${i}`))]);
          await Promise.race([arrived, new Promise((resolve) => setTimeout(resolve, 100))]);
        }
        expect(heard).toBeGreaterThan(0);
        stop();
        const before = heard;
        await there.commit([issuing(eirState('eir-after'))]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(heard).toBe(before);
      } finally {
        await there.close();
        await here.close();
      }
    });

    it('shared limits: one token bucket for every node, refilled by the server\'s clock; failure windows that count, expire and clear', async () => {
      const here = await pgFactory.open();
      const there = await PgStore.open(schemaUrl, { poolSize: 2 });
      try {
        const slow = { perSecond: 0.5, burst: 2 };
        expect(await here.sharedLimits.takeToken('k', slow)).toBe(0);
        expect(await there.sharedLimits.takeToken('k', slow)).toBe(0);
        // Empty: one token comes back in 2 s at 0.5 a second.
        expect(await there.sharedLimits.takeToken('k', slow)).toBe(2);
        expect(await here.sharedLimits.takeToken('other', slow)).toBe(0);
        const fast = { perSecond: 1000, burst: 1 };
        expect(await here.sharedLimits.takeToken('f', fast)).toBe(0);
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(await there.sharedLimits.takeToken('f', fast)).toBe(0);

        const t0 = 1_800_000_000_000;
        await here.sharedLimits.failures.add(['pair', 'addr'], 1000, t0);
        await there.sharedLimits.failures.add(['addr', 'pair'], 1000, t0 + 10);
        expect(await there.sharedLimits.failures.open(['pair', 'addr', 'none'], 1000, t0 + 999)).toEqual([
          { failures: 2, startedAt: t0 },
          { failures: 2, startedAt: t0 },
          undefined,
        ]);
        expect(await here.sharedLimits.failures.open(['pair'], 1000, t0 + 1000)).toEqual([undefined]);
        await here.sharedLimits.failures.add(['addr'], 1000, t0 + 1000);
        expect(await there.sharedLimits.failures.open(['addr'], 1000, t0 + 1000)).toEqual([{ failures: 1, startedAt: t0 + 1000 }]);
        await there.sharedLimits.failures.clear('addr');
        expect(await here.sharedLimits.failures.open(['addr'], 1000, t0 + 1000)).toEqual([undefined]);
      } finally {
        await there.close();
        await here.close();
      }
    });

    it('when the server cannot be reached, then opening is store-unavailable and names no password', async () => {
      const url = 'postgres://sdx_test:s3cret-pw@127.0.0.1:1/nowhere';
      const refused = await PgStore.open(url, { connectTimeoutMs: 1000 }).then(
        () => new Error('opened'),
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(SdxError);
      expect((refused as SdxError).code).toBe('store-unavailable');
      expect((refused as SdxError).message).not.toContain('s3cret-pw');
      expect(redactedUrl(url)).not.toContain('s3cret-pw');
    });
  });
});
