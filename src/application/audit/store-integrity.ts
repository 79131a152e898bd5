import { eventHash } from '../../domain/audit-log/event-hash';
import { perfectNodes } from '../../domain/audit-log/merkle-tree';
import { SdxError } from '../../domain/shared/errors';
import type { AuditLogStore, DocumentStore } from '../ports/store.port';
import { storeLogEvents, type LoggedEvent } from './audit-bundle';
import { auditTrail, type AuditInput, type AuditProblem, type CertificateCheck } from './audit-trail';
import type { LogService } from './log-service';
import type { SignedTreeHead } from './tree-head';

/** The full audit that runs after a resumed start: every event since leaf 0. */
export type FullAuditState =
  | { state: 'waiting' }
  | { state: 'running'; since: string; done: number; total: number }
  | { state: 'passed'; checkedAt: string; events: number; treeSize: number }
  | { state: 'failed'; checkedAt: string; problems: AuditProblem[] }
  | { state: 'stopped' };

export type IntegrityState =
  | { state: 'checking'; since: string }
  | {
      state: 'ok';
      checkedAt: string;
      /** Events the start-up check read: all of them, or only those after `resumedFrom`. */
      events: number;
      treeSize: number;
      /** The size of the signed head the start-up check resumed from (0: it audited everything). */
      resumedFrom: number;
      full: FullAuditState;
    }
  | { state: 'failed'; checkedAt: string; problems: AuditProblem[]; full?: FullAuditState };

/**
 * Audits the store at start-up with the same routine as `sdx audit verify`, resuming from the last
 * published tree head: a head is published only after an audit passed, so the check verifies that
 * head's signature, that the stored tree still has its root (so nothing under it was rewritten in
 * the tree), and every event after it (signature, chain, leaf) up to a head signed over the current
 * log. Until that passes no new head is published. The events under the resumed head are then
 * audited again in full, in the background; a problem found there closes the gate as well.
 */
export class IntegrityMonitor {
  private current: IntegrityState;
  private quick: Promise<IntegrityState> | undefined;
  private fullRun: Promise<IntegrityState> | undefined;
  private full: FullAuditState = { state: 'waiting' };
  private stopped = false;

  constructor(
    private readonly deps: {
      store: AuditLogStore & Pick<DocumentStore, 'listEvents'>;
      log: LogService;
      validateCertificate: CertificateCheck;
      clock: () => Date;
      /** Yields to other work between pages of the background audit (setImmediate in the service). */
      pause?: () => Promise<void>;
    },
  ) {
    this.current = { state: 'checking', since: deps.clock().toISOString() };
  }

  status(): IntegrityState {
    if (this.current.state === 'ok') return { ...this.current, full: this.full };
    return this.current;
  }

  /** Waits for the start-up check; rejects with `log-integrity-failed` when it, or the full audit since, failed. */
  async gate(): Promise<void> {
    const state = this.quick ? await this.quick : this.current;
    const failed = this.current.state === 'failed' ? this.current : state.state === 'failed' ? state : undefined;
    if (failed) {
      const first = failed.problems[0];
      throw new SdxError(
        'log-integrity-failed',
        `the stored audit trail failed its integrity check (${failed.problems.length} problem(s)${first ? `; first: ${first.code}: ${first.message}` : ''})`,
      );
    }
  }

  /** Starts the start-up check (once); `gate` and `status` follow it. */
  start(): Promise<IntegrityState> {
    this.quick ??= this.check();
    return this.quick;
  }

  /**
   * Audits every event from leaf 0 (once), after the start-up check passed; resolves with the state
   * it leaves. A start-up check that audited everything already counts as the full audit.
   */
  fullAudit(): Promise<IntegrityState> {
    this.fullRun ??= this.start().then((state) => (state.state === 'ok' && this.full.state === 'waiting' ? this.runFull() : this.status()));
    return this.fullRun;
  }

  /** Ends a background audit in progress (at its next page); its result is then ignored. */
  stop(): void {
    this.stopped = true;
  }

