import { SdxError } from '../../domain/shared/errors';

/** SDX_STORE_TIMEOUT_MS when unset: the longest one store call may take before it is `store-unavailable`. */
export const DEFAULT_STORE_TIMEOUT_MS = 10_000;

/**
 * The time one store call has left. Retry loops (the driver's and the adapter's own) ask it before
 * another attempt, so a call ends by its deadline instead of after minutes of retries.
 */
export class Deadline {
  private readonly endsAt: number;

  constructor(
    readonly ms: number,
    private readonly what: string,
    private readonly now: () => number = Date.now,
  ) {
    this.endsAt = now() + ms;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - this.now());
  }

  /** Throws `store-unavailable` once the time is up. */
  check(): void {
    if (this.remainingMs() <= 0) throw this.expired();
  }

  expired(): SdxError {
    return new SdxError('store-unavailable', `${this.what}: no answer within ${this.ms} ms (SDX_STORE_TIMEOUT_MS); retry in a moment`);
  }
}

/**
 * Runs `work` with a deadline of `ms`: past it the caller gets `store-unavailable` (503 with
 * Retry-After) even if the store has not answered. The work is not cancelled: like a lost
 * connection, a write may still land, which is why writes are idempotent or retried by key.
 */
export async function withDeadline<T>(ms: number, what: string, work: (deadline: Deadline) => Promise<T>): Promise<T> {
  const deadline = new Deadline(ms, what);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(deadline.expired()), ms);
    timer.unref();
  });
  const running = work(deadline);
  // A late failure of abandoned work must not surface as an unhandled rejection.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, late]);
  } finally {
    clearTimeout(timer);
  }
}
