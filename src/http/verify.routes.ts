import { Router } from 'express';
import type { LogService } from '../application/audit/log-service';
import type { DocumentService } from '../application/document-service';
import type { PdfVerificationReport } from '../domain/verification/pdf-report';
import { sendProblem } from './problem';
import { singleUpload, sniffMediaType } from './uploads';

export type PdfVerifier = (pdf: Uint8Array, expectedPayloadHash?: string) => Promise<PdfVerificationReport>;

/** Public verification: anyone may upload a PDF or follow a document's QR link. */
export function verifyRouter(documents: DocumentService, log: LogService, verifyPdf: PdfVerifier): Router {
  const router = Router();

  router.post('/verify', singleUpload(), async (req, res) => {
    const file = req.file;
    if (!file) return;
    if (sniffMediaType(file.buffer) !== 'application/pdf') {
      sendProblem(res, { status: 415, code: 'unsupported-media-type', detail: 'upload a PDF file' });
      return;
    }
    res.json(await verifyPdf(new Uint8Array(file.buffer)));
  });

  router.get('/verify/:id', async (req, res) => {
    const status = await documents.publicStatus(req.params.id);
    const head = await log.currentTreeHead();
    const checks = await log.checkIncluded(await log.eventsOf(status.id), head);
    res.json({ ...status, log: { treeSize: head.size, included: checks.every((c) => c.included) } });
  });

  return router;
}
