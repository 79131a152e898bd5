import { Worker } from 'node:worker_threads';
import { SdxError } from '../../../domain/shared/errors';
import type { TrustMaterial } from '../../pki/trust-material';
import { resolveWorkerScript } from '../../worker-script';
import type { PdfVerificationReport } from '../../../domain/verification/pdf-report';
import { DEFAULT_VERIFY_TIME_LIMIT_MS, stoppedReport, timedOutMessage, type StoppedVerificationCode } from './stopped-verification';
import type { PdfVerificationOptions } from './verify-pdf';
import type { FromVerifyWorker, ToVerifyWorker } from './verify-worker.protocol';

/** V8 old generation of each verification worker, in MB. */
export const DEFAULT_VERIFY_MEMORY_MB = 256;

export interface BoundedPdfVerifierOptions {
  trust: TrustMaterial;
  /** Worker threads verifying at once; default 1. */
  workers?: number;
  /** Wall-clock time one verification may take on its worker; default 10 s. */
  timeLimitMs?: number;
  /**
   * V8 heap of each worker (old generation); default 256 MB. Buffers outside the heap (the input,
   * inflated streams) are bounded by VERIFY_LIMITS instead.
   */
  memoryLimitMb?: number;
  /** Verifications waiting for a worker beyond which new ones are refused with `busy`; default 64. */
  maxQueued?: number;
  /** The compiled worker entry; default dist's verify-worker.js (see resolveWorkerScript). */
  workerFile?: string;
}

export type BoundedVerifyRequest = Pick<PdfVerificationOptions, 'now' | 'expectedPayloadHash' | 'ledger'>;

interface Job {
  id: number;
  pdf: Uint8Array<ArrayBuffer>;
  request: BoundedVerifyRequest;
  resolve(report: PdfVerificationReport): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Being ended (its verification ran over): takes no more jobs, whatever it still sends. */
  retired: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
  /** Why the worker stopped, once known. */
  stopped?: { code: StoppedVerificationCode; message: string };
}

/**
 * Verifies PDFs on worker threads, each verification bounded in time (the worker is ended when it
 * runs over) and in memory (V8 `resourceLimits`): whatever a hostile PDF does to the parser, the
 * caller gets a report, and a verification that hit a bound says so in a `document.verification`
 * finding. The parser's own limits (VERIFY_LIMITS) make real attacks fail fast with a precise
 * finding; these bounds hold for whatever slips past them, in the parser or in the ASN.1, X.509
 * and zlib code it calls. It also keeps the event loop free while a PDF is verified.
 *
 * Workers start on first use; an idle worker does not keep the process alive.
 */
export class BoundedPdfVerifier {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private readonly workers: number;
  private readonly timeLimitMs: number;
  private readonly memoryLimitMb: number;
  private readonly maxQueued: number;
  private readonly workerFile: string;
  private readonly trust: TrustMaterial;
  private nextId = 1;
  private closed = false;

  constructor(options: BoundedPdfVerifierOptions) {
    this.workers = options.workers ?? 1;
    if (!Number.isInteger(this.workers) || this.workers < 1) throw new Error(`a bounded verifier needs at least 1 worker, not ${this.workers}`);
    this.timeLimitMs = options.timeLimitMs ?? DEFAULT_VERIFY_TIME_LIMIT_MS;
    this.memoryLimitMb = options.memoryLimitMb ?? DEFAULT_VERIFY_MEMORY_MB;
    this.maxQueued = options.maxQueued ?? 64;
    this.workerFile = options.workerFile ?? resolveWorkerScript('adapters/pdf/verify/verify-worker.js', __dirname, 'PDF verification worker');
    this.trust = options.trust;
  }

