import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DocumentPdfs, PdfContent, SignatureRequest } from '../../application/ports/document-pdf.port';
import type { PartyId } from '../../domain/party/party';
import { SdxError } from '../../domain/shared/errors';
import { resolveWorkerScript } from '../worker-script';
import { fromWireError, type PdfJob, type PdfJobMessage, type PdfWorkerConfig, type PdfWorkerReply } from './pdf-worker.protocol';

export type { PdfSettings, PdfWorkerConfig } from './pdf-worker.protocol';

export interface PdfWorkerPoolOptions {
  /** Worker threads; default {@link defaultPdfWorkerCount}. */
  workers?: number;
  /** Jobs waiting for a worker beyond which new ones are refused with `busy`; default 1000. */
  maxQueued?: number;
  /** Jobs handed to one worker at a time; 2 lets a worker start its next job without a round trip. */
  jobsPerWorker?: number;
  /** The compiled worker entry; default {@link resolvePdfWorkerFile}. */
  workerFile?: string;
  /** Jobs after which a worker is replaced by a fresh one; default {@link RETIRE_AFTER_JOBS}. */
  retireAfterJobs?: number;
}

/**
 * What a worker may keep of each job is bounded by replacing it after this many: pdf-lib keeps
 * every PDF name it ever parsed (a countersigned B-LT file's VRI key among them, ~100 bytes), and a
 * library's cache that never shrinks would otherwise grow for as long as the service runs.
 */
export const RETIRE_AFTER_JOBS = 50_000;

export interface PdfWorkerPoolStats {
  /** Workers running or starting (a worker that failed to start is not replaced). */
  workers: number;
  queued: number;
  inFlight: number;
  /** Workers replaced after dying while they served jobs. */
  restarts: number;
  /** Workers replaced after serving their share of jobs (see {@link RETIRE_AFTER_JOBS}). */
  retired: number;
}

export function defaultPdfWorkerCount(): number {
  return Math.min(2, availableParallelism());
}

/** The compiled worker entry (see {@link resolveWorkerScript}). */
export function resolvePdfWorkerFile(moduleDir: string = __dirname): string {
  return resolveWorkerScript('adapters/pdf/pdf-worker.js', moduleDir, 'PDF worker');
}

interface PendingJob {
  job: PdfJob;
  /** Buffers made for this job alone, moved to the worker instead of copied. */
  transfer: ArrayBuffer[];
  resolve(pdf: Uint8Array): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  jobs: Map<number, PendingJob>;
  /** Jobs handed to this worker so far. */
  served: number;
  /** Why the worker could not start, if it said so. */
  initError?: Error;
  /** Why the worker died, if it threw. */
  crash?: Error;
  started: Promise<void>;
  markStarted(): void;
  markFailed(error: Error): void;
}

/**
 * Renders and signs on worker threads so that the event loop stays free for requests while a page
 * (~14 ms) and its signature (~4 ms) are made. Each worker builds its own pipeline and loads the
 * party keys itself from {@link PdfWorkerConfig}. Errors arrive as the SdxError (same code and
 * message) the worker threw. A worker that dies is replaced; the jobs it held fail with
 * `pdf-worker-failed`.
 */
export class PdfWorkerPool implements DocumentPdfs {
  private readonly slots: (Slot | undefined)[] = [];
  /** Replaced workers still finishing their jobs: they take no new one and end once those are answered. */
  private readonly retiring = new Set<Slot>();
  private readonly queue: PendingJob[] = [];
  private readonly maxQueued: number;
  private readonly jobsPerWorker: number;
  private readonly workerFile: string;
  private readonly retireAfterJobs: number;
  private nextJobId = 1;
  private nextSlot = 0;
  private restarts = 0;
  private retired = 0;
  private closing: Promise<void> | undefined;

