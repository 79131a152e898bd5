// Archive renewal of stored documents (issue 20): D/Os issued at B-LTA on a real SQLite file (and
// on PostgreSQL when SDX_TEST_PG_URL is set), the clock moved to within 90 days of the certs-dev
// TSA certificate's expiry (2036-01-01), renewed with a TSA whose certificate outlives it. The
// clock is injected throughout, never the system clock.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { padesArchiveRenewer } from '../../src/adapters/pdf/sign/archive-renewal';
import { PgStore } from '../../src/adapters/store/postgres/pg-store';
import { DevTimestampAuthority } from '../../src/adapters/pki/dev-timestamp-authority';
import { issueDevTimestampAuthority } from '../../src/adapters/pki/dev-pki';
import { ArchiveRenewals } from '../../src/application/archive-renewals';
import { archiveRenewalsFrom } from '../../src/composition/archive-renewals';
import { exportBundle, type AuditBundle } from '../../src/application/audit/audit-bundle';
import { signEvent, storedEventBody, type EventBody } from '../../src/application/events/signed-event';
import type { Store } from '../../src/application/ports/store.port';
import { openLogService, openLogSigner } from '../../src/main';
import { settingsOrThrow } from '../../src/settings';
import { Client, P } from '../http/exchange-client';
import { runSdx } from '../support/built-cli';
import { certsDev, certsDevPath } from '../support/certs-dev';
import { appendEvent, headOver, partyKeys } from '../support/crafted-trail';
import { itWith } from '../support/external-tools';
import { expectVerdict } from '../support/forgery-expect';
import { verifiedByUpload } from '../support/forgery-sources';
import { folderRevocationSources } from '../support/ltv-sources';
import { embeddedSignatures, nssDatabase, pdfsig, qpdfCheck, run } from '../support/pdf-signature-tools';
import { describeWithPostgres, freshDatabase, pgTestUrl } from '../support/postgres';
import { USERS } from '../support/desk-forms';
import { signedIn } from '../support/page-forms';
import { startTestApp, startTestAppOn, type TestApp, type TestAppOn } from '../support/test-app';

jest.setTimeout(120_000);

const ISSUED_AT = new Date('2026-12-04T02:00:00Z');
/** Within 90 days of 2036-01-01, when the certs-dev TSA's certificate expires. */
const DUE_AT = new Date('2035-11-01T00:00:00Z');
const AFTER_FIRST_TSA_EXPIRY = '2036-06-01';

let tsaDir: string;
beforeAll(async () => {
  tsaDir = mkdtempSync(join(tmpdir(), 'sdx-renewal-tsa-'));
  // The TSA's next certificate, issued in 2035 by the same CA for ten years.
  await issueDevTimestampAuthority({ certsDir: certsDev, outDir: tsaDir, base: 'tsa', now: new Date('2035-01-01T00:00:00Z'), years: 10 });
});

/**
 * The renewal service of one node on `store`, on the test's clock, stamping with the TSA of
 * `certsDir` (by default the 2035 one); `onRenew` is told of each renewal the TSA is asked for.
 */
function renewalsOn(store: Store, clock: () => Date, certsDir = tsaDir, onRenew: () => unknown = () => undefined): ArchiveRenewals {
  let serial = 0n;
  const tsa = DevTimestampAuthority.fromPem({
    certificatePem: readFileSync(join(certsDir, 'tsa.pem'), 'utf8'),
    privateKeyPem: readFileSync(join(certsDir, 'tsa.key.pem'), 'utf8'),
    chainPem: readFileSync(certsDevPath('issuing-ca.pem'), 'utf8'),
    clock,
    nextSerial: () => ++serial,
  });
  const renewer = padesArchiveRenewer({ sources: folderRevocationSources(certsDev, clock), clock, timestampAuthority: tsa });
  const counted = {
    newestTimestampExpiry: renewer.newestTimestampExpiry,
    renew: async (pdf: Uint8Array) => {
      await onRenew();
      return renewer.renew(pdf);
    },
  };
  return new ArchiveRenewals({ store, renewer: counted, systemSigner: openLogSigner(settingsOrThrow()), clock });
}

