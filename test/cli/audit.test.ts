// `sdx audit export` and `sdx audit verify` as built, on a database made by the real app, then
// tampered with the way an attacker with the file would: straight through SQLite, triggers dropped.
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditCommand } from '../../src/cli/audit.command';
import { bundleHeader, bundleLines, type AuditBundle, type LoggedEvent } from '../../src/application/audit/audit-bundle';
import { signTreeHead, type SignedTreeHead } from '../../src/application/audit/tree-head';
import { openLogSigner, openLogService } from '../../src/main';
import { settingsOrThrow } from '../../src/settings';
import { exitOf, runSdx, startSdx, waitForOutput } from '../support/built-cli';
import { certsDevPath } from '../support/certs-dev';
import { appendEvent, bodyOf, headOver } from '../support/crafted-trail';
import { startTestApp } from '../support/test-app';
import { Client, P } from '../http/exchange-client';

let dir: string;
/** The app's database after 5 events, closed (WAL checkpointed). */
let pristine: string;
let savedHeadFile: string;
let savedHead: SignedTreeHead;
let auditorKey: string;
let copies = 0;
/** The database before its last head was published. */
let unpublished: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sdx-audit-cli-'));
  const t = await startTestApp();
  try {
    const c = new Client(t);
    const log = openLogService(t.store, settingsOrThrow());
    // Log order: d1#1 d1#2 eir#1 | d1#3 d2#1
    const d1 = await c.deliveryOrder();
    await c.acted(P.consignee, d1.id, { type: 'transfer', to: P.forwarder });
    await c.issued(P.terminal, 'eir');
    savedHead = await log.currentTreeHead();
    savedHeadFile = join(dir, 'saved-head.json');
    writeFileSync(savedHeadFile, JSON.stringify(savedHead));
    await c.acted(P.forwarder, d1.id, { type: 'present', to: P.terminal });
    await c.deliveryOrder();
    // A copy whose last two events no head covers yet.
    unpublished = join(dir, 'unpublished.sqlite');
    const live = new Database(t.store.file, { readonly: true });
    await live.backup(unpublished);
    live.close();
    await log.currentTreeHead();
    auditorKey = t.keys[P.auditor] as string;
    expect(t.unexpected).toEqual([]);
  } finally {
    await t.close();
  }
  pristine = t.store.file;
  expect(existsSync(`${pristine}-wal`) && readFileSync(`${pristine}-wal`).length > 0).toBe(false);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh copy of the app's database, optionally changed directly in SQLite. */
function database(change?: (db: Database.Database) => void): string {
  copies += 1;
  const file = join(dir, `copy-${copies}.sqlite`);
  copyFileSync(pristine, file);
  if (change) {
    const db = new Database(file);
    try {
      change(db);
    } finally {
      db.close();
    }
  }
  return file;
}

function exportFrom(db: string): string {
  const out = join(dir, `bundle-${copies}.json`);
  const result = runSdx(['audit', 'export', '--db', db, '--out', out]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return out;
}

describe('sdx audit verify --db (the full audit on demand)', () => {
  it('when the database is intact, then all its events and leaves verify with exit 0; when an old event changed, then exit 1 names it', () => {
    expect(runSdx(['audit', 'verify', '--db', database()])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: 5 events of 3 documents/) });
    const changed = database((db) => {
      db.exec('DROP TRIGGER IF EXISTS events_no_update;');
      db.prepare("UPDATE events SET envelope = substr(envelope, 1, 40) || (CASE substr(envelope, 41, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(envelope, 42) WHERE log_index = 0").run();
    });
    const verified = runSdx(['audit', 'verify', '--db', changed]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/^leaf-mismatch at log index 0/m);
    expect(runSdx(['audit', 'verify', '--db', join(dir, 'absent.sqlite')])).toMatchObject({ code: 2 });
  });
});

