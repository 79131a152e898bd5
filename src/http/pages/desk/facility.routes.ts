import { Router } from 'express';
import type { StoredDocument } from '../../../application/ports/store.port';
import { t } from '../i18n';
import { collect, deskListing, eventLines, gateRecordOf } from './desk-documents';
import type { FieldIssue } from './desk-fields';
import { eirBatchIssues, failureOf, idempotencyKey, newFormKey, deskHelpers, type DeskDependencies, type DeskKit } from './desk-kit';
import { DESKS } from './desk-layout';
import { newEirForm, SEAL_ROW_FIELDS, SEAL_ROW_SIGNIFICANT, SEAL_ROWS } from './desk-payloads';
import { eirFormView } from './eir-form.view';
import { formValuesOf, shanghaiDay } from './form-values';
import { facilityDeskView, type RecordedMove } from './worklists.view';

const RECORDED_LIMIT = 50;

/** The terminal's and depot's desk: EIRs to issue, today's gate moves, D/Os to release. */
export function facilityRoutes(deps: DeskDependencies, kit: DeskKit): Router {
  const router = Router();
  const { post, context, formKeyOf, doneNotice } = deskHelpers(deps, kit);
  const facilityRoles = DESKS.facility.roles;

  router.get('/desk/facility', kit.requireUser(facilityRoles), async (req, res) => {
    const { ctx, caller, book } = await context(req);
    const { start, end } = shanghaiDay(deps.clock());
    const today = (s: StoredDocument) => {
      const e = s.payload as { validFrom: string; validUntil: string };
      return Date.parse(e.validFrom) < end && Date.parse(e.validUntil) >= start;
    };
    const isTerminal = kit.userOf(req).roles.includes('terminal');
    const [expected, recordedDocs, presented, eirs] = await Promise.all([
      collect(deps.documents, caller, { kind: 'eir', status: 'issued', role: 'facility-operator' }, today),
      Promise.all(
        (['gate-recorded', 'countersigned'] as const).map((status) => collect(deps.documents, caller, { kind: 'eir', status, role: 'facility-operator' })),
      ),
      isTerminal
        ? collect(deps.documents, caller, { kind: 'delivery-order', status: 'presented', role: 'presentee' }, (s) => s.state.presentedTo === caller.partyId)
        : Promise.resolve(undefined),
      deskListing(deps.documents, caller, req.query as Record<string, unknown>, { kind: 'eir', role: 'facility-operator' }),
    ]);
    const recorded: RecordedMove[] = [];
    for (const stored of recordedDocs.flat().sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, RECORDED_LIMIT)) {
      const record = gateRecordOf(eventLines((await deps.documents.get(caller, stored.state.id)).events));
      if (record) recorded.push({ stored, record });
    }
    recorded.sort((a, b) => b.record.passedAt.localeCompare(a.record.passedAt));
    const issued = Number(req.query['issued']);
    const notice = Number.isInteger(issued) && issued > 0 ? t(ctx.lang, 'deskEirsIssued', { count: issued }) : doneNotice(req).notice;
    kit.send(res, facilityDeskView(ctx, { expected, recorded, presented, eirs, book, ...(notice ? { notice } : {}) }));
  });

  router.get('/desk/facility/eirs/new', kit.requireUser(facilityRoles), async (req, res) => {
    const { ctx, book, issuer } = await context(req);
    kit.send(res, eirFormView(ctx, { values: newEirForm(deps.clock(), issuer), issues: [], formKey: newFormKey(), book, issuer }));
  });

  router.post('/desk/facility/eirs', ...post, kit.requireUser(facilityRoles), kit.requireFormToken, async (req, res) => {
    const formKey = formKeyOf(req, res);
    if (!formKey) return;
    const { ctx, caller, book, issuer } = await context(req);
    const values = formValuesOf(req.body, SEAL_ROWS, SEAL_ROW_FIELDS, SEAL_ROW_SIGNIFICANT);
    const { lines, issues } = eirBatchIssues(ctx.lang, values, issuer, book);
    const again = (status: number, failure: { issues?: FieldIssue[]; refusal?: string }) =>
      kit.send(res, eirFormView(ctx, { values, issues: failure.issues ?? [], ...(failure.refusal ? { refusal: failure.refusal } : {}), formKey, book, issuer }), status);
    if (issues.length > 0) {
      again(422, { issues });
      return;
    }
    let done = 0;
    try {
      for (const line of lines) {
        await deps.documents.issue(caller, { kind: 'eir', payload: line.payload }, idempotencyKey(formKey, line.container));
        done += 1;
      }
    } catch (error) {
      // What was issued stays issued; the clerk reads how far it got, and why the next one was not.
      const failure = failureOf(error, ctx.lang);
      const partly = t(ctx.lang, 'deskEirsPartly', { done, total: lines.length });
      again(failure.status, { issues: failure.issues, refusal: failure.refusal ? `${partly} ${failure.refusal}` : partly });
      return;
    }
    res.redirect(303, `/desk/facility?issued=${done}`);
  });

  return router;
}
