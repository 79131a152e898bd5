import express, { Router, type Request, type Response } from 'express';
import QRCode from 'qrcode';
import type { LogService } from '../../application/audit/log-service';
import { documentFacts } from '../../application/document-facts';
import type { DocumentService, DocumentView } from '../../application/document-service';
import type { GatePasses } from '../../application/gate-passes';
import { gateMoveOf, type PageReads } from '../../application/page-reads';
import type { Store } from '../../application/ports/store.port';
import type { DocumentState } from '../../domain/document/document';
import { decideAction } from '../../domain/document/document-kinds';
import { mayPassGate } from '../../domain/gate/gate-pass';
import type { PartyRole } from '../../domain/party/party';
import { SdxError } from '../../domain/shared/errors';
import { eventStream, type StreamOptions } from '../event-stream';
import { LIST_PAGE_SIZE, pageFromQuery } from './document-list.view';
import { t } from './i18n';
import type { PageUser } from './layout';
import { callerOf, send } from './page-kit';
import { contextOf, userOf, type PageGuards } from './session';
import { walletDocumentView, walletView, type WalletItem, type WalletPass } from './wallet.view';

export interface WalletDependencies {
  documents: DocumentService;
  passes: GatePasses;
  reads: PageReads;
  /** The event stream reads the log and the store itself, as /api/v1/stream does. */
  log: LogService;
  store: Store;
  stream: StreamOptions;
  publicUrl: string;
  clock: () => Date;
}

/** Whether the lifecycle lets this user's party countersign the document now (an EIR's haulier after the gate). */
function mayCountersign(state: DocumentState, user: PageUser, now: Date): boolean {
  const actor = { partyId: user.partyId, roles: user.roles as PartyRole[] };
  return decideAction(state, { type: 'countersign', actor, now: now.toISOString() }).ok;
}

/**
 * The trucker's and holder's phone: documents held, one document with its gate pass, live updates;
 * after the gate, the EIR's gate move and the haulier's countersignature.
 */
export function walletRoutes(deps: WalletDependencies, guards: PageGuards): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

  // Without strict routing this serves /m as well as /m/.
  router.get('/m/', guards.requireUser(), async (req, res) => {
    const user = userOf(req);
    const now = deps.clock();
    // The store finds what the party holds, newest first, a page at a time.
    const at = pageFromQuery(req.query as Record<string, unknown>);
    const found = await deps.documents.search(callerOf(user), { holder: 'me' }, { limit: LIST_PAGE_SIZE, after: at.after });
    const held: WalletItem[] = found.items.map((stored) => ({
      state: stored.state,
      facts: documentFacts(stored),
      updatedAt: stored.updatedAt,
      toConfirm: mayCountersign(stored.state, user, now),
    }));
    send(res, walletView(contextOf(req), held, { shown: held.length, nextCursor: found.nextCursor, total: found.total, offset: at.offset }));
  });

  // The wallet and the gate listen here to update without a reload (same events as /api/v1/stream).
  router.get(
    '/m/stream',
    guards.requireUser(),
    eventStream({ log: deps.log, store: deps.store }, async (req) => ({ partyId: userOf(req).partyId, roles: userOf(req).roles, holder: `session:${userOf(req).sessionKey}` }), deps.stream),
  );

  async function documentPage(req: Request, res: Response, view: DocumentView): Promise<void> {
    const user = userOf(req);
    const ctx = contextOf(req);
    const now = deps.clock();
    const item: WalletItem = { state: view.state, facts: documentFacts(view), updatedAt: view.updatedAt };
    const holds = view.state.holder === user.partyId;
    let pass: WalletPass | undefined;
    // The QR only while the document can still pass a gate; after the gate move it gives way to the move.
    if (holds && mayPassGate(view.state.kind, view.state.status)) {
      const claims = deps.passes.claimsFor(view, now);
      const url = `${deps.publicUrl}/v/${deps.passes.sign(claims)}`;
      const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      const validUntil = view.state.validUntil ? Date.parse(view.state.validUntil) / 1000 : Infinity;
      pass = { url, svg, expires: claims.exp, renewable: validUntil > claims.exp };
    }
    // The phone's saved copy of this page is fetched again only when this changes (src/web/sw.ts).
    res.set('X-Document-Version', view.updatedAt);
    const countersigned = req.query['countersigned'] === '1' && view.events.some((e) => e.type === 'countersign' && e.actor === user.partyId);
    send(
      res,
      walletDocumentView(ctx, {
        item,
        pass,
        holds,
        gateMove: view.state.kind === 'eir' ? gateMoveOf(view.events) : undefined,
        mayCountersign: mayCountersign(view.state, user, now),
        now,
        ...(countersigned ? { notice: t(ctx.lang, 'walletConfirmed') } : {}),
      }),
    );
  }

  router.get('/m/d/:id', guards.requireUser(), async (req, res) => {
    await documentPage(req, res, await deps.documents.get(callerOf(userOf(req)), String(req.params['id'])));
  });

  // The photos the facility took at the gate, for the haulier to look at before confirming.
  router.get('/m/d/:id/photos/:sha256', guards.requireUser(), async (req, res) => {
    const photo = await deps.reads.documentPhoto(callerOf(userOf(req)), String(req.params['id']), String(req.params['sha256']));
    if (!photo) throw new SdxError('not-found', 'no such photo on this document');
    res.status(200).type(photo.mediaType).set('Cache-Control', 'private, max-age=3600').send(Buffer.from(photo.bytes));
  });

  // The haulier's one confirmation: countersigns the EIR through its lifecycle, which adds the
  // haulier's signature to the signed PDF.
  router.post('/m/d/:id/countersign', guards.sameOrigin, form, guards.requireUser(), guards.requireFormToken, async (req, res) => {
    const id = String(req.params['id']);
    const caller = callerOf(userOf(req));
    try {
      await deps.documents.act(caller, id, { type: 'countersign' });
    } catch (error) {
      // A second press finds the EIR already countersigned by this party: that is success.
      const view = await deps.documents.get(caller, id);
      if (!view.events.some((e) => e.type === 'countersign' && e.actor === caller.partyId)) throw error;
    }
    res.redirect(303, `/m/d/${encodeURIComponent(id)}?countersigned=1`);
  });

  return router;
}