  verify(pdf: Uint8Array, request: BoundedVerifyRequest): Promise<PdfVerificationReport> {
    if (this.closed) return Promise.reject(new SdxError('pdf-pool-closed', 'the service is shutting down; the PDF was not verified, retry later'));
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(new SdxError('busy', `${this.queue.length} PDFs are already waiting to be verified; retry in a few seconds`));
    }
    return new Promise((resolve, reject) => {
      // A copy of our own to transfer: the caller keeps its bytes.
      this.queue.push({ id: this.nextId++, pdf: new Uint8Array(pdf), request, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Starts up to `count` workers now instead of on first use: a tool that is about to verify
   * lets them boot while it reads its input.
   */
  prestart(count = this.workers): void {
    while (!this.closed && this.slots.size < Math.min(count, this.workers)) this.spawn();
  }

  /** Ends the workers; verifications in flight or waiting fail with `pdf-pool-closed`. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = new SdxError('pdf-pool-closed', 'the service is shutting down; the PDF was not verified, retry later');
    for (const job of this.queue.splice(0)) job.reject(closing);
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) {
      clearTimeout(slot.timer);
      slot.job?.reject(closing);
      slot.job = undefined;
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const idle = [...this.slots].find((slot) => slot.ready && !slot.retired && !slot.job);
      if (!idle) {
        if (this.slots.size < this.workers) this.spawn();
        return;
      }
      this.start(idle, this.queue.shift() as Job);
    }
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    slot.timer = setTimeout(() => {
      slot.retired = true;
      slot.stopped = { code: 'verification-timed-out', message: timedOutMessage(this.timeLimitMs) };
      void slot.worker.terminate();
    }, this.timeLimitMs);
    const message: ToVerifyWorker = {
      type: 'verify',
      id: job.id,
      pdf: job.pdf,
      now: job.request.now,
      ...(job.request.expectedPayloadHash !== undefined ? { expectedPayloadHash: job.request.expectedPayloadHash } : {}),
      askLedger: job.request.ledger !== undefined,
    };
    slot.worker.postMessage(message, [job.pdf.buffer]);
  }

  private spawn(): void {
    const worker = new Worker(this.workerFile, {
      // The worker prints nothing: not piping its stdout and stderr to ours saves ~1.5 ms of its start.
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: this.memoryLimitMb, maxYoungGenerationSizeMb: Math.min(32, this.memoryLimitMb), stackSizeMb: 4 },
    });
    worker.unref();
    const slot: Slot = { worker, ready: false, retired: false };
    this.slots.add(slot);
    worker.on('message', (message: FromVerifyWorker) => this.onMessage(slot, message));
    worker.on('error', (error: Error & { code?: string }) => {
      slot.stopped ??=
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? { code: 'verification-out-of-memory', message: `verification stopped: it needed more than the ${this.memoryLimitMb} MB it may use` }
          : { code: 'verification-failed', message: `the verification worker failed (${error.name}: ${error.message})` };
    });
    worker.once('exit', () => this.onExit(slot));
    // The worker says it is ready once it has its trust anchors and has loaded the verifier.
    const trust: ToVerifyWorker = { type: 'trust', trust: this.trust };
    worker.postMessage(trust);
  }

  private onMessage(slot: Slot, message: FromVerifyWorker): void {
    const job = slot.job;
    switch (message.type) {
      case 'ready':
        slot.ready = true;
        this.dispatch();
        return;
      case 'ledger':
        if (job?.id === message.id && job.request.ledger) this.answerLedger(slot, job, message.documentId, job.request.ledger);
        return;
      case 'done':
      case 'failed':
        if (job?.id !== message.id) return;
        clearTimeout(slot.timer);
        slot.job = undefined;
        slot.worker.unref();
        job.resolve(message.type === 'done' ? message.report : stoppedReport('verification-failed', `the verifier failed: ${message.message}`));
        this.dispatch();
        return;
    }
  }

  private answerLedger(slot: Slot, job: Job, documentId: string, ledger: NonNullable<BoundedVerifyRequest['ledger']>): void {
    const reply = (message: ToVerifyWorker): void => {
      if (slot.job === job) slot.worker.postMessage(message);
    };
    ledger(documentId).then(
      (entry) => reply({ type: 'ledger-answer', id: job.id, entry }),
      (error: unknown) => reply({ type: 'ledger-failed', id: job.id, message: error instanceof Error ? error.message : String(error) }),
    );
  }

  private onExit(slot: Slot): void {
    clearTimeout(slot.timer);
    const known = this.slots.delete(slot);
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      const stopped = slot.stopped ?? { code: 'verification-failed', message: 'the verification worker stopped' };
      job.resolve(stoppedReport(stopped.code, stopped.message));
    }
    if (!known || this.closed) return;
    if (!slot.ready) {
      // A worker that cannot start would fail again at once: fail what waits instead of looping.
      const cause = slot.stopped?.message ?? 'it exited while starting';
      for (const waiting of this.queue.splice(0)) waiting.reject(new SdxError('pdf-worker-failed', `the PDF verification worker could not start (${cause})`));
      return;
    }
    this.dispatch();
  }
}
