import { randomBytes } from 'node:crypto';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import QRCode from 'qrcode';
import type { Caller, DocumentService, DocumentView } from '../../../application/document-service';
import type { Store, StoredDocument } from '../../../application/ports/store.port';
import type { DeliveryOrderPayload } from '../../../domain/delivery-order/delivery-order.schema';
import { participantsOf, type DocumentKind } from '../../../domain/document/document';
import { validatePayload } from '../../../domain/document/document-kinds';
import type { PartyActor } from '../../../domain/document/lifecycle';
import type { Party, PartyRole } from '../../../domain/party/party';
import { canonicalHash } from '../../../domain/shared/canonical-json';
import { SdxError, ValidationError } from '../../../domain/shared/errors';
import type { TelexReleaseGuaranteePayload } from '../../../domain/telex-release/telex-release-guarantee.schema';
import { detailFor, statusFor } from '../../problem';
import type { Html } from '../html';
import { statusName, t, type Lang, type TextKey } from '../i18n';
import type { PageContext, PageUser } from '../layout';
import { messageView } from '../login.view';
import { allowedActions, collect, collectByRoles, eventLines, gateRecordOf, isDeskAction, type DeskAction } from './desk-documents';
import { fieldIssue, type FieldIssue } from './desk-fields';
import { DESKS, desksFor } from './desk-layout';
import {
  CONTAINER_ROWS,
  DELIVERY_ORDER_ROW_FIELDS,
  deliveryOrderFormFromGuarantee,
  deliveryOrderFormOf,
  deliveryOrderPayloadFrom,
  eirPayloadsFrom,
  GUARANTEE_ROW_FIELDS,
  guaranteePayloadFrom,
  newDeliveryOrderForm,
  newEirForm,
  newGuaranteeForm,
} from './desk-payloads';
import { documentView } from './document.view';
import { deliveryOrderFormView } from './do-form.view';
import { eirFormView } from './eir-form.view';
import { formValuesOf, shanghaiDay, type FormValues } from './form-values';
import { guaranteeFormView } from './guarantee-form.view';
import { indemnityText } from './indemnity';
import { PartyBook } from './party-book';
import { agentDeskView, facilityDeskView, shipperDeskView, type RecordedMove } from './worklists.view';

/** The page router's session and response helpers, shared so the desk behaves as every other page. */
export interface DeskKit {
  requireUser: (roles?: readonly string[]) => RequestHandler;
  requireFormToken: RequestHandler;
  sameOrigin: RequestHandler;
  userOf: (req: Request) => PageUser;
  contextOf: (req: Request) => PageContext;
  send: (res: Response, body: Html, status?: number) => void;
}

export interface DeskDependencies {
  store: Store;
  documents: DocumentService;
  publicUrl: string;
  clock: () => Date;
}

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

const RECORDED_LIMIT = 50;
/** Form keys are random, made when the form is drawn; anything else is not one of ours. */
const FORM_KEY = /^[A-Za-z0-9_-]{16,64}$/;
const newFormKey = () => randomBytes(16).toString('base64url');
const idempotencyKey = (formKey: string, part?: string) => `desk-form:${formKey}${part ? `:${part}` : ''}`;

const actionLabels: Record<DeskAction, TextKey> = {
  accept: 'deskAccept',
  reject: 'deskReject',
  withdraw: 'deskWithdraw',
  void: 'deskVoid',
  release: 'deskRelease',
  'reject-presentation': 'deskRejectPresentation',
};

/** Where a worklist's own buttons send the clerk back to. */
const BACK_PATHS = new Set(['/desk/agent', '/desk/shipper', '/desk/facility']);

/** What the exchange said, in the API's own words: field issues for a form, or the reason it refused. */
interface Failure {
  status: number;
  issues: FieldIssue[];
  refusal?: string;
}

/** 4xx failures become something to show; anything else is the page router's to handle. */
function failureOf(error: unknown, lang: Lang): Failure {
  if (!(error instanceof SdxError)) throw error;
  const status = statusFor(error);
  if (status >= 500 || status === 404) throw error;
  if (error instanceof ValidationError) {
    return { status, issues: error.issues.map((issue) => fieldIssue(lang, issue, issue.path.replace(/^payload\.?/, ''))) };
  }
  return { status, issues: [], refusal: detailFor(error, status) };
}

