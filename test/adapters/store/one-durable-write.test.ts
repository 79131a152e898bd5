// One fsync per issued document. With WAL and `synchronous = FULL`, SQLite fsyncs the WAL once per
// committed transaction, and each committed transaction ends in exactly one WAL commit frame. So
// counting the commit frames an issue appends counts its fsyncs (checkpoints aside, which run
// outside the request).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../../src/adapters/store/sqlite/sqlite-store';
import { MissingBlobError, StoreConflictError } from '../../../src/application/ports/store.port';
import { SdxError } from '../../../src/domain/shared/errors';
import { exampleJson } from '../../support/examples';
import { deliveryOrderState, issuing, sha256Hex, signedEvent } from '../../support/document-fixtures';
import { startTestApp, type TestApp } from '../../support/test-app';
import { walCommits } from '../../support/wal-commits';

describe('one durable write per issued document (SQLite)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('when a D/O is issued, then its event, its state, its log leaves and its signed PDF are one committed transaction', async () => {
    const other = new Database(t.dbFile);
    try {
      other.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      other.close();
    }
    expect(walCommits(`${t.dbFile}-wal`)).toBe(0);

    const issued = await t.documents.issue(
      { partyId: 'demo-agent-sha', userId: 'demo-agent-sha-desk' },
      { kind: 'delivery-order', payload: exampleJson('delivery-order') },
    );

    expect(walCommits(`${t.dbFile}-wal`)).toBe(1);
    expect(issued.pdfSha256).toMatch(/^[0-9a-f]{64}$/);
    await expect(t.store.getBlob(issued.pdfSha256 ?? '')).resolves.toMatchObject({ mediaType: 'application/pdf', pending: false });
  });
});

describe('commits that arrive together share one transaction (SQLite)', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sdx-group-commit-'));
    store = SqliteStore.open(join(dir, 'sdx.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const wal = () => walCommits(join(dir, 'sdx.sqlite-wal'));
  const settled = (commits: Promise<unknown>[]) => Promise.allSettled(commits);

  it('when five documents are committed in one turn, then they are one fsync and the log holds them in call order', async () => {
    const before = wal();
    const ids = ['do-1', 'do-2', 'do-3', 'do-4', 'do-5'];
    const results = await Promise.all(ids.map((id) => store.commit([issuing(deliveryOrderState(id))])));

    expect(results).toEqual(ids.map(() => ({ outcome: 'committed' })));
    expect(wal() - before).toBe(1);
    const entries = await store.logEntries(0, 10);
    expect(entries.map((e) => [e.documentId, e.logIndex])).toEqual(ids.map((id, i) => [id, i]));
  });

  it('when one commit of a shared turn conflicts, then it alone is refused and the others commit', async () => {
    const results = await settled([
      store.commit([issuing(deliveryOrderState('do-a'))]),
      store.commit([issuing(deliveryOrderState('do-a'), { events: [signedEvent('do-a', 1, { variant: 'a rival issue' })] })]),
      store.commit([issuing(deliveryOrderState('do-b'))]),
    ]);

    expect(results[0]).toEqual({ status: 'fulfilled', value: { outcome: 'committed' } });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(StoreConflictError) });
    expect(results[2]).toEqual({ status: 'fulfilled', value: { outcome: 'committed' } });
    expect((await store.listEvents('do-a')).map((e) => e.envelope)).toEqual([signedEvent('do-a', 1).envelope]);
    await expect(store.logState()).resolves.toMatchObject({ size: 2 });
  });

  it('when one commit of a shared turn cites a missing blob, then it writes nothing and the others commit', async () => {
    const results = await settled([
      store.commit([issuing(deliveryOrderState('do-a'))]),
      store.commit([{ ...issuing(deliveryOrderState('do-x')), blobs: [sha256Hex('a PDF nobody stored')] }]),
      store.commit([issuing(deliveryOrderState('do-b'))]),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[1]).toMatchObject({ reason: expect.any(MissingBlobError) });
    await expect(store.getDocument('do-x')).resolves.toBeUndefined();
    await expect(store.listEvents('do-x')).resolves.toEqual([]);
    await expect(store.logState()).resolves.toMatchObject({ size: 2 });
  });

  it('when a commit repeats one already made in the same turn, then it is a duplicate, not a second event', async () => {
    const change = issuing(deliveryOrderState('do-a'));
    await expect(Promise.all([store.commit([change]), store.commit([change])])).resolves.toEqual([
      { outcome: 'committed' },
      { outcome: 'duplicate' },
    ]);
    await expect(store.logState()).resolves.toMatchObject({ size: 1 });
  });

  it('when the store closes before queued commits run, then they are refused as store-unavailable and nothing is written', async () => {
    const file = join(dir, 'sdx.sqlite');
    const queued = settled([store.commit([issuing(deliveryOrderState('do-a'))]), store.commit([issuing(deliveryOrderState('do-b'))])]);
    await store.close();

    for (const result of await queued) {
      expect(result).toMatchObject({ status: 'rejected', reason: expect.any(SdxError) });
      expect(result.status === 'rejected' && (result.reason as SdxError).code).toBe('store-unavailable');
    }
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.prepare('SELECT COUNT(*) FROM documents').pluck().get()).toBe(0);
    } finally {
      raw.close();
    }
    store = SqliteStore.open(file);
  });
});