  private async check(): Promise<IntegrityState> {
    const { store, log, clock } = this.deps;
    try {
      const published = await store.latestTreeHead();
      const head = await log.unpublishedHead();
      const resumed = published && published.size > 0 && published.size <= head.size ? published : undefined;
      const result = await this.audit(head, published, resumed);
      const at = clock().toISOString();
      if (!result.ok) {
        this.current = { state: 'failed', checkedAt: at, problems: result.problems };
      } else {
        if (!resumed) this.full = { state: 'passed', checkedAt: at, events: result.checked.events, treeSize: head.size };
        this.current = { state: 'ok', checkedAt: at, events: result.checked.events, treeSize: head.size, resumedFrom: resumed?.size ?? 0, full: this.full };
      }
    } catch (error) {
      this.current = { state: 'failed', checkedAt: clock().toISOString(), problems: [problemOf(error)] };
    }
    return this.current;
  }

  private async runFull(): Promise<IntegrityState> {
    const { store, log, clock } = this.deps;
    try {
      const [published, head] = await Promise.all([store.latestTreeHead(), log.unpublishedHead()]);
      this.full = { state: 'running', since: clock().toISOString(), done: 0, total: head.size };
      const result = await this.audit(head, published, undefined, (done, total) => {
        if (this.full.state === 'running') this.full = { ...this.full, done, total };
      });
      const at = clock().toISOString();
      if (this.stopped) {
        this.full = { state: 'stopped' };
      } else if (result.ok) {
        this.full = { state: 'passed', checkedAt: at, events: result.checked.events, treeSize: head.size };
      } else {
        this.full = { state: 'failed', checkedAt: at, problems: result.problems };
        this.current = { state: 'failed', checkedAt: at, problems: result.problems, full: this.full };
      }
    } catch (error) {
      const at = clock().toISOString();
      this.full = { state: 'failed', checkedAt: at, problems: [problemOf(error)] };
      if (!this.stopped) this.current = { state: 'failed', checkedAt: at, problems: this.full.problems, full: this.full };
    }
    return this.status();
  }

  /** One audit of the store against `head`: all of it, or from `resumed` (a published head) on. */
  private async audit(
    head: SignedTreeHead,
    published: SignedTreeHead | undefined,
    resumed: SignedTreeHead | undefined,
    onProgress?: AuditInput['onProgress'],
  ) {
    const { store, validateCertificate } = this.deps;
    const from = resumed?.size ?? 0;
    return auditTrail({
      events: this.pausing(storeLogEvents(store, head.size, { from })),
      treeHead: head,
      ...(published && published.size > 0 ? { olderHead: published } : {}),
      ...(resumed ? { resume: { frontier: await this.storedFrontier(resumed.size), previous: (id: string) => this.previousEvent(id, from) } } : {}),
      validateCertificate,
      storedLeaf: async (index) => (await store.logNodes([{ level: 0, index }]))[0],
      ...(onProgress ? { onProgress } : {}),
    });
  }

  /** The stored perfect-subtree roots tiling [0, size); a missing one is corruption of the stored tree. */
  private async storedFrontier(size: number): Promise<Uint8Array[]> {
    const addresses = perfectNodes(0, size);
    const nodes = await this.deps.store.logNodes(addresses);
    return nodes.map((node, i) => {
      if (node) return node;
      const { level, index } = addresses[i] ?? { level: -1, index: -1 };
      throw new SdxError('store-corrupt', `the stored log has no node (${level}, ${index}) under the last published tree head`);
    });
  }

  /** A document's last event before log index `before`: its seq and hash, for the chain across the resumed range. */
  private async previousEvent(documentId: string, before: number): Promise<{ seq: number; hash: string } | undefined> {
    const events = await this.deps.store.listEvents(documentId);
    const last = events.filter((e) => e.logIndex < before).pop();
    return last && { seq: last.seq, hash: eventHash(last.envelope) };
  }

  /** Stops early when asked to, and lets other work run between pages of events. */
  private async *pausing(events: AsyncIterable<LoggedEvent>): AsyncGenerator<LoggedEvent> {
    let count = 0;
    for await (const event of events) {
      if (this.stopped) return;
      count += 1;
      if (count % 1000 === 0 && this.deps.pause) await this.deps.pause();
      yield event;
    }
  }
}

function problemOf(error: unknown): AuditProblem {
  return { code: 'audit-failed', message: error instanceof Error ? error.message : String(error) };
}