const sameLine = (issue: FieldIssue) => `${issue.path}\u0000${issue.message}`;

export function deskRouter(deps: DeskDependencies, kit: DeskKit): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 2000 });
  const post = [kit.sameOrigin, form] as const;
  const agentRoles = DESKS.agent.roles;
  const shipperRoles = DESKS.shipper.roles;
  const facilityRoles = DESKS.facility.roles;

  const callerOf = (req: Request): Caller => ({ partyId: kit.userOf(req).partyId, userId: kit.userOf(req).userId });
  const actorOf = (req: Request): PartyActor => ({ partyId: kit.userOf(req).partyId, roles: kit.userOf(req).roles as PartyRole[] });
  const partyBook = async () => new PartyBook(await deps.store.listParties());

  async function context(req: Request): Promise<{ ctx: PageContext; caller: Caller; book: PartyBook; issuer: Party }> {
    const book = await partyBook();
    const issuer = book.get(kit.userOf(req).partyId);
    if (!issuer) throw new SdxError('not-found', 'your party is not registered');
    return { ctx: kit.contextOf(req), caller: callerOf(req), book, issuer };
  }

  function formKeyOf(req: Request, res: Response): string | undefined {
    const body = req.body as Record<string, unknown>;
    const key = typeof body['formKey'] === 'string' ? body['formKey'] : '';
    if (FORM_KEY.test(key)) return key;
    const ctx = kit.contextOf(req);
    kit.send(res, messageView(ctx, t(ctx.lang, 'formExpired'), t(ctx.lang, 'formExpired')), 403);
    return undefined;
  }

  router.get('/desk', kit.requireUser(), (req, res) => {
    const [desk] = desksFor(kit.userOf(req).roles);
    if (desk) {
      res.redirect(303, DESKS[desk].path);
      return;
    }
    const ctx = kit.contextOf(req);
    kit.send(res, messageView(ctx, t(ctx.lang, 'notAllowed'), t(ctx.lang, 'notAllowed')), 403);
  });

  // ---- The agent's desk: guarantees to decide, D/Os to issue, amend and void.

  /** Accepted guarantees naming this party as the agent (or carrier) who may release on them. */
  const releasableGuarantees = (caller: Caller) =>
    collectByRoles(deps.documents, caller, ['destination-agent', 'carrier'], { kind: 'telex-release-guarantee', status: 'accepted' });

  router.get('/desk/agent', kit.requireUser(agentRoles), async (req, res) => {
    const { ctx, caller, book } = await context(req);
    const [inbox, releasable, orders] = await Promise.all([
      collect(deps.documents, caller, { kind: 'telex-release-guarantee', status: 'submitted', role: 'carrier-agent' }, (s) => s.state.holder === caller.partyId),
      releasableGuarantees(caller),
      collect(deps.documents, caller, { kind: 'delivery-order', role: 'issuer' }),
    ]);
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
    const { caller, book } = await context(req);
    const guaranteeId = typeof req.query['guarantee'] === 'string' ? req.query['guarantee'].slice(0, 100) : '';
    let values = newDeliveryOrderForm(deps.clock(), book);
    if (guaranteeId) {
      const guarantee = await deps.documents.get(caller, guaranteeId);
      if (guarantee.state.kind !== 'telex-release-guarantee') throw new SdxError('not-found', `no guarantee ${guaranteeId}`);
      values = deliveryOrderFormFromGuarantee(deps.clock(), book, guaranteeId, guarantee.payload as TelexReleaseGuaranteePayload);
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
    try {
      const reason = typeof req.body['reason'] === 'string' ? req.body['reason'].trim() : '';
      const amended = await deps.documents.act(caller, view.state.id, { type: 'amend', payload, reason });
      res.redirect(303, `/desk/documents/${encodeURIComponent(amended.state.supersededBy ?? amended.state.id)}?issued=1`);
    } catch (error) {
      await sendDeliveryOrderForm(req, res, values, { failure: failureOf(error, kit.contextOf(req).lang), amend });
    }
  });

  // ---- The shipper's desk: submit a guarantee, follow it, withdraw it before a decision.

  router.get('/desk/shipper', kit.requireUser(shipperRoles), async (req, res) => {
    const { ctx, caller, book } = await context(req);
    const guarantees = await collect(deps.documents, caller, { kind: 'telex-release-guarantee', role: 'issuer' });
    const actor = actorOf(req);
    const withdrawable = new Set(guarantees.filter((s) => allowedActions(s.state, actor, deps.clock()).has('withdraw')).map((s) => s.state.id));
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

  // ---- The terminal's and depot's desk: EIRs to issue, today's gate moves, D/Os to release.

  router.get('/desk/facility', kit.requireUser(facilityRoles), async (req, res) => {
    const { ctx, caller, book } = await context(req);
    const { start, end } = shanghaiDay(deps.clock());
    const today = (s: StoredDocument) => {
      const e = s.payload as { validFrom: string; validUntil: string };
      return Date.parse(e.validFrom) < end && Date.parse(e.validUntil) >= start;
    };
    const isTerminal = kit.userOf(req).roles.includes('terminal');
    const [expected, recordedDocs, presented] = await Promise.all([
      collect(deps.documents, caller, { kind: 'eir', status: 'issued', role: 'facility-operator' }, today),
      Promise.all(
        (['gate-recorded', 'countersigned'] as const).map((status) => collect(deps.documents, caller, { kind: 'eir', status, role: 'facility-operator' })),
      ),
      isTerminal
        ? collect(deps.documents, caller, { kind: 'delivery-order', status: 'presented', role: 'presentee' }, (s) => s.state.presentedTo === caller.partyId)
        : Promise.resolve(undefined),
    ]);
    const recorded: RecordedMove[] = [];
    for (const stored of recordedDocs.flat().sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, RECORDED_LIMIT)) {
      const record = gateRecordOf(eventLines((await deps.documents.get(caller, stored.state.id)).events));
      if (record) recorded.push({ stored, record });
    }
    recorded.sort((a, b) => b.record.passedAt.localeCompare(a.record.passedAt));
    const issued = Number(req.query['issued']);
    const notice = Number.isInteger(issued) && issued > 0 ? t(ctx.lang, 'deskEirsIssued', { count: issued }) : doneNotice(req).notice;
    kit.send(res, facilityDeskView(ctx, { expected, recorded, presented, book, ...(notice ? { notice } : {}) }));
  });

  router.get('/desk/facility/eirs/new', kit.requireUser(facilityRoles), async (req, res) => {
    const { ctx, book, issuer } = await context(req);
    kit.send(res, eirFormView(ctx, { values: newEirForm(deps.clock()), issues: [], formKey: newFormKey(), book, issuer }));
  });

  /** Every EIR of the batch checked as the API checks it; a container's problems are named by its line. */
  function eirBatchIssues(lang: PageContext['lang'], values: FormValues, issuer: Party, book: PartyBook) {
    const lines = eirPayloadsFrom(values, issuer, book);
    const issues: FieldIssue[] = [];
    const seen = new Map<string, number>();
    for (const line of lines) {
      const parsed = validatePayload('eir', line.payload);
      for (const issue of parsed.ok ? [] : parsed.issues) {
        const shown = fieldIssue(lang, issue);
        if (issue.path.startsWith('container.number')) {
          issues.push({ path: 'containers', message: line.line ? `${t(lang, 'deskLine', { line: line.line })}: ${shown.message}` : shown.message });
        } else {
          issues.push(shown);
        }
      }
      const first = seen.get(line.container);
      if (line.container && first !== undefined) {
        issues.push({ path: 'containers', message: `${t(lang, 'deskLine', { line: line.line })}: ${t(lang, 'deskCheckDuplicate')} (${first})` });
      }
      seen.set(line.container, line.line);
    }
    const unique = new Map(issues.map((issue) => [sameLine(issue), issue]));
    return { lines, issues: [...unique.values()] };
  }

  router.post('/desk/facility/eirs', ...post, kit.requireUser(facilityRoles), kit.requireFormToken, async (req, res) => {
    const formKey = formKeyOf(req, res);
    if (!formKey) return;
    const { ctx, caller, book, issuer } = await context(req);
    const values = formValuesOf(req.body, '', []);
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
      const failure = failureOf(error, ctx.lang);
      const said = failure.refusal ?? failure.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      again(failure.status, { issues: failure.issues, refusal: `${t(ctx.lang, 'deskEirsPartly', { done, total: lines.length })} ${said}` });
      return;
    }
    res.redirect(303, `/desk/facility?issued=${done}`);
  });

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
      check: (req, issuer, book) => eirBatchIssues(kit.contextOf(req).lang, formValuesOf(req.body, '', []), issuer, book).issues,
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

  // ---- One document: content, signed PDF and QR, actions, history.

  function doneNotice(req: Request): { notice?: string } {
    const ctx = kit.contextOf(req);
    if (req.query['issued'] === '1') return { notice: t(ctx.lang, 'deskIssuedNotice') };
    const done = req.query['done'];
    return isDeskAction(done) ? { notice: t(ctx.lang, 'deskDoneNotice', { action: t(ctx.lang, actionLabels[done]) }) } : {};
  }

  async function sendDocument(req: Request, res: Response, view: DocumentView, failure?: Failure): Promise<void> {
    const { ctx, book } = await context(req);
    const actor = actorOf(req);
    const url = `${deps.publicUrl}/verify/${view.state.id}`;
    const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    const mayRelease =
      view.state.kind === 'telex-release-guarantee' &&
      view.state.status === 'accepted' &&
      view.state.backsDeliveryOrder === null &&
      agentRoles.some((role) => actor.roles.includes(role)) &&
      [...participantsOf(view.state, 'destination-agent'), ...participantsOf(view.state, 'carrier')].includes(actor.partyId);
    const refusal = failure?.refusal ?? failure?.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    const page = documentView(ctx, {
      view,
      lines: eventLines(view.events),
      allowed: allowedActions(view.state, actor, deps.clock()),
      book,
      qr: { url, svg },
      releasable: mayRelease,
      ...(failure ? {} : doneNotice(req)),
      ...(refusal ? { refusal } : {}),
    });
    kit.send(res, page, failure?.status ?? 200);
  }

  router.get('/desk/documents/:id', kit.requireUser(), async (req, res) => {
    await sendDocument(req, res, await deps.documents.get(callerOf(req), String(req.params['id'])));
  });

  router.get('/desk/documents/:id/pdf', kit.requireUser(), async (req, res) => {
    const id = String(req.params['id']);
    const pdf = await deps.documents.currentPdf(callerOf(req), id);
    res
      .status(200)
      .type('application/pdf')
      .set('Cache-Control', 'no-store')
      .set('Content-Disposition', `inline; filename="${id.replace(/[^A-Za-z0-9_-]/g, '')}.pdf"`)
      .send(Buffer.from(pdf));
  });

  router.get('/desk/documents/:id/photos/:sha256', kit.requireUser(), async (req, res) => {
    const view = await deps.documents.get(callerOf(req), String(req.params['id']));
    const sha256 = String(req.params['sha256']);
    const record = gateRecordOf(eventLines(view.events));
    const listed = record ? [...record.photoSha256, ...record.damages.flatMap((d) => d.photoSha256 ?? [])] : [];
    const blob = listed.includes(sha256) ? await deps.store.getBlob(sha256) : undefined;
    if (!blob || !['image/jpeg', 'image/png'].includes(blob.mediaType)) throw new SdxError('not-found', 'no such photo on this document');
    res.status(200).type(blob.mediaType).set('Cache-Control', 'private, max-age=3600').send(Buffer.from(blob.bytes));
  });

  router.post('/desk/documents/:id/act', ...post, kit.requireUser(), kit.requireFormToken, async (req, res) => {
    const id = String(req.params['id']);
    const body = req.body as Record<string, unknown>;
    const type = body['type'];
    const caller = callerOf(req);
    if (!isDeskAction(type)) throw new SdxError('not-found', 'no such desk action');
    const reason = typeof body['reason'] === 'string' ? body['reason'].trim() : '';
    const action = type === 'accept' || type === 'release' || (type === 'withdraw' && !reason) ? { type } : { type, reason };
    const back = typeof body['back'] === 'string' && BACK_PATHS.has(body['back']) ? body['back'] : `/desk/documents/${encodeURIComponent(id)}`;
    const done = `${back}?done=${type}`;
    try {
      await deps.documents.act(caller, id, action);
      res.redirect(303, done);
    } catch (error) {
      const failure = failureOf(error, kit.contextOf(req).lang);
      const view = await deps.documents.get(caller, id);
      // A second press of the same button finds the document moved on by this party's own action: that is success.
      if (failure.status === 409 && view.events.some((event) => event.type === type && event.actor === caller.partyId)) {
        res.redirect(303, done);
        return;
      }
      await sendDocument(req, res, view, failure);
    }
  });

  return router;
}