  /** Starts the workers and resolves once every one has built its pipeline. */
  static async start(config: PdfWorkerConfig, options: PdfWorkerPoolOptions = {}): Promise<PdfWorkerPool> {
    const pool = new PdfWorkerPool(config, options);
    try {
      await Promise.all(pool.slots.map((slot) => slot?.started));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  private constructor(
    private readonly config: PdfWorkerConfig,
    options: PdfWorkerPoolOptions,
  ) {
    const workers = options.workers ?? defaultPdfWorkerCount();
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`a PDF worker pool needs at least 1 worker, not ${workers}`);
    this.maxQueued = options.maxQueued ?? 1000;
    this.jobsPerWorker = options.jobsPerWorker ?? 2;
    this.workerFile = options.workerFile ?? resolvePdfWorkerFile();
    this.retireAfterJobs = options.retireAfterJobs ?? RETIRE_AFTER_JOBS;
    if (!Number.isInteger(this.retireAfterJobs) || this.retireAfterJobs < 1) throw new Error(`retireAfterJobs must be a whole number from 1, not ${this.retireAfterJobs}`);
    for (let index = 0; index < workers; index += 1) this.slots.push(this.spawn(index));
  }

  renderSigned(content: PdfContent, signerPartyId: PartyId, signature: SignatureRequest): Promise<Uint8Array> {
    const photos = content.photos?.map((photo) => ({ ...photo, bytes: new Uint8Array(photo.bytes) }));
    return this.submit(
      { type: 'render', content: photos ? { ...content, photos } : content, signerPartyId, signature },
      photos?.map((photo) => photo.bytes.buffer) ?? [],
    );
  }

  countersign(pdf: Uint8Array, signerPartyId: PartyId, signature: SignatureRequest): Promise<Uint8Array> {
    // A copy of our own to transfer: the caller keeps its bytes.
    const copy = new Uint8Array(pdf);
    return this.submit({ type: 'countersign', pdf: copy, signerPartyId, signature }, [copy.buffer]);
  }

  stats(): PdfWorkerPoolStats {
    const live = this.slots.filter((slot): slot is Slot => slot !== undefined);
    return {
      workers: live.length,
      queued: this.queue.length,
      inFlight: [...live, ...this.retiring].reduce((sum, slot) => sum + slot.jobs.size, 0),
      restarts: this.restarts,
      retired: this.retired,
    };
  }

  /** Refuses new jobs, fails the waiting and running ones with `pdf-pool-closed`, and ends the workers. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = new SdxError('pdf-pool-closed', 'the service is shutting down; the document was not produced, retry later');
      for (const pending of this.queue.splice(0)) pending.reject(closed);
      const live = [...this.slots.filter((slot): slot is Slot => slot !== undefined), ...this.retiring];
      for (const slot of live) {
        for (const pending of slot.jobs.values()) pending.reject(closed);
        slot.jobs.clear();
      }
      await Promise.all(live.map((slot) => slot.worker.terminate()));
    })();
    return this.closing;
  }

  private submit(job: PdfJob, transfer: ArrayBuffer[]): Promise<Uint8Array> {
    if (this.closing) {
      return Promise.reject(new SdxError('pdf-pool-closed', 'the service is shutting down; the document was not produced, retry later'));
    }
    if (this.slots.every((slot) => slot === undefined)) {
      return Promise.reject(new SdxError('pdf-worker-failed', 'no PDF worker is running (they failed to start); see the service log'));
    }
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(
        new SdxError('busy', `${this.queue.length} documents are already waiting to be rendered and signed; retry in a few seconds`),
      );
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      this.queue.push({ job, transfer, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (let slot = this.leastBusy(); slot && this.queue.length > 0; slot = this.leastBusy()) {
      const pending = this.queue.shift();
      if (!pending) return;
      const id = this.nextJobId;
      this.nextJobId += 1;
      slot.jobs.set(id, pending);
      const message: PdfJobMessage = { ...pending.job, id };
      try {
        slot.worker.postMessage(message, pending.transfer);
      } catch (error) {
        // Content that cannot be cloned (DataCloneError) fails its own job only.
        slot.jobs.delete(id);
        pending.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      slot.served += 1;
      if (slot.served >= this.retireAfterJobs) this.retireWhenAlone(slot);
    }
  }

  /**
   * Replaces a worker that has served its share, one at a time and only while every other worker
   * is ready, so that at most one slot is starting up. One not replaced now is asked again after
   * its next job.
   */
  private retireWhenAlone(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.retiring.size > 0 || this.slots.some((other) => other !== slot && other !== undefined && !other.ready)) return;
    this.retiring.add(slot);
    this.retired += 1;
    this.slots[index] = this.spawn(index);
    this.endIfDone(slot);
  }

