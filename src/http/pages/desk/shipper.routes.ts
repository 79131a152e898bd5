import { Router, type Request, type Response } from 'express';
import { guaranteeStatuses } from '../../../domain/document/document';
import { allowedActions, deskListing, type DeskList } from './desk-documents';
import { failureOf, idempotencyKey, newFormKey, deskHelpers, type DeskDependencies, type DeskKit, type Failure } from './desk-kit';
import { DESKS } from './desk-layout';
import { CONTAINER_ROWS, GUARANTEE_ROW_FIELDS, guaranteePayloadFrom, newGuaranteeForm } from './desk-payloads';
import { formValuesOf, type FormValues } from './form-values';
import { guaranteeFormView } from './guarantee-form.view';
import { indemnityText } from './indemnity';
import { shipperDeskView } from './worklists.view';

const guaranteesList: DeskList = {
  id: 'guarantees',
  within: { kind: 'telex-release-guarantee', role: 'issuer' },
  statuses: guaranteeStatuses,
  main: true,
};

/** The shipper's desk: submit a guarantee, follow it, withdraw it before a decision. */
export function shipperRoutes(deps: DeskDependencies, kit: DeskKit): Router {
  const router = Router();
  const { post, actorOf, context, formKeyOf, doneNotice } = deskHelpers(deps, kit);
  const shipperRoles = DESKS.shipper.roles;

  router.get('/desk/shipper', kit.requireUser(shipperRoles), async (req, res) => {
    const { ctx, caller, book } = await context(req);
    const guarantees = await deskListing(deps.documents, caller, req.query as Record<string, unknown>, guaranteesList);
    const actor = actorOf(req);
    const withdrawable = new Set(guarantees.items.filter((s) => allowedActions(s.state, actor, deps.clock()).has('withdraw')).map((s) => s.state.id));
    kit.send(res, shipperDeskView(ctx, { guarantees, withdrawable, book, ...doneNotice(req) }));
  });

  async function sendGuaranteeForm(req: Request, res: Response, values: FormValues, formKey?: string, failure?: Failure): Promise<void> {
    const { ctx, book, issuer } = await context(req);
    const view = guaranteeFormView(ctx, {
      values,
      issues: failure?.issues ?? [],
      ...(failure?.refusal ? { refusal: failure.refusal } : {}),
      formKey: formKey ?? newFormKey(),
      book,
      issuer,
    });
    kit.send(res, view, failure?.status ?? 200);
  }

  router.get('/desk/shipper/guarantee/new', kit.requireUser(shipperRoles), async (req, res) => {
    await sendGuaranteeForm(req, res, newGuaranteeForm(indemnityText));
  });

  router.post('/desk/shipper/guarantee', ...post, kit.requireUser(shipperRoles), kit.requireFormToken, async (req, res) => {
    const formKey = formKeyOf(req, res);
    if (!formKey) return;
    const { caller, book, issuer } = await context(req);
    const values = formValuesOf(req.body, CONTAINER_ROWS, GUARANTEE_ROW_FIELDS);
    try {
      const payload = guaranteePayloadFrom(values, issuer, book);
      const view = await deps.documents.issue(caller, { kind: 'telex-release-guarantee', payload }, idempotencyKey(formKey));
      res.redirect(303, `/desk/documents/${encodeURIComponent(view.state.id)}?issued=1`);
    } catch (error) {
      await sendGuaranteeForm(req, res, values, formKey, failureOf(error, kit.contextOf(req).lang));
    }
  });

  return router;
}
