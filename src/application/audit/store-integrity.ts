import { SdxError } from '../../domain/shared/errors';
import type { Store } from '../ports/store.port';
import { storeLogEvents } from './audit-bundle';
import { auditTrail, type AuditProblem, type CertificateCheck } from './audit-trail';
import type { LogService } from './log-service';

export type IntegrityState =
  | { state: 'checking'; since: string }
  | { state: 'ok'; checkedAt: string; events: number; treeSize: number }
  | { state: 'failed'; checkedAt: string; problems: AuditProblem[] };

/**
 * Audits the store once at start-up with the same routine as `sdx audit verify`: every event's
 * signature and chain, every stored leaf against its event, the root against a head signed over
 * the current log, and that log against the last head published before this start. Until the audit
 * passes no new head is published, so a tampered database is never blessed with a signature.
 */
export class IntegrityMonitor {
  private current: IntegrityState;
  private running: Promise<IntegrityState> | undefined;

  constructor(
    private readonly deps: { store: Store; log: LogService; validateCertificate: CertificateCheck; clock: () => Date },
  ) {
    this.current = { state: 'checking', since: deps.clock().toISOString() };
  }

  status(): IntegrityState {
    return this.current;
  }

  /** Waits for the audit; rejects with `log-integrity-failed` when the trail did not pass. */
  async gate(): Promise<void> {
    const state = this.running ? await this.running : this.current;
    if (state.state === 'failed') {
      const first = state.problems[0];
      throw new SdxError(
        'log-integrity-failed',
        `the stored audit trail failed its integrity check (${state.problems.length} problem(s)${first ? `; first: ${first.code}: ${first.message}` : ''})`,
      );
    }
  }

  /** Starts the audit (once); `gate` and `status` follow it. */
  start(): Promise<IntegrityState> {
    this.running ??= this.check();
    return this.running;
  }

  private async check(): Promise<IntegrityState> {
    const { store, log, validateCertificate, clock } = this.deps;
    try {
      const published = await store.latestTreeHead();
      const head = await log.unpublishedHead();
      const result = await auditTrail({
        events: storeLogEvents(store, head.size),
        treeHead: head,
        ...(published && published.size > 0 ? { olderHead: published } : {}),
        validateCertificate,
        storedLeaf: async (index) => (await store.logNodes([{ level: 0, index }]))[0],
      });
      this.current = result.ok
        ? { state: 'ok', checkedAt: clock().toISOString(), events: result.checked.events, treeSize: result.checked.treeSize }
        : { state: 'failed', checkedAt: clock().toISOString(), problems: result.problems };
    } catch (error) {
      this.current = {
        state: 'failed',
        checkedAt: clock().toISOString(),
        problems: [{ code: 'audit-failed', message: error instanceof Error ? error.message : String(error) }],
      };
    }
    return this.current;
  }
}
