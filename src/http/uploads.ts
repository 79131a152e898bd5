import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { sendProblem } from './problem';

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export type UploadKind = 'image/jpeg' | 'image/png' | 'application/pdf';

/** What the bytes are, by their signature; the declared Content-Type is not trusted. */
export function sniffMediaType(bytes: Uint8Array): UploadKind | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf';
  return undefined;
}

/**
 * One file in the multipart field `file`, held in memory (never half-written to disk), at most
 * 10 MB; too large → 413, missing → 422, with problem+json.
 */
export function singleUpload(): RequestHandler {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5 } }).single('file');
  return (req: Request, res: Response, next: NextFunction) => {
    upload(req, res, (error: unknown) => {
      if (error instanceof multer.MulterError) {
        if (error.code === 'LIMIT_FILE_SIZE') {
          sendProblem(res, { status: 413, code: 'attachment-too-large', detail: `an attachment is at most ${MAX_UPLOAD_BYTES} bytes` });
        } else {
          sendProblem(res, { status: 422, code: 'invalid-upload', detail: `send one file in the multipart field "file" (${error.code})` });
        }
        return;
      }
      if (error) {
        sendProblem(res, { status: 400, code: 'malformed-multipart', detail: 'the multipart body could not be read' });
        return;
      }
      if (!req.file) {
        sendProblem(res, { status: 422, code: 'file-required', detail: 'send the file as multipart/form-data in the field "file"' });
        return;
      }
      next();
    });
  };
}
