import { Router } from 'express';
import type { LogService } from '../application/audit/log-service';
import type { DocumentService } from '../application/document-service';
import type { PdfVerificationReport } from '../domain/verification/pdf-report';
import { parseValidationTime } from '../domain/verification/validation-time';
import { sendProblem } from './problem';
import { singleUpload, sniffMediaType } from './uploads';

/** Verifies a PDF now, or as at `at` (a B-LTA document keeps its proof; a B-T one may not). */
export type PdfVerifier = (pdf: Uint8Array, expectedPayloadHash?: string, at?: Date) => Promise<PdfVerificationReport>;

/** Public verification: anyone may upload a PDF or follow a document's QR link. */
export function verifyRouter(documents: DocumentService, log: LogService, verifyPdf: PdfVerifier): Router {
  const router = Router();

  router.post('/verify', singleUpload(), async (req, res) => {
    const file = req.file;
    if (!file) return;
    const atText = req.query.at;
    const at = typeof atText === 'string' ? parseValidationTime(atText) : undefined;
    if (atText !== undefined && !at) {
      sendProblem(res, { status: 400, code: 'invalid-validation-time', detail: 'at must be an ISO 8601 date or time such as 2036-01-01' });
      return;
    }
    if (sniffMediaType(file.buffer) !== 'application/pdf') {
      sendProblem(res, { status: 415, code: 'unsupported-media-type', detail: 'upload a PDF file' });
      return;
    }
    res.json(await verifyPdf(new Uint8Array(file.buffer), undefined, at));
  });

  router.get('/verify/:id', async (req, res) => {
    const status = await documents.publicStatus(req.params.id);
    const head = await log.currentTreeHead();
    const checks = await log.checkIncluded(await log.eventsOf(status.id), head);
    res.json({ ...status, log: { treeSize: head.size, included: checks.every((c) => c.included) } });
  });

  return router;
}
