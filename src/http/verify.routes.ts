import { Router } from 'express';
import type { LogService } from '../application/audit/log-service';
import type { DocumentService } from '../application/document-service';
import type { PdfVerificationReport } from '../domain/verification/pdf-report';
import { etsiReportXml, type EtsiValidationReport } from '../application/etsi-report';
import { parseValidationTime } from '../domain/verification/validation-time';
import { sendProblem } from './problem';
import { singleUpload, sniffMediaType } from './uploads';

/** Verifies a PDF now, or as at `at` (a B-LTA document keeps its proof; a B-T one may not). */
export type PdfVerifier = (pdf: Uint8Array, expectedPayloadHash?: string, at?: Date) => Promise<PdfVerificationReport>;

export interface ValidationReports {
  clock: () => Date;
  build: (pdf: Uint8Array, report: PdfVerificationReport, validationTime: Date) => EtsiValidationReport;
  /** A compact JWS by the service's log key. */
  sign: (report: EtsiValidationReport) => Promise<string>;
}

const REPORT_KINDS = new Set(['etsi', 'etsi-xml']);

/** Public verification: anyone may upload a PDF or follow a document's QR link. */
export function verifyRouter(documents: DocumentService, log: LogService, verifyPdf: PdfVerifier, reports?: ValidationReports): Router {
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
    const kind = req.query.report;
    const sign = req.query.sign === '1' || req.query.sign === 'true';
    if (kind === undefined && !sign) {
      res.json(await verifyPdf(new Uint8Array(file.buffer), undefined, at));
      return;
    }
    if (!reports || typeof kind !== 'string' || !REPORT_KINDS.has(kind) || (sign && kind !== 'etsi')) {
      sendProblem(res, { status: 400, code: 'invalid-report-kind', detail: 'report must be etsi or etsi-xml, and sign=1 goes with report=etsi' });
      return;
    }
    const when = at ?? reports.clock();
    const pdf = new Uint8Array(file.buffer);
    const report = reports.build(pdf, await verifyPdf(pdf, undefined, when), when);
    if (kind === 'etsi-xml') res.type('application/xml').send(etsiReportXml(report));
    else if (sign) res.type('application/jose').send(await reports.sign(report));
    else res.json(report);
  });

  router.get('/verify/:id', async (req, res) => {
    const status = await documents.publicStatus(req.params.id);
    const head = await log.currentTreeHead();
    const checks = await log.checkIncluded(await log.eventsOf(status.id), head);
    res.json({ ...status, log: { treeSize: head.size, included: checks.every((c) => c.included) } });
  });

  return router;
}
