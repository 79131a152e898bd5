import { Router } from 'express';
import QRCode from 'qrcode';
import type { LogService } from '../../application/audit/log-service';
import { documentFacts } from '../../application/document-facts';
import type { DocumentService } from '../../application/document-service';
import type { GatePasses } from '../../application/gate-passes';
import type { Store } from '../../application/ports/store.port';
import { eventStream, type StreamOptions } from '../event-stream';
import { callerOf, send } from './page-kit';
import { contextOf, userOf, type PageGuards } from './session';
import { walletDocumentView, walletView, type WalletItem } from './wallet.view';

export interface WalletDependencies {
  documents: DocumentService;
  passes: GatePasses;
  /** The event stream reads the log and the store itself, as /api/v1/stream does. */
  log: LogService;
  store: Store;
  stream: StreamOptions;
  publicUrl: string;
  clock: () => Date;
}

const WALLET_LIMIT = 200;

/** The trucker's and holder's phone: documents held, one document with its gate pass, live updates. */
export function walletRoutes(deps: WalletDependencies, guards: PageGuards): Router {
  const router = Router();

  // Without strict routing this serves /m as well as /m/.
  router.get('/m/', guards.requireUser(), async (req, res) => {
    const user = userOf(req);
    const held: WalletItem[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10 && held.length < WALLET_LIMIT; page += 1) {
      const { items, nextCursor } = await deps.documents.list(callerOf(user), { limit: 100, ...(after ? { after } : {}) });
      for (const stored of items) {
        if (stored.state.holder === user.partyId) held.push({ state: stored.state, facts: documentFacts(stored), updatedAt: stored.updatedAt });
      }
      if (!nextCursor) break;
      after = nextCursor;
    }
    held.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    send(res, walletView(contextOf(req), held.slice(0, WALLET_LIMIT)));
  });

  // The wallet and the gate listen here to update without a reload (same events as /api/v1/stream).
  router.get(
    '/m/stream',
    guards.requireUser(),
    eventStream({ log: deps.log, store: deps.store }, async (req) => ({ partyId: userOf(req).partyId, roles: userOf(req).roles, holder: `session:${userOf(req).sessionKey}` }), deps.stream),
  );

  router.get('/m/d/:id', guards.requireUser(), async (req, res) => {
    const user = userOf(req);
    const view = await deps.documents.get(callerOf(user), String(req.params['id']));
    const item: WalletItem = { state: view.state, facts: documentFacts(view), updatedAt: view.updatedAt };
    let pass: { url: string; svg: string; expires: number } | undefined;
    if (view.state.holder === user.partyId) {
      const claims = deps.passes.claimsFor(view, deps.clock());
      const url = `${deps.publicUrl}/v/${deps.passes.sign(claims)}`;
      const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      pass = { url, svg, expires: claims.exp };
    }
    send(res, walletDocumentView(contextOf(req), item, pass));
  });

  return router;
}
