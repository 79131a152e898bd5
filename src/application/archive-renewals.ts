import { blobHash, eventHash } from '../domain/audit-log/event-hash';
import type { DocumentKind } from '../domain/document/document';
import { decideSystemEvent, SYSTEM_ACTOR_ID } from '../domain/document/lifecycle';
import { RefusalError } from '../domain/shared/errors';
import { latestPdfSha256, signEvent, type EventBody } from './events/signed-event';
import type { ArchiveRenewer } from './ports/archive-renewer.port';
import type { PartySigner } from './ports/key-store.port';
import { RepeatingPass } from './repeating-pass';
import { StoreConflictError, type Store, type StoredDocument } from './ports/store.port';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Documents read from the store at a time while looking for those due. */
const SCAN_PAGE = 200;
/** Renewals one run attempts at most (each asks the TSA once); the next run goes on. */
export const DEFAULT_RENEWALS_PER_RUN = 500;

export interface ArchiveRenewalDeps {
  store: Pick<Store, 'listDocuments' | 'listEvents' | 'getBlob' | 'commit'>;
  renewer: ArchiveRenewer;
  /** SDX's own signer (the audit log's key): system events are signed with it, never with a party's. */
  systemSigner: PartySigner;
  clock: () => Date;
  /**
   * Lets other work run between documents (setImmediate in the service): a run reads every stored
   * document, and a store that answers at once (SQLite) would otherwise hold the event loop throughout.
   */
  pause?: () => Promise<void>;
}

export interface RenewedArchive {
  documentId: string;
  kind: DocumentKind;
  /** The seq of the archive-renewed event. */
  seq: number;
  /** When the newest timestamp before the renewal stopped proving anything. */
  expiredAt: string;
  /** When the new document timestamp does (its TSA certificate's notAfter). */
  renewedUntil: string;
  pdfSha256: string;
}

export interface ArchiveRenewalRun {
  renewed: RenewedArchive[];
  /** Documents looked at: every stored one, unless the run stopped at its limit. */
  checked: number;
  /** Documents whose newest timestamp outlasts the window (or that carry no timestamp). */
  notDue: number;
  /** Renewals another node (or a party's action) committed first: the next run looks again. */
  lost: string[];
  failed: { documentId: string; code: string; message: string }[];
  /** True when the run stopped at its limit with documents left to look at. */
  more: boolean;
}

/**
 * Renews the archives of stored documents: each whose current PDF's newest timestamp (signature or
 * document timestamp) has a TSA certificate expiring within `before` days of `now` gets a DSS and a
 * new document timestamp as one incremental update, committed with a system-signed
 * `archive-renewed` event (citing the new PDF) in one store commit. The commit expects the
 * document's seq as read, so of two nodes renewing one document at once exactly one wins and the
 * other is told `lost`, writing nothing. A renewal whose new timestamp would expire no later than
 * the old one (the TSA's certificate is as old) is a failure, `tsa-certificate-not-newer`, and writes nothing:
 * renewing again and again would prove nothing new, and the operator must give the TSA a new
 * certificate before the archives lapse. The TSA is asked once per run to find that out.
 */
export class ArchiveRenewals {
  constructor(private readonly deps: ArchiveRenewalDeps) {}

