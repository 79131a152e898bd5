/**
 * Limits that must hold across every node of a deployment (sign-in throttle, write rate), kept in
 * the store all nodes share. A store that serves one process only offers none; the limits then
 * live in that process's memory.
 */
export interface SharedLimits {
  /** The sign-in throttle's failure windows. */
  readonly failures: FailureCounts;
  /**
   * Takes a token from `key`'s bucket (at most `burst` tokens, refilled at `perSecond` by the
   * store's clock): 0 when there was one, else the whole seconds until there is.
   */
  takeToken(key: string, limit: { perSecond: number; burst: number }): Promise<number>;
}

/** A count of failures per key in a window that opens at the first failure and lasts `windowMs`. */
export interface FailureWindow {
  failures: number;
  /** Milliseconds since the epoch. */
  startedAt: number;
}

export interface FailureCounts {
  /** Each key's window still open at `nowMs`, or undefined (in the order of `keys`). */
  open(keys: readonly string[], windowMs: number, nowMs: number): Promise<(FailureWindow | undefined)[]>;
  /** Counts one failure for each key, opening a window where none is open. */
  add(keys: readonly string[], windowMs: number, nowMs: number): Promise<void>;
  clear(key: string): Promise<void>;
}
