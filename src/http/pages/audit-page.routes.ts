import { Router } from 'express';
import type { PageReads } from '../../application/page-reads';
import { auditView } from './audit.view';
import { send, text } from './page-kit';
import { contextOf, type PageGuards } from './session';

/** The auditor: the log's signed head, checked, and one document's events against it. */
export function auditPageRoutes(deps: { reads: PageReads }, guards: PageGuards): Router {
  const router = Router();

  router.get('/audit', guards.requireUser(['auditor']), async (req, res) => {
    const overview = await deps.reads.auditOverview(text(req.query['doc'], 100));
    send(res, auditView(contextOf(req), overview));
  });

  return router;
}
