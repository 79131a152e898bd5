import { createHmac, createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { keyStoreFromEnv, masterKeyFromEnv, openPdfToolkit, padesLevelFromEnv, pickLongTermEnv } from './composition/pdf-toolkit';
import { crlRefreshMs } from './adapters/pki/crl-files';
import { projectRoot, resourcePaths, trustFromCertsDir } from './composition/resources';
import { mkdirSync, readFileSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { loadDemoParties, parseDemoParties, type DemoCredential } from './application/demo-parties';
import type { KeyStore } from './application/ports/key-store.port';
import { PdfWorkerPool, defaultPdfWorkerCount } from './adapters/pdf/pdf-worker-pool';
import type { DocumentPdfs } from './application/ports/document-pdf.port';
import { SqliteStore } from './adapters/store/sqlite/sqlite-store';
import { DEFAULT_STORE_TIMEOUT_MS } from './adapters/store/store-deadline';
import { redactedUrl } from './adapters/store/postgres/redacted-url';
import { createApp } from './http/app';
import { answerClientErrors } from './http/client-errors';
import { LogService } from './application/audit/log-service';
import { IntegrityMonitor, type IntegrityState } from './application/audit/store-integrity';
import { auditCertificateCheck } from './adapters/pki/audit-certificate-check';
import { logKeyFile, logSignerFromEnv } from './composition/log-signer';
import { signEtsiReport } from './application/etsi-report';
import { etsiReportOf } from './adapters/pdf/verify/validation-objects';
import { DocumentService } from './application/document-service';
import type { Store } from './application/ports/store.port';
import { BoundedPdfVerifier } from './adapters/pdf/verify/bounded-verifier';
import { verifyPdf } from './adapters/pdf/verify/verify-pdf';
import type { Express } from 'express';
import { GatePasses } from './application/gate-passes';
import { WebhookDispatcher } from './application/webhooks/webhook-dispatcher';
import { UploadSweeper } from './application/upload-sweeper';
import { WebhookService } from './application/webhooks/webhook-service';
import { resolveWithDns, webhookPost } from './adapters/http/post-json';
import type { ResolveHost } from './application/ports/resolve-host.port';
import { addressPermitted, type DestinationPolicy } from './domain/network/destination.rule';
import { DEFAULT_THROTTLE, LoginThrottle } from './http/pages/login-throttle';
import { DEFAULT_IDLE_TIMEOUTS, WebSessions, type IdleTimeouts } from './http/pages/session';
import { DEFAULT_MAX_STREAMS, StreamSlots } from './http/event-stream';
import { ServiceMetrics, type RequestLog } from './http/observability';
import { DEFAULT_WRITE_RATE_LIMIT, type WriteRateLimit } from './http/rate-limit';
import { PeerDirectory, Platform, platformKeysOf } from './application/federation/platform';
import { PeerAuthenticator } from './application/federation/peer-requests';
import type { AskPeer } from './application/federation/receiver-validation';
import { EnvelopeReceiver } from './application/federation/envelope-receiver';
import { NoticeReceiver } from './application/federation/release-notice';
import { PeerSender, type PeerSenderOptions } from './application/federation/peer-sender';
import { PeerClient, fetchJwks } from './adapters/http/peer-client';
import { parsePeers, type PeerConfig } from './domain/federation/peers';
import { isPlatformCode } from './domain/federation/platform-address';

/** The only module that reads the environment and connects adapters; everything else is handed what it needs. */
export interface ServiceConfig {
  host: string;
  port: number;
  /** Which store adapter holds the data (SDX_STORE): the embedded SQLite file, MongoDB or PostgreSQL. */
  store: StoreKind;
  /** The SQLite file (SDX_DB); used when `store` is 'sqlite'. */
  dbFile: string;
  /** The MongoDB connection string (SDX_MONGO_URI); required when `store` is 'mongo'. */
  mongoUri?: string;
  /** The PostgreSQL URL (SDX_PG_URL); required when `store` is 'postgres'. */
  pgUrl?: string;
  demo: boolean;
  demoPartiesFile: string;
  /** Worker threads that render and sign PDFs (SDX_PDF_WORKERS); 0 does it on the event loop. */
  pdfWorkers: number;
  /** The environment the rest of the wiring reads (keys, TSA, resource folders). */
  env: NodeJS.ProcessEnv;
}

export type StoreKind = 'sqlite' | 'mongo' | 'postgres';
export const storeKinds: readonly StoreKind[] = ['sqlite', 'mongo', 'postgres'];

export function isStoreKind(value: string): value is StoreKind {
  return (storeKinds as readonly string[]).includes(value);
}

export {
  crlFilesFrom,
  devOcspResponderFrom,
  keyStoreFromEnv,
  masterKeyFromEnv,
  openPdfToolkit,
  padesLevelFromEnv,
  pickLongTermEnv,
  type PdfToolkit,
} from './composition/pdf-toolkit';
export { resourcePaths, trustFromCertsDir } from './composition/resources';

/**
 * The service settings from the environment, `overrides` (command-line flags) winning. Throws a
 * configuration error (wrong value, MongoDB chosen without a connection string) before anything
 * is opened.
 */
export function configFromEnv(env: NodeJS.ProcessEnv, overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  const port = overrides.port ?? Number(env.SDX_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`SDX_PORT must be a port number, not ${env.SDX_PORT}`);
  const storeText = overrides.store ?? (env.SDX_STORE || 'sqlite');
  if (!isStoreKind(storeText)) throw new Error(`SDX_STORE must be one of ${storeKinds.join(', ')}, not "${storeText}"`);
  const mongoUri = overrides.mongoUri ?? (env.SDX_MONGO_URI || undefined);
  if (storeText === 'mongo' && mongoUri === undefined) {
    throw new Error('the mongo store needs a connection string: pass --mongo-uri mongodb://host1,host2,host3/sdx?replicaSet=rs0 or set SDX_MONGO_URI');
  }
  const pgUrl = overrides.pgUrl ?? (env.SDX_PG_URL || undefined);
  if (storeText === 'postgres' && pgUrl === undefined) {
    throw new Error('the postgres store needs a URL: pass --pg-url postgres://user:password@host/sdx or set SDX_PG_URL');
  }
  return {
    host: overrides.host ?? (env.SDX_HOST || '127.0.0.1'),
    port,
    store: storeText,
    dbFile: overrides.dbFile ?? (env.SDX_DB || join(process.cwd(), 'data', 'sdx.sqlite')),
    ...(mongoUri !== undefined ? { mongoUri } : {}),
    ...(pgUrl !== undefined ? { pgUrl } : {}),
    demo: overrides.demo ?? env.SDX_DEMO === '1',
    demoPartiesFile: overrides.demoPartiesFile ?? join(projectRoot, 'certs-dev', 'demo-parties.json'),
    pdfWorkers: overrides.pdfWorkers ?? pdfWorkersFromEnv(env) ?? defaultPdfWorkerCount(),
    env: overrides.env ?? env,
  };
}

/** SDX_PDF_WORKERS, or undefined when not set. */
function pdfWorkersFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.SDX_PDF_WORKERS;
  if (text === undefined || text === '') return undefined;
  const workers = Number(text);
  if (!Number.isInteger(workers) || workers < 0 || workers > 64) {
    throw new Error(`SDX_PDF_WORKERS must be a whole number of worker threads from 0 (render on the main thread) to 64, not "${text}"`);
  }
  return workers;
}

/**
 * Renders and signs on `workers` threads, each loading the keys itself, or (0) on the event loop.
 * Only the settings the key store and the TSA read are handed to the workers.
 */
async function openDocumentPdfs(
  paths: { templatesDir: string; certsDir: string },
  env: NodeJS.ProcessEnv,
  clock: () => Date,
  workers: number,
): Promise<{ pdfs: DocumentPdfs; keys: KeyStore; close(): Promise<void> }> {
  if (workers === 0) {
    const toolkit = await openPdfToolkit(paths, env, clock);
    return { pdfs: toolkit.pdfs, keys: toolkit.keys, close: () => Promise.resolve() };
  }
  const keys = keyStoreFromEnv(env, paths.certsDir);
  const pool = await PdfWorkerPool.start(
    {
      ...paths,
      env: {
        ...(env.SDX_MASTER_KEY ? { SDX_MASTER_KEY: env.SDX_MASTER_KEY } : {}),
        ...(env.SDX_KEYS_DIR ? { SDX_KEYS_DIR: env.SDX_KEYS_DIR } : {}),
        ...(env.SDX_TSA_URL ? { SDX_TSA_URL: env.SDX_TSA_URL } : {}),
        ...pickLongTermEnv(env),
      },
    },
    { workers },
  );
  return { pdfs: pool, keys, close: () => pool.close() };
}

/**
 * The HTTP app over a store: document service with signing keys, PDF pipeline and the verifier.
 * `SDX_PUBLIC_URL` is where QR codes on documents point. PDFs are made on `options.pdfWorkers`
 * threads, else SDX_PDF_WORKERS, else on the event loop; `close` ends the threads. Uploaded PDFs
 * are verified on `options.verifyWorkers` threads, each verification bounded in time and memory
 * (startService always uses them); 0, the default for tests, verifies on the event loop unbounded.
 */
export async function wireApp(
  store: Store,
  env: NodeJS.ProcessEnv,
  logLine: Log,
  options: {
    pdfWorkers?: number;
    verifyWorkers?: number;
    requestLog?: RequestLog;
    resolveHost?: ResolveHost;
    clock?: () => Date;
    /** Where QR codes and pass links point when SDX_PUBLIC_URL is unset (startService: the address it listens on). */
    listeningUrl?: string;
    /** 'manual': the full audit after a resumed start runs only when `fullAudit()` is called (tests). */
    fullAudit?: 'background' | 'manual';
  } = {},
): Promise<{
  app: Express;
  documents: DocumentService;
  log: LogService;
  /** The start-up check: resolves when heads may be published (or the check failed). */
  audited: Promise<IntegrityState>;
  /** The full audit that follows in the background (started unless `fullAudit: 'manual'`). */
  fullAudit: () => Promise<IntegrityState>;
  /** Delivers the webhook outbox once started (startService starts it). */
  dispatcher: WebhookDispatcher;
  /** Deletes uploads no event referenced within 24 h, once started (startService starts it). */
  sweeper: UploadSweeper;
  /** Sends envelopes and notices to peer platforms, once started (startService starts it); absent on a store without federation records. */
  peerSender?: PeerSender;
  /** Ends open event streams, so that closing the HTTP server does not wait on them. */
  endStreams(): void;
  close(): Promise<void>;
}> {
  const writeRateLimit = writeRateLimitFromEnv(env);
  const pendingUploadQuotaBytes = pendingUploadQuotaFromEnv(env);
  const sessionIdle = sessionIdleFromEnv(env);
  const maxStreams = maxStreamsFromEnv(env);
  const paths = resourcePaths(env);
  // Tests inject a clock (e.g. to pass an idle timeout without sleeping); the service runs on the wall clock.
  const clock = options.clock ?? (() => new Date());
  const trust = trustFromCertsDir(paths.certsDir);
  const verifier = options.verifyWorkers ? new BoundedPdfVerifier({ trust, workers: options.verifyWorkers }) : undefined;
  const toolkit = await openDocumentPdfs(paths, env, clock, options.pdfWorkers ?? pdfWorkersFromEnv(env) ?? 0);
  const publicUrl = (env.SDX_PUBLIC_URL || options.listeningUrl || 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const logSigner = logSignerFromEnv(env);
  let integrity: IntegrityMonitor | undefined;
  const log = new LogService({ store, logSigner, clock, gate: () => integrity?.gate() ?? Promise.resolve() });
  const checkCertificate = auditCertificateCheck(trust, { logCertificates: [logSigner.certificate] });
  integrity = new IntegrityMonitor({
    store,
    log,
    validateCertificate: auditCertificateCheck(trust, { logCertificates: [logSigner.certificate], ignoreRevocation: true }),
    clock,
    pause: () => new Promise<void>((resolve) => setImmediate(resolve)),
  });
  const audited = integrity.start();
  const monitor = integrity;
  let fullAuditStarted = false;
  const fullAudit = () => {
    fullAuditStarted = true;
    return monitor.fullAudit();
  };
  if (options.fullAudit !== 'manual') void fullAudit();
  const metrics = new ServiceMetrics({
    integrity: () => monitor.status(),
    logSize: async () => (await store.logState()).size,
    webhookBacklog: () => store.webhooks.deliveryBacklog(),
  });
  const platform = platformFromEnv(env);
  const peerDirectory = new PeerDirectory(peersFromEnv(env), fetchJwks);
  const peerClient = new PeerClient(platform, peerDirectory, clock);
  const askPeer: AskPeer = (address, language) => peerClient.validateReceiver(address, language);
  const documents = new DocumentService({
    store,
    ...(store.federation ? { federation: { platform, isPeer: (code: string) => peerDirectory.get(code) !== undefined, askPeer } } : {}),
    keys: toolkit.keys,
    pdfs: timedPdfs(toolkit.pdfs, (operation, seconds) => metrics.pdfSigned(operation, seconds)),
    onIssued: (kind) => metrics.documentIssued(kind),
    clock,
    newId: () => `doc-${randomUUID()}`,
    idempotentId: idempotentIds(env),
    verifyUrl: (id) => `${publicUrl}/verify/${id}`,
    pendingUploadQuotaBytes,
  });
  const sweeper = new UploadSweeper({ store, clock });
  const destinations = webhookDestinationsFromEnv(env);
  const resolveHost = options.resolveHost ?? resolveWithDns;
  const webhooks = new WebhookService({
    store: store.webhooks,
    secret: deploymentSecret(env, 'SDX_WEBHOOK_SECRET', 'sdx webhooks v1'),
    clock,
    allowHttp: env.SDX_WEBHOOK_ALLOW_HTTP === '1',
    destinations,
    resolveHost,
  });
  const post = webhookPost({ resolveHost, permitted: (address) => addressPermitted(address, destinations) });
  const dispatcher = new WebhookDispatcher({ store: store.webhooks, post, secretFor: (id) => webhooks.secretFor(id), clock, ...dispatcherSettingsFromEnv(env) });
  const federation = store.federation;
  const platformKeys = platformKeysOf(platform, peerDirectory);
  const receiver = federation ? new EnvelopeReceiver({ store, federation, platform, keys: platformKeys, documents, clock, pendingUploadQuotaBytes }) : undefined;
  const notices = federation ? new NoticeReceiver({ store, federation, platform, peers: peerDirectory, documents, clock }) : undefined;
  const peerSender = federation
    ? new PeerSender({ store, federation, peers: peerDirectory, documents, clock, call: (peer, method, path, body) => peerClient.call(peer, method, path, body), options: peerSenderSettingsFromEnv(env) })
    : undefined;
  const stopping = new AbortController();
  // Every open event stream listens for the stop: many streams are normal, not a leak.
  setMaxListeners(0, stopping.signal);
  const app = createApp({
    store,
    documents,
    log,
    integrity: () => integrity.status(),
    webhooks,
    platform,
    peers: new PeerAuthenticator(platform, peerDirectory, clock, federation),
    ...(receiver ? { receiver } : {}),
    ...(notices ? { notices } : {}),
    askPeer,
    stream: { pollMs: 500, heartbeatMs: 15_000, stopping: stopping.signal, slots: new StreamSlots(maxStreams) },
    metrics,
    ...(env.SDX_METRICS_TOKEN ? { metricsToken: env.SDX_METRICS_TOKEN } : {}),
    ...(options.requestLog ? { requestLog: options.requestLog } : {}),
    ...writeRateLimit,
    pages: {
      passes: gatePassesFromEnv(env),
      sessions: new WebSessions({
        secret: deploymentSecret(env, 'SDX_SESSION_SECRET', 'sdx web sessions v1'),
        store: store.sessions,
        clock,
        idle: sessionIdle,
      }),
      // Every node on a shared store counts the same failures.
      throttle: new LoginThrottle(DEFAULT_THROTTLE, store.sharedLimits?.failures),
      checkCertificate,
      webDir: paths.webDir,
      assetsDir: join(paths.templatesDir, 'pages'),
      publicUrl,
      clock,
    },
    validationReports: { clock, build: etsiReportOf, sign: (report) => signEtsiReport(report, logSigner) },
    verifyPdf: (pdf, expectedPayloadHash, at) => {
      const request = { now: at ?? clock(), ...(expectedPayloadHash ? { expectedPayloadHash } : { ledger: (id: string) => log.ledgerView(id) }) };
      return verifier ? verifier.verify(pdf, request) : verifyPdf(pdf, { trust, ...request });
    },
    onUnexpectedError: (error) =>
      logLine('error', 'unexpected error', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  });
  return {
    app,
    documents,
    log,
    audited,
    fullAudit,
    dispatcher,
    sweeper,
    ...(peerSender ? { peerSender } : {}),
    endStreams: () => stopping.abort(),
    /** Ends open event streams and the background audit, waits for deliveries in flight, then stops the PDF threads. */
    close: async () => {
      stopping.abort();
      monitor.stop();
      if (fullAuditStarted) await fullAudit();
      await dispatcher.stop();
      await peerSender?.stop();
      await sweeper.stop();
      await toolkit.close();
      await verifier?.close();
    },
  };
}

/** The PDF pipeline with each render-and-sign or countersign timed. */
function timedPdfs(pdfs: DocumentPdfs, observe: (operation: 'render-sign' | 'countersign', seconds: number) => void): DocumentPdfs {
  const timed = async <T>(operation: 'render-sign' | 'countersign', work: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      observe(operation, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
  return {
    renderSigned: (content, signer, signature) => timed('render-sign', () => pdfs.renderSigned(content, signer, signature)),
    countersign: (pdf, signer, signature) => timed('countersign', () => pdfs.countersign(pdf, signer, signature)),
  };
}

/**
 * Writes per API key: SDX_WRITE_RATE per second sustained, SDX_WRITE_BURST at once (defaults 20 and
 * 60); SDX_WRITE_RATE=0 turns the limit off, e.g. for a load bench.
 */
/** A numeric setting, or its default when unset; a bad value stops start-up with what was expected. */
function numberFromEnv(env: NodeJS.ProcessEnv, variable: string, fallback: number, valid: (n: number) => boolean, what: string): number {
  const text = env[variable];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!valid(value)) throw new Error(`${variable} must be ${what}, not "${text}"`);
  return value;
}

const wholeMs = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;

/**
 * Webhook delivery: SDX_WEBHOOK_TIMEOUT_MS per POST (5000), SDX_WEBHOOK_LEASE_MS a claim is held
 * (60000; must outlast the timeout), SDX_WEBHOOK_MAX_ATTEMPTS before a delivery is dead (8),
 * SDX_WEBHOOK_POLL_MS between passes (500), SDX_WEBHOOK_BASE_DELAY_MS the first retry's scale (1000).
 */
function dispatcherSettingsFromEnv(env: NodeJS.ProcessEnv) {
  const timeoutMs = numberFromEnv(env, 'SDX_WEBHOOK_TIMEOUT_MS', 5000, wholeMs(100, 120_000), 'milliseconds from 100 to 120000');
  const leaseMs = numberFromEnv(env, 'SDX_WEBHOOK_LEASE_MS', 60_000, wholeMs(timeoutMs + 100, 3_600_000), `milliseconds longer than the timeout (${timeoutMs})`);
  return {
    timeoutMs,
    leaseMs,
    maxAttempts: numberFromEnv(env, 'SDX_WEBHOOK_MAX_ATTEMPTS', 8, wholeMs(1, 100), 'a whole number of attempts from 1 to 100'),
    pollMs: numberFromEnv(env, 'SDX_WEBHOOK_POLL_MS', 500, wholeMs(10, 60_000), 'milliseconds from 10 to 60000'),
    baseDelayMs: numberFromEnv(env, 'SDX_WEBHOOK_BASE_DELAY_MS', 1000, wholeMs(10, 3_600_000), 'milliseconds from 10 to 3600000'),
  };
}

/**
 * Where webhooks may go: globally routable addresses only, unless SDX_WEBHOOK_ALLOW_PRIVATE=1 also
 * opens loopback and private networks (tests, local development; `--demo` does not imply it).
 */
function webhookDestinationsFromEnv(env: NodeJS.ProcessEnv): DestinationPolicy {
  const value = env.SDX_WEBHOOK_ALLOW_PRIVATE;
  if (value !== undefined && value !== '' && value !== '0' && value !== '1') throw new Error(`SDX_WEBHOOK_ALLOW_PRIVATE must be 0 or 1, not "${value}"`);
  return { allowPrivate: value === '1' };
}

/**
 * SDX_SESSION_IDLE: how long a web session may go unused, as `DESK,PHONE` (e.g. `30m,12h`, the
 * default) or one duration for both; each a whole number with `s`, `m` or `h`, from 1 minute to 7 days.
 */
export function sessionIdleFromEnv(env: NodeJS.ProcessEnv): IdleTimeouts {
  const text = env.SDX_SESSION_IDLE;
  if (text === undefined || text.trim() === '') return DEFAULT_IDLE_TIMEOUTS;
  const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };
  const parts = text.split(',').map((part) => part.trim());
  const durations = parts.map((part) => {
    const match = /^(\d{1,7})([smh])$/.exec(part);
    const ms = match ? Number(match[1]) * (units[match[2] ?? ''] ?? 0) : Number.NaN;
    return ms >= 60_000 && ms <= 7 * 24 * 3_600_000 ? ms : Number.NaN;
  });
  const [desk, phone = desk] = durations;
  if (parts.length > 2 || desk === undefined || phone === undefined || Number.isNaN(desk) || Number.isNaN(phone)) {
    throw new Error(`SDX_SESSION_IDLE must be DESK,PHONE idle timeouts such as 30m,12h (or one for both), each from 1m to 168h, not "${text}"`);
  }
  return { desk, phone };
}

/** SDX_MAX_STREAMS: open event streams per API key or web session (20). */
function maxStreamsFromEnv(env: NodeJS.ProcessEnv): number {
  return numberFromEnv(env, 'SDX_MAX_STREAMS', DEFAULT_MAX_STREAMS, wholeMs(1, 10_000), 'a whole number of streams from 1 to 10000');
}

function writeRateLimitFromEnv(env: NodeJS.ProcessEnv): { writeRateLimit?: WriteRateLimit } {
  const read = (variable: string, fallback: number, valid: (n: number) => boolean, what: string): number =>
    numberFromEnv(env, variable, fallback, valid, what);
  const perSecond = read('SDX_WRITE_RATE', DEFAULT_WRITE_RATE_LIMIT.perSecond, (n) => Number.isFinite(n) && n >= 0, 'writes per second per API key (0 = no limit)');
  const burst = read('SDX_WRITE_BURST', DEFAULT_WRITE_RATE_LIMIT.burst, (n) => Number.isInteger(n) && n >= 1, 'a whole number of writes of at least 1');
  return perSecond === 0 ? {} : { writeRateLimit: { perSecond, burst } };
}

/** SDX_PENDING_UPLOAD_MB: the uploads per party that no event references yet, in MiB (200). */
function pendingUploadQuotaFromEnv(env: NodeJS.ProcessEnv): number {
  const megabytes = numberFromEnv(env, 'SDX_PENDING_UPLOAD_MB', 200, (n) => Number.isInteger(n) && n >= 1 && n <= 1_000_000, 'a whole number of megabytes from 1 to 1000000');
  return megabytes * 1024 * 1024;
}

/**
 * Ids for Idempotency-Keys: HMAC-SHA-256 of (party, key) under SDX_ID_SECRET, or by default under a
 * key derived from the log signing key, which every process of a deployment shares and nobody
 * outside holds. A plain hash would let anyone who guesses a party's key find its document.
 */
function idempotentIds(env: NodeJS.ProcessEnv): (partyId: string, key: string) => string {
  const secret = deploymentSecret(env, 'SDX_ID_SECRET', 'sdx idempotency ids v1');
  return (partyId, key) => `doc-${createHmac('sha256', secret).update(`${partyId}\n${key}`, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * A secret every process of a deployment shares: the named variable, or by default one derived
 * (under `label`, so each use gets its own) from the log signing key, which nobody outside holds.
 */
function deploymentSecret(env: NodeJS.ProcessEnv, variable: string, label: string): Uint8Array {
  const configured = env[variable];
  return configured ? Buffer.from(configured, 'utf8') : createHmac('sha256', label).update(readFileSync(logKeyFile(env))).digest();
}

const platformCodeOf = (env: NodeJS.ProcessEnv): string => env.SDX_PLATFORM_CODE || 'SDX';

/**
 * This deployment among platforms: SDX_PLATFORM_CODE (2-4 capitals or digits, default SDX) and
 * SDX_PLATFORM_KEY_FILE (EC P-256 PEM, by default the development key in the certs directory).
 */
export function platformFromEnv(env: NodeJS.ProcessEnv): Platform {
  const code = platformCodeOf(env);
  if (!isPlatformCode(code)) throw new Error(`SDX_PLATFORM_CODE must be 2-4 capitals or digits, not "${code}"`);
  const keyFile = env.SDX_PLATFORM_KEY_FILE || join(resourcePaths(env).certsDir, 'platform.key.pem');
  try {
    return new Platform(code, createPrivateKey(readFileSync(keyFile, 'utf8')));
  } catch (error) {
    throw new Error(`SDX_PLATFORM_KEY_FILE: ${keyFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** SDX_PEER_RETRY_MS (first retry delay, doubling up to 10 min) and SDX_PEER_POLL_MS, for the peer outbox. */
function peerSenderSettingsFromEnv(env: NodeJS.ProcessEnv): Partial<PeerSenderOptions> {
  const ms = (name: string) => {
    const value = env[name];
    if (value === undefined || value === '') return undefined;
    if (!/^\d{1,9}$/.test(value) || Number(value) < 10) throw new Error(`${name} must be a whole number of milliseconds, at least 10`);
    return Number(value);
  };
  const baseDelayMs = ms('SDX_PEER_RETRY_MS');
  const pollMs = ms('SDX_PEER_POLL_MS');
  return { ...(baseDelayMs === undefined ? {} : { baseDelayMs }), ...(pollMs === undefined ? {} : { pollMs }) };
}

/** SDX_PEERS_FILE: the peer platforms (a JSON array, see domain/federation/peers.ts); none when unset. */
export function peersFromEnv(env: NodeJS.ProcessEnv): PeerConfig[] {
  const file = env.SDX_PEERS_FILE;
  if (!file) return [];
  try {
    return parsePeers(JSON.parse(readFileSync(file, 'utf8')), platformCodeOf(env));
  } catch (error) {
    throw new Error(`SDX_PEERS_FILE: ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The gate pass key (EC P-256 PEM): SDX_PASS_KEY_FILE, by default the development key in the certs
 * directory. SDX_PASS_RETIRED_KEY_FILES lists older keys as `FILE@TIME` (comma-separated, TIME in
 * ISO 8601 with its zone): each verifies only passes issued before TIME, and is published until the
 * last of those has expired.
 */
function gatePassesFromEnv(env: NodeJS.ProcessEnv): GatePasses {
  const keyFile = env.SDX_PASS_KEY_FILE ?? join(resourcePaths(env).certsDir, 'gate-pass.key.pem');
  const retired = (env.SDX_PASS_RETIRED_KEY_FILES ?? '').split(',').filter((entry) => entry.trim() !== '');
  return new GatePasses({
    signing: createPrivateKey(readFileSync(keyFile, 'utf8')),
    retired: retired.map((entry) => {
      const at = entry.lastIndexOf('@');
      const time = at > 0 ? entry.slice(at + 1).trim() : '';
      const retiredAt = new Date(time);
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(time) || Number.isNaN(retiredAt.getTime())) {
        throw new Error(`"${entry.trim()}" must be FILE@TIME, the time the key was retired in ISO 8601 with its zone (e.g. old-pass.pem@2026-12-01T00:00:00+08:00)`);
      }
      return { key: createPublicKey(readFileSync(entry.slice(0, at).trim(), 'utf8')), retiredAt };
    }),
  });
}

export function openLogService(store: Store, env: NodeJS.ProcessEnv, clock: () => Date = () => new Date()): LogService {
  return new LogService({ store, logSigner: logSignerFromEnv(env), clock });
}

export interface RunningService {
  url: string;
  /** Where QR codes and pass links point, and the address a phone should open: SDX_PUBLIC_URL, else `listeningUrl`. */
  publicUrl: string;
  /** Whether the service answers on the loopback interface only, so that no phone on the network can reach it. */
  loopbackOnly: boolean;
  demoCredentials: DemoCredential[];
  close(): Promise<void>;
}

export type Log = (level: 'info' | 'error', message: string, fields?: Record<string, unknown>) => void;

/**
 * The embedded store at `dbFile`, its folder created if needed; with `existingOnly` the database
 * must exist already (else a MissingDatabaseError, and nothing is created).
 */
export function openStore(dbFile: string, options: { existingOnly?: boolean } = {}): SqliteStore {
  if (options.existingOnly) return SqliteStore.open(dbFile, { existingOnly: true });
  if (dbFile !== ':memory:') mkdirSync(dirname(dbFile), { recursive: true });
  return SqliteStore.open(dbFile);
}

/** How long a MongoDB connection may look for a usable server before start-up gives up. */
const MONGO_SERVER_SELECTION_MS = 5_000;

/**
 * The store the configuration chooses. The MongoDB adapter is loaded only when chosen, so the
 * SQLite path never loads mongoose. With `existingOnly` (tools that only read) a SQLite file or a
 * PostgreSQL schema that is not there yet is a MissingDatabaseError, and nothing is created.
 */
export async function openConfiguredStore(
  config: Pick<ServiceConfig, 'store' | 'dbFile' | 'mongoUri' | 'pgUrl'> & { env?: NodeJS.ProcessEnv },
  options: { existingOnly?: boolean } = {},
): Promise<Store> {
  const existingOnly = options.existingOnly === true;
  if (config.store === 'sqlite') return openStore(config.dbFile, { existingOnly });
  if (config.store === 'postgres') {
    if (!config.pgUrl) throw new Error('the postgres store needs a URL (--pg-url or SDX_PG_URL)');
    const { PgStore } = await import('./adapters/store/postgres/pg-store.js');
    return PgStore.open(config.pgUrl, { existingOnly });
  }
  if (!config.mongoUri) throw new Error('the mongo store needs a connection string (--mongo-uri or SDX_MONGO_URI)');
  // node16 resolution treats import() as an ECMAScript import, which names the emitted .js file.
  const { MongoStore } = await import('./adapters/store/mongo/mongo-store.js');
  return MongoStore.connect(config.mongoUri, { serverSelectionTimeoutMS: MONGO_SERVER_SELECTION_MS, timeoutMS: storeTimeoutFromEnv(config.env ?? {}) });
}

/** SDX_STORE_TIMEOUT_MS: the deadline of one store call, after which it is 503 store-unavailable (10000). */
function storeTimeoutFromEnv(env: NodeJS.ProcessEnv): number {
  return numberFromEnv(env, 'SDX_STORE_TIMEOUT_MS', DEFAULT_STORE_TIMEOUT_MS, wholeMs(100, 600_000), 'milliseconds from 100 to 600000');
}

/** Where the data lives, for the start-up line; a connection string's user and password are left out. */
export function describeStore(config: Pick<ServiceConfig, 'store' | 'dbFile' | 'mongoUri' | 'pgUrl'>): string {
  if (config.store === 'sqlite') return config.dbFile;
  if (config.store === 'postgres') return `postgres ${redactedUrl(config.pgUrl ?? '')}`;
  return `mongo ${(config.mongoUri ?? '').replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, '$1')}`;
}

export async function startService(config: ServiceConfig, log: Log, options: { requestLog?: RequestLog } = {}): Promise<RunningService> {
  const store = await openConfiguredStore(config);
  let closePdfs = (): Promise<void> => Promise.resolve();
  // Bound first, so that QR codes and pass links name the port actually listened on (also for --port 0);
  // requests are answered once the app is wired below.
  let server: Server | undefined;
  try {
    const demoCredentials = config.demo
      ? await loadDemoParties(store, parseDemoParties(JSON.parse(readFileSync(config.demoPartiesFile, 'utf8'))), new Date().toISOString())
      : [];
    const bound = await listen(createServer(), config.port, config.host);
    server = bound;
    answerClientErrors(bound);
    const address = bound.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const listening = listeningUrl(config.host, port);
    const wired = await wireApp(store, config.env, log, {
      pdfWorkers: config.pdfWorkers,
      verifyWorkers: defaultPdfWorkerCount(),
      listeningUrl: listening,
      ...options,
    });
    closePdfs = wired.close;
    bound.on('request', wired.app);
    wired.dispatcher.start((error) => log('error', 'webhook delivery pass failed', { error: error instanceof Error ? error.message : String(error) }));
    wired.sweeper.start((error) => log('error', 'upload sweep failed', { error: error instanceof Error ? error.message : String(error) }));
    wired.peerSender?.start((error) => log('error', 'peer send pass failed', { error: error instanceof Error ? error.message : String(error) }));
    let closing: Promise<void> | undefined;
    return {
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
      publicUrl: (config.env.SDX_PUBLIC_URL || listening).replace(/\/+$/, ''),
      loopbackOnly: isLoopbackHost(config.host),
      demoCredentials,
      close: () => {
        wired.endStreams();
        closing ??= new Promise<void>((done) => {
          bound.close(() => done());
          bound.closeIdleConnections();
        })
          .then(closePdfs)
          .then(() => store.close());
        return closing;
      },
    };
  } catch (error) {
    if (server) {
      const open = server;
      await new Promise<void>((done) => open.close(() => done()));
    }
    await closePdfs();
    await store.close();
    throw error;
  }
}

/**
 * The URL of a service listening on `host`:`port`, as another machine would name it: for every
 * interface (0.0.0.0, ::) the machine's first non-internal IPv4 address, else 127.0.0.1.
 */
export function listeningUrl(
  host: string,
  port: number,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string {
  let name = host;
  if (host === '' || host === '0.0.0.0' || host === '::' || host === '[::]') {
    const external = Object.values(interfaces)
      .flatMap((list) => list ?? [])
      .find((info) => info.family === 'IPv4' && !info.internal);
    name = external?.address ?? '127.0.0.1';
  }
  return `http://${name.includes(':') && !name.startsWith('[') ? `[${name}]` : name}:${port}`;
}

/** Whether `host` is a loopback address or name, which no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveServer(server);
    });
  });
}

const logLevels = ['info', 'warn', 'error', 'silent'] as const;
export type LogLevelSetting = (typeof logLevels)[number];

export function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevelSetting {
  const level = env.SDX_LOG_LEVEL || 'info';
  if (!(logLevels as readonly string[]).includes(level)) throw new Error(`SDX_LOG_LEVEL must be one of ${logLevels.join(', ')}, not "${level}"`);
  return level as LogLevelSetting;
}

/** Every setting's check, run together at start so that each bad one is named (see settings.ts). */
export const settingChecks: readonly ((env: NodeJS.ProcessEnv) => unknown)[] = [
  (env) => configFromEnv(env),
  pdfWorkersFromEnv,
  writeRateLimitFromEnv,
  pendingUploadQuotaFromEnv,
  dispatcherSettingsFromEnv,
  storeTimeoutFromEnv,
  webhookDestinationsFromEnv,
  sessionIdleFromEnv,
  maxStreamsFromEnv,
  logLevelFromEnv,
  masterKeyFromEnv,
  padesLevelFromEnv,
  (env) => crlRefreshMs(env.SDX_CRL_REFRESH),
  platformFromEnv,
  peersFromEnv,
  peerSenderSettingsFromEnv,
  (env) => {
    const url = env.SDX_PUBLIC_URL;
    if (url && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(url)) throw new Error(`SDX_PUBLIC_URL must be an absolute http(s) URL, not "${url}"`);
  },
  (env) => {
    if (env.SDX_DEMO && !['0', '1'].includes(env.SDX_DEMO)) throw new Error(`SDX_DEMO must be 0 or 1, not "${env.SDX_DEMO}"`);
  },
  (env) => {
    try {
      gatePassesFromEnv(env);
    } catch (error) {
      throw new Error(`SDX_PASS_KEY_FILE / SDX_PASS_RETIRED_KEY_FILES: ${error instanceof Error ? error.message : String(error)}`);
    }
  },
  (env) => {
    try {
      logSignerFromEnv(env);
    } catch (error) {
      throw new Error(`SDX_LOG_KEY_FILE / SDX_LOG_CERT_FILE: ${error instanceof Error ? error.message : String(error)}`);
    }
  },
];

export { logSignerFromEnv };
