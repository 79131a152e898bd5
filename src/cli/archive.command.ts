import { readFile, rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { renewArchiveIfDue } from '../adapters/pdf/sign/archive-renewal';
import type { ArchiveRenewalRun } from '../application/archive-renewals';
import { archiveRenewalsFrom } from '../composition/archive-renewals';
import { longTermOptions, openTimestampAuthority } from '../composition/pdf-toolkit';
import { DEFAULT_RENEW_BEFORE_DAYS, renewalDays, type Settings } from '../settings';
import type { CliIo } from './cli-io';
import { openToolStore, storeFlagOptions, storeFlagsUsage, type StoreFlags } from './cli-store';

export const ARCHIVE_USAGE = `usage: sdx archive renew FILE.pdf ... [--before DAYS]
       sdx archive renew (${storeFlagsUsage}) [--before DAYS]
  Renews signed PDFs whose newest timestamp's TSA certificate expires within DAYS (90): each gets a
  DSS with that timestamp's validation data and a new document timestamp (B-LTA), appended as one
  incremental update (what was signed stays a prefix).
  FILE.pdf: files kept outside the service, renewed in place.
  --db / --store: the documents the service stores; each renewal is committed with an
  archive-renewed event signed by the service's log key (what sdx serve does on SDX_ARCHIVE_RENEW_EVERY).
  Uses the TSA (SDX_TSA_URL), OCSP (SDX_OCSP_URL) and CRLs of the certs directory, like the service.
  exit 0 done (renewed or not due), 1 a document could not be renewed, 2 bad arguments or no store`;

const DAY_MS = 24 * 60 * 60 * 1000;

/** `sdx archive renew FILE.pdf ... [--before DAYS]`. */
export async function archiveCommand(args: readonly string[], io: CliIo, settings: Settings): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'help') {
    io.out(ARCHIVE_USAGE);
    return 0;
  }
  if (sub !== 'renew') {
    io.err(ARCHIVE_USAGE);
    return 2;
  }
  let parsed: { values: { before?: string | undefined } & StoreFlags; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...rest], options: { before: { type: 'string' }, ...storeFlagOptions }, allowPositionals: true, strict: true });
  } catch (error) {
    io.err(`sdx archive renew: ${(error as Error).message}`);
    return 2;
  }
  const { before, ...storeFlags } = parsed.values;
  const days = before === undefined ? DEFAULT_RENEW_BEFORE_DAYS : renewalDays(before);
  const stored = Object.values(storeFlags).some((value) => value !== undefined);
  // Files or a store, one of the two.
  if (days === undefined || (parsed.positionals.length > 0) === stored) {
    io.err(days === undefined ? `sdx archive renew: --before must be a whole number of days from 0 to 36500, not "${before ?? ''}"` : ARCHIVE_USAGE);
    return 2;
  }
  if (stored) return renewStored(storeFlags, days, io, settings);
  const clock = () => new Date();
  const { certsDir } = settings.paths;
  const options = longTermOptions(settings, certsDir, clock, openTimestampAuthority(settings, certsDir, clock), 'B-LTA');
  if (!options) return 2;
  let failed = 0;
  for (const file of parsed.positionals) {
    try {
      const outcome = await renewArchiveIfDue(await readFile(file), options, days * DAY_MS);
      const expiry = outcome.expiry ? `its newest timestamp's TSA certificate expires ${outcome.expiry.toISOString()}` : 'it carries no readable timestamp';
      if (!outcome.renewed) {
        io.out(`not due ${file}: ${expiry}`);
        continue;
      }
      // A crash mid-write must not leave half a file: write beside it, then rename over it.
      await writeFile(`${file}.renewing`, outcome.pdf);
      await rename(`${file}.renewing`, file);
      io.out(`renewed ${file}: ${expiry}, within ${days} days; a new document timestamp now covers it`);
    } catch (error) {
      failed += 1;
      io.err(`sdx archive renew: ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

/** `sdx archive renew --db FILE` (or another store): the stored documents due, each with its event. */
async function renewStored(flags: StoreFlags, days: number, io: CliIo, settings: Settings): Promise<number> {
  let run: ArchiveRenewalRun;
  try {
    const opened = await openToolStore(flags, settings, { createNamed: false });
    if ('missing' in opened) {
      io.err(`sdx archive renew: ${opened.missing}`);
      return 2;
    }
    try {
      const clock = () => new Date();
      run = await archiveRenewalsFrom(opened.store, settings, clock).renewArchives({ before: days, now: clock(), limit: Number.MAX_SAFE_INTEGER });
    } finally {
      await opened.store.close();
    }
  } catch (error) {
    io.err(`sdx archive renew: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  for (const r of run.renewed) {
    io.out(`renewed ${r.documentId} (${r.kind}): its newest timestamp's TSA certificate expires ${r.expiredAt}, within ${days} days; the new document timestamp holds until ${r.renewedUntil} (event ${r.seq})`);
  }
  for (const id of run.lost) io.out(`skipped ${id}: it changed while being renewed (another node renewed it, or a party acted); the next run looks again`);
  for (const f of run.failed) io.err(`sdx archive renew: ${f.documentId}: ${f.message} [${f.code}]`);
  io.out(`${run.renewed.length} renewed, ${run.notDue} not due, ${run.lost.length} skipped, ${run.failed.length} failed, of ${run.checked} stored documents`);
  return run.failed.length > 0 ? 1 : 0;
}
