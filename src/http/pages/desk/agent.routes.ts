import { Router, type Request, type Response } from 'express';
import type { Caller, DocumentView } from '../../../application/document-service';
import type { DeliveryOrderPayload } from '../../../domain/delivery-order/delivery-order.schema';
import { deliveryOrderStatuses } from '../../../domain/document/document';
import { validatePayload } from '../../../domain/document/document-kinds';
import { canonicalHash } from '../../../domain/shared/canonical-json';
import { SdxError } from '../../../domain/shared/errors';
import type { TelexReleaseGuaranteePayload } from '../../../domain/telex-release/telex-release-guarantee.schema';
import { statusName, t } from '../i18n';
import { allowedActions, deskListing, type DeskList } from './desk-documents';
import { fieldIssue } from './desk-fields';
import { failureOf, idempotencyKey, newFormKey, deskHelpers, type DeskDependencies, type DeskKit, type Failure } from './desk-kit';
import { DESKS } from './desk-layout';
import { CONTAINER_ROWS, DELIVERY_ORDER_ROW_FIELDS, deliveryOrderFormFromGuarantee, deliveryOrderFormOf, deliveryOrderPayloadFrom, newDeliveryOrderForm } from './desk-payloads';
import { deliveryOrderFormView } from './do-form.view';
import { nextDeliveryOrderNumber } from './do-numbers';
import { formValuesOf, type FormValues } from './form-values';
import { agentDeskView } from './worklists.view';

/** Accepted guarantees naming this party as the agent (or carrier) who may release on them. */
const releasableList: DeskList = {
  id: 'releasable',
  within: { kind: 'telex-release-guarantee', status: 'accepted', role: ['destination-agent', 'carrier'] },
  statuses: [],
};
const ordersList: DeskList = { id: 'orders', within: { kind: 'delivery-order', role: 'issuer' }, statuses: deliveryOrderStatuses, main: true };
/** Guarantees submitted to this party and still waiting for its decision. */
const inboxOf = (partyId: string): DeskList => ({
  id: 'inbox',
  within: { kind: 'telex-release-guarantee', status: 'submitted', role: 'carrier-agent', holder: partyId },
  statuses: [],
});
/** Guarantees a new D/O may rest on, newest first: a choice in a form, not a list to page through. */
const GUARANTEE_CHOICES = 100;

