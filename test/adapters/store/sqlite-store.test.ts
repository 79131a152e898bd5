import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { applyMigrations, migrations } from '../../../src/adapters/store/sqlite/migrations';
import { SqliteStore } from '../../../src/adapters/store/sqlite/sqlite-store';
import { consistencyProofFromStore, inclusionProofFromStore, rootAtSize } from '../../../src/application/audit/log-proofs';
import { MissingBlobError, StoreConflictError } from '../../../src/application/ports/store.port';
import { leafHash } from '../../../src/domain/audit-log/merkle-hash';
import { checkConsistency, checkInclusion } from '../../../src/domain/audit-log/merkle-proofs';
import { SdxError } from '../../../src/domain/shared/errors';
import { describeStoreSearchContract } from '../../contract/store-search.contract';
import { describeStoreContract } from '../../contract/store.contract';
import { appending, deliveryOrderState, eirState, issuing, sha256Hex, signedEvent, transferredTo } from '../../support/document-fixtures';
import { referenceRoot } from '../../support/merkle-reference';
import { party } from '../../support/party-fixtures';

const repoRoot = resolve(__dirname, '../../..');
// SDX_TEST_DIST points the crash test at another build (`tsc -p tsconfig.build.json --outDir DIR`).
const compiledStore = join(process.env.SDX_TEST_DIST ?? join(repoRoot, 'dist'), 'adapters/store/sqlite/sqlite-store.js');

const leafOf = (envelope: string): Uint8Array => leafHash(new TextEncoder().encode(envelope));

/**
 * Writes a schema-version-1 database as SDX wrote it before the audit log: `events` documents with
 * `envelopes` events inserted in the given order (which is not key order).
 */
function writeV1Database(path: string, events: readonly { documentId: string; seq: number; envelope: string }[]): void {
  const raw = new Database(path);
  try {
    expect(applyMigrations(raw, migrations.slice(0, 1))).toBe(1);
    const addDocument = raw.prepare(
      `INSERT OR IGNORE INTO documents (id, ord, kind, status, holder, issuer, seq, payload, state, created_at, updated_at)
       VALUES (?, (SELECT COALESCE(MAX(ord), 0) + 1 FROM documents), 'delivery-order', 'issued', 'acme-imports',
               'cosco-shipping', 1, '{}', ?, '2026-11-28T09:30:00+08:00', '2026-11-28T09:30:00+08:00')`,
    );
    const setSeq = raw.prepare('UPDATE documents SET seq = MAX(seq, ?) WHERE id = ?');
    const addEvent = raw.prepare(
      `INSERT INTO events (document_id, seq, hash, type, actor, recorded_at, envelope)
       VALUES (?, ?, ?, 'issue', 'cosco-shipping', '2026-11-28T09:30:00+08:00', ?)`,
    );
    raw.transaction(() => {
      for (const event of events) {
        addDocument.run(event.documentId, JSON.stringify(deliveryOrderState(event.documentId)));
        setSeq.run(event.seq, event.documentId);
        addEvent.run(event.documentId, event.seq, sha256Hex(event.envelope), event.envelope);
      }
    })();
  } finally {
    raw.close();
  }
}

