// Archive renewal of stored documents (issue 20): the renewer on the service's TSA and revocation
// sources, SDX's own signer for the events, and the schedule `sdx serve` runs it on.
import { padesArchiveRenewer } from '../adapters/pdf/sign/archive-renewal';
import { ArchiveRenewalSchedule, ArchiveRenewals, DEFAULT_RENEW_BEFORE_DAYS, type ArchiveRenewalRun } from '../application/archive-renewals';
import type { PartySigner } from '../application/ports/key-store.port';
import type { Store } from '../application/ports/store.port';
import { logSignerFromEnv } from './log-signer';
import { longTermFromEnv, timestampAuthorityFrom } from './pdf-toolkit';
import { resourcePaths } from './resources';

/** Renewals over `store` with the TSA (SDX_TSA_URL), OCSP and CRLs the service signs with, on `clock`. */
export function archiveRenewalsFrom(store: Store, env: NodeJS.ProcessEnv, clock: () => Date, systemSigner: PartySigner = logSignerFromEnv(env)): ArchiveRenewals {
  const { certsDir } = resourcePaths(env);
  const options = longTermFromEnv(env, certsDir, clock, timestampAuthorityFrom(env, certsDir, clock), 'B-LTA');
  if (!options) throw new Error('B-LTA needs long-term options');
  return new ArchiveRenewals({ store, renewer: padesArchiveRenewer(options), systemSigner, clock, pause: () => new Promise<void>((resolve) => setImmediate(resolve)) });
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Whole days from 0 to 36500, or why not. */
export function renewalDays(text: string): number | undefined {
  const days = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  return days <= 36_500 ? days : undefined;
}

/**
 * SDX_ARCHIVE_RENEW_EVERY (a whole number of m, h or d; 24h by default; 0 turns the job off) and
 * SDX_ARCHIVE_RENEW_BEFORE (days before the newest timestamp's certificate expires; 90).
 */
export function archiveRenewScheduleFromEnv(env: NodeJS.ProcessEnv): { everyMs: number; beforeDays: number } {
  const every = env.SDX_ARCHIVE_RENEW_EVERY || '24h';
  const match = /^(\d{1,6})([mhd])$/.exec(every);
  const everyMs = every === '0' ? 0 : match ? Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? NaN) : NaN;
  if (!Number.isSafeInteger(everyMs) || (everyMs !== 0 && everyMs < 60_000)) {
    throw new Error(`SDX_ARCHIVE_RENEW_EVERY must be 0 (off) or a whole number of minutes, hours or days such as 30m, 12h or 1d, not "${every}"`);
  }
  const beforeText = env.SDX_ARCHIVE_RENEW_BEFORE || String(DEFAULT_RENEW_BEFORE_DAYS);
  const beforeDays = renewalDays(beforeText);
  if (beforeDays === undefined) throw new Error(`SDX_ARCHIVE_RENEW_BEFORE must be a whole number of days from 0 to 36500, not "${beforeText}"`);
  return { everyMs, beforeDays };
}

/**
 * The job `sdx serve` runs: renewals on SDX_ARCHIVE_RENEW_EVERY, each run logged (a line per failed
 * document, one with the counts) and counted for /metrics. Not started here.
 */
export function archiveRenewalScheduleFrom(
  store: Store,
  env: NodeJS.ProcessEnv,
  clock: () => Date,
  systemSigner: PartySigner,
  report: {
    log: (level: 'info' | 'error', message: string, fields?: Record<string, unknown>) => void;
    count: (counts: { renewed: number; lost: number; failed: number }) => void;
  },
): ArchiveRenewalSchedule {
  const { everyMs, beforeDays } = archiveRenewScheduleFromEnv(env);
  return new ArchiveRenewalSchedule({
    renewals: archiveRenewalsFrom(store, env, clock, systemSigner),
    everyMs,
    beforeDays,
    onRun: (run: ArchiveRenewalRun) => {
      for (const failed of run.failed) report.log('error', 'archive renewal failed', failed);
      report.count({ renewed: run.renewed.length, lost: run.lost.length, failed: run.failed.length });
      report.log('info', 'archive renewal run', {
        beforeDays,
        checked: run.checked,
        renewed: run.renewed.length,
        notDue: run.notDue,
        lost: run.lost.length,
        failed: run.failed.length,
        more: run.more,
      });
    },
    onError: (error) => report.log('error', 'archive renewal run failed', { error: error instanceof Error ? error.message : String(error) }),
  });
}