/** The agent's desk: guarantees to decide, D/Os to issue, amend and void. */
export function agentRoutes(deps: DeskDependencies, kit: DeskKit): Router {
  const router = Router();
  const { post, callerOf, actorOf, context, formKeyOf } = deskHelpers(deps, kit);
  const agentRoles = DESKS.agent.roles;

  // ---- The agent's desk: guarantees to decide, D/Os to issue, amend and void.

  const releasableGuarantees = async (caller: Caller) =>
    (await deps.documents.search(caller, {}, { limit: GUARANTEE_CHOICES, within: releasableList.within })).items;

  router.get('/desk/agent', kit.requireUser(agentRoles), async (req, res) => {
    const { ctx, caller, book } = await context(req);
    const query = req.query as Record<string, unknown>;
    const listing = (list: DeskList) => deskListing(deps.documents, caller, query, list);
    const [inbox, releasable, orders] = await Promise.all([listing(inboxOf(caller.partyId)), listing(releasableList), listing(ordersList)]);
    kit.send(res, agentDeskView(ctx, { inbox, releasable, orders, book }));
  });

  async function sendDeliveryOrderForm(
    req: Request,
    res: Response,
    values: FormValues,
    options: { status?: number; failure?: Failure; formKey?: string; amend?: { id: string; number: string } } = {},
  ): Promise<void> {
    const { ctx, caller, book, issuer } = await context(req);
    const guarantees = await releasableGuarantees(caller);
    const view = deliveryOrderFormView(ctx, {
      values,
      issues: options.failure?.issues ?? [],
      ...(options.failure?.refusal ? { refusal: options.failure.refusal } : {}),
      formKey: options.formKey ?? newFormKey(),
      book,
      issuer,
      guarantees,
      ...(options.amend ? { amend: options.amend } : {}),
    });
    kit.send(res, view, options.failure?.status ?? 200);
  }

  router.get('/desk/agent/do/new', kit.requireUser(agentRoles), async (req, res) => {
    const { caller, book, issuer } = await context(req);
    const guaranteeId = typeof req.query['guarantee'] === 'string' ? req.query['guarantee'].slice(0, 100) : '';
    const now = deps.clock();
    const number = await nextDeliveryOrderNumber(deps.documents, caller, issuer, now);
    let values = newDeliveryOrderForm(now, book, number);
    if (guaranteeId) {
      const guarantee = await deps.documents.get(caller, guaranteeId);
      if (guarantee.state.kind !== 'telex-release-guarantee') throw new SdxError('not-found', `no guarantee ${guaranteeId}`);
      values = deliveryOrderFormFromGuarantee(now, book, guaranteeId, guarantee.payload as TelexReleaseGuaranteePayload, number);
    }
    await sendDeliveryOrderForm(req, res, values);
  });

  router.post('/desk/agent/do', ...post, kit.requireUser(agentRoles), kit.requireFormToken, async (req, res) => {
    const formKey = formKeyOf(req, res);
    if (!formKey) return;
    const { caller, book, issuer } = await context(req);
    const values = formValuesOf(req.body, CONTAINER_ROWS, DELIVERY_ORDER_ROW_FIELDS);
    try {
      const payload = deliveryOrderPayloadFrom(values, issuer, book);
      const view = await deps.documents.issue(caller, { kind: 'delivery-order', payload }, idempotencyKey(formKey));
      res.redirect(303, `/desk/documents/${encodeURIComponent(view.state.id)}?issued=1`);
    } catch (error) {
      await sendDeliveryOrderForm(req, res, values, { failure: failureOf(error, kit.contextOf(req).lang), formKey });
    }
  });

  async function amendable(req: Request): Promise<DocumentView> {
    const view = await deps.documents.get(callerOf(req), String(req.params['id']));
    if (view.state.kind !== 'delivery-order') throw new SdxError('not-found', 'only a delivery order is amended here');
    return view;
  }

  router.get('/desk/agent/do/:id/amend', kit.requireUser(agentRoles), async (req, res) => {
    const view = await amendable(req);
    const number = (view.payload as DeliveryOrderPayload).deliveryOrderNumber;
    const refusal = allowedActions(view.state, actorOf(req), deps.clock()).has('amend')
      ? undefined
      : { status: 409, issues: [], refusal: t(kit.contextOf(req).lang, 'deskCannotAmend', { status: statusName(kit.contextOf(req).lang, view.state.status) }) };
    await sendDeliveryOrderForm(req, res, deliveryOrderFormOf(view.payload as DeliveryOrderPayload), {
      amend: { id: view.state.id, number },
      ...(refusal ? { failure: refusal } : {}),
    });
  });

  router.post('/desk/agent/do/:id/amend', ...post, kit.requireUser(agentRoles), kit.requireFormToken, async (req, res) => {
    const view = await amendable(req);
    const { caller, book, issuer } = await context(req);
    const values = formValuesOf(req.body, CONTAINER_ROWS, DELIVERY_ORDER_ROW_FIELDS);
    const payload = deliveryOrderPayloadFrom(values, issuer, book);
    const amend = { id: view.state.id, number: (view.payload as DeliveryOrderPayload).deliveryOrderNumber };
    // A second submission of the same amendment finds it done: the successor carries this payload.
    const parsed = validatePayload('delivery-order', payload);
    const successor = view.state.supersededBy ? await deps.documents.get(caller, view.state.supersededBy) : undefined;
    if (parsed.ok && successor && successor.state.payloadHash === canonicalHash(parsed.value)) {
      res.redirect(303, `/desk/documents/${encodeURIComponent(successor.state.id)}?issued=1`);
      return;
    }
    const reason = typeof req.body['reason'] === 'string' ? req.body['reason'].trim() : '';
    // Everything wrong is said at once: the D/O's fields and a missing reason.
    const lang = kit.contextOf(req).lang;
    const issues = [
      ...(parsed.ok ? [] : parsed.issues.map((issue) => fieldIssue(lang, issue))),
      ...(reason ? [] : [{ path: 'reason', message: t(lang, 'issueEmpty') }]),
    ];
    if (issues.length > 0) {
      await sendDeliveryOrderForm(req, res, values, { failure: { status: 422, issues }, amend });
      return;
    }
    try {
      const amended = await deps.documents.act(caller, view.state.id, { type: 'amend', payload, reason });
      res.redirect(303, `/desk/documents/${encodeURIComponent(amended.state.supersededBy ?? amended.state.id)}?issued=1`);
    } catch (error) {
      await sendDeliveryOrderForm(req, res, values, { failure: failureOf(error, kit.contextOf(req).lang), amend });
    }
  });

  return router;
}
