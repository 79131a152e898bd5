import type { FailureCounts, FailureWindow } from '../../application/ports/shared-limits.port';

/**
 * Bounds password guessing without locking out the innocent. Failures are counted per (user name,
 * address): after `maxFailures` within `windowSeconds` only that pair waits, so a clerk who mistypes
 * does not lock out colleagues behind the same shared NAT, and nobody can lock a user out from
 * elsewhere. A per-address ceiling (`addressCeiling`, far above what one office mistypes) still stops
 * one address from spraying guesses across many user names. The counts live in this process's
 * memory (bounded: when full, the oldest entries go first), or in the store every node shares.
 */
export interface ThrottleOptions {
  maxFailures: number;
  addressCeiling: number;
  windowSeconds: number;
  maxEntries: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { maxFailures: 5, addressCeiling: 100, windowSeconds: 900, maxEntries: 10_000 };

export class LoginThrottle {
  private readonly windowMs: number;

  constructor(
    private readonly options: ThrottleOptions = DEFAULT_THROTTLE,
    private readonly counts: FailureCounts = new MemoryFailureCounts(options.maxEntries),
  ) {
    this.windowMs = options.windowSeconds * 1000;
  }

  private pairKey(userId: string, address: string): string {
    return `pair:${address}\n${userId.toLowerCase()}`;
  }

  private keys(userId: string, address: string): [string, string] {
    return [this.pairKey(userId, address), `addr:${address}`];
  }

  /** Seconds until another attempt is allowed, or 0 when one is allowed now. */
  async retryAfter(userId: string, address: string, nowMs: number): Promise<number> {
    const [pair, addr] = await this.counts.open(this.keys(userId, address), this.windowMs, nowMs);
    let wait = 0;
    for (const [window, limit] of [
      [pair, this.options.maxFailures],
      [addr, this.options.addressCeiling],
    ] as const) {
      if (window && window.failures >= limit) wait = Math.max(wait, Math.ceil((window.startedAt + this.windowMs - nowMs) / 1000));
    }
    return wait;
  }

  recordFailure(userId: string, address: string, nowMs: number): Promise<void> {
    return this.counts.add(this.keys(userId, address), this.windowMs, nowMs);
  }

  /** A successful sign-in clears the pair's failures (not the address's: one good account must not unlock guessing others). */
  recordSuccess(userId: string, address: string): Promise<void> {
    return this.counts.clear(this.pairKey(userId, address));
  }
}

/** Failure windows in this process's memory, at most `maxEntries` (the oldest go first). */
export class MemoryFailureCounts implements FailureCounts {
  private readonly windows = new Map<string, FailureWindow>();

  constructor(private readonly maxEntries: number) {}

  private current(key: string, windowMs: number, nowMs: number): FailureWindow | undefined {
    const window = this.windows.get(key);
    if (window && nowMs - window.startedAt >= windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  open(keys: readonly string[], windowMs: number, nowMs: number): Promise<(FailureWindow | undefined)[]> {
    return Promise.resolve(keys.map((key) => this.current(key, windowMs, nowMs)));
  }

  add(keys: readonly string[], windowMs: number, nowMs: number): Promise<void> {
    for (const key of keys) {
      const window = this.current(key, windowMs, nowMs) ?? { failures: 0, startedAt: nowMs };
      window.failures += 1;
      this.windows.delete(key);
      this.windows.set(key, window);
    }
    while (this.windows.size > this.maxEntries) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
    return Promise.resolve();
  }

  clear(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }
}
