// `sdx archive renew --db` and the renewal job of `sdx serve` on a SQLite file holding a D/O signed
// at B-LT (what sdx serve issues by default: signature timestamp and DSS, no document timestamp).
// Nothing travels in time here: --before 36500 puts the certs-dev TSA certificate's expiry (2036)
// inside the window, and a certs folder whose TSA has a certificate to 2041 renews.
import Database from 'better-sqlite3';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueDevTimestampAuthority } from '../../src/adapters/pki/dev-pki';
import { exitOf, runSdx, startSdx, waitForOutput } from '../support/built-cli';
import { certsDev } from '../support/certs-dev';
import { startTestApp } from '../support/test-app';
import { Client, P } from '../http/exchange-client';
import { verifiedByUpload } from '../support/forgery-sources';

jest.setTimeout(90_000);

let dir: string;
let pristine: string;
let orderId: string;
/** certs-dev with a TSA certificate valid from 2026-12-01 to 2041, issued by the same CA. */
let newerTsaCerts: string;
let copies = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sdx-archive-store-'));
  pristine = join(dir, 'pristine.sqlite');
  const t = await startTestApp({ env: { SDX_PADES_LEVEL: 'LT' }, dbFile: pristine });
  try {
    orderId = (await new Client(t).deliveryOrder()).id;
  } finally {
    await t.close();
  }
  newerTsaCerts = join(dir, 'certs');
  cpSync(certsDev, newerTsaCerts, { recursive: true });
  await issueDevTimestampAuthority({ certsDir: certsDev, outDir: newerTsaCerts, base: 'tsa', now: new Date('2026-12-01T00:00:00Z'), years: 15 });
});

/** A copy of the store with the D/O, for one test. */
async function database(): Promise<string> {
  copies += 1;
  const file = join(dir, `copy-${copies}.sqlite`);
  const db = new Database(pristine, { readonly: true });
  try {
    await db.backup(file);
  } finally {
    db.close();
  }
  return file;
}

describe('sdx archive renew --db', () => {
  it('when the TSA has a newer certificate, then each due document is renewed once, a line each and a summary; a second run (90 days) has nothing to do', async () => {
    const db = await database();
    const env = { SDX_CERTS_DIR: newerTsaCerts };
    const first = runSdx(['archive', 'renew', '--db', db, '--before', '36500'], { env });
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(new RegExp(`^renewed ${orderId} \\(delivery-order\\): its newest timestamp's TSA certificate expires 2036-01-01T00:00:00\\.000Z, within 36500 days; the new document timestamp holds until 2041-12-01T00:00:00\\.000Z \\(event 2\\)$`, 'm'));
    expect(first.stdout).toMatch(/^1 renewed, 0 not due, 0 skipped, 0 failed, of 1 stored documents$/m);
    expect(first.code).toBe(0);

    const again = runSdx(['archive', 'renew', '--db', db], { env });
    expect(again).toMatchObject({ code: 0, stdout: '0 renewed, 1 not due, 0 skipped, 0 failed, of 1 stored documents\n' });
    expect(runSdx(['audit', 'verify', '--db', db]).code).toBe(0);

    // The exchange on that store still calls its renewed PDF the one it issued.
    const t = await startTestApp({ dbFile: db });
    try {
      const report = await verifiedByUpload(t.app, await new Client(t).pdf(P.agentSha, orderId));
      expect(report.summary.outcome).toBe('genuine');
      expect(report.signatures.map((s) => s.role)).toEqual(['issuer', 'timestamp']);
    } finally {
      await t.close();
    }
  });

  it('when the TSA certificate is no newer than the newest timestamp’s, then it says so in one line and exits 1, writing nothing', async () => {
    const db = await database();
    const result = runSdx(['archive', 'renew', '--db', db, '--before', '36500']);
    expect(result.stderr).toMatch(new RegExp(`^sdx archive renew: ${orderId}: the TSA's certificate expires 2036-01-01T00:00:00.000Z, no later than the newest timestamp's \\(2036-01-01T00:00:00.000Z\\): give the TSA a new certificate, then renew \\[tsa-certificate-not-newer\\]\\n$`));
    expect(result.stdout).toBe('0 renewed, 0 not due, 0 skipped, 1 failed, of 1 stored documents\n');
    expect(result.code).toBe(1);
    const events = new Database(db, { readonly: true });
    try {
      expect(events.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 1 });
    } finally {
      events.close();
    }
  });

  it('when nothing is due within the default 90 days, then nothing is renewed', async () => {
    expect(runSdx(['archive', 'renew', '--db', await database()])).toMatchObject({ code: 0, stdout: '0 renewed, 1 not due, 0 skipped, 0 failed, of 1 stored documents\n' });
  });

  it('when the database does not exist, or files and a store are both named, then exit 2 with the reason', () => {
    const missing = runSdx(['archive', 'renew', '--db', join(dir, 'none.sqlite')]);
    expect(missing).toMatchObject({ code: 2, stderr: `sdx archive renew: there is no database at ${join(dir, 'none.sqlite')}\n` });
    const both = runSdx(['archive', 'renew', join(dir, 'a.pdf'), '--db', pristine]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^usage: sdx archive renew FILE\.pdf/);
  });
});

describe('the renewal job of sdx serve', () => {
  it('when it starts on a store with a due document, then it renews it, logs the run and counts it in /metrics', async () => {
    const db = await database();
    const child = startSdx(['serve', '--db', db, '--port', '0'], {
      SDX_CERTS_DIR: newerTsaCerts,
      SDX_ARCHIVE_RENEW_BEFORE: '36500',
      SDX_ARCHIVE_RENEW_EVERY: '1d',
      SDX_PDF_WORKERS: '0',
      SDX_STORE: '',
    });
    try {
      // Both watched from the first byte: the run may finish before or after the listening line.
      const renewed = waitForOutput(child, /"renewed":1.*"msg":"archive renewal run"/, 30_000);
      const [, url] = await waitForOutput(child, /SDX listening on (http:\/\/\S+)/);
      await renewed;
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^sdx_archive_renewals_total\{outcome="renewed"\} 1$/m);
      expect(metrics).toMatch(/^sdx_archive_renewals_total\{outcome="failed"\} 0$/m);
    } finally {
      child.kill('SIGTERM');
      await exitOf(child);
    }
    expect(runSdx(['audit', 'verify', '--db', db]).code).toBe(0);
  });

  it('when SDX_ARCHIVE_RENEW_EVERY or SDX_ARCHIVE_RENEW_BEFORE is not a valid value, then start-up names it and exits 2', () => {
    const result = runSdx(['serve', '--db', join(dir, 'bad.sqlite')], { env: { SDX_ARCHIVE_RENEW_EVERY: 'daily', SDX_ARCHIVE_RENEW_BEFORE: '-1', SDX_STORE: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^sdx serve: bad setting: SDX_ARCHIVE_RENEW_EVERY must be 0 \(off\) or a whole number/m);
  });
});
