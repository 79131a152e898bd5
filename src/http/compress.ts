import type { Request, RequestHandler, Response } from 'express';
import compression from 'compression';

/**
 * JSON answers shorter than this go out as they are: one document or a problem (a few KB) costs
 * more CPU to compress (an encoder set up per answer, on the event loop) than it saves between
 * systems; lists, exports and the OpenAPI document, larger, are still compressed.
 */
export const JSON_COMPRESS_MIN_BYTES = 16 * 1024;

const isJson = (type: string) => /^application\/([\w.+-]+\+)?json\b/i.test(type);

/**
 * Text answers (pages, CSS, scripts, JSON) go out compressed, br or gzip as the client accepts: on a
 * phone at 50 KB/s the stylesheet alone is a quarter of the wait. Never the event stream (the
 * compressor would hold events back until its buffer fills); PDFs and images are compressed already
 * and `compression.filter` leaves them alone.
 */
export function compressText(): RequestHandler {
  return compression({
    filter: (req: Request, res: Response) => {
      const type = String(res.getHeader('Content-Type') ?? '');
      if (type.startsWith('text/event-stream')) return false;
      if (isJson(type) && Number(res.getHeader('Content-Length') ?? Infinity) < JSON_COMPRESS_MIN_BYTES) return false;
      return compression.filter(req, res);
    },
  });
}
