import { readFile, rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { renewArchiveIfDue } from '../adapters/pdf/sign/archive-renewal';
import { longTermOptions, openTimestampAuthority } from '../composition/pdf-toolkit';
import type { Settings } from '../settings';
import type { CliIo } from './cli-io';

export const ARCHIVE_USAGE = `usage: sdx archive renew FILE.pdf ... [--before DAYS]
  Renews signed PDF files kept outside the service: each whose newest timestamp's TSA certificate
  expires within DAYS (90) gets a DSS with that timestamp's validation data and a new document
  timestamp (B-LTA), appended as one incremental update in place (what was signed stays a prefix).
  Uses the TSA (SDX_TSA_URL), OCSP (SDX_OCSP_URL) and CRLs of the certs directory, like the service.
  exit 0 done (renewed or not due), 1 a file could not be renewed, 2 bad arguments`;

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
  let parsed: { values: { before?: string }; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...rest], options: { before: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    io.err(`sdx archive renew: ${(error as Error).message}`);
    return 2;
  }
  const days = parsed.values.before === undefined ? 90 : Number(parsed.values.before);
  if (!Number.isInteger(days) || days < 0 || days > 36_500 || parsed.positionals.length === 0) {
    io.err(parsed.positionals.length === 0 ? ARCHIVE_USAGE : `sdx archive renew: --before must be a whole number of days from 0 to 36500, not "${parsed.values.before ?? ''}"`);
    return 2;
  }
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
