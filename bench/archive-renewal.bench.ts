// `npm run bench:renewal`: what the archive renewal job costs per stored document, against issuing
// one (render, sign, B-LTA) measured in the same run as the baseline. BENCH_RENEWAL_DOCS D/Os
// (default 40) are issued into a fresh SQLite file on an injected clock; then one run that finds
// nothing due (the scan every run pays for each document), and one at a time when all are due
// (DSS + document timestamp + event, per document).
//   npx tsc -p tsconfig.bench.json && node dist-bench/bench/archive-renewal.bench.js
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { padesArchiveRenewer } from '../src/adapters/pdf/sign/archive-renewal';
import { SqliteStore } from '../src/adapters/store/sqlite/sqlite-store';
import { DevTimestampAuthority } from '../src/adapters/pki/dev-timestamp-authority';
import { issueDevTimestampAuthority } from '../src/adapters/pki/dev-pki';
import { ArchiveRenewals } from '../src/application/archive-renewals';
import { loadDemoParties, parseDemoParties } from '../src/application/demo-parties';
import { longTermOptions } from '../src/composition/pdf-toolkit';
import { openLogSigner, wireApp } from '../src/main';
import { settingsOrThrow } from '../src/settings';

const DOCUMENTS = Number(process.env.BENCH_RENEWAL_DOCS ?? 40);
const ISSUED_AT = new Date('2026-12-04T02:00:00Z');
/** Within 90 days of the certs-dev TSA certificate's expiry (2036-01-01). */
const DUE_AT = new Date('2035-11-01T00:00:00Z');

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { value, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sdx-renewal-bench-'));
  let now = ISSUED_AT;
  const clock = () => now;
  const settings = settingsOrThrow({ ...process.env, SDX_PADES_LEVEL: 'LTA', SDX_PUBLIC_URL: 'http://sdx.bench', SDX_ARCHIVE_RENEW_EVERY: '0' });
  const { certsDir, templatesDir } = settings.paths;
  const store = SqliteStore.open(join(dir, 'sdx.sqlite'));
  try {
    await loadDemoParties(store, parseDemoParties(JSON.parse(readFileSync(join(certsDir, 'demo-parties.json'), 'utf8'))), ISSUED_AT.toISOString());
    const wired = await wireApp(store, settings, () => undefined, { clock, fullAudit: 'manual' });
    const example = JSON.parse(readFileSync(join(templatesDir, 'examples', 'delivery-order.json'), 'utf8')) as Record<string, unknown>;
    const caller = { partyId: 'demo-agent-sha', userId: null };
    await wired.documents.issue(caller, { kind: 'delivery-order', payload: { ...example, deliveryOrderNumber: 'DO-BENCH-WARM' } });
    const issued = await timed(async () => {
      for (let i = 0; i < DOCUMENTS; i += 1) {
        await wired.documents.issue(caller, { kind: 'delivery-order', payload: { ...example, deliveryOrderNumber: `DO-BENCH-${i}` } });
      }
    });
    await wired.close();

    // The TSA's next certificate (2035, ten years), so that renewals extend the archives.
    await issueDevTimestampAuthority({ certsDir, outDir: dir, base: 'tsa', now: new Date('2035-01-01T00:00:00Z'), years: 10 });
    let serial = 0n;
    const tsa = DevTimestampAuthority.fromPem({
      certificatePem: readFileSync(join(dir, 'tsa.pem'), 'utf8'),
      privateKeyPem: readFileSync(join(dir, 'tsa.key.pem'), 'utf8'),
      chainPem: readFileSync(join(certsDir, 'issuing-ca.pem'), 'utf8'),
      clock,
      nextSerial: () => ++serial,
    });
    const options = longTermOptions(settings, certsDir, clock, tsa, 'B-LTA');
    if (!options) throw new Error('no long-term options');
    const renewals = new ArchiveRenewals({ store, renewer: padesArchiveRenewer(options), systemSigner: openLogSigner(settings), clock });

    const scan = await timed(() => renewals.renewArchives({ before: 90, now: ISSUED_AT }));
    now = DUE_AT;
    const renew = await timed(() => renewals.renewArchives({ before: 90, now: DUE_AT, limit: DOCUMENTS + 1 }));
    const documents = DOCUMENTS + 1;
    if (scan.value.notDue !== documents || renew.value.renewed.length !== documents) {
      throw new Error(`expected ${documents} not due, then renewed; got ${scan.value.notDue} and ${renew.value.renewed.length} (${JSON.stringify(renew.value.failed[0] ?? {})})`);
    }
    const issueMs = issued.ms / DOCUMENTS;
    const scanMs = scan.ms / documents;
    const renewMs = renew.ms / documents;
    say(`archive renewal, ${documents} stored D/Os (B-LTA), one process, event loop only`);
    say(`  baseline: issue (render, sign, DSS, document timestamp, commit)  ${issueMs.toFixed(1)} ms per document`);
    say(`  run with nothing due (read events and PDF, find the newest timestamp) ${scanMs.toFixed(2)} ms per document = ${(scanMs / issueMs).toFixed(3)} x issue`);
    say(`  run with all due (DSS, document timestamp, event, commit)        ${renewMs.toFixed(1)} ms per document = ${(renewMs / issueMs).toFixed(2)} x issue`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
