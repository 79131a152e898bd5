import { join } from 'node:path';
import express, { Router } from 'express';
import type { CertificateCheck } from '../../application/audit/audit-trail';
import type { LogService } from '../../application/audit/log-service';
import type { DocumentService } from '../../application/document-service';
import type { GatePasses } from '../../application/gate-passes';
import { PageReads } from '../../application/page-reads';
import type { Store } from '../../application/ports/store.port';
import type { StreamOptions } from '../event-stream';
import type { PdfVerifier } from '../verify.routes';
import { auditPageRoutes } from './audit-page.routes';
import { DESK_OPERATIONS, deskRouter } from './desk/desk.router';
import { gateRoutes } from './gate.routes';
import type { LoginThrottle } from './login-throttle';
import { pageErrorHandler } from './page-errors';
import { send } from './page-kit';
import { contextOf, pageGuards, userOf, type WebSessions } from './session';
import { signInRoutes } from './signin.routes';
import { verifyPageRoutes } from './verify-page.routes';
import { walletRoutes } from './wallet.routes';

export { sessionKindFor } from './page-kit';

export interface PageDependencies {
  store: Store;
  documents: DocumentService;
  log: LogService;
  passes: GatePasses;
  sessions: WebSessions;
  throttle: LoginThrottle;
  verifyPdf: PdfVerifier;
  /** Trust in event signers and the log key, for the auditor's view. */
  checkCertificate: CertificateCheck;
  stream: StreamOptions;
  /** Compiled browser scripts (dist/web) and the static assets (templates/pages). */
  webDir: string;
  assetsDir: string;
  publicUrl: string;
  clock: () => Date;
}

/** Page routes: HTML for people, not part of the JSON API (the OpenAPI document leaves them out). */
export const PAGE_OPERATIONS = [
  'GET /',
  'GET /lang',
  'GET /login',
  'POST /login',
  'POST /logout',
  'GET /m/',
  'GET /m/stream',
  'GET /m/d/{id}',
  'GET /m/d/{id}/photos/{sha256}',
  'POST /m/d/{id}/countersign',
  'GET /gate',
  'GET /gate/facts/{token}',
  'GET /gate/record/{id}',
  'POST /gate/record/{id}',
  'POST /gate/release/{id}',
  'GET /verify',
  'POST /verify/report',
  'GET /v/{token}',
  'GET /audit',
  'GET /sw.js',
  ...DESK_OPERATIONS,
] as const;

/**
 * The pages, one route file per audience: sign-in (everyone), wallet (phones), gate (terminals and
 * depots), verify (anyone), audit (auditors) and the desks. Sessions and CSRF guards come from
 * ./session; the use cases behind the pages from the application layer (PageReads, DocumentService).
 */
export function pagesRouter(deps: PageDependencies): Router {
  const router = Router();
  const reads = new PageReads(deps);
  const guards = pageGuards({ sessions: deps.sessions, reads, publicUrl: deps.publicUrl });

  router.use('/static', express.static(deps.assetsDir, { index: false, maxAge: '1h' }));
  router.use('/static', express.static(deps.webDir, { index: false, maxAge: '1h' }));
  router.get('/sw.js', (_req, res) => {
    res.set('Cache-Control', 'no-cache').sendFile(join(deps.webDir, 'web', 'sw.js'));
  });

  router.use(guards.withSession);
  router.use(
    signInRoutes({ ...deps, reads }, guards),
    walletRoutes({ ...deps, reads }, guards),
    gateRoutes({ ...deps, reads }, guards),
    verifyPageRoutes({ reads, verifyPdf: deps.verifyPdf }),
    auditPageRoutes({ reads }, guards),
    deskRouter({ ...deps, reads }, { ...guards, userOf, contextOf, send }),
  );
  router.use(pageErrorHandler);

  return router;
}

export type { Lang } from './i18n';
