import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DocumentKind } from '../domain/document/document';
import { sendProblem } from './problem';
import type { IntegrityState } from '../application/audit/store-integrity';

/** One structured line per request; never headers, query strings, bodies or path tokens. */
export type RequestLog = (fields: { requestId: string; method: string; route: string; status: number; ms: number }) => void;

export interface MetricSources {
  logSize: () => Promise<number>;
  /** The integrity audit's state, for its progress gauges. */
  integrity?: () => IntegrityState;
  webhookBacklog: () => Promise<{ pending: number; dead: number }>;
}

/** The service's Prometheus metrics, on a registry of its own (no process-global state). */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;
  private readonly issued: Counter<'kind'>;
  private readonly pdfSeconds: Histogram<'operation'>;
  private readonly renewals: Counter<'outcome'>;

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'sdx_' });
    this.requestSeconds = new Histogram({
      name: 'sdx_http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.issued = new Counter({ name: 'sdx_documents_issued_total', help: 'Documents issued, by kind', labelNames: ['kind'], registers: [this.registry] });
    this.pdfSeconds = new Histogram({
      name: 'sdx_pdf_signing_seconds',
      help: 'Time to render and sign (or countersign) a PDF',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.renewals = new Counter({
      name: 'sdx_archive_renewals_total',
      help: 'Stored documents the archive renewal job looked at, by outcome: renewed (a new document timestamp), lost (another node was first), failed',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    for (const outcome of ['renewed', 'lost', 'failed']) this.renewals.inc({ outcome }, 0);
    new Gauge({
      name: 'sdx_audit_log_size',
      help: 'Events in the audit log',
      registers: [this.registry],
      async collect() {
        this.set(await sources.logSize());
      },
    });
    const integrity = sources.integrity;
    if (integrity) {
      new Gauge({
        name: 'sdx_integrity_ok',
        help: 'Whether the stored audit trail passed its checks so far (1) or failed one (0)',
        registers: [this.registry],
        collect() {
          this.set(integrity().state === 'failed' ? 0 : 1);
        },
      });
      new Gauge({
        name: 'sdx_integrity_full_audit_events',
        help: 'Events the full audit has checked (done) of the log it audits (total); done = total once it passed',
        labelNames: ['of'],
        registers: [this.registry],
        collect() {
          const state = integrity();
          const full = state.state === 'ok' || state.state === 'failed' ? state.full : undefined;
          const [done, total] =
            full?.state === 'running' ? [full.done, full.total] : full?.state === 'passed' ? [full.events, full.treeSize] : [0, 0];
          this.set({ of: 'done' }, done);
          this.set({ of: 'total' }, total);
        },
      });
    }
    new Gauge({
      name: 'sdx_webhook_backlog',
      help: 'Webhook deliveries not yet delivered, pending or dead',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const backlog = await sources.webhookBacklog();
        this.set({ status: 'pending' }, backlog.pending);
        this.set({ status: 'dead' }, backlog.dead);
      },
    });
  }

  documentIssued(kind: DocumentKind): void {
    this.issued.inc({ kind });
  }

  pdfSigned(operation: 'render-sign' | 'countersign', seconds: number): void {
    this.pdfSeconds.observe({ operation }, seconds);
  }

  archiveRenewals(counts: { renewed: number; lost: number; failed: number }): void {
    for (const [outcome, count] of Object.entries(counts)) this.renewals.inc({ outcome }, count);
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.requestSeconds.observe({ method, route, status: String(status) }, seconds);
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The route template that matched (bounded label values), not the path with its ids and tokens. */
function routeOf(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : 'unmatched';
}

/**
 * Gives each request an id (the caller's X-Request-Id when it is a plain token, else a new one),
 * echoes it, and on finish records latency and writes one log line.
 */
export function observeRequests(metrics: ServiceMetrics | undefined, log: RequestLog | undefined): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      metrics?.request(req.method, route, res.statusCode, seconds);
      log?.({ requestId, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) });
    });
    next();
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** An operator's request: from loopback, or with the operator token (SDX_METRICS_TOKEN) as its bearer. */
export function isOperatorRequest(req: Request, token: string | undefined): boolean {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
  const tokenOk = token !== undefined && bearer !== undefined && bearer.length === token.length && timingSafeEqual(Buffer.from(bearer), Buffer.from(token));
  return LOOPBACK.has(req.socket.remoteAddress ?? '') || tokenOk;
}

/** Prometheus text; from loopback freely, from elsewhere only with the metrics token. */
export function metricsEndpoint(metrics: ServiceMetrics, token: string | undefined): RequestHandler {
  return async (req, res) => {
    if (!isOperatorRequest(req, token)) {
      sendProblem(res, { status: 403, code: 'metrics-forbidden', detail: 'metrics are served to loopback, or with the bearer token set in SDX_METRICS_TOKEN' });
      return;
    }
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}
