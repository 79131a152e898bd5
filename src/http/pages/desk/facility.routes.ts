import { Router } from 'express';
import { t } from '../i18n';
import { beijingDayKey } from '../../../domain/document/business-keys';
import { eirStatuses } from '../../../domain/document/document';
import { deskListing, eventLines, gateRecordOf, type DeskList } from './desk-documents';
import type { FieldIssue } from './desk-fields';
import { eirBatchIssues, failureOf, idempotencyKey, newFormKey, deskHelpers, type DeskDependencies, type DeskKit } from './desk-kit';
import { DESKS } from './desk-layout';
import { newEirForm, SEAL_ROW_FIELDS, SEAL_ROW_SIGNIFICANT, SEAL_ROWS } from './desk-payloads';
import { eirFormView } from './eir-form.view';
import { formValuesOf, shanghaiDay } from './form-values';
import { facilityDeskView, type RecordedMove } from './worklists.view';

const eirsList: DeskList = { id: 'eirs', within: { kind: 'eir', role: 'facility-operator' }, statuses: eirStatuses, main: true };

/** The facility's lists that depend on the day and on who asks. */
function facilityLists(partyId: string, now: Date) {
  return {
    /** EIRs still to be used whose validity window touches today (Beijing). */
    expected: {
      id: 'expected',
      within: { kind: 'eir', status: 'issued', role: 'facility-operator', keys: [{ keys: ['valid-day'], value: beijingDayKey(now) }] },
      statuses: [],
    },
    /** EIRs with a gate record or countersignature since midnight in Beijing: today's moves. */
    recorded: {
      id: 'recorded',
      within: { kind: 'eir', status: ['gate-recorded', 'countersigned'], role: 'facility-operator', updatedFrom: new Date(shanghaiDay(now).start).toISOString() },
      statuses: ['gate-recorded', 'countersigned'],
    },
    /** D/Os presented to this terminal and waiting for its release or refusal. */
    presented: { id: 'presented', within: { kind: 'delivery-order', status: 'presented', role: 'presentee', presentedTo: partyId }, statuses: [] },
  } satisfies Record<string, DeskList>;
}

/** The terminal's and depot's desk: EIRs to issue, today's gate moves, D/Os to release. */
export function facilityRoutes(deps: DeskDependencies, kit: DeskKit): Router {
  const router = Router();
  const { post, context, formKeyOf, doneNotice } = deskHelpers(deps, kit);
  const facilityRoles = DESKS.facility.roles;

  router.get('/desk/facility', kit.requireUser(facilityRoles), async (req, res) => {
    const { ctx, caller, book } = await context(req);
    const lists = facilityLists(caller.partyId, deps.clock());
    const query = req.query as Record<string, unknown>;
    const listing = (list: DeskList) => deskListing(deps.documents, caller, query, list);
    const isTerminal = kit.userOf(req).roles.includes('terminal');
    const [expected, recordedPage, presented, eirs] = await Promise.all([
      listing(lists.expected),
      listing(lists.recorded),
      isTerminal ? listing(lists.presented) : Promise.resolve(undefined),
      listing(eirsList),
    ]);
    // The move itself (time, condition, photos) is in the signed gate-record event.
    const moves = await Promise.all(
      recordedPage.items.map(async (stored): Promise<RecordedMove> => ({ stored, record: gateRecordOf(eventLines((await deps.documents.get(caller, stored.state.id)).events)) })),
    );
    const recorded = { ...recordedPage, moves };
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
