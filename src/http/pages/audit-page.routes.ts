import { Router } from 'express';
import type { PageReads } from '../../application/page-reads';
import { ValidationError } from '../../domain/shared/errors';
import { auditView } from './audit.view';
import { LIST_PAGE_SIZE, pageFromQuery, termsFromQuery } from './document-list.view';
import { callerOf, send } from './page-kit';
import { contextOf, userOf, type PageGuards } from './session';

/**
 * The auditor: the log's signed head, checked; any document found by id or business number with
 * its events against the head; and every document, newest first, filtered and paged.
 */
export function auditPageRoutes(deps: { reads: PageReads }, guards: PageGuards): Router {
  const router = Router();

  router.get('/audit', guards.requireUser(['auditor']), async (req, res) => {
    const query = req.query as Record<string, unknown>;
    // `doc` is the older name of the search box, kept for links people saved.
    const terms = termsFromQuery({ ...query, q: query['q'] ?? query['doc'] });
    const page = pageFromQuery(query);
    try {
      const overview = await deps.reads.auditOverview(callerOf(userOf(req)), terms, { limit: LIST_PAGE_SIZE, after: page.after });
      send(res, auditView(contextOf(req), { ...overview, terms, offset: page.offset }));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // A bad date or status: the page again, with the terms marked, and no list.
      const overview = await deps.reads.auditOverview(callerOf(userOf(req)), {}, { limit: 0 });
      send(res, auditView(contextOf(req), { ...overview, terms, offset: 0, badTerms: error.issues.map((issue) => issue.path) }), 422);
    }
  });

  return router;
}