describe('sdx audit export and verify', () => {
  it('when the database is intact, then its bundle verifies offline with exit 0', () => {
    const out = join(dir, 'intact.json');
    const headOut = join(dir, 'intact-head.json');
    const exported = runSdx(['audit', 'export', '--db', database(), '--out', out, '--head-out', headOut]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^exported 5 events with the tree head signed at /);
    const bundle = JSON.parse(readFileSync(out, 'utf8')) as { treeHead: SignedTreeHead; events: { logIndex: number }[] };
    expect(bundle.events.map((e) => e.logIndex)).toEqual([0, 1, 2, 3, 4]);
    expect(JSON.parse(readFileSync(headOut, 'utf8'))).toEqual(bundle.treeHead);

    const verified = runSdx(['audit', 'verify', out]);
    expect(verified.stderr).toBe('');
    expect(verified.stdout).toMatch(/^ok: 5 events of 3 documents verified; the log is the tree of size 5 with root [0-9a-f]{64}/);
    expect(verified.code).toBe(0);

    // Any JSON layout of a bundle is read too (whole, when it is not one event per line).
    const pretty = join(dir, 'pretty.json');
    writeFileSync(pretty, JSON.stringify(bundle, null, 2));
    expect(runSdx(['audit', 'verify', pretty])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: 5 events/) });
  });

  it('when no head covers the latest events, then export signs one without writing to the database', () => {
    const headsIn = (file: string) => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM tree_heads').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const before = headsIn(unpublished);
    const out = join(dir, 'unpublished.json');
    expect(runSdx(['audit', 'export', '--db', unpublished, '--out', out])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^exported 5 events/) });
    expect(headsIn(unpublished)).toBe(before);
    expect(runSdx(['audit', 'verify', out, '--head', savedHeadFile])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ok: 5 events/) });
  });

  it('when an older head was saved, then --head checks that the log only grew since', () => {
    const out = exportFrom(database());
    const verified = runSdx(['audit', 'verify', out, '--head', savedHeadFile]);
    expect(verified.stdout).toMatch(/^ok: /);
    expect(verified.code).toBe(0);
  });

  it('when the saved head names a root the log never had, then verify fails with exit 1', async () => {
    const forged = await signTreeHead({ ...savedHead, rootHash: '0'.repeat(64) }, openLogSigner(settingsOrThrow()));
    const forgedFile = join(dir, 'forged-head.json');
    writeFileSync(forgedFile, JSON.stringify(forged));
    const verified = runSdx(['audit', 'verify', exportFrom(database()), '--head', forgedFile]);
    expect(verified.stdout).toMatch(/^inconsistent-with-saved-head: the first 3 events have the Merkle root [0-9a-f]{64}, not 0{64}/m);
    expect(verified.code).toBe(1);
  });

  it('when one byte of a stored event is changed, then verify names the event and exits 1', () => {
    const db = database((sqlite) => {
      sqlite.exec('DROP TRIGGER events_no_update');
      const row = sqlite.prepare('SELECT envelope, document_id AS documentId FROM events WHERE log_index = 3').get() as { envelope: string; documentId: string };
      const at = row.envelope.indexOf('.') + 30;
      const flipped = row.envelope.slice(0, at) + (row.envelope[at] === 'A' ? 'B' : 'A') + row.envelope.slice(at + 1);
      sqlite.prepare('UPDATE events SET envelope = ? WHERE log_index = 3').run(flipped);
    });
    const verified = runSdx(['audit', 'verify', exportFrom(db)]);
    expect(verified.stdout).toMatch(/^event-signature-invalid at log index 3 \(document doc-[\w-]+, seq 3\): /m);
    expect(verified.stdout).toMatch(/^root-mismatch: /m);
    expect(verified.stdout).toMatch(/^FAILED: /m);
    expect(verified.code).toBe(1);
  });

  it('when a stored event is deleted, then verify reports the missing log index and exits 1', () => {
    const db = database((sqlite) => {
      sqlite.exec('DROP TRIGGER events_no_delete');
      sqlite.prepare('DELETE FROM events WHERE log_index = 2').run();
    });
    const verified = runSdx(['audit', 'verify', exportFrom(db)]);
    expect(verified.stdout).toMatch(/^event-missing at log index 2: /m);
    expect(verified.stdout).toMatch(/^log-size-mismatch: the log holds 4 events but the tree head signs a tree of 5/m);
    expect(verified.code).toBe(1);
  });

  it('when two events swap log indexes, then the root no longer matches and verify exits 1', () => {
    const db = database((sqlite) => {
      sqlite.exec('DROP TRIGGER events_no_update');
      // log_index is UNIQUE, so the swap goes through a free value.
      const move = sqlite.prepare('UPDATE events SET log_index = ? WHERE log_index = ?');
      sqlite.transaction(() => {
        move.run(1_000_000, 1);
        move.run(1, 2);
        move.run(2, 1_000_000);
      })();
    });
    const verified = runSdx(['audit', 'verify', exportFrom(db)]);
    expect(verified.stdout).toMatch(/^root-mismatch: the Merkle root of the first 5 events is [0-9a-f]{64}, not [0-9a-f]{64} as the tree head signs/m);
    expect(verified.code).toBe(1);
  });

  it('when the auditor trusts another root, then every signer is untrusted and verify exits 1', () => {
    const verified = runSdx(['audit', 'verify', exportFrom(database()), '--trust', certsDevPath('tsa.pem')]);
    expect(verified.stdout).toMatch(/^tree-head-untrusted: /m);
    expect(verified.stdout).toMatch(/^event-signer-untrusted at log index 0 /m);
    expect(verified.code).toBe(1);
  });

  it('when a running server is asked with an auditor key, then its export verifies like the database one', async () => {
    const child = startSdx(['serve', '--port', '0', '--db', database()]);
    try {
      const [, url] = await waitForOutput(child, /SDX listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const out = join(dir, 'from-url.json');
      // spawnSync would block this process, not the server's.
      const exported = runSdx(['audit', 'export', '--url', url as string, '--key', auditorKey, '--out', out]);
      expect(exported.stderr).toBe('');
      expect(exported.code).toBe(0);
      const fromDb = JSON.parse(readFileSync(exportFrom(database()), 'utf8')) as { events: unknown[]; treeHead: unknown };
      const fromUrl = JSON.parse(readFileSync(out, 'utf8')) as { events: unknown[]; treeHead: unknown };
      expect(fromUrl.events).toEqual(fromDb.events);
      expect(fromUrl.treeHead).toEqual(fromDb.treeHead);
      expect(runSdx(['audit', 'verify', out, '--head', savedHeadFile]).code).toBe(0);

      // The key may come from the environment instead of the command line.
      const viaEnv = join(dir, 'from-url-env.json');
      const fromEnv = runSdx(['audit', 'export', '--url', url as string, '--out', viaEnv], { env: { SDX_API_KEY: auditorKey } });
      expect(fromEnv.code).toBe(0);
      expect(JSON.parse(readFileSync(viaEnv, 'utf8')).events).toEqual(fromDb.events);

      const refused = runSdx(['audit', 'export', '--url', url as string, '--key', 'sdx_wrong', '--out', join(dir, 'no.json')]);
      expect(refused.stderr).toMatch(/answered 401/);
      expect(refused.code).toBe(1);
      expect(existsSync(join(dir, 'no.json'))).toBe(false);
    } finally {
      child.kill('SIGTERM');
      await exitOf(child);
    }
  });
});

