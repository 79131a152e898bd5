import type { RequestHandler } from 'express';
import type { SharedLimits } from '../application/ports/shared-limits.port';
import { apiKeyIdOf } from './auth';
import { sendProblem } from './problem';

/** Writes each API key may send: `perSecond` sustained, up to `burst` at once. */
export interface WriteRateLimit {
  perSecond: number;
  burst: number;
}

/** Enough for every key of a large port; beyond it the least recently used bucket is forgotten. */
const DEFAULT_MAX_KEYS = 10_000;

interface Bucket {
  tokens: number;
  /** Milliseconds, by the injected clock. */
  at: number;
}

/**
 * One token bucket per key, holding at most `burst` tokens and refilled at `perSecond`. Memory is
 * bounded: at most `maxKeys` buckets are kept, in least-recently-used order; forgetting one gives
 * its key a full bucket again, which only a client holding that many valid keys could exploit.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: WriteRateLimit,
    private readonly now: () => number,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new Error('a rate limit needs perSecond > 0 and burst >= 1');
  }

  /** Takes a token for `key`: 0 when there was one, else the whole seconds until there is. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key);
    // A clock that steps back refills nothing rather than draining the bucket.
    const elapsedMs = bucket ? Math.max(0, now - bucket.at) : 0;
    const tokens = bucket ? Math.min(this.limit.burst, bucket.tokens + (elapsedMs / 1000) * this.limit.perSecond) : this.limit.burst;
    const allowed = tokens >= 1;
    this.remember(key, { tokens: allowed ? tokens - 1 : tokens, at: now });
    return allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.limit.perSecond));
  }

  /** How many keys have a bucket now. */
  get size(): number {
    return this.buckets.size;
  }

  private remember(key: string, bucket: Bucket): void {
    // Deleting first moves the key to the end: the map's first key is the least recently used.
    this.buckets.delete(key);
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    this.buckets.set(key, bucket);
  }
}

/** Buckets every node shares, kept by the store (see SharedLimits). */
export function sharedBuckets(limits: SharedLimits, limit: WriteRateLimit): { take(key: string): Promise<number> } {
  return { take: (key) => limits.takeToken(`write:${key}`, limit) };
}

/**
 * Limits POSTs per API key (reads are never limited); runs after `authenticate`, so only valid
 * keys get a bucket. A refused write is answered before an upload is read or anything is stored.
 */
export function limitWrites(buckets: { take(key: string): number | Promise<number> }): RequestHandler {
  return async (req, res, next) => {
    if (req.method !== 'POST') {
      next();
      return;
    }
    const waitSeconds = await buckets.take(apiKeyIdOf(req));
    if (waitSeconds === 0) {
      next();
      return;
    }
    res.set('Retry-After', String(waitSeconds));
    sendProblem(res, {
      status: 429,
      code: 'rate-limited',
      detail: `this API key has sent more writes than its limit allows; retry in ${waitSeconds} s`,
    });
  };
}