/** A test exchange issuing B-LTA documents on a clock the test moves. */
function movableClock(): { clock: () => Date; set(at: Date): void } {
  let now = ISSUED_AT;
  return { clock: () => now, set: (at) => (now = at) };
}

async function currentPdf(store: Store, documentId: string): Promise<Buffer> {
  const events = await store.listEvents(documentId);
  const sha = [...events].reverse().map((e) => storedEventBody(e.envelope).data?.['pdfSha256']).find((s) => typeof s === 'string');
  const blob = typeof sha === 'string' ? await store.getBlob(sha) : undefined;
  if (!blob) throw new Error(`no PDF for ${documentId}`);
  return Buffer.from(blob.bytes);
}

/**
 * The scenario every store goes through: two D/Os issued; not due in 2026; due in 2035, the first
 * run (limit 1) renews one; then two nodes at once renew the other: one wins, one loses cleanly;
 * a further run finds nothing to do. Answers the two ids in renewal order.
 */
async function renewOnStore<S extends Store>(t: TestAppOn<S>, time: ReturnType<typeof movableClock>, otherNode: Store = t.store): Promise<[string, string]> {
  const client = new Client(t);
  const first = await client.deliveryOrder();
  const second = await client.deliveryOrder();
  const before = await currentPdf(t.store, first.id);
  const stateBefore = await t.store.getDocument(first.id);

  const early = await renewalsOn(t.store, time.clock).renewArchives({ before: 90, now: ISSUED_AT });
  expect(early).toMatchObject({ renewed: [], notDue: 2, failed: [], lost: [] });

  time.set(DUE_AT);
  // The certs-dev TSA's own certificate cannot take the archives past 2036: both fail, the TSA asked once, nothing written.
  let asked = 0;
  const stale = await renewalsOn(t.store, time.clock, certsDev, () => (asked += 1)).renewArchives({ before: 90, now: DUE_AT });
  expect(stale.failed.map((f) => [f.documentId, f.code])).toEqual([[first.id, 'tsa-certificate-not-newer'], [second.id, 'tsa-certificate-not-newer']]);
  expect(asked).toBe(1);
  expect((await t.store.listEvents(first.id)).map((e) => e.type)).toEqual(['issue']);

  const one = await renewalsOn(t.store, time.clock).renewArchives({ before: 90, now: DUE_AT, limit: 1 });
  expect(one).toMatchObject({ renewed: [{ documentId: first.id, kind: 'delivery-order', seq: 2, expiredAt: '2036-01-01T00:00:00.000Z' }], failed: [], more: true });
  expect(one.renewed[0]?.renewedUntil).toMatch(/^2045-/);

  const events = await t.store.listEvents(first.id);
  expect(events.map((e) => [e.type, e.actor])).toEqual([['issue', P.agentSha], ['archive-renewed', 'sdx']]);
  const renewal = storedEventBody(events[1]?.envelope ?? '');
  const after = await currentPdf(t.store, first.id);
  expect(renewal.data).toEqual({
    pdfSha256: createHash('sha256').update(after).digest('hex'),
    previousPdfSha256: createHash('sha256').update(before).digest('hex'),
    timestampExpiresAt: '2036-01-01T00:00:00.000Z',
    renewedUntil: one.renewed[0]?.renewedUntil,
  });
  // One more incremental update: what was stored stays a prefix; status and holder unchanged.
  expect(after.subarray(0, before.length).equals(before)).toBe(true);
  expect((await t.store.getDocument(first.id))?.state).toEqual(stateBefore?.state);

  // Two nodes renew the second D/O at once (both have read it before either commits): one event,
  // the other node told it lost.
  let arrived = 0;
  let bothRead: () => void = () => undefined;
  const meet = new Promise<void>((resolve) => (bothRead = resolve));
  const barrier = () => {
    arrived += 1;
    if (arrived === 2) bothRead();
    return meet;
  };
  const [a, b] = await Promise.all([
    renewalsOn(t.store, time.clock, tsaDir, barrier).renewArchives({ before: 90, now: DUE_AT }),
    renewalsOn(otherNode, time.clock, tsaDir, barrier).renewArchives({ before: 90, now: DUE_AT }),
  ]);
  expect([...a.renewed, ...b.renewed].map((r) => r.documentId)).toEqual([second.id]);
  expect([...a.lost, ...b.lost]).toEqual([second.id]);
  expect((await t.store.listEvents(second.id)).map((e) => e.type)).toEqual(['issue', 'archive-renewed']);

  const again = await renewalsOn(t.store, time.clock).renewArchives({ before: 90, now: DUE_AT });
  expect(again).toMatchObject({ renewed: [], notDue: 2, lost: [], failed: [], checked: 2 });
  return [first.id, second.id];
}

