import type { Request, RequestHandler, Response } from 'express';
import type { LogService } from '../application/audit/log-service';
import type { Store } from '../application/ports/store.port';
import { deliveryBody } from '../application/webhooks/webhook-dispatcher';
import { SdxError } from '../domain/shared/errors';

export interface StreamOptions {
  pollMs: number;
  heartbeatMs: number;
  /** Aborted when the service stops: open streams end so that shutdown does not wait on them. */
  stopping?: AbortSignal;
}

/**
 * Server-Sent Events of the events a party may see, in log order. Each message's id is the
 * event's log index, so a client reconnecting with `Last-Event-ID` resumes right after it: the log
 * is one total order across processes, so nothing is skipped and nothing repeats.
 */
export function eventStream(
  deps: { log: LogService; store: Store },
  viewerOf: (req: Request) => Promise<{ partyId: string; roles: readonly string[] }>,
  options: StreamOptions = { pollMs: 500, heartbeatMs: 15_000 },
): RequestHandler {
  return async (req: Request, res: Response) => {
    const viewer = await viewerOf(req);
    const resume = req.get('last-event-id') ?? (typeof req.query['after'] === 'string' ? req.query['after'] : undefined);
    if (resume !== undefined && !/^\d{1,15}$/.test(resume)) {
      throw new SdxError('validation-failed', 'Last-Event-ID is the log index of the last event received');
    }
    let next = resume !== undefined ? Number(resume) + 1 : (await deps.store.logState()).size;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    res.write(`retry: 2000\n: resuming at log index ${next}\n\n`);

    let closed = false;
    let lastWrite = Date.now();
    req.on('close', () => {
      closed = true;
    });
    const stop = () => {
      closed = true;
      res.end();
    };
    if (options.stopping?.aborted) stop();
    options.stopping?.addEventListener('abort', stop, { once: true });
    while (!closed) {
      try {
        const { size } = await deps.store.logState();
        while (!closed && next < size) {
          const end = Math.min(size, next + 500);
          for (const event of await deps.log.entriesFor(viewer, next, end)) {
            const data = deliveryBody({ documentId: event.documentId, seq: event.seq, eventType: event.type, envelope: event.envelope });
            res.write(`id: ${event.logIndex}\nevent: ${event.type}\ndata: ${data}\n\n`);
            lastWrite = Date.now();
          }
          next = end;
        }
      } catch {
        // The store is briefly unavailable: the client keeps its place and the next poll retries.
      }
      if (Date.now() - lastWrite >= options.heartbeatMs) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    }
    options.stopping?.removeEventListener('abort', stop);
  };
}
