import { createHmac, createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { openKeyStore, openPdfToolkit, pdfSettingsOf } from './composition/pdf-toolkit';
import { projectRoot } from './composition/project-root';
import { trustFromCertsDir } from './composition/resources';
import { x5cProblem } from './adapters/pki/peer-x5c';
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
import { redactedUrl } from './adapters/store/postgres/redacted-url';
import { createApp } from './http/app';
import { answerClientErrors } from './http/client-errors';
import { answerWhileStarting } from './http/starting';
import { LogService } from './application/audit/log-service';
import { IntegrityMonitor, type IntegrityState } from './application/audit/store-integrity';
import { auditCertificateCheck } from './adapters/pki/audit-certificate-check';
import { openLogSigner } from './composition/log-signer';
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
import { addressPermitted } from './domain/network/destination.rule';
import { DEFAULT_THROTTLE, LoginThrottle } from './http/pages/login-throttle';
import { WebSessions } from './http/pages/session';
import { StreamSlots } from './http/event-stream';
import { ServiceMetrics, type RequestLog } from './http/observability';
import { PeerDirectory, Platform, platformKeysOf } from './application/federation/platform';
import { PeerAuthenticator } from './application/federation/peer-requests';
import type { AskPeer } from './application/federation/receiver-validation';
import { EnvelopeReceiver } from './application/federation/envelope-receiver';
import { NoticeReceiver } from './application/federation/release-notice';
import { PeerSender } from './application/federation/peer-sender';
import { PeerClient, fetchJwks } from './adapters/http/peer-client';
import { parsePeers, type PeerConfig } from './domain/federation/peers';
import { publicKeyFromJwk } from './domain/federation/compact-jws';
import { storeConfigProblem, type Settings, type SettingsResult } from './settings';
import { archiveRenewalScheduleFrom } from './composition/archive-renewals';
import type { ArchiveRenewalSchedule } from './application/archive-renewals';

/**
 * The one module that connects adapters, from settings parsed once (src/settings.ts); everything
 * else is handed what it needs.
 */

export { openPdfToolkit, type PdfToolkit } from './composition/pdf-toolkit';
export { trustFromCertsDir } from './composition/resources';
export { openLogSigner } from './composition/log-signer';

/** `sdx serve` renders on a few threads unless SDX_PDF_WORKERS says otherwise. */
export function servicePdfWorkers(settings: Pick<Settings, 'pdfWorkers'>): number {
  return settings.pdfWorkers ?? defaultPdfWorkerCount();
}

/**
 * Renders and signs on `workers` threads, each loading the keys itself, or (0) on the event loop.
 * Only the PDF side of the settings is handed to the workers.
 */
async function openDocumentPdfs(settings: Settings, clock: () => Date, workers: number): Promise<{ pdfs: DocumentPdfs; keys: KeyStore; close(): Promise<void> }> {
  const paths = { templatesDir: settings.paths.templatesDir, certsDir: settings.paths.certsDir };
  if (workers === 0) {
    const toolkit = await openPdfToolkit(paths, settings, clock);
    return { pdfs: toolkit.pdfs, keys: toolkit.keys, close: () => Promise.resolve() };
  }
  const keys = openKeyStore(settings, paths.certsDir);
  const pool = await PdfWorkerPool.start({ ...paths, settings: pdfSettingsOf(settings) }, { workers });
  return { pdfs: pool, keys, close: () => pool.close() };
}

/**
 * The HTTP app over a store: document service with signing keys, PDF pipeline and the verifier.
 * SDX_PUBLIC_URL is where QR codes on documents point. PDFs are made on `options.pdfWorkers`
 * threads, else SDX_PDF_WORKERS, else on the event loop; `close` ends the threads. Uploaded PDFs
 * are verified on `options.verifyWorkers` threads, each verification bounded in time and memory
 * (startService always uses them); 0, the default for tests, verifies on the event loop unbounded.
 */
export async function wireApp(
  store: Store,
  settings: Settings,
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
  /** Renews stored archives on SDX_ARCHIVE_RENEW_EVERY, once started (startService starts it). */
  archiveRenewals: ArchiveRenewalSchedule;
  /** Sends envelopes and notices to peer platforms, once started (startService starts it); absent on a store without federation records. */
  peerSender?: PeerSender;
  /** Ends open event streams, so that closing the HTTP server does not wait on them. */
  endStreams(): void;
  close(): Promise<void>;
}> {
  const paths = settings.paths;
  // Tests inject a clock (e.g. to pass an idle timeout without sleeping); the service runs on the wall clock.
  const clock = options.clock ?? (() => new Date());
  const trust = trustFromCertsDir(paths.certsDir);
  const verifier = options.verifyWorkers ? new BoundedPdfVerifier({ trust, workers: options.verifyWorkers }) : undefined;
  const toolkit = await openDocumentPdfs(settings, clock, options.pdfWorkers ?? settings.pdfWorkers ?? 0);
  const publicUrl = settings.publicUrl ?? (options.listeningUrl ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const logSigner = openLogSigner(settings);
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
  const platform = platformOf(settings);
  const peerDirectory = new PeerDirectory(peersOf(settings), fetchJwks);
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
    idempotentId: idempotentIds(settings),
    verifyUrl: (id) => `${publicUrl}/verify/${id}`,
    pendingUploadQuotaBytes: settings.pendingUploadQuotaBytes,
  });
  const sweeper = new UploadSweeper({ store, clock });
  const archiveRenewals = archiveRenewalScheduleFrom(store, settings, clock, logSigner, { log: logLine, count: (counts) => metrics.archiveRenewals(counts) });
  const destinations = { allowPrivate: settings.webhooks.allowPrivate };
  const resolveHost = options.resolveHost ?? resolveWithDns;
  const webhooks = new WebhookService({
    store: store.webhooks,
    secret: deploymentSecret(settings, settings.webhookSecret, 'sdx webhooks v1'),
    clock,
    allowHttp: settings.webhooks.allowHttp,
    destinations,
    resolveHost,
  });
  const post = webhookPost({ resolveHost, permitted: (address) => addressPermitted(address, destinations) });
  const dispatcher = new WebhookDispatcher({ store: store.webhooks, post, secretFor: (id) => webhooks.secretFor(id),
    clock,
    timeoutMs: settings.webhooks.timeoutMs,
    leaseMs: settings.webhooks.leaseMs,
    maxAttempts: settings.webhooks.maxAttempts,
    pollMs: settings.webhooks.pollMs,
    baseDelayMs: settings.webhooks.baseDelayMs,
  });
  const federation = store.federation;
  const platformKeys = platformKeysOf(platform, peerDirectory);
  const pendingUploadQuotaBytes = settings.pendingUploadQuotaBytes;
  const receiver = federation ? new EnvelopeReceiver({ store, federation, platform, keys: platformKeys, peers: peerDirectory, documents, clock, pendingUploadQuotaBytes }) : undefined;
  const notices = federation ? new NoticeReceiver({ store, federation, platform, peers: peerDirectory, documents, clock }) : undefined;
  const peerSender = federation
    ? new PeerSender({ store, federation, peers: peerDirectory, documents, clock, call: (peer, method, path, body) => peerClient.call(peer, method, path, body), options: settings.peerSend })
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
    stream: { pollMs: 500, heartbeatMs: 15_000, stopping: stopping.signal, slots: new StreamSlots(settings.maxStreams) },
    metrics,
    ...(settings.metricsToken ? { metricsToken: settings.metricsToken } : {}),
    ...(options.requestLog ? { requestLog: options.requestLog } : {}),
    ...(settings.writeRateLimit ? { writeRateLimit: { ...settings.writeRateLimit } } : {}),
    pages: {
      passes: gatePassesOf(settings),
      sessions: new WebSessions({
        secret: deploymentSecret(settings, settings.sessionSecret, 'sdx web sessions v1'),
        store: store.sessions,
        clock,
        idle: settings.sessionIdle,
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
    archiveRenewals,
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
      await archiveRenewals.stop();
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
 * Ids for Idempotency-Keys: HMAC-SHA-256 of (party, key) under SDX_ID_SECRET, or by default under a
 * key derived from the log signing key, which every process of a deployment shares and nobody
 * outside holds. A plain hash would let anyone who guesses a party's key find its document.
 */
function idempotentIds(settings: Settings): (partyId: string, key: string) => string {
  const secret = deploymentSecret(settings, settings.idSecret, 'sdx idempotency ids v1');
  return (partyId, key) => `doc-${createHmac('sha256', secret).update(`${partyId}\n${key}`, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * A secret every process of a deployment shares: the configured one, or by default one derived
 * (under `label`, so each use gets its own) from the log signing key, which nobody outside holds.
 */
function deploymentSecret(settings: Pick<Settings, 'logKeyFile'>, configured: string | undefined, label: string): Uint8Array {
  return configured ? Buffer.from(configured, 'utf8') : createHmac('sha256', label).update(readFileSync(settings.logKeyFile)).digest();
}

/** This deployment among platforms: SDX_PLATFORM_CODE with the key of SDX_PLATFORM_KEY_FILE (EC P-256 PEM). */
export function platformOf(settings: Pick<Settings, 'platformCode' | 'platformKeyFile'>): Platform {
  try {
    return new Platform(settings.platformCode, createPrivateKey(readFileSync(settings.platformKeyFile, 'utf8')));
  } catch (error) {
    throw new Error(`SDX_PLATFORM_KEY_FILE: ${settings.platformKeyFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** SDX_PEERS_FILE: the peer platforms (a JSON array, see domain/federation/peers.ts); none when unset. */
export function peersOf(settings: Pick<Settings, 'peersFile' | 'platformCode' | 'paths'>, at: Date = new Date()): PeerConfig[] {
  const file = settings.peersFile;
  if (!file) return [];
  try {
    const peers = parsePeers(JSON.parse(readFileSync(file, 'utf8')), settings.platformCode);
    // A peer's x5c must vouch for its pinned key under this deployment's trust anchors.
    const withChain = peers.filter((peer) => peer.x5c !== undefined);
    const anchors = withChain.length > 0 ? trustFromCertsDir(settings.paths.certsDir).anchors : [];
    const problems = withChain.flatMap((peer) => {
      const problem = x5cProblem(peer.x5c ?? [], peer.jwk ? publicKeyFromJwk(peer.jwk) : undefined, anchors, at);
      return problem ? [`${peer.code}: ${problem}`] : [];
    });
    if (problems.length > 0) throw new Error(problems.join('; '));
    return peers;
  } catch (error) {
    throw new Error(`SDX_PEERS_FILE: ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The gate pass key (EC P-256 PEM, SDX_PASS_KEY_FILE) and the older keys of
 * SDX_PASS_RETIRED_KEY_FILES: each verifies only passes issued before its retirement, and is
 * published until the last of those has expired.
 */
function gatePassesOf(settings: Pick<Settings, 'passKeyFile' | 'passRetiredKeys'>): GatePasses {
  return new GatePasses({
    signing: createPrivateKey(readFileSync(settings.passKeyFile, 'utf8')),
    retired: settings.passRetiredKeys.map(({ file, retiredAt }) => ({ key: createPublicKey(readFileSync(file, 'utf8')), retiredAt })),
  });
}

export function openLogService(store: Store, settings: Settings, clock: () => Date = () => new Date()): LogService {
  return new LogService({ store, logSigner: openLogSigner(settings), clock });
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
  config: Pick<Settings, 'store' | 'dbFile' | 'mongoUri' | 'pgUrl'> & Partial<Pick<Settings, 'storeTimeoutMs'>>,
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
  return MongoStore.connect(config.mongoUri, { serverSelectionTimeoutMS: MONGO_SERVER_SELECTION_MS, ...(config.storeTimeoutMs ? { timeoutMS: config.storeTimeoutMs } : {}) });
}

/** Where the data lives, for the start-up line; a connection string's user and password are left out. */
export function describeStore(config: Pick<Settings, 'store' | 'dbFile' | 'mongoUri' | 'pgUrl'>): string {
  if (config.store === 'sqlite') return config.dbFile;
  if (config.store === 'postgres') return `postgres ${redactedUrl(config.pgUrl ?? '')}`;
  return `mongo ${(config.mongoUri ?? '').replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, '$1')}`;
}

/** How long requests still in flight when the service is told to stop may take before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 10_000;
const IDLE_SWEEP_MS = 50;

/**
 * The service on `config` (the settings with `sdx serve`'s flags applied): the store opened, the
 * port bound, the app wired and the webhook and upload sweeps started.
 */
export async function startService(
  config: Settings,
  log: Log,
  options: { requestLog?: RequestLog; shutdownGraceMs?: number } = {},
): Promise<RunningService> {
  const store = await openConfiguredStore(config);
  let closePdfs = (): Promise<void> => Promise.resolve();
  // Bound first, so that QR codes and pass links name the port actually listened on (also for --port 0);
  // until the app is wired below, requests are answered 503 `starting`.
  let server: Server | undefined;
  try {
    const demoCredentials = config.demo
      ? await loadDemoParties(store, parseDemoParties(JSON.parse(readFileSync(join(projectRoot, 'certs-dev', 'demo-parties.json'), 'utf8'))), new Date().toISOString())
      : [];
    const bound = await listen(createServer(), config.port, config.host);
    server = bound;
    answerClientErrors(bound);
    const ready = answerWhileStarting(bound, (config.publicUrl ?? '').startsWith('https:'));
    const address = bound.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const listening = listeningUrl(config.host, port);
    const wired = await wireApp(store, config, log, {
      pdfWorkers: servicePdfWorkers(config),
      verifyWorkers: defaultPdfWorkerCount(),
      listeningUrl: listening,
      requestLog: options.requestLog,
    });
    closePdfs = wired.close;
    ready(wired.app);
    wired.dispatcher.start((error) => log('error', 'webhook delivery pass failed', { error: error instanceof Error ? error.message : String(error) }));
    wired.sweeper.start((error) => log('error', 'upload sweep failed', { error: error instanceof Error ? error.message : String(error) }));
    wired.archiveRenewals.start();
    wired.peerSender?.start((error) => log('error', 'peer send pass failed', { error: error instanceof Error ? error.message : String(error) }));
    let closing: Promise<void> | undefined;
    return {
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
      publicUrl: config.publicUrl ?? listening.replace(/\/+$/, ''),
      loopbackOnly: isLoopbackHost(config.host),
      demoCredentials,
      close: () => {
        wired.endStreams();
        closing ??= new Promise<void>((done) => {
          // Requests in flight are answered; their connections are closed as they go idle. A client
          // holding a request open (a stalled upload, a body that never ends) is cut after the grace.
          const idleSweep = setInterval(() => bound.closeIdleConnections(), IDLE_SWEEP_MS).unref();
          const cut = setTimeout(() => bound.closeAllConnections(), options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS).unref();
          bound.close(() => {
            clearInterval(idleSweep);
            clearTimeout(cut);
            done();
          });
        })
          .then(closePdfs)
          .then(() => store.close());
        return closing;
      },
    };
  } catch (error) {
    if (server) {
      const open = server;
      await new Promise<void>((done) => {
        open.close(() => done());
        open.closeAllConnections();
      });
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

/**
 * Everything start-up stops on, each named once: the values' own problems, the store chosen
 * without its address, then the files the settings name (keys, certificates, peers), read as the
 * wiring will read them. Bad values are replaced by their defaults so the files are still checked.
 */
export function settingProblems(parsed: SettingsResult): string[] {
  const settings = parsed.ok ? parsed.settings : parsed.fallback;
  const problems = parsed.ok ? [] : parsed.errors.map((error) => error.message);
  const storeProblem = storeConfigProblem(settings);
  if (storeProblem) problems.push(storeProblem);
  const files: [string, () => unknown][] = [
    ['', () => platformOf(settings)],
    ['', () => peersOf(settings)],
    ['SDX_PASS_KEY_FILE / SDX_PASS_RETIRED_KEY_FILES: ', () => gatePassesOf(settings)],
    ['SDX_LOG_KEY_FILE / SDX_LOG_CERT_FILE: ', () => openLogSigner(settings)],
  ];
  for (const [prefix, open] of files) {
    try {
      open();
    } catch (error) {
      problems.push(`${prefix}${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return [...new Set(problems)];
}