describe('renewArchives on a SQLite file', () => {
  const time = movableClock();
  let t: TestApp;
  let ids: [string, string];
  let renewed: Buffer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sdx-renewal-'));
    t = await startTestApp({ env: { SDX_PADES_LEVEL: 'LTA' }, clock: time.clock, dbFile: join(dir, 'sdx.sqlite') });
    ids = await renewOnStore(t, time);
    renewed = await currentPdf(t.store, ids[0]);
    // A head over the renewed log, signed at the test's time, for the CLI audits below.
    await openLogService(t.store, settingsOrThrow(), time.clock).currentTreeHead();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('when the renewed PDF is posted to the exchange, then it is valid and genuine: the ledger recorded it', async () => {
    const report = await verifiedByUpload(t.app, renewed);
    expectVerdict(report, 'valid');
    expect(report.ledger).toBe('recorded');
    expect(report.summary.outcome).toBe('genuine');
    expect(report.signatures.map((s) => s.role)).toEqual(['issuer', 'timestamp', 'timestamp']);
  });

  it('when the issuer opens the document on its desk, then the history names the renewal and SDX in its language, in Beijing time', async () => {
    const zh = (await (await signedIn(t.app, USERS.agentSha, 'zh-CN')).get(`/desk/documents/${ids[0]}`)).text;
    expect(zh).toMatch(/<tr data-seq="2" data-event="archive-renewed">.*存档续期（新增文档时间戳）.*SDX 平台.*2035年11月1日.*（北京时间）/s);
    const en = (await (await signedIn(t.app, USERS.agentSha, 'en')).get(`/desk/documents/${ids[0]}`)).text;
    expect(en).toMatch(/<tr data-seq="2" data-event="archive-renewed">.*Archive renewed \(new document timestamp\).*SDX \(the exchange itself\).*1 Nov 2035, 08:00 \(Shanghai\)/s);
  });

  it('when the auditor opens the document on the audit page, then the renewal row is signed (by the log key), chained and included', async () => {
    const auditor = await signedIn(t.app, 'demo-auditor-1', 'zh-CN');
    const page = (await auditor.get(`/audit?doc=${ids[0]}`).expect(200)).text;
    const row = /<tr data-seq="2">[\s\S]*?<\/tr>/.exec(page)?.[0] ?? '';
    expect(row).toContain('data-type="archive-renewed">存档续期（新增文档时间戳）</td><td data-actor="sdx">SDX 平台</td>');
    for (const cell of ['signature-check', 'chain-check', 'inclusion-check']) expect(row).toMatch(new RegExp(`class="${cell}"><span class="ok"`));
  });

  it('when verified --at a date after the first TSA certificate expired, then sdx verify calls it valid', () => {
    const file = join(dir, 'renewed.pdf');
    writeFileSync(file, renewed);
    const verified = runSdx(['verify', file, '--at', AFTER_FIRST_TSA_EXPIRY, '--json']);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ verdict: 'valid' });
  });

  itWith('pdfsig', 'certutil')('when pdfsig reads the renewed PDF, then the party signature is valid and trusted, and both document timestamps are there', () => {
    const [issuer, ...stamps] = pdfsig(nssDatabase(certsDevPath('root-ca.pem')), renewed);
    expect(issuer).toMatchObject({ valid: true, trusted: true });
    // poppler lists RFC 3161 document timestamps without validating them: openssl does, below.
    expect(stamps.map((s) => /Signature Field Name: (.*)/.exec(s.text)?.[1])).toEqual(['sdx-archive-1', 'sdx-archive-2']);
    expect(stamps.at(-1)?.totalDocumentSigned).toBe(true);
  });

  itWith('openssl', 'qpdf')('when openssl ts -verify checks each document timestamp over its signed bytes, then both verify; qpdf finds no errors', () => {
    const stamps = embeddedSignatures(renewed).slice(1);
    expect(stamps).toHaveLength(2);
    writeFileSync(join(dir, 'chain.pem'), readFileSync(certsDevPath('issuing-ca.pem')));
    for (const [index, stamp] of stamps.entries()) {
      writeFileSync(join(dir, 'token.der'), stamp.cms);
      const digest = createHash('sha256').update(stamp.signedBytes).digest('hex');
      // Each token at the time it was made: the renewal's TSA certificate is valid from 2035.
      const at = String((index === 0 ? ISSUED_AT : DUE_AT).getTime() / 1000);
      const result = run('openssl', ['ts', '-verify', '-digest', digest, '-in', join(dir, 'token.der'), '-token_in', '-CAfile', certsDevPath('root-ca.pem'), '-untrusted', join(dir, 'chain.pem'), '-attime', at]);
      expect(result.output).toContain('Verification: OK');
    }
    expect(qpdfCheck(renewed).ok).toBe(true);
  });

  it('when sdx audit verify --db reads the store, then the renewals pass: system-signed, chained, in the log', () => {
    const verified = runSdx(['audit', 'verify', '--db', t.dbFile]);
    expect(verified.stdout).toMatch(/^ok: 4 events of 2 documents verified/);
    expect(verified.code).toBe(0);
  });

  it('when a stored renewal event is replaced by one re-signed with the log key, then sdx audit verify --db catches it', async () => {
    const copy = join(dir, 'tampered.sqlite');
    // The live file's pages in its write-ahead log are copied too.
    const live = new Database(t.dbFile, { readonly: true });
    await live.backup(copy).finally(() => live.close());
    const db = new Database(copy);
    try {
      db.exec('DROP TRIGGER events_no_update');
      const row = db.prepare("SELECT envelope FROM events WHERE document_id = ? AND type = 'archive-renewed'").get(ids[0]) as { envelope: string };
      const body = storedEventBody(row.envelope) as EventBody;
      const envelope = await signEvent({ ...body, data: { ...body.data, pdfSha256: '0'.repeat(64) } }, openLogSigner(settingsOrThrow()));
      db.prepare("UPDATE events SET envelope = ? WHERE document_id = ? AND type = 'archive-renewed'").run(envelope, ids[0]);
    } finally {
      db.close();
    }
    const verified = runSdx(['audit', 'verify', '--db', copy]);
    expect(verified.stdout).toMatch(/^leaf-mismatch at log index \d+ \(document [\w-]+, seq 2\): /m);
    expect(verified.stdout).toMatch(/^FAILED: /m);
    expect(verified.code).toBe(1);
  });

  it('when a party signs an archive-renewed event of its own, or names itself as its actor, then the bundle audit refuses it', async () => {
    const head = await openLogService(t.store, settingsOrThrow(), time.clock).currentTreeHead();
    const bundle: AuditBundle = await exportBundle(t.store, head, DUE_AT);
    const at = '2035-11-02T00:00:00.000Z';
    const renewal = { documentId: ids[1], kind: 'delivery-order' as const, type: 'archive-renewed', payloadHash: (await t.store.getDocument(ids[1]))?.state.payloadHash ?? '', data: {}, at };
    // Signed by the issuer's key, naming SDX as its actor; then signed by the log key, naming a party.
    const byParty = await appendEvent(bundle.events, { ...renewal, actor: { partyId: 'sdx', userId: null } }, { signer: await partyKeys.signerFor(P.agentSha) });
    const namingParty = await appendEvent(bundle.events, { ...renewal, actor: { partyId: P.agentSha, userId: null } }, { signer: openLogSigner(settingsOrThrow()) });
    const verdicts = [];
    for (const [name, events] of [['by-party', byParty], ['naming-party', namingParty]] as const) {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ ...bundle, treeHead: await headOver(events, at), events }));
      verdicts.push(runSdx(['audit', 'verify', file]));
    }
    expect(verdicts[0]?.stdout).toMatch(/^event-signer-untrusted at log index 4 .*is not the log certificate/m);
    expect(verdicts[1]?.stdout).toMatch(/^event-signer-mismatch at log index 4 .*recorded by SDX itself/m);
    for (const verdict of verdicts) expect(verdict.code).toBe(1);
  });

  it('when a run reads the stored documents, then other work runs between them (the service pauses after each)', async () => {
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      if (!ticking) return;
      ticks += 1;
      setImmediate(tick);
    };
    setImmediate(tick);
    const run = await archiveRenewalsFrom(t.store, settingsOrThrow(), time.clock).renewArchives({ before: 0, now: DUE_AT });
    ticking = false;
    expect(run).toMatchObject({ notDue: 2, checked: 2 });
    expect(ticks).toBeGreaterThanOrEqual(run.checked);
  });

  it('when a renewed guarantee is accepted afterwards, then the countersigned PDF is genuine: the renewal sits between the two party signatures', async () => {
    const client = new Client(t);
    const guarantee = await client.issued(P.shipper, 'telex-release-guarantee');
    const run = await renewalsOn(t.store, time.clock).renewArchives({ before: 90, now: DUE_AT });
    expect(run.renewed.map((r) => r.documentId)).toEqual([guarantee.id]);
    await client.acted(P.agentPus, guarantee.id, { type: 'accept' });
    expect((await t.store.listEvents(guarantee.id)).map((e) => e.type)).toEqual(['issue', 'archive-renewed', 'accept', 'release-notice']);
    const report = await verifiedByUpload(t.app, await currentPdf(t.store, guarantee.id));
    expectVerdict(report, 'valid');
    expect(report.summary.outcome).toBe('genuine');
    expect(report.signatures.map((s) => s.role)).toEqual(['issuer', 'timestamp', 'timestamp', 'countersigner', 'timestamp']);
  });
});

describeWithPostgres('renewArchives on PostgreSQL', () => {
  const time = movableClock();
  let database: { url: string; drop(): Promise<void> };
  let t: TestAppOn<PgStore>;

  beforeAll(async () => {
    database = await freshDatabase(pgTestUrl ?? '');
    t = await startTestAppOn(await PgStore.open(database.url, { poolSize: 4 }), { env: { SDX_PADES_LEVEL: 'LTA' }, clock: time.clock });
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('when two D/Os come due, then each is renewed once (a node on its own connection pool loses cleanly), and the trail still audits', async () => {
    const otherNode = await PgStore.open(database.url, { poolSize: 2 });
    try {
      await renewOnStore(t, time, otherNode);
    } finally {
      await otherNode.close();
    }
    await openLogService(t.store, settingsOrThrow(), time.clock).currentTreeHead();
    const verified = runSdx(['audit', 'verify', '--store', 'postgres', '--pg-url', database.url], { env: { SDX_STORE: '', SDX_PG_URL: '' } });
    expect(verified.stdout).toMatch(/^ok: 4 events of 2 documents verified/);
    expect(verified.code).toBe(0);
  });
});
