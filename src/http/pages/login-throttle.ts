/**
 * Bounds password guessing without locking out the innocent. Failures are counted per (user name,
 * address): after `maxFailures` within `windowSeconds` only that pair waits, so a clerk who mistypes
 * does not lock out colleagues behind the same shared NAT, and nobody can lock a user out from
 * elsewhere. A per-address ceiling (`addressCeiling`, far above what one office mistypes) still stops
 * one address from spraying guesses across many user names. Memory is bounded: when full, the
 * oldest entries go first.
 */
export interface ThrottleOptions {
  maxFailures: number;
  addressCeiling: number;
  windowSeconds: number;
  maxEntries: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { maxFailures: 5, addressCeiling: 100, windowSeconds: 900, maxEntries: 10_000 };

interface Window {
  failures: number;
  startedAt: number;
}

export class LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly options: ThrottleOptions = DEFAULT_THROTTLE) {}

  private pairKey(userId: string, address: string): string {
    return `pair:${address}\n${userId.toLowerCase()}`;
  }

  private keys(userId: string, address: string): [string, number][] {
    return [
      [this.pairKey(userId, address), this.options.maxFailures],
      [`addr:${address}`, this.options.addressCeiling],
    ];
  }

  private current(key: string, nowMs: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && nowMs - window.startedAt >= this.options.windowSeconds * 1000) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  /** Seconds until another attempt is allowed, or 0 when one is allowed now. */
  retryAfter(userId: string, address: string, nowMs: number): number {
    let wait = 0;
    for (const [key, limit] of this.keys(userId, address)) {
      const window = this.current(key, nowMs);
      if (window && window.failures >= limit) {
        wait = Math.max(wait, Math.ceil((window.startedAt + this.options.windowSeconds * 1000 - nowMs) / 1000));
      }
    }
    return wait;
  }

  recordFailure(userId: string, address: string, nowMs: number): void {
    for (const [key] of this.keys(userId, address)) {
      const window = this.current(key, nowMs) ?? { failures: 0, startedAt: nowMs };
      window.failures += 1;
      this.windows.delete(key);
      this.windows.set(key, window);
    }
    while (this.windows.size > this.options.maxEntries) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
  }

  /** A successful sign-in clears the pair's failures (not the address's: one good account must not unlock guessing others). */
  recordSuccess(userId: string, address: string): void {
    this.windows.delete(this.pairKey(userId, address));
  }
}
