// `sdx audit verify` and `sdx audit export` on a PostgreSQL store made by the real app, then
// tampered with the way the tables' owner could: append-only trigger disabled, an event changed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PgStore } from '../../src/adapters/store/postgres/pg-store';
import { openLogService } from '../../src/main';
import { settingsOrThrow } from '../../src/settings';
import { Client, P } from '../http/exchange-client';
import { runSdx } from '../support/built-cli';
import { describeWithPostgres, freshDatabase, freshSchema, pgTestUrl } from '../support/postgres';
import { startTestAppOn } from '../support/test-app';

describeWithPostgres('sdx audit on a PostgreSQL store', () => {
  let database: { url: string; drop(): Promise<void> };
  let dir: string;
  const password = new URL(pgTestUrl ?? 'postgres://x@y').password;
  const noPassword = (text: string): void => {
    if (password !== '') expect(text).not.toContain(`:${password}@`);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sdx-pg-audit-'));
    database = await freshDatabase(pgTestUrl ?? '');
    const t = await startTestAppOn(await PgStore.open(database.url, { poolSize: 2 }));
    try {
      const c = new Client(t);
      const order = await c.deliveryOrder();
      await c.acted(P.consignee, order.id, { type: 'transfer', to: P.forwarder });
      await c.issued(P.terminal, 'eir');
      await openLogService(t.store, settingsOrThrow()).currentTreeHead();
      expect(t.unexpected).toEqual([]);
    } finally {
      await t.close();
    }
  }, 60_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  });

  it('when the database is intact, then verify --store postgres exits 0, and a bundle exported through SDX_STORE/SDX_PG_URL verifies offline', () => {
    const verified = runSdx(['audit', 'verify', '--store', 'postgres', '--pg-url', database.url], { env: { SDX_STORE: '', SDX_PG_URL: '' } });
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: 3 events of 2 documents/) });

    const out = join(dir, 'bundle.json');
    const exported = runSdx(['audit', 'export', '--out', out], { env: { SDX_STORE: 'postgres', SDX_PG_URL: database.url } });
    expect(exported).toMatchObject({ code: 0, stderr: '', stdout: expect.stringMatching(/^exported 3 events/) });
    expect(runSdx(['audit', 'verify', out])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: 3 events of 2 documents/) });
    for (const text of [verified.stdout, verified.stderr, exported.stdout]) noPassword(text);
  });

  it('sdx admin works on the same store flags: the parties the app registered are listed', () => {
    const listed = runSdx(['admin', 'list-parties', '--store', 'postgres', '--pg-url', database.url], { env: { SDX_STORE: '' } });
    expect(listed).toMatchObject({ code: 0, stdout: expect.stringContaining('demo-consignee') });
  });

  it('when a schema holds no SDX database, then verify exits 2 and creates nothing there; a --db beside --store postgres is refused', async () => {
    const empty = await freshSchema(database.url);
    const refused = runSdx(['audit', 'verify', '--store', 'postgres', '--pg-url', empty], { env: { SDX_STORE: '' } });
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringMatching(/holds no SDX database/) });
    noPassword(refused.stderr);
    const client = new pg.Client({ connectionString: empty });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema()');
      expect(rows[0]?.n).toBe(0);
    } finally {
      await client.end();
    }
    // A server out of reach is unreadable input (2), not a failed audit, and its password stays out of the message.
    const away = runSdx(['audit', 'verify', '--store', 'postgres', '--pg-url', 'postgres://sdx_test:s3cret-pw@127.0.0.1:1/sdx'], { env: { SDX_STORE: '' } });
    expect(away).toMatchObject({ code: 2, stderr: expect.stringMatching(/^sdx audit verify: cannot open PostgreSQL store/) });
    expect(away.stderr).not.toContain('s3cret-pw');
    expect(runSdx(['audit', 'verify', '--store', 'postgres', '--pg-url', database.url, '--db', join(dir, 'x.sqlite')])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--db names a SQLite file/),
    });
  });

  it('when the owner disabled the append-only trigger and changed an old event, then verify exits 1 naming its log index', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('ALTER TABLE events DISABLE TRIGGER events_append_only');
      await client.query(
        `UPDATE events SET envelope = substr(envelope, 1, 40) || (CASE substr(envelope, 41, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(envelope, 42) WHERE log_index = 0`,
      );
    } finally {
      await client.end();
    }
    const verified = runSdx(['audit', 'verify', '--store', 'postgres', '--pg-url', database.url], { env: { SDX_STORE: '' } });
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/^leaf-mismatch at log index 0/m);
  });
});
