import express, { type Express } from 'express';
import helmet from 'helmet';
import type { LogService } from '../application/audit/log-service';
import { DcsaReads } from '../application/dcsa/dcsa-reads';
import type { IntegrityState } from '../application/audit/store-integrity';
import type { DocumentService } from '../application/document-service';
import type { Store } from '../application/ports/store.port';
import { apiKeyIdOf, authenticate, callerOf } from './auth';
import { compressText } from './compress';
import { eventStream, type StreamOptions } from './event-stream';
import { isOperatorRequest, metricsEndpoint, observeRequests, type RequestLog, type ServiceMetrics } from './observability';
import { webhooksRouter } from './webhooks.routes';
import type { WebhookService } from '../application/webhooks/webhook-service';
import { SdxError } from '../domain/shared/errors';
import { dcsaRouter } from './dcsa.routes';
import { federationRouter, receiverLookupRouter } from './federation.routes';
import type { Platform } from '../application/federation/platform';
import type { PeerAuthenticator } from '../application/federation/peer-requests';
import type { AskPeer } from '../application/federation/receiver-validation';
import type { EnvelopeReceiver } from '../application/federation/envelope-receiver';
import type { NoticeReceiver } from '../application/federation/release-notice';
import { documentsRouter } from './documents.routes';
import { jsonBody } from './json-body';
import { logRouter } from './log.routes';
import { openApiDocument } from './openapi';
import { pagesRouter, type PageDependencies } from './pages/pages.router';
import { notFoundHandler, problemHandler, sendProblem } from './problem';
import { limitWrites, sharedBuckets, TokenBuckets, type WriteRateLimit } from './rate-limit';
import { verifyRouter, type PdfVerifier, type ValidationReports } from './verify.routes';

export interface AppDependencies {
  store: Store;
  documents: DocumentService;
  log: LogService;
  /** The start-up audit of the stored trail. */
  integrity: () => IntegrityState;
  verifyPdf: PdfVerifier;
  /** POST /verify?report=etsi: the ETSI-shaped report of a verified PDF, and the service's signature on it. */
  validationReports?: ValidationReports;
  /** Called with failures that input alone cannot explain; must not log request bodies or keys. */
  onUnexpectedError: (error: unknown) => void;
  pages: Omit<PageDependencies, 'store' | 'documents' | 'log' | 'verifyPdf' | 'stream'>;
  webhooks: WebhookService;
  /** This deployment's platform code and key, for peers (PINT). */
  platform: Platform;
  /** Checks the signed requests peers send to /pint/v3. */
  peers: PeerAuthenticator;
  /** Asks a peer platform about one of its parties. */
  askPeer: AskPeer;
  /** PINT's envelope routes; absent where the store keeps no federation records. */
  receiver?: EnvelopeReceiver;
  /** SDX's release notices between platforms; with `receiver`. */
  notices?: NoticeReceiver;
  /** Server-Sent Events: poll interval, heartbeat, and the signal that ends open streams at shutdown. */
  stream: StreamOptions;
  /** Writes (POSTs) per API key under /api/v1; none when undefined. */
  writeRateLimit?: WriteRateLimit;
  /** Prometheus metrics at /metrics (loopback, or with `metricsToken`); none when undefined. */
  metrics?: ServiceMetrics;
  metricsToken?: string;
  /** One line per request (request id, route template, status, time). */
  requestLog?: RequestLog;
}

/**
 * Pages load scripts, styles and images from this origin only and run no inline script; the QR
 * codes are inline SVG (markup, not script). Camera use stays with this origin.
 */
export function securityHeaders(secure: boolean) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        manifestSrc: ["'self'"],
        workerSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        ...(secure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // Pass links carry a signed token in the path; no page should hand it to another site.
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: secure,
  });
}

/** The peer sends `GET /api/v1/federation/sends` lists, soonest next try first. */
export const PENDING_SENDS_SHOWN = 100;

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(observeRequests(deps.metrics, deps.requestLog));
  app.use(securityHeaders(deps.pages.publicUrl.startsWith('https:')));
  app.use(compressText());
  if (deps.metrics) app.get('/metrics', metricsEndpoint(deps.metrics, deps.metricsToken));
  // PINT sends an additional document as a bare JSON string (base64), which strict JSON parsing refuses.
  app.use('/pint/v3', jsonBody({ strict: false }));
  app.use(jsonBody());

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
  app.use(pagesRouter({ ...deps.pages, store: deps.store, documents: deps.documents, log: deps.log, verifyPdf: deps.verifyPdf, stream: deps.stream }));
  app.use(verifyRouter(deps.documents, deps.log, deps.verifyPdf, deps.validationReports));
  app.use(federationRouter({ platform: deps.platform, peers: deps.peers, store: deps.store, ...(deps.receiver ? { receiver: deps.receiver } : {}), ...(deps.notices ? { notices: deps.notices } : {}) }));
  const apiViewer = async (req: express.Request) => {
    const party = await deps.store.getParty(callerOf(req).partyId);
    if (!party) throw new SdxError('not-found', 'the caller’s party is not registered');
    return { partyId: party.id, roles: party.roles, holder: `key:${apiKeyIdOf(req)}` };
  };
  // Several nodes on one store share its buckets; one process keeps them in memory, on monotonic
  // time, so that a wall-clock step neither refills nor drains them.
  const limit = deps.writeRateLimit;
  const buckets = limit && (deps.store.sharedLimits ? sharedBuckets(deps.store.sharedLimits, limit) : new TokenBuckets(limit, () => performance.now()));
  const writeLimit = buckets ? [limitWrites(buckets)] : [];
  // The peer outbox across every party's documents: for the operator (as /metrics), not for a party's key.
  app.get('/api/v1/federation/sends', async (req, res) => {
    if (!isOperatorRequest(req, deps.metricsToken)) {
      sendProblem(res, { status: 403, code: 'operator-forbidden', detail: 'the peer sends are shown to loopback, or with the bearer token set in SDX_METRICS_TOKEN' });
      return;
    }
    const sends = (await deps.store.federation?.listPendingPeerSends(PENDING_SENDS_SHOWN)) ?? [];
    res.json({ items: sends.map(({ id, peer, documentId, kind, attempts, nextAttemptAt, lastError, createdAt }) => ({ id, peer, documentId, kind, attempts, nextAttemptAt, lastError, createdAt })) });
  });
  app.use(
    '/api/v1',
    authenticate(deps.store),
    ...writeLimit,
    documentsRouter(deps.documents),
    logRouter(deps.log, deps.store),
    dcsaRouter(new DcsaReads(deps.documents, deps.store)),
    webhooksRouter(deps.webhooks),
    receiverLookupRouter({ platform: deps.platform, store: deps.store, askPeer: deps.askPeer }),
    express.Router().get('/stream', eventStream({ log: deps.log, store: deps.store }, apiViewer, deps.stream)),
  );

  app.use(notFoundHandler);
  app.use(problemHandler(deps.onUnexpectedError));
  return app;
}
