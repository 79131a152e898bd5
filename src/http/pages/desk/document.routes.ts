import { Router, type Request, type Response } from 'express';
import QRCode from 'qrcode';
import type { DocumentView } from '../../../application/document-service';
import { participantsOf } from '../../../domain/document/document';
import { SdxError } from '../../../domain/shared/errors';
import { allowedActions, eventLines, gateRecordOf, isDeskAction } from './desk-documents';
import { failureOf, deskHelpers, type DeskDependencies, type DeskKit, type Failure } from './desk-kit';
import { DESKS } from './desk-layout';
import { documentView } from './document.view';

/** Where a worklist's own buttons send the clerk back to. */
const BACK_PATHS = new Set(['/desk/agent', '/desk/shipper', '/desk/facility']);

/** One document: content, signed PDF and QR, actions, history. */
export function documentRoutes(deps: DeskDependencies, kit: DeskKit): Router {
  const router = Router();
  const { post, callerOf, actorOf, context, doneNotice } = deskHelpers(deps, kit);
  const agentRoles = DESKS.agent.roles;

  async function sendDocument(req: Request, res: Response, view: DocumentView, failure?: Failure & { action?: string }): Promise<void> {
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
    const refusal = failure?.refusal;
    const failedAction = failure && failure.issues.length > 0 ? { type: failure.action ?? '', issues: failure.issues } : undefined;
    const page = documentView(ctx, {
      view,
      lines: eventLines(view.events),
      allowed: allowedActions(view.state, actor, deps.clock()),
      book,
      qr: { url, svg },
      releasable: mayRelease,
      ...(failure ? {} : doneNotice(req)),
      ...(refusal ? { refusal } : {}),
      ...(failedAction ? { failedAction } : {}),
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
    const blob = listed.includes(sha256) ? await deps.reads.photo(sha256) : undefined;
    if (!blob) throw new SdxError('not-found', 'no such photo on this document');
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
      await sendDocument(req, res, view, { ...failure, action: type });
    }
  });

  return router;
}
