import type { BlobStore } from './ports/store.port';
import { RepeatingPass } from './repeating-pass';

/** How long an upload may wait for an event to reference it. */
export const PENDING_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;

export interface UploadSweeperOptions {
  store: Pick<BlobStore, 'sweepBlobs'>;
  clock: () => Date;
  /** Age after which an unreferenced upload is deleted (24 h). */
  ttlMs?: number;
  /** The most blobs one pass deletes, so a pass holds the store briefly (500). */
  batchSize?: number;
  /** Time between passes (10 min); a full batch runs the next pass at once. */
  intervalMs?: number;
}

/**
 * Deletes uploads that no event has referenced for `ttlMs`. Every process may run one: the store
 * deletes a blob only if it is still unreferenced at that moment (see `Store.sweepBlobs`).
 */
export class UploadSweeper {
  private readonly o: Required<UploadSweeperOptions>;
  private readonly passes = new RepeatingPass();

  constructor(options: UploadSweeperOptions) {
    this.o = { ttlMs: PENDING_UPLOAD_TTL_MS, batchSize: 500, intervalMs: 10 * 60 * 1000, ...options };
  }

  /** One pass as of `now`: deletes at most one batch of expired uploads; returns how many. */
  async sweepOnce(now: Date = this.o.clock()): Promise<number> {
    return this.o.store.sweepBlobs(new Date(now.getTime() - this.o.ttlMs).toISOString(), this.o.batchSize);
  }

  /** Sweeps now and then every `intervalMs` until `stop`; a failing pass is tried again next time. */
  start(onError: (error: unknown) => void = () => undefined): void {
    this.passes.start(async () => ((await this.sweepOnce()) >= this.o.batchSize ? 0 : this.o.intervalMs), onError, this.o.intervalMs);
  }

  /** Stops sweeping and waits for a pass in flight. */
  stop(): Promise<void> {
    return this.passes.stop();
  }
}
