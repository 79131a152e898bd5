import { Router } from 'express';
import multer from 'multer';
import type { PageReads } from '../../application/page-reads';
import { MAX_UPLOAD_BYTES, sniffMediaType } from '../uploads';
import type { PdfVerifier } from '../verify.routes';
import { kindName, t } from './i18n';
import { pageError } from './page-errors';
import { send } from './page-kit';
import { contextOf } from './session';
import { publicStatusView, verifyView } from './verify.view';

export interface VerifyPageDependencies {
  reads: PageReads;
  verifyPdf: PdfVerifier;
}

/** Anyone: check a PDF, and the public status page a document's QR code opens. */
export function verifyPageRoutes(deps: VerifyPageDependencies): Router {
  const router = Router();

  router.get('/verify', (req, res) => {
    send(res, verifyView(contextOf(req)));
  });

  const pdfUpload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 2 } }).single('file');
  router.post('/verify/report', (req, res) => {
    const ctx = contextOf(req);
    pdfUpload(req, res, (error: unknown) => {
      const file = req.file;
      if (error || !file) {
        send(res, verifyView(ctx, { error: error ? `${t(ctx.lang, 'verifyUpload')}: ≤ ${MAX_UPLOAD_BYTES / 1024 / 1024} MB` : t(ctx.lang, 'noFile') }), error ? 413 : 422);
        return;
      }
      if (sniffMediaType(file.buffer) !== 'application/pdf') {
        send(res, verifyView(ctx, { error: t(ctx.lang, 'notPdf'), fileName: file.originalname }), 415);
        return;
      }
      deps.verifyPdf(new Uint8Array(file.buffer))
        .then(async (report) => {
          const names = await deps.reads.partyNames(report.signatures.flatMap((s) => (s.signerPartyId ? [s.signerPartyId] : [])));
          send(res, verifyView(ctx, { report, names, fileName: file.originalname }));
        })
        .catch((failure: unknown) => pageError(failure, req, res));
    });
  });

  // Browsers get the page; JSON callers fall through to the API's /verify/:id.
  router.get('/verify/:id', async (req, res, next) => {
    if (req.accepts(['json', 'html']) !== 'html') {
      next();
      return;
    }
    const ctx = contextOf(req);
    const status = await deps.reads.publicStatusWithLog(String(req.params['id']));
    send(res, publicStatusView(ctx, status, kindName(ctx.lang, status.kind)));
  });

  return router;
}
