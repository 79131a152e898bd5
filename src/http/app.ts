import express, { type Express } from 'express';
import type { LogService } from '../application/audit/log-service';
import type { IntegrityState } from '../application/audit/store-integrity';
import type { DocumentService } from '../application/document-service';
import type { Store } from '../application/ports/store.port';
import { authenticate } from './auth';
import { documentsRouter } from './documents.routes';
import { logRouter } from './log.routes';
import { openApiDocument } from './openapi';
import { notFoundHandler, problemHandler } from './problem';
import { verifyRouter, type PdfVerifier } from './verify.routes';

export interface AppDependencies {
  store: Store;
  documents: DocumentService;
  log: LogService;
  /** The start-up audit of the stored trail. */
  integrity: () => IntegrityState;
  verifyPdf: PdfVerifier;
  /** Called with failures that input alone cannot explain; must not log request bodies or keys. */
  onUnexpectedError: (error: unknown) => void;
}

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));

  app.get('/healthz', async (_req, res) => {
    const health = await deps.store.health().catch((error: unknown) => ({
      ok: false,
      backend: 'unknown',
      detail: error instanceof Error ? error.message : 'store health check failed',
    }));
    const integrity = deps.integrity();
    const ok = health.ok && integrity.state !== 'failed';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', store: health, integrity });
  });

  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use(verifyRouter(deps.documents, deps.log, deps.verifyPdf));
  app.use('/api/v1', authenticate(deps.store), documentsRouter(deps.documents), logRouter(deps.log, deps.store));

  app.use(notFoundHandler);
  app.use(problemHandler(deps.onUnexpectedError));
  return app;
}