  private endIfDone(slot: Slot): void {
    if (slot.jobs.size === 0 && this.retiring.has(slot)) void slot.worker.terminate();
  }

  /** The ready worker with the fewest jobs, starting the search one slot further each time (round-robin among equals). */
  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    const count = this.slots.length;
    for (let k = 0; k < count; k += 1) {
      const slot = this.slots[(this.nextSlot + k) % count];
      if (slot?.ready && slot.jobs.size < this.jobsPerWorker && (!best || slot.jobs.size < best.jobs.size)) best = slot;
    }
    this.nextSlot = (this.nextSlot + 1) % count;
    return best;
  }

  private spawn(index: number): Slot {
    const worker = new Worker(this.workerFile, { workerData: this.config });
    let markStarted = (): void => undefined;
    let markFailed = (_error: Error): void => undefined;
    const started = new Promise<void>((resolve, reject) => {
      markStarted = resolve;
      markFailed = reject;
    });
    // Nobody awaits the start of a replacement worker; its failure is handled in onExit.
    started.catch(() => undefined);
    const slot: Slot = { worker, ready: false, jobs: new Map(), served: 0, started, markStarted, markFailed };
    worker.on('message', (reply: PdfWorkerReply) => this.onReply(slot, reply));
    worker.on('error', (error: Error) => {
      slot.crash = error;
    });
    worker.on('messageerror', (error: Error) => {
      // A reply that cannot be read leaves its job unanswerable: treat the worker as broken.
      slot.crash = error;
      void worker.terminate();
    });
    worker.once('exit', (code: number) => this.onExit(index, slot, code));
    return slot;
  }

  private onReply(slot: Slot, reply: PdfWorkerReply): void {
    switch (reply.type) {
      case 'ready':
        slot.ready = true;
        slot.markStarted();
        this.dispatch();
        return;
      case 'init-failed':
        slot.initError = fromWireError(reply.error);
        void slot.worker.terminate();
        return;
      case 'done':
      case 'failed': {
        const pending = slot.jobs.get(reply.id);
        slot.jobs.delete(reply.id);
        if (reply.type === 'done') pending?.resolve(reply.pdf);
        else pending?.reject(fromWireError(reply.error));
        this.endIfDone(slot);
        this.dispatch();
        return;
      }
    }
  }

  private onExit(index: number, slot: Slot, code: number): void {
    if (this.closing) return;
    const reason = slot.crash ? `${slot.crash.name}: ${slot.crash.message}` : `exit code ${code}`;
    const died = new SdxError(
      'pdf-worker-failed',
      `the PDF worker rendering or signing this document stopped (${reason}); the document was not produced, retry the request`,
    );
    for (const pending of slot.jobs.values()) pending.reject(died);
    slot.jobs.clear();
    // A retired worker has its successor already.
    if (this.retiring.delete(slot)) return;
    if (slot.ready) {
      this.restarts += 1;
      this.slots[index] = this.spawn(index);
      return;
    }
    // A worker that cannot start would fail again at once: leave its slot empty.
    this.slots[index] = undefined;
    slot.markFailed(slot.initError ?? new SdxError('pdf-worker-failed', `a PDF worker could not start (${reason}); see the service log`));
    if (this.slots.every((s) => s === undefined)) {
      const none = new SdxError('pdf-worker-failed', 'no PDF worker is running (they failed to start); see the service log');
      for (const pending of this.queue.splice(0)) pending.reject(none);
    }
  }
}