  async renewArchives(request: { before: number; now?: Date; limit?: number }): Promise<ArchiveRenewalRun> {
    const now = request.now ?? this.deps.clock();
    const limit = request.limit ?? DEFAULT_RENEWALS_PER_RUN;
    const due = now.getTime() + request.before * DAY_MS;
    const run: ArchiveRenewalRun = { renewed: [], checked: 0, notDue: 0, lost: [], failed: [], more: false };
    const tsa: TsaReach = {};
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.store.listDocuments({ limit: SCAN_PAGE, ...(after === undefined ? {} : { after }) });
      for (const document of page.items) {
        if (run.renewed.length + run.failed.length >= limit) {
          run.more = true;
          return run;
        }
        run.checked += 1;
        await this.deps.pause?.();
        const outcome = await this.renewIfDue(document, due, now, tsa);
        if (outcome === 'not-due') run.notDue += 1;
        else if (outcome === 'lost') run.lost.push(document.state.id);
        else if ('code' in outcome) run.failed.push({ documentId: document.state.id, ...outcome });
        else run.renewed.push(outcome);
      }
      if (!page.nextCursor) return run;
      after = page.nextCursor;
    }
  }

  private async renewIfDue(
    document: StoredDocument,
    due: number,
    now: Date,
    tsa: TsaReach,
  ): Promise<RenewedArchive | 'not-due' | 'lost' | { code: string; message: string }> {
    const { store, renewer } = this.deps;
    const events = await store.listEvents(document.state.id);
    // A party acted since the page was read: the next run looks at the document as it is then.
    if (events.at(-1)?.seq !== document.seq) return 'lost';
    const current = latestPdfSha256(events);
    const blob = current ? await store.getBlob(current) : undefined;
    if (!blob) return 'not-due';
    const expiry = renewer.newestTimestampExpiry(blob.bytes);
    if (!expiry || expiry.getTime() > due) return 'not-due';
    // Once the TSA is known not to reach past this expiry, it is not asked again in this run.
    if (tsa.until !== undefined && tsa.until <= expiry.getTime()) return notNewer(new Date(tsa.until), expiry);
    const decision = decideSystemEvent(document.state, 'archive-renewed', { system: true });
    if (!decision.ok) throw new RefusalError(decision.refusal);
    let pdf: Uint8Array;
    try {
      pdf = await renewer.renew(blob.bytes);
    } catch (error) {
      return { code: codeOf(error), message: error instanceof Error ? error.message : String(error) };
    }
    const renewedUntil = renewer.newestTimestampExpiry(pdf);
    if (renewedUntil) tsa.until = renewedUntil.getTime();
    if (!renewedUntil || renewedUntil.getTime() <= expiry.getTime()) return notNewer(renewedUntil, expiry);
    const pdfSha256 = blobHash(pdf);
    const last = events[events.length - 1];
    const body: EventBody = {
      v: 1,
      documentId: document.state.id,
      kind: document.state.kind,
      seq: document.seq + 1,
      type: 'archive-renewed',
      actor: { partyId: SYSTEM_ACTOR_ID, userId: null },
      at: now.toISOString(),
      prev: last ? eventHash(last.envelope) : null,
      payloadHash: document.state.payloadHash,
      data: { pdfSha256, previousPdfSha256: current, timestampExpiresAt: expiry.toISOString(), renewedUntil: renewedUntil.toISOString() },
    };
    const envelope = await signEvent(body, this.deps.systemSigner);
    try {
      await store.commit([
        {
          documentId: document.state.id,
          expectedSeq: document.seq,
          state: decision.next,
          events: [{ type: body.type, actor: SYSTEM_ACTOR_ID, recordedAt: body.at, envelope }],
          at: body.at,
          blobs: [pdfSha256],
          newBlobs: [{ bytes: pdf, mediaType: 'application/pdf' }],
        },
      ]);
    } catch (error) {
      if (error instanceof StoreConflictError) return 'lost';
      throw error;
    }
    return { documentId: document.state.id, kind: document.state.kind, seq: body.seq, expiredAt: expiry.toISOString(), renewedUntil: renewedUntil.toISOString(), pdfSha256 };
  }
}

/**
 * When the next run starts after `run`: at once when it stopped at its limit having renewed some
 * (the rest are waiting), else after `everyMs`; a run that only failed would fail the same way again.
 */
export function nextRunAfter(run: Pick<ArchiveRenewalRun, 'more' | 'renewed'>, everyMs: number): number {
  return run.more && run.renewed.length > 0 ? 0 : everyMs;
}

/** How far the TSA's certificate reaches, once a renewal in this run has shown it. */
interface TsaReach {
  until?: number;
}

function notNewer(tsaUntil: Date | undefined, expiry: Date): { code: string; message: string } {
  return {
    code: 'tsa-certificate-not-newer',
    message: `the TSA's certificate expires ${tsaUntil?.toISOString() ?? 'at an unknown time'}, no later than the newest timestamp's (${expiry.toISOString()}): give the TSA a new certificate, then renew`,
  };
}

function codeOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'renewal-failed';
}

export interface ArchiveRenewalScheduleOptions {
  renewals: Pick<ArchiveRenewals, 'renewArchives'>;
  /** Time between runs; 0 runs none. */
  everyMs: number;
  beforeDays: number;
  /** Renewals one run attempts at most; a run that stops there having renewed some is followed by the next at once. */
  limit?: number;
  onRun: (run: ArchiveRenewalRun) => void;
  onError: (error: unknown) => void;
}

/**
 * Runs renewArchives when started and then every `everyMs`, one run at a time. Every node of a
 * deployment may run one: a document two nodes renew at once gets one event (the other run is told
 * `lost`), so the schedule needs no leader.
 */
export class ArchiveRenewalSchedule {
  private readonly passes = new RepeatingPass();

  constructor(private readonly o: ArchiveRenewalScheduleOptions) {}

  start(): void {
    if (this.o.everyMs === 0) return;
    const run = async () => {
      const done = await this.o.renewals.renewArchives({ before: this.o.beforeDays, limit: this.o.limit ?? DEFAULT_RENEWALS_PER_RUN });
      this.o.onRun(done);
      return nextRunAfter(done, this.o.everyMs);
    };
    this.passes.start(run, this.o.onError, this.o.everyMs);
  }

  /** Stops the schedule and waits for a run in flight. */
  stop(): Promise<void> {
    return this.passes.stop();
  }
}
