import type { Request, RequestHandler, Response } from 'express';
import type { LogService } from '../application/audit/log-service';
import type { Store } from '../application/ports/store.port';
import { deliveryBody } from '../application/webhooks/webhook-dispatcher';
import { SdxError } from '../domain/shared/errors';
import { sendProblem } from './problem';

export interface StreamOptions {
  pollMs: number;
  heartbeatMs: number;
  /** Aborted when the service stops: open streams end so that shutdown does not wait on them. */
  stopping?: AbortSignal;
  /** Open streams per API key or session (SDX_MAX_STREAMS); unlimited when absent. */
  slots?: StreamSlots;
}

/** Seconds a refused client is asked to wait: a slot frees when one of its streams closes. */
const STREAM_RETRY_SECONDS = 30;

/**
 * Counts the open streams of each holder (an API key or a web session) in this process, so that
 * one credential cannot hold an unbounded number of connections and their polls.
 */
export class StreamSlots {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error('a stream cap needs a whole number of at least 1');
  }

  /** Takes a slot for `holder`; false when the holder already has `max` open streams. */
  take(holder: string): boolean {
    const count = this.open.get(holder) ?? 0;
    if (count >= this.max) return false;
    this.open.set(holder, count + 1);
    return true;
  }

  release(holder: string): void {
    const count = this.open.get(holder) ?? 0;
    if (count <= 1) this.open.delete(holder);
    else this.open.set(holder, count - 1);
  }

  /** Open streams of a holder, for tests and metrics. */
  countOf(holder: string): number {
    return this.open.get(holder) ?? 0;
  }
}

/** Who a stream is for, and which credential it counts against. */
export interface StreamViewer {
  partyId: string;
  roles: readonly string[];
  /** `key:<api key id>` or `session:<session key>`; the cap counts per holder. */
  holder: string;
}

/**
 * One read of the log's size per interval for all open streams of a route, however many phones
 * are listening: each stream waits here and reads entries only when the log has grown past it.
 */
class LogGrowth {
  private size = 0;
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  private polling = false;

  constructor(
    private readonly readSize: () => Promise<number>,
    private readonly pollMs: number,
    watch?: (onGrowth: () => void) => () => void,
  ) {
    // A store that hears other nodes' commits wakes the waiting streams at once.
    watch?.(() => this.wake());
  }

  private wake(): void {
    if (this.waiters.size === 0 || this.polling) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.poll();
  }

  /** The log size at the next poll, or the last known one as soon as `signal` aborts. */
  nextPoll(signal: AbortSignal): Promise<number> {
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve(this.size);
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || this.waiters.size === 0) return;
    this.timer = setTimeout(() => void this.poll(), this.pollMs);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      this.size = await this.readSize();
    } catch {
      // The store is briefly unavailable: streams keep their place and the next poll retries.
    }
    this.polling = false;
    this.timer = undefined;
    for (const wake of [...this.waiters]) wake();
    this.schedule();
  }
}

/**
 * Server-Sent Events of the events a party may see, in log order. Each message's id is the
 * event's log index, so a client reconnecting with `Last-Event-ID` resumes right after it: the log
 * is one total order across processes, so nothing is skipped and nothing repeats.
 */
export function eventStream(
  deps: { log: LogService; store: Store },
  viewerOf: (req: Request) => Promise<StreamViewer>,
  options: StreamOptions = { pollMs: 500, heartbeatMs: 15_000 },
): RequestHandler {
  const growth = new LogGrowth(async () => (await deps.store.logState()).size, options.pollMs, deps.store.watchLog?.bind(deps.store));
  return async (req: Request, res: Response) => {
    const viewer = await viewerOf(req);
    const resume = req.get('last-event-id') ?? (typeof req.query['after'] === 'string' ? req.query['after'] : undefined);
    if (resume !== undefined && !/^\d{1,15}$/.test(resume)) {
      throw new SdxError('validation-failed', 'Last-Event-ID is the log index of the last event received');
    }
    const slots = options.slots;
    if (slots && !slots.take(viewer.holder)) {
      res.set('Retry-After', String(STREAM_RETRY_SECONDS));
      sendProblem(res, {
        status: 429,
        code: 'too-many-streams',
        detail: `this credential already has ${slots.max} open streams; close one (or reuse it) and retry`,
      });
      return;
    }
    try {
      await follow(req, res, resume, viewer);
    } finally {
      slots?.release(viewer.holder);
    }
  };

  async function follow(req: Request, res: Response, resume: string | undefined, viewer: StreamViewer): Promise<void> {
    let next = resume !== undefined ? Number(resume) + 1 : (await deps.store.logState()).size;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    res.write(`retry: 2000\n: resuming at log index ${next}\n\n`);

    // Ends with the client's connection, or with the service (then the response is ended here).
    const ended = new AbortController();
    let lastWrite = Date.now();
    req.on('close', () => ended.abort());
    const stop = () => {
      ended.abort();
      res.end();
    };
    if (options.stopping?.aborted) stop();
    options.stopping?.addEventListener('abort', stop, { once: true });
    while (!ended.signal.aborted) {
      const size = await growth.nextPoll(ended.signal);
      try {
        while (!ended.signal.aborted && next < size) {
          const end = Math.min(size, next + 500);
          for (const event of await deps.log.entriesFor(viewer, next, end)) {
            const data = deliveryBody({ documentId: event.documentId, seq: event.seq, eventType: event.type, envelope: event.envelope });
            res.write(`id: ${event.logIndex}\nevent: ${event.type}\ndata: ${data}\n\n`);
            lastWrite = Date.now();
          }
          next = end;
        }
      } catch {
        // Reading entries failed: the stream keeps its place and tries again after the next poll.
      }
      if (!ended.signal.aborted && Date.now() - lastWrite >= options.heartbeatMs) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
    }
    options.stopping?.removeEventListener('abort', stop);
  }
}