describe('sdx audit verify progress', () => {
  it('when stderr is a terminal, then progress is shown; otherwise a short run stays quiet', async () => {
    const bundle = exportFrom(database());
    const run = async (stderrIsTty: boolean) => {
      const err: string[] = [];
      const out: string[] = [];
      const code = await auditCommand(['verify', bundle], { out: (l) => out.push(l), err: (l) => err.push(l) }, settingsOrThrow(), { stderrIsTty });
      return { code, out, err };
    };
    expect(await run(true)).toMatchObject({ code: 0, err: ['verified 5/5 events'] });
    expect(await run(false)).toMatchObject({ code: 0, err: [] });
  });
});

describe('sdx audit with unusable input', () => {
  it('when the bundle is missing, not JSON, cut short or of another version, then exit 2 with the reason', () => {
    const missing = runSdx(['audit', 'verify', join(dir, 'nope.json')]);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json/);
    expect(missing.code).toBe(2);

    const notJson = join(dir, 'not-json.json');
    writeFileSync(notJson, 'hello');
    expect(runSdx(['audit', 'verify', notJson])).toMatchObject({ code: 2, stderr: expect.stringMatching(/is not JSON/) });

    const lines = readFileSync(exportFrom(database()), 'utf8').split('\n');
    const cut = join(dir, 'cut.json');
    writeFileSync(cut, lines.slice(0, 3).join('\n'));
    expect(runSdx(['audit', 'verify', cut])).toMatchObject({ code: 2, stderr: expect.stringMatching(/cut short/) });

    const newer = join(dir, 'newer.json');
    writeFileSync(newer, lines.join('\n').replace('"version":2', '"version":3'));
    expect(runSdx(['audit', 'verify', newer])).toMatchObject({ code: 2, stderr: expect.stringMatching(/version: must be 2: this bundle was written by a newer sdx/) });
    const older = join(dir, 'older.json');
    writeFileSync(older, lines.join('\n').replace('"version":2', '"version":1'));
    expect(runSdx(['audit', 'verify', older])).toMatchObject({ code: 2, stderr: expect.stringMatching(/version: must be 2: this bundle was written by an older sdx/) });
  });

  it('when the saved head file is not a head, then exit 2', () => {
    const bad = join(dir, 'bad-head.json');
    writeFileSync(bad, JSON.stringify({ size: 'three' }));
    const result = runSdx(['audit', 'verify', exportFrom(database()), '--head', bad]);
    expect(result.stderr).toMatch(/bad-head\.json: size/);
    expect(result.code).toBe(2);
  });

  it('when export is asked wrongly, then exit 2 and no database is created', () => {
    expect(runSdx(['audit', 'export', '--db', database()]).code).toBe(2);
    const nowhere = join(dir, 'nowhere.sqlite');
    const result = runSdx(['audit', 'export', '--db', nowhere, '--out', join(dir, 'x.json')]);
    expect(result).toMatchObject({ code: 2, stderr: expect.stringMatching(/no database at/) });
    expect(existsSync(nowhere)).toBe(false);
    expect(runSdx(['audit', 'frobnicate']).code).toBe(2);
    expect(runSdx(['audit', 'help'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: sdx audit/) });
  });

  it('when a bundle line is huge, deeply nested or garbage, then exit 2 names the line and nothing crashes', () => {
    const lines = readFileSync(exportFrom(database()), 'utf8').split('\n');
    const withLine = (name: string, line: string) => {
      const file = join(dir, name);
      writeFileSync(file, [lines[0], line, ...lines.slice(1)].join('\n'));
      return file;
    };
    // Over the default 16 MiB: refused before the line is held whole.
    const huge = runSdx(['audit', 'verify', withLine('huge.json', `{"x":"${'a'.repeat(17 * 1024 * 1024)}"},`)]);
    expect(huge).toMatchObject({ code: 2, stderr: expect.stringMatching(/line 2 is longer than 16777216 bytes \(--max-line-bytes\)/) });
    const lower = runSdx(['audit', 'verify', withLine('long.json', `{"x":"${'a'.repeat(5000)}"},`), '--max-line-bytes', '4096']);
    expect(lower).toMatchObject({ code: 2, stderr: expect.stringMatching(/line 2 is longer than 4096 bytes/) });
    expect(runSdx(['audit', 'verify', join(dir, 'long.json'), '--max-line-bytes', '0']).code).toBe(2);

    const deep = runSdx(['audit', 'verify', withLine('deep.json', `${'['.repeat(100_000)}${']'.repeat(100_000)},`)]);
    expect(deep).toMatchObject({ code: 2, stderr: expect.stringMatching(/line 2: events: nests deeper than 64 levels/) });
    const deepWhole = join(dir, 'deep-whole.json');
    writeFileSync(deepWhole, `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(runSdx(['audit', 'verify', deepWhole])).toMatchObject({ code: 2, stderr: expect.stringMatching(/nests deeper than 64 levels/) });

    for (const garbage of ['\u0000\u0001\u0002', '{"logIndex":0,', '{"logIndex":-1,"documentId":"d","seq":1,"envelope":"a.b.c"},', 'null,']) {
      const result = runSdx(['audit', 'verify', withLine('garbage.json', garbage)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^sdx audit verify: .*line 2/);
      expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
    // A well-formed line whose signed event nests 100,000 levels deep is an invalid event, exit 1.
    const deepEvent = `${Buffer.from('{"alg":"ES256","typ":"sdx-event+jws","x5c":["AA"]}').toString('base64url')}.${Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`).toString('base64url')}.AA`;
    const row = JSON.stringify({ logIndex: 0, documentId: 'd', seq: 1, envelope: deepEvent });
    const result = runSdx(['audit', 'verify', withLine('deep-event.json', `${row},`)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^event-malformed at log index 0/m);
  });
});

describe('sdx audit verify on correctly signed events that break the rules', () => {
  it('when the terminal releases a D/O twice, then the audit names the rule and exits 1', async () => {
    const bundle = JSON.parse(readFileSync(exportFrom(database()), 'utf8')) as AuditBundle;
    // Log order: d1 issue, transfer, eir issue, d1 present (to the terminal), d2 issue.
    const d1 = bundle.events[0] as LoggedEvent;
    const release = { documentId: d1.documentId, kind: 'delivery-order' as const, actor: { partyId: P.terminal, userId: null }, payloadHash: bodyOf(d1).payloadHash, data: {} };
    let events = await appendEvent(bundle.events, { ...release, type: 'release' });
    events = await appendEvent(events, { ...release, type: 'release' });
    const out = join(dir, 'double-release.json');
    let text = '';
    for await (const chunk of bundleLines(bundleHeader(await headOver(events), bundle.parties), events)) text += chunk;
    writeFileSync(out, text);
    const result = runSdx(['audit', 'verify', out]);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')[0]).toBe(
      `event-breaks-lifecycle at log index 6 (document ${d1.documentId}, seq 5): already-released: this delivery order has already been released`,
    );
    expect(result.stdout).toMatch(/^FAILED: the audit trail does not hold/m);
    expect(result.code).toBe(1);
    const json = JSON.parse(runSdx(['audit', 'verify', out, '--json']).stdout) as { problems: { code: string; rule?: string }[] };
    expect(json.problems).toEqual([expect.objectContaining({ code: 'event-breaks-lifecycle', rule: 'already-released', seq: 5 })]);
  });
});
