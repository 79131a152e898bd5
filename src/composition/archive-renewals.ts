// Archive renewal of stored documents (issue 20): the renewer on the service's TSA and revocation
// sources, SDX's own signer for the events, and the schedule `sdx serve` runs it on.
import { padesArchiveRenewer } from '../adapters/pdf/sign/archive-renewal';
import { ArchiveRenewalSchedule, ArchiveRenewals, type ArchiveRenewalRun } from '../application/archive-renewals';
import type { PartySigner } from '../application/ports/key-store.port';
import type { Store } from '../application/ports/store.port';
import type { PdfSettings } from '../adapters/pdf/pdf-worker.protocol';
import { openLogSigner, type LogSignerFiles } from './log-signer';
import { longTermOptions, openTimestampAuthority } from './pdf-toolkit';

/** What renewing needs of the service's settings (src/settings.ts). */
export type ArchiveRenewalSettings = PdfSettings &
  LogSignerFiles & { readonly archiveRenewal: { readonly everyMs: number; readonly beforeDays: number } };

/** Renewals over `store` with the TSA (SDX_TSA_URL), OCSP and CRLs the service signs with, on `clock`. */
export function archiveRenewalsFrom(store: Store, settings: ArchiveRenewalSettings, clock: () => Date, systemSigner: PartySigner = openLogSigner(settings)): ArchiveRenewals {
  const { certsDir } = settings.paths;
  const options = longTermOptions(settings, certsDir, clock, openTimestampAuthority(settings, certsDir, clock), 'B-LTA');
  if (!options) throw new Error('B-LTA needs long-term options');
  return new ArchiveRenewals({ store, renewer: padesArchiveRenewer(options), systemSigner, clock, pause: () => new Promise<void>((resolve) => setImmediate(resolve)) });
}

/**
 * The job `sdx serve` runs: renewals on SDX_ARCHIVE_RENEW_EVERY, each run logged (a line per failed
 * document, one with the counts) and counted for /metrics. Not started here.
 */
export function archiveRenewalScheduleFrom(
  store: Store,
  settings: ArchiveRenewalSettings,
  clock: () => Date,
  systemSigner: PartySigner,
  report: {
    log: (level: 'info' | 'error', message: string, fields?: Record<string, unknown>) => void;
    count: (counts: { renewed: number; lost: number; failed: number }) => void;
  },
): ArchiveRenewalSchedule {
  const { everyMs, beforeDays } = settings.archiveRenewal;
  return new ArchiveRenewalSchedule({
    renewals: archiveRenewalsFrom(store, settings, clock, systemSigner),
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