/** Fresh temp directories for one test; removed by `cleanup()`. */
function tempDirs() {
  const dirs: string[] = [];
  return {
    make(): string {
      const dir = mkdtempSync(join(tmpdir(), 'sdx-sqlite-'));
      dirs.push(dir);
      return dir;
    },
    cleanup(): void {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const contractDirs = tempDirs();
let contractFile = '';

const sqliteFactory = {
  open: () => {
    contractFile = join(contractDirs.make(), 'sdx.db');
    return Promise.resolve(SqliteStore.open(contractFile));
  },
  reopen: () => Promise.resolve(SqliteStore.open(contractFile)),
  cleanup: () => Promise.resolve(contractDirs.cleanup()),
};
describeStoreContract('SqliteStore', sqliteFactory);
describeStoreSearchContract('SqliteStore', sqliteFactory);

describe('SqliteStore on its own terms', () => {
  const dirs = tempDirs();
  let file: string;
  const opened: SqliteStore[] = [];

  function open(path = file): SqliteStore {
    const store = SqliteStore.open(path);
    opened.push(store);
    return store;
  }

  beforeEach(() => {
    file = join(dirs.make(), 'sdx.db');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    dirs.cleanup();
  });

  it('when opened, then the connection runs in WAL mode with synchronous FULL, foreign keys and a busy timeout', () => {
    expect(open().connectionSettings()).toEqual({
      journalMode: 'wal',
      synchronous: 2,
      foreignKeys: true,
      busyTimeoutMs: 5000,
      schemaVersion: migrations.length,
    });
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('when opened, then health names the file and the schema version; once closed, health is not ok', async () => {
    const store = open();
    await expect(store.health()).resolves.toEqual({
      ok: true,
      backend: 'sqlite',
      detail: `${file}, schema version ${migrations.length}`,
    });
    await store.close();
    await store.close();
    await expect(store.health()).resolves.toMatchObject({ ok: false, backend: 'sqlite' });
    await expect(store.listParties()).rejects.toMatchObject({ code: 'store-unavailable' });
  });

  it('when a new file is opened, then every migration is applied and recorded in user_version', () => {
    open();
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(migrations.length);
      const tables = raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual([
        'api_keys',
        'blob_refs',
        'blob_uploads',
        'blobs',
        'document_keys',
        'document_parties',
        'documents',
        'events',
        'log_nodes',
        'log_state',
        'parties',
        'peer_records',
        'peer_sends',
        'tree_heads',
        'users',
        'web_sessions',
        'webhook_deliveries',
        'webhook_endpoints',
      ]);
    } finally {
      raw.close();
    }
  });

  it('when a version 6 file with documents is opened, then each document gets its business keys and is found by them', async () => {
    const current = open();
    await current.commit([
      issuing(deliveryOrderState('old-do'), { payload: { deliveryOrderNumber: 'DO-OLD-1', billOfLadingNumber: 'COSU6000000001', containers: [{ number: 'MSCU1234565' }], consignee: { name: 'ACME' } } }),
    ]);
    await current.close();
    // Back to the v6 schema, as a v6 SDX left it: the document without keys.
    const raw = new Database(file);
    raw.pragma('user_version = 6');
    raw.exec(`DROP TABLE document_keys; DROP INDEX documents_holder_ord; DROP INDEX documents_issuer_ord; DROP INDEX documents_created; DROP INDEX documents_updated;
      DROP INDEX documents_ord_id; DROP INDEX documents_kind_ord; DROP INDEX documents_status_ord; DROP INDEX documents_kind_status_ord; DROP INDEX documents_holder_kind_status_ord;
      DROP TABLE peer_sends; DROP TABLE peer_records;
      CREATE INDEX documents_kind_ord ON documents (kind, ord); CREATE INDEX documents_status_ord ON documents (status, ord);`);
    raw.close();
    const migrated = open();
    const found = await migrated.listDocuments({ limit: 10, keys: [{ keys: ['container'], value: 'MSCU12' }] });
    expect(found.items.map((d) => d.state.id)).toEqual(['old-do']);
    await expect(migrated.countDocuments({ keys: [{ keys: ['do-number'], value: 'DOOLD1' }] }, 10)).resolves.toEqual({ count: 1, capped: false });
  });

  it('when a version 7 file with an EIR is opened, then the EIR gets its validity days and is expected on them', async () => {
    const current = open();
    await current.commit([
      issuing(eirState('old-eir'), {
        payload: { eirNumber: 'EIR-OLD-1', container: { number: 'MSCU1234565' }, truckPlate: '沪A1', validFrom: '2026-12-03T08:00:00+08:00', validUntil: '2026-12-04T20:00:00+08:00' },
      }),
    ]);
    await current.close();
    // As a v7 SDX left it: keys for numbers only.
    const raw = new Database(file);
    raw.pragma('user_version = 7');
    raw.exec("DELETE FROM document_keys WHERE key = 'valid-day'; DROP INDEX documents_kind_status_ord; DROP INDEX documents_holder_kind_status_ord; DROP TABLE peer_sends; DROP TABLE peer_records;");
    raw.close();
    const migrated = open();
    const expected = (day: string) => migrated.listDocuments({ limit: 10, keys: [{ keys: ['valid-day'], value: day }] }).then((page) => page.items.map((d) => d.state.id));
    await expect(expected('20261203')).resolves.toEqual(['old-eir']);
    await expect(expected('20261204')).resolves.toEqual(['old-eir']);
    await expect(expected('20261205')).resolves.toEqual([]);
    await expect(migrated.countDocuments({ keys: [{ keys: ['eir-number'], value: 'EIROLD1' }] }, 10)).resolves.toEqual({ count: 1, capped: false });
  });

  it('when a migrated file is reopened, then no migration runs again and the data is kept', async () => {
    const first = open();
    await first.upsertParty(party('cosco-shipping', ['carrier']));
    await first.close();
    const again = open();
    expect(again.connectionSettings().schemaVersion).toBe(migrations.length);
    await expect(again.listParties()).resolves.toHaveLength(1);

    const raw = new Database(file);
    try {
      expect(applyMigrations(raw)).toBe(migrations.length);
    } finally {
      raw.close();
    }
  });

  it('when a migration fails, then neither its tables nor its version are kept', () => {
    const raw = new Database(':memory:');
    try {
      const broken = [
        { description: 'first', sql: 'CREATE TABLE first (id TEXT PRIMARY KEY) STRICT;' },
        { description: 'second, broken halfway', sql: 'CREATE TABLE second (id TEXT) STRICT; CREATE TABLE first (x TEXT);' },
      ];
      expect(() => applyMigrations(raw, broken)).toThrow(/already exists/);
      expect(raw.pragma('user_version', { simple: true })).toBe(1);
      const tables = raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(['first']);
    } finally {
      raw.close();
    }
  });

  it('when a file comes from a newer SDX schema, then opening it is refused and the file is left alone', () => {
    const raw = new Database(file);
    raw.pragma(`user_version = ${migrations.length + 7}`);
    raw.close();

    const error = errorOf(() => open());
    expect(error).toBeInstanceOf(SdxError);
    expect(error).toMatchObject({ code: 'store-schema-too-new' });
    expect((error as Error).message).toContain(`schema version ${migrations.length + 7}`);
    expect((error as Error).message).toContain(`up to ${migrations.length}`);

    const check = new Database(file, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(migrations.length + 7);
    } finally {
      check.close();
    }
  });

  it('when the file is not a SQLite database, then opening it is refused as store-corrupt', () => {
    writeFileSync(file, 'this is a delivery order, not a database'.repeat(50));
    expect(errorOf(() => open())).toMatchObject({ code: 'store-corrupt' });
  });

  it('when opened on :memory:, then it works as a store', async () => {
    const store = open(':memory:');
    await expect(store.commit([issuing(deliveryOrderState('do-1'))])).resolves.toEqual({ outcome: 'committed' });
    await expect(store.getDocument('do-1')).resolves.toMatchObject({ seq: 1 });
  });

  it('when anything tries to rewrite or delete a stored event, then SQLite itself refuses', async () => {
    await open().commit([issuing(deliveryOrderState('do-1'))]);
    const raw = new Database(file);
    try {
      expect(() => raw.prepare("UPDATE events SET envelope = 'forged'").run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    } finally {
      raw.close();
    }
  });

  it('when a version 1 file with events is opened, then its events get log indexes in insertion order and the root matches', async () => {
    const v1Events = [
      { documentId: 'do-b', seq: 1, envelope: signedEvent('do-b', 1).envelope },
      { documentId: 'do-a', seq: 1, envelope: signedEvent('do-a', 1).envelope },
      { documentId: 'do-b', seq: 2, envelope: signedEvent('do-b', 2).envelope },
      { documentId: 'do-c', seq: 1, envelope: signedEvent('do-c', 1, { variant: '中文' }).envelope },
      { documentId: 'do-a', seq: 2, envelope: signedEvent('do-a', 2).envelope },
    ];
    writeV1Database(file, v1Events);

    const store = open();
    expect(store.connectionSettings().schemaVersion).toBe(migrations.length);
    const entries = await store.logEntries(0, 100);
    expect(entries.map((e) => [e.documentId, e.seq, e.logIndex])).toEqual(v1Events.map((e, i) => [e.documentId, e.seq, i]));
    await expect(store.listEvents('do-a')).resolves.toMatchObject([{ logIndex: 1 }, { logIndex: 4 }]);
    const leaves = v1Events.map((e) => leafOf(e.envelope));
    const state = await store.logState();
    expect(state).toEqual({ size: 5, rootHash: referenceRoot(leaves) });
    const proof = await inclusionProofFromStore(store, 3, 5);
    expect(checkInclusion(3, 5, leaves[3] as Uint8Array, proof, state.rootHash)).toEqual({ ok: true });

    // The rebuilt events table keeps its append-only triggers, and appends continue after the backfill.
    const raw = new Database(file);
    try {
      expect(() => raw.prepare("UPDATE events SET envelope = 'forged'").run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    } finally {
      raw.close();
    }
    const next = signedEvent('do-c', 2);
    await store.commit([appending(transferredTo(deliveryOrderState('do-c'), 'swift-forwarding'), 1, { events: [next] })]);
    await expect(store.listEvents('do-c')).resolves.toMatchObject([{ logIndex: 3 }, { logIndex: 5 }]);
    const after = await store.logState();
    expect(after.rootHash).toEqual(referenceRoot([...leaves, leafOf(next.envelope)]));
    const consistency = await consistencyProofFromStore(store, 5, 6);
    expect(checkConsistency(5, 6, state.rootHash, after.rootHash, consistency)).toEqual({ ok: true });
  });

  it('when a version 1 file holds more events than one backfill batch, then every one is in the log in order', async () => {
    const v1Events = Array.from({ length: 23_456 }, (_, i) => ({
      documentId: `do-${i % 997}`,
      seq: Math.floor(i / 997) + 1,
      envelope: `h.${i}.s`,
    }));
    writeV1Database(file, v1Events);
    const store = open();
    const state = await store.logState();
    expect(state.size).toBe(v1Events.length);
    expect(state.rootHash).toEqual(referenceRoot(v1Events.map((e) => leafOf(e.envelope))));
    await expect(rootAtSize(store, 10_000)).resolves.toEqual(referenceRoot(v1Events.slice(0, 10_000).map((e) => leafOf(e.envelope))));
    const page = await store.logEntries(9_998, 10_003);
    expect(page.map((e) => [e.logIndex, e.envelope])).toEqual(
      v1Events.slice(9_998, 10_003).map((e, i) => [9_998 + i, e.envelope]),
    );
  });

  it('when a version 1 file has no events, then the log starts empty', async () => {
    writeV1Database(file, []);
    const store = open();
    await expect(store.logState()).resolves.toMatchObject({ size: 0 });
    await store.commit([issuing(deliveryOrderState('do-1'))]);
    await expect(store.listEvents('do-1')).resolves.toMatchObject([{ logIndex: 0 }]);
  });

  it('when anything tries to rewrite or delete log nodes, tree heads or the log state, then SQLite itself refuses', async () => {
    const store = open();
    await store.commit([issuing(deliveryOrderState('do-1'), { events: [signedEvent('do-1', 1), signedEvent('do-1', 2)] })]);
    await store.putTreeHead({ size: 2, rootHash: 'ab'.repeat(32), timestamp: '2026-11-28T09:30:00+08:00', signature: 'stand-in' });
    const raw = new Database(file);
    try {
      expect(() => raw.prepare('UPDATE log_nodes SET hash = zeroblob(32)').run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM log_nodes WHERE level = 1').run()).toThrow(/append-only/);
      expect(() => raw.prepare("UPDATE tree_heads SET root_hash = 'forged'").run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM tree_heads').run()).toThrow(/append-only/);
      expect(() => raw.prepare('UPDATE log_state SET size = 0, frontier = x\'\'').run()).toThrow(/only grows/);
      expect(() => raw.prepare('DELETE FROM log_state').run()).toThrow(/cannot be deleted/);
      expect(raw.prepare('SELECT COUNT(*) FROM log_nodes').pluck().get()).toBe(3);
    } finally {
      raw.close();
    }
  });

  it('when the stored frontier does not fit the stored size, then the log is reported corrupt and nothing is appended', async () => {
    const store = open();
    await store.commit([issuing(deliveryOrderState('do-1'))]);
    const raw = new Database(file);
    try {
      raw.prepare('UPDATE log_state SET size = 7').run();
    } finally {
      raw.close();
    }
    await expect(store.logState()).rejects.toMatchObject({ code: 'store-corrupt' });
    await expect(store.commit([issuing(deliveryOrderState('do-2'))])).rejects.toMatchObject({ code: 'store-corrupt' });
    await expect(store.getDocument('do-2')).resolves.toBeUndefined();
  });

  it('when the same blob is stored twice, then there is one row', async () => {
    const store = open();
    const bytes = new TextEncoder().encode('gate photo');
    await store.putBlob(bytes, 'image/jpeg', { at: '2026-11-28T09:30:00.000Z' });
    await store.putBlob(bytes, 'image/jpeg', { at: '2026-11-28T09:30:00.000Z' });
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.prepare('SELECT COUNT(*) FROM blobs').pluck().get()).toBe(1);
    } finally {
      raw.close();
    }
  });

  it('when participants change, then document_parties holds exactly the current set', async () => {
    const store = open();
    const state = deliveryOrderState('do-1');
    await store.commit([issuing(state)]);
    const next = transferredTo(state, 'swift-forwarding');
    await store.commit([appending({ ...next, participants: [...next.participants, ...next.participants] }, 1)]);
    const raw = new Database(file, { readonly: true });
    try {
      const rows = raw.prepare('SELECT party_id, role FROM document_parties ORDER BY party_id, role').all();
      expect(rows).toEqual([
        { party_id: 'acme-imports', role: 'consignee' },
        { party_id: 'cosco-shipping', role: 'issuer' },
        { party_id: 'swift-forwarding', role: 'transferee' },
      ]);
    } finally {
      raw.close();
    }
  });

  it('when a limit is outside 1..500, then it is clamped', async () => {
    const store = open();
    const changes = Array.from({ length: 501 }, (_, i) => issuing(deliveryOrderState(`do-${i}`)));
    await store.commit(changes);
    await expect(store.listDocuments({ limit: 0 })).resolves.toMatchObject({ items: [expect.anything()] });
    const big = await store.listDocuments({ limit: 10_000 });
    expect(big.items).toHaveLength(500);
    expect(big.nextCursor).not.toBeNull();
  });

  it('when a cursor was not made by the store, then listing is refused as validation-failed', async () => {
    const store = open();
    await expect(store.listDocuments({ limit: 10, after: 'not-a-cursor' })).rejects.toMatchObject({ code: 'validation-failed' });
    const forged = Buffer.from(JSON.stringify({ ord: -1 })).toString('base64url');
    await expect(store.listDocuments({ limit: 10, after: forged })).rejects.toMatchObject({ code: 'validation-failed' });
  });

  it('when one change names the same document twice or the commit is empty, then it is refused', async () => {
    const store = open();
    const change = issuing(deliveryOrderState('do-1'));
    await expect(store.commit([change, change])).rejects.toMatchObject({ code: 'validation-failed' });
    await expect(store.commit([])).rejects.toMatchObject({ code: 'validation-failed' });
    await expect(store.getDocument('do-1')).resolves.toBeUndefined();
  });

  it('when two connections to one file commit with the same sequence, then exactly one wins', async () => {
    const a = open();
    const b = open();
    const state = deliveryOrderState('do-1');
    await a.commit([issuing(state)]);
    await expect(b.getDocument('do-1')).resolves.toMatchObject({ seq: 1 });

    const results = await Promise.allSettled([
      a.commit([appending(transferredTo(state, 'swift-forwarding'), 1)]),
      b.commit([appending(transferredTo(state, 'east-haulage'), 1, { events: [signedEvent('do-1', 2, { variant: 'b' })] })]),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(StoreConflictError);
    await expect(a.listEvents('do-1')).resolves.toHaveLength(2);
  });

  it('when a user or key id is reused, or an unknown key is revoked, then the store says so with a code', async () => {
    const store = open();
    await store.createUser({ id: 'user-1', partyId: 'acme-imports', name: 'Clerk', createdAt: '2026-11-28T09:30:00+08:00' });
    await expect(
      store.createUser({ id: 'user-1', partyId: 'acme-imports', name: 'Other', createdAt: '2026-11-28T09:30:00+08:00' }),
    ).rejects.toMatchObject({ code: 'store-conflict' });
    await expect(store.revokeApiKey('key-404', '2026-11-28T09:30:00+08:00')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('when another process sweeps the same file while this one cites fresh uploads, then no cited blob is lost', async () => {
    if (!existsSync(compiledStore)) {
      throw new Error(`${compiledStore} is missing: run "npm run build" first (npm test does this before jest)`);
    }
    const store = open();
    await store.commit([issuing(eirState('eir-1'))]);
    const sweeper = sweepInAnotherProcess(file);
    await sweeper.ready;
    let seq = 1;
    let missing = 0;
    const outcomes: { sha256: string; cited: boolean }[] = [];
    for (let i = 0; i < 150; i += 1) {
      // Put long ago, so every sweep may take it until an event cites it.
      const blob = await store.putBlob(new TextEncoder().encode(`photo ${i}`), 'image/jpeg', { at: '2026-01-01T00:00:00.000Z', partyId: 'yangshan-terminal' });
      await new Promise((r) => setTimeout(r, i % 3));
      const change = { ...appending(eirState('eir-1'), seq, { events: [signedEvent('eir-1', seq + 1, { type: 'gate-record' })] }), blobs: [blob.sha256] };
      const cited = await store.commit([change]).then(
        () => true,
        (error: unknown) => {
          expect(error).toBeInstanceOf(MissingBlobError);
          return false;
        },
      );
      if (cited) seq += 1;
      else missing += 1;
      outcomes.push({ sha256: blob.sha256, cited });
    }
    const swept = await sweeper.stop();
    if (process.env.SHOW_RACE) process.stderr.write(`cited ${seq - 1}, swept first ${missing}\n`);
    for (const { sha256, cited } of outcomes) {
      const blob = await store.getBlob(sha256);
      if (cited) expect(blob).toMatchObject({ pending: false });
      else expect(blob).toBeUndefined();
    }
    expect(swept).toBe(missing);
    await expect(store.listEvents('eir-1')).resolves.toHaveLength(seq);
  }, 30_000);

  it('when the writing process is killed mid-way, then every acknowledged commit survives', async () => {
    if (!existsSync(compiledStore)) {
      throw new Error(`${compiledStore} is missing: run "npm run build" first (npm test does this before jest)`);
    }
    // 200 acknowledgements: 100 documents, each issued and then appended to.
    const acknowledged = await runUntilKilled(file, 200);
    expect(acknowledged.size).toBeGreaterThanOrEqual(100);

    const store = open();
    for (const [id, seq] of acknowledged) {
      const document = await store.getDocument(id);
      expect(document?.seq).toBeGreaterThanOrEqual(seq);
      const events = await store.listEvents(id);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: document?.seq ?? 0 }, (_, i) => i + 1));
      for (const event of events) expect(event.hash).toBe(sha256Hex(event.envelope));
    }
    // The log holds exactly the committed events, each once, and its root is theirs.
    const state = await store.logState();
    const entries = await store.logEntries(0, state.size);
    expect(entries.map((e) => e.logIndex)).toEqual(Array.from({ length: state.size }, (_, i) => i));
    let committedEvents = 0;
    for (const id of new Set(entries.map((e) => e.documentId))) committedEvents += (await store.getDocument(id))?.seq ?? 0;
    expect(state.size).toBe(committedEvents);
    expect(state.rootHash).toEqual(referenceRoot(entries.map((e) => leafOf(e.envelope))));
  });
});

/** A child process that sweeps every pending blob of `file` in a loop until stopped; `stop` resolves with how many it deleted. */
function sweepInAnotherProcess(file: string): { ready: Promise<void>; stop(): Promise<number> } {
  const script = `
const { SqliteStore } = require(process.env.SDX_STORE_MODULE);
const store = SqliteStore.open(process.env.SDX_DB_FILE);
let total = 0;
let stopping = false;
process.stdin.on('data', () => { stopping = true; });
(async () => {
  console.log('ready');
  while (!stopping) {
    total += await store.sweepBlobs('2100-01-01T00:00:00.000Z', 20);
    await new Promise((r) => setImmediate(r));
  }
  console.log('swept ' + total);
  await store.close();
})();
`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: repoRoot,
    env: { ...process.env, SDX_STORE_MODULE: compiledStore, SDX_DB_FILE: file },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let started = (): void => undefined;
  const ready = new Promise<void>((resolvePromise) => (started = resolvePromise));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    if (out.includes('ready')) started();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return {
    ready,
    stop: () =>
      new Promise((resolvePromise, reject) => {
        child.once('exit', (code) => {
          const match = /swept (\d+)/.exec(out);
          if (code !== 0 || !match) reject(new Error(`sweeper exited ${String(code)}: ${err}`));
          else resolvePromise(Number(match[1]));
        });
        child.stdin.end('stop\n');
      }),
  };
}

/**
 * The child commits documents forever (an issue, then a two-event append, per document) and prints
 * "<id> <seq>" after each commit resolves. It is SIGKILLed once `acks` lines have arrived.
 */
const writerScript = `
const { SqliteStore } = require(process.env.SDX_STORE_MODULE);
const store = SqliteStore.open(process.env.SDX_DB_FILE);
const at = '2026-11-28T09:30:00+08:00';
const event = (id, seq) => ({ type: 'e', actor: 'cosco-shipping', recordedAt: at, envelope: 'h.' + id + '.' + seq + '.s' });
const state = (id, status) => ({
  id, kind: 'delivery-order', version: 1, status, issuer: 'cosco-shipping', holder: 'acme-imports', presentedTo: null,
  participants: [{ partyId: 'cosco-shipping', role: 'issuer' }, { partyId: 'acme-imports', role: 'consignee' }],
  payloadHash: 'x', validUntil: null, supersedes: null, supersededBy: null, guaranteeId: null, backsDeliveryOrder: null,
});
(async () => {
  for (let i = 0; i < 100000; i += 1) {
    const id = 'crash-' + String(i).padStart(6, '0');
    await store.commit([{ documentId: id, expectedSeq: 0, state: state(id, 'issued'), payload: { n: i }, events: [event(id, 1)], at }]);
    process.stdout.write(id + ' 1\\n');
    await store.commit([{ documentId: id, expectedSeq: 1, state: state(id, 'transferred'), events: [event(id, 2), event(id, 3)], at }]);
    process.stdout.write(id + ' 3\\n');
  }
})().catch((error) => { console.error(error); process.exit(1); });
`;

function runUntilKilled(file: string, acks: number): Promise<Map<string, number>> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['-e', writerScript], {
      cwd: repoRoot,
      env: { ...process.env, SDX_STORE_MODULE: compiledStore, SDX_DB_FILE: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged = new Map<string, number>();
    let lines = 0;
    let pending = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) {
        const [id, seq] = line.split(' ');
        if (id && seq) acknowledged.set(id, Number(seq));
        lines += 1;
      }
      if (lines >= acks) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' || lines < acks) {
        reject(new Error(`writer ended with code ${String(code)}, signal ${String(signal)} after ${lines} acks: ${stderr}`));
      } else {
        resolvePromise(acknowledged);
      }
    });
  });
}
