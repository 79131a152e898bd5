import type { Request, RequestHandler, Response } from 'express';
import compression from 'compression';

/**
 * Text answers (pages, CSS, scripts, JSON) go out compressed, br or gzip as the client accepts: on a
 * phone at 50 KB/s the stylesheet alone is a quarter of the wait. Never the event stream (the
 * compressor would hold events back until its buffer fills); PDFs and images are compressed already
 * and `compression.filter` leaves them alone.
 */
export function compressText(): RequestHandler {
  return compression({
    filter: (req: Request, res: Response) => !String(res.getHeader('Content-Type') ?? '').startsWith('text/event-stream') && compression.filter(req, res),
  });
}
