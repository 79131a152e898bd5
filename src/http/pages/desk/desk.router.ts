import { Router, type Request } from 'express';
import type { DocumentKind } from '../../../domain/document/document';
import { validatePayload } from '../../../domain/document/document-kinds';
import type { Party } from '../../../domain/party/party';
import { t } from '../i18n';
import { messageView } from '../login.view';
import { agentRoutes } from './agent.routes';
import { fieldIssue, type FieldIssue } from './desk-fields';
import { deskHelpers, eirBatchIssues, type DeskDependencies, type DeskKit } from './desk-kit';
import { DESKS, desksFor } from './desk-layout';
import {
  CONTAINER_ROWS,
  DELIVERY_ORDER_ROW_FIELDS,
  deliveryOrderPayloadFrom,
  GUARANTEE_ROW_FIELDS,
  guaranteePayloadFrom,
  SEAL_ROW_FIELDS,
  SEAL_ROW_SIGNIFICANT,
  SEAL_ROWS,
} from './desk-payloads';
import { documentRoutes } from './document.routes';
import { facilityRoutes } from './facility.routes';
import { formValuesOf } from './form-values';
import type { PartyBook } from './party-book';
import { shipperRoutes } from './shipper.routes';

export type { DeskDependencies, DeskKit } from './desk-kit';

/** Desk routes: HTML pages for people, listed with the other pages outside the OpenAPI document. */
export const DESK_OPERATIONS = [
  'GET /desk',
  'GET /desk/agent',
  'GET /desk/agent/do/new',
  'POST /desk/agent/do',
  'GET /desk/agent/do/{id}/amend',
  'POST /desk/agent/do/{id}/amend',
  'GET /desk/shipper',
  'GET /desk/shipper/guarantee/new',
  'POST /desk/shipper/guarantee',
  'GET /desk/facility',
  'GET /desk/facility/eirs/new',
  'POST /desk/facility/eirs',
  'POST /desk/validate/{kind}',
  'GET /desk/documents/{id}',
  'GET /desk/documents/{id}/pdf',
  'GET /desk/documents/{id}/photos/{sha256}',
  'POST /desk/documents/{id}/act',
] as const;

/**
 * The desks, one route file per audience (agent, shipper, facility, one document), with the desk
 * chooser and the inline validation every desk form calls.
 */
export function deskRouter(deps: DeskDependencies, kit: DeskKit): Router {
  const router = Router();
  const { post, context } = deskHelpers(deps, kit);
  const agentRoles = DESKS.agent.roles;
  const shipperRoles = DESKS.shipper.roles;
  const facilityRoles = DESKS.facility.roles;

  router.get('/desk', kit.requireUser(), (req, res) => {
    const [desk] = desksFor(kit.userOf(req).roles);
    if (desk) {
      res.redirect(303, DESKS[desk].path);
      return;
    }
    const ctx = kit.contextOf(req);
    kit.send(res, messageView(ctx, t(ctx.lang, 'notAllowed'), t(ctx.lang, 'notAllowed')), 403);
  });

  router.use(agentRoutes(deps, kit), shipperRoutes(deps, kit), facilityRoutes(deps, kit));

  // ---- Inline validation: the API's own checks, as the clerk types.

  const validators: Record<DocumentKind, { roles: readonly string[]; check: (req: Request, issuer: Party, book: PartyBook) => FieldIssue[] }> = {
    'delivery-order': {
      roles: agentRoles,
      check: (req, issuer, book) => {
        const parsed = validatePayload('delivery-order', deliveryOrderPayloadFrom(formValuesOf(req.body, CONTAINER_ROWS, DELIVERY_ORDER_ROW_FIELDS), issuer, book));
        return parsed.ok ? [] : parsed.issues.map((issue) => fieldIssue(kit.contextOf(req).lang, issue));
      },
    },
    'telex-release-guarantee': {
      roles: shipperRoles,
      check: (req, issuer, book) => {
        const parsed = validatePayload('telex-release-guarantee', guaranteePayloadFrom(formValuesOf(req.body, CONTAINER_ROWS, GUARANTEE_ROW_FIELDS), issuer, book));
        return parsed.ok ? [] : parsed.issues.map((issue) => fieldIssue(kit.contextOf(req).lang, issue));
      },
    },
    eir: {
      roles: facilityRoles,
      check: (req, issuer, book) => eirBatchIssues(kit.contextOf(req).lang, formValuesOf(req.body, SEAL_ROWS, SEAL_ROW_FIELDS, SEAL_ROW_SIGNIFICANT), issuer, book).issues,
    },
  };

  router.post('/desk/validate/:kind', ...post, kit.requireUser(), kit.requireFormToken, async (req, res) => {
    const kind = String(req.params['kind']);
    const validator = kind in validators ? validators[kind as DocumentKind] : undefined;
    const user = kit.userOf(req);
    if (!validator || !validator.roles.some((role) => user.roles.includes(role))) {
      res.status(404).json({ issues: [] });
      return;
    }
    const { book, issuer } = await context(req);
    const issues = validator.check(req, issuer, book).map((i) => ({ path: i.path, message: i.message }));
    res.set('Cache-Control', 'no-store').json({ issues });
  });

  router.use(documentRoutes(deps, kit));

  return router;
}
