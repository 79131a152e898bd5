import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import { Client, expectProblem, P } from './exchange-client';

/** A database with a few real documents, closed, to copy and tamper with. */
let pristine: string;
let orderPdf: Buffer;

beforeAll(async () => {
  const t = await startTestApp();
  const c = new Client(t);
  const order = await c.deliveryOrder();
  await c.acted(P.consignee, order.id, { type: 'transfer', to: P.forwarder });
  await c.issued(P.terminal, 'eir');
  orderPdf = await c.pdf(P.forwarder, order.id);
  // Publish a head, as a running server does when anyone reads it.
  await request(t.app).get('/api/v1/log/tree-head').set('Authorization', `Bearer ${t.keys[P.auditor]}`);
  expect(t.unexpected).toEqual([]);
  await t.close();
  pristine = t.dbFile;
}, 60_000);

/** A copy of the pristine database with `tamper` applied directly to the SQLite file, as an attacker would. */
function tampered(tamper: (db: Database.Database) => void): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sdx-tampered-')), 'sdx.sqlite');
  copyFileSync(pristine, file);
  const db = new Database(file);
  db.exec('DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;');
  tamper(db);
  db.close();
  return file;
}

async function onFile(file: string, check: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await startTestApp({ dbFile: file });
  try {
    await check(t);
  } finally {
    await t.close();
  }
}

describe('a server started on its database', () => {
  it('when nothing was touched, then /healthz reports the audit passed', async () => {
    const copy = tampered(() => undefined);
    await onFile(copy, async (t) => {
      const health = await request(t.app).get('/healthz');
      expect(health.status).toBe(200);
      // The start resumed from the head published at 3; the full audit since covered all 3 events.
      expect(health.body.integrity).toMatchObject({ state: 'ok', events: 0, treeSize: 3, resumedFrom: 3, full: { state: 'passed', events: 3, treeSize: 3 } });
      const report = await request(t.app).post('/verify').attach('file', orderPdf, 'do.pdf');
      expect(report.body.verdict).toBe('valid');
    });
  });

  it.each([
    ['one byte of a stored event changed', (db: Database.Database) => {
      db.prepare("UPDATE events SET envelope = substr(envelope, 1, 40) || (CASE substr(envelope, 41, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(envelope, 42) WHERE seq = 1 AND log_index = 0").run();
    }],
    ['a stored event deleted', (db: Database.Database) => {
      db.prepare('DELETE FROM events WHERE log_index = 1').run();
    }],
    ['two stored events swapped in the log', (db: Database.Database) => {
      db.exec('UPDATE events SET log_index = 999 WHERE log_index = 0; UPDATE events SET log_index = 0 WHERE log_index = 2; UPDATE events SET log_index = 2 WHERE log_index = 999;');
    }],
  ])('when %s, then /healthz, the tree head and verify reports say so', async (_what, tamper) => {
    await onFile(tampered(tamper), async (t) => {
      const health = await request(t.app).get('/healthz');
      expect(health.status).toBe(503);
      expect(health.body.integrity.state).toBe('failed');
      expect(health.body.integrity.problems.length).toBeGreaterThan(0);

      const head = await request(t.app).get('/api/v1/log/tree-head').set('Authorization', `Bearer ${t.keys[P.auditor]}`);
      expectProblem(head, 503, 'log-integrity-failed');
      // Not a passing outage, so no Retry-After; the detail names what the audit found.
      expect(head.headers['retry-after']).toBeUndefined();
      expect(head.body.detail).toMatch(/failed its integrity check/);

      const report = await request(t.app).post('/verify').attach('file', orderPdf, 'do.pdf');
      expect(report.status).toBe(200);
      expect(report.body.verdict).toBe('invalid');
      expect(report.body.findings).toContainEqual(
        expect.objectContaining({ check: 'ledger.integrity', status: 'invalid', code: 'log-integrity-failed' }),
      );
      expect(t.unexpected).toEqual([]);
    });
  });
});

describe('a restart resumes from the last published tree head', () => {
  const auditorHead = (t: TestApp) => request(t.app).get('/api/v1/log/tree-head').set('Authorization', `Bearer ${t.keys[P.auditor]}`);
  const changeByte = (db: Database.Database, logIndex: number) =>
    db
      .prepare("UPDATE events SET envelope = substr(envelope, 1, 40) || (CASE substr(envelope, 41, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(envelope, 42) WHERE log_index = ?")
      .run(logIndex);

  it('when an event under that head was changed, then the start still publishes heads, and the full audit in the background reports it', async () => {
    const t = await startTestApp({ dbFile: tampered((db) => changeByte(db, 0)), fullAudit: 'manual' });
    try {
      const started = await request(t.app).get('/healthz');
      expect(started.status).toBe(200);
      expect(started.body.integrity).toMatchObject({ state: 'ok', resumedFrom: 3, full: { state: 'waiting' } });
      expect((await auditorHead(t)).status).toBe(200);

      const after = await t.fullAudit();
      expect(after).toMatchObject({ state: 'failed', full: { state: 'failed' } });
      const health = await request(t.app).get('/healthz');
      expect(health.status).toBe(503);
      expect(health.body.integrity.problems).toContainEqual(expect.objectContaining({ code: 'leaf-mismatch', logIndex: 0 }));
      expectProblem(await auditorHead(t), 503, 'log-integrity-failed');
      expect(t.unexpected).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('when an event after that head was changed, then the start is refused', async () => {
    const copy = tampered(() => undefined);
    await onFile(copy, async (t) => {
      await new Client(t).issued(P.terminal, 'eir');
    });
    const db = new Database(copy);
    db.exec('DROP TRIGGER IF EXISTS events_no_update;');
    changeByte(db, 3);
    db.close();
    const t = await startTestApp({ dbFile: copy, fullAudit: 'manual' });
    try {
      const health = await request(t.app).get('/healthz');
      expect(health.status).toBe(503);
      expect(health.body.integrity.problems).toContainEqual(expect.objectContaining({ logIndex: 3 }));
      expectProblem(await auditorHead(t), 503, 'log-integrity-failed');
    } finally {
      await t.close();
    }
  });

  it('when the stored tree under that head was changed, then the start is refused', async () => {
    const copy = tampered((db) => {
      db.exec('DROP TRIGGER IF EXISTS log_nodes_no_update;');
      db.prepare("UPDATE log_nodes SET hash = randomblob(32) WHERE level = 1 AND idx = 0").run();
    });
    const t = await startTestApp({ dbFile: copy, fullAudit: 'manual' });
    try {
      const health = await request(t.app).get('/healthz');
      expect(health.status).toBe(503);
      expect(health.body.integrity.problems).toContainEqual(expect.objectContaining({ code: 'inconsistent-with-saved-head' }));
    } finally {
      await t.close();
    }
  });
});

