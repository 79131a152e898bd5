/**
 * The service's settings: every one is an `SDX_*` variable, from the environment or from a JSON
 * config file (SDX_CONFIG_FILE or `sdx serve --config`), the environment winning. They are parsed
 * once, here, into a typed `Settings`; every bad one is named at once, instead of failing on the
 * first deep inside the wiring. Files the settings name (keys, peers) are read by the wiring.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { PadesLevel } from './adapters/pdf/sign/pades-ltv';
import { isPlatformCode } from './domain/federation/platform-address';
import { projectRoot } from './composition/project-root';

export const settings: Record<string, string> = {
  SDX_PORT: 'TCP port (8080; 0 picks a free one)',
  SDX_HOST: 'address to listen on (127.0.0.1)',
  SDX_PUBLIC_URL: 'the URL people reach the service at, used in QR codes and pass links (default: the address sdx serve listens on)',
  SDX_STORE: 'sqlite (default), postgres or mongo',
  SDX_DB: 'SQLite file (./data/sdx.sqlite)',
  SDX_MONGO_URI: 'MongoDB replica-set connection string, for SDX_STORE=mongo',
  SDX_STORE_TIMEOUT_MS: 'deadline of one MongoDB store call before 503 store-unavailable (10000)',
  SDX_PG_URL: 'PostgreSQL URL (postgres://user:password@host/db), for SDX_STORE=postgres',
  SDX_DEMO: '1 loads the demo parties of certs-dev/',
  SDX_PDF_WORKERS: 'threads that render and sign PDFs (0 = on the event loop)',
  SDX_CERTS_DIR: 'trust anchors, CRLs and (development) keys',
  SDX_TEMPLATES_DIR: 'PDF layouts, fonts and page assets',
  SDX_WEB_DIR: 'compiled browser scripts (dist/web)',
  SDX_KEYS_DIR: 'sealed party keys (with SDX_MASTER_KEY)',
  SDX_MASTER_KEY: 'base64 key that unseals the party keys',
  SDX_TSA_URL: 'RFC 3161 time-stamp authority (default: the development TSA)',
  SDX_DEV_TSA_POLICY: 'policy OID of the development TSA',
  SDX_PADES_LEVEL: 'PAdES level of new signatures: T, LT (sdx serve default: with validation data) or LTA (plus a document timestamp)',
  SDX_OCSP_URL: 'OCSP responder asked for validation data (default: the development responder, in process)',
  SDX_CRL_REFRESH: 'how often CRL files are read again besides their nextUpdate (5m; 0 = on every use)',
  SDX_ARCHIVE_RENEW_EVERY: 'how often sdx serve renews stored archives whose newest timestamp expires soon (24h; 30m, 12h, 1d...; 0 = off)',
  SDX_ARCHIVE_RENEW_BEFORE: 'days before the newest timestamp\'s TSA certificate expires that an archive is renewed (90)',
  SDX_LOG_KEY_FILE: 'audit-log signing key (PEM)',
  SDX_LOG_CERT_FILE: 'audit-log certificate (PEM)',
  SDX_ID_SECRET: 'secret for ids derived from Idempotency-Keys',
  SDX_SESSION_SECRET: 'secret that signs web sessions',
  SDX_SESSION_IDLE: 'idle timeout of web sessions, desk,phone (30m,12h)',
  SDX_MAX_STREAMS: 'open event streams per API key or web session (20)',
  SDX_WEBHOOK_SECRET: 'secret the webhook signing secrets derive from',
  SDX_PASS_KEY_FILE: 'gate-pass signing key (EC P-256 PEM)',
  SDX_PASS_RETIRED_KEY_FILES: 'older gate-pass keys as FILE@RETIRED-AT (ISO 8601), comma-separated',
  SDX_PLATFORM_CODE: 'this deployment\'s platform code among peers (PINT eblPlatform; 2-4 capitals or digits, SDX)',
  SDX_PLATFORM_KEY_FILE: 'platform signing key for envelopes and receipts (EC P-256 PEM; default: the development key)',
  SDX_PEERS_FILE: 'JSON array of peer platforms: code, url, and a pinned jwk or a jwksUrl (x5c optional)',
  SDX_PEER_RETRY_MS: 'first retry delay of an envelope or notice to a peer, doubling up to 10 minutes (2000)',
  SDX_PEER_POLL_MS: 'time between passes over the peer outbox (1000)',
  SDX_WRITE_RATE: 'writes per second per API key (0 = no limit); one limit for all nodes on PostgreSQL',
  SDX_WRITE_BURST: 'writes an API key may send at once',
  SDX_PENDING_UPLOAD_MB: 'MiB of uploads per party that no event references yet (200; 413 beyond)',
  SDX_WEBHOOK_TIMEOUT_MS: 'time a webhook receiver has to answer',
  SDX_WEBHOOK_LEASE_MS: 'how long a claimed delivery stays with one process',
  SDX_WEBHOOK_MAX_ATTEMPTS: 'attempts before a delivery is set aside as dead',
  SDX_WEBHOOK_POLL_MS: 'time between delivery passes',
  SDX_WEBHOOK_BASE_DELAY_MS: 'scale of the first retry delay',
  SDX_WEBHOOK_ALLOW_HTTP: '1 allows plain-http webhook URLs beyond loopback',
  SDX_WEBHOOK_ALLOW_PRIVATE: '1 lets webhooks reach loopback and private networks (tests, local development)',
  SDX_METRICS_TOKEN: 'bearer token for /metrics from other hosts (loopback needs none)',
  SDX_LOG_LEVEL: 'info (default), warn, error or silent',
};

/** Variables SDX reads that are not service settings (so not allowed in a config file). */
const otherVariables = new Set(['SDX_CONFIG_FILE', 'SDX_API_KEY']);

export type StoreKind = 'sqlite' | 'mongo' | 'postgres';
export const storeKinds: readonly StoreKind[] = ['sqlite', 'mongo', 'postgres'];
export function isStoreKind(value: string): value is StoreKind {
  return (storeKinds as readonly string[]).includes(value);
}

const logLevels = ['info', 'warn', 'error', 'silent'] as const;
export type LogLevelSetting = (typeof logLevels)[number];

/** Far above what a party's systems send, well below what a runaway client or a flood does. */
export const DEFAULT_WRITE_RATE_LIMIT = { perSecond: 20, burst: 60 } as const;
/** A desk session ends after 30 idle minutes; a phone (a driver's wallet) after 12 hours. */
export const DEFAULT_IDLE_TIMEOUTS = { desk: 30 * 60_000, phone: 12 * 3600_000 } as const;
/** A phone, a desk and a few systems need far fewer open event streams. */
export const DEFAULT_MAX_STREAMS = 20;
/** One store call's deadline (the MongoDB adapter's own default is the same). */
export const DEFAULT_STORE_TIMEOUT_MS = 10_000;

/** Where the templates, the development PKI and the compiled page scripts are. */
export interface ResourcePaths {
  readonly templatesDir: string;
  readonly certsDir: string;
  readonly webDir: string;
}

/** Every setting, parsed. Optional ones are absent when unset (or set to an empty string). */
export interface Settings {
  readonly port: number;
  readonly host: string;
  /** SDX_PUBLIC_URL without trailing slashes. */
  readonly publicUrl?: string;
  readonly store: StoreKind;
  /** SDX_DB, absolute. */
  readonly dbFile: string;
  readonly mongoUri?: string;
  readonly pgUrl?: string;
  readonly storeTimeoutMs: number;
  readonly demo: boolean;
  /** Absent when unset: `sdx serve` then uses a few threads, in-process wiring (tests, benches) the event loop. */
  readonly pdfWorkers?: number;
  readonly paths: ResourcePaths;
  readonly keysDir?: string;
  /** SDX_MASTER_KEY, decoded: 32 bytes. */
  readonly masterKey?: Uint8Array;
  readonly tsaUrl?: string;
  readonly devTsaPolicy?: string;
  /** Absent when unset: `sdx serve` signs B-LT, `sdx demo` B-LTA, other wiring B-T. */
  readonly padesLevel?: PadesLevel;
  readonly ocspUrl?: string;
  readonly crlRefreshMs: number;
  readonly logKeyFile: string;
  readonly logCertFile: string;
  /** Deployment secrets; absent ones are derived from the log signing key. */
  readonly idSecret?: string;
  readonly sessionSecret?: string;
  readonly webhookSecret?: string;
  readonly sessionIdle: { readonly desk: number; readonly phone: number };
  readonly maxStreams: number;
  readonly passKeyFile: string;
  readonly passRetiredKeys: readonly { readonly file: string; readonly retiredAt: Date }[];
  readonly platformCode: string;
  readonly platformKeyFile: string;
  readonly peersFile?: string;
  /** SDX_PEER_RETRY_MS and SDX_PEER_POLL_MS, the peer outbox's first retry delay and poll interval. */
  readonly peerSend: { readonly baseDelayMs: number; readonly pollMs: number };
  /** Absent when SDX_WRITE_RATE=0 (no limit). */
  readonly writeRateLimit?: { readonly perSecond: number; readonly burst: number };
  readonly pendingUploadQuotaBytes: number;
  readonly webhooks: {
    readonly timeoutMs: number;
    readonly leaseMs: number;
    readonly maxAttempts: number;
    readonly pollMs: number;
    readonly baseDelayMs: number;
    readonly allowHttp: boolean;
    readonly allowPrivate: boolean;
  };
  readonly metricsToken?: string;
  readonly logLevel: LogLevelSetting;
  /** SDX_ARCHIVE_RENEW_EVERY (0 = off) and SDX_ARCHIVE_RENEW_BEFORE, the stored-archive renewal job. */
  readonly archiveRenewal: { readonly everyMs: number; readonly beforeDays: number };
  /** SDX_API_KEY, for the tools that call a running service (`sdx import`, `sdx audit export --url`). */
  readonly apiKey?: string;
}

/** One bad setting: its variable (or the config file) and what is wrong, in one sentence. */
export interface SettingError {
  readonly setting: string;
  readonly message: string;
  /** `file`: the config file itself is unreadable or malformed (nothing else is checked then). */
  readonly kind: 'value' | 'file';
}

export type SettingsResult =
  | { readonly ok: true; readonly settings: Settings; readonly warnings: readonly string[] }
  | {
      readonly ok: false;
      readonly errors: readonly SettingError[];
      readonly warnings: readonly string[];
      /** Each bad value replaced by its default, so that checks of the files named can still run. */
      readonly fallback: Settings;
    };

/** The process environment as the one reader (src/cli/sdx.ts) hands it on. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Parses every setting once: `env` (the process environment) over `configFile` (a JSON object of
 * SDX_* names to strings, numbers or booleans). Never throws; reads no file.
 */
export function parseSettings(env: Environment, configFile?: { path: string; text: string }): SettingsResult {
  let merged: Environment = env;
  if (configFile) {
    const fromFile = settingsFromFile(configFile.text, configFile.path);
    if (!fromFile.ok) return { ok: false, errors: fromFile.errors, warnings: [], fallback: parseValues({}).settings };
    merged = withFileSettings(env, fromFile.values);
  }
  const { settings: parsed, errors } = parseValues(merged);
  const warnings = Object.keys(env)
    .filter((name) => name.startsWith('SDX_') && !(name in settings) && !otherVariables.has(name))
    .map((name) => `${name} is not a setting SDX knows (misspelt?); it is ignored`);
  return errors.length === 0 ? { ok: true, settings: parsed, warnings } : { ok: false, errors, warnings, fallback: parsed };
}

/** The settings, or an Error naming every bad one (for tests, benches and in-process wiring). */
export function settingsOrThrow(env: Environment = {}): Settings {
  const parsed = parseSettings(env);
  if (!parsed.ok) throw new Error(parsed.errors.map((error) => error.message).join('\n'));
  return parsed.settings;
}

function settingsFromFile(text: string, file: string): { ok: true; values: Record<string, string> } | { ok: false; errors: SettingError[] } {
  const problem = (message: string): SettingError => ({ setting: file, message, kind: 'file' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, errors: [problem(`${file} is not JSON`)] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, errors: [problem(`${file} must hold one JSON object of SDX_* settings`)] };
  const errors: SettingError[] = [];
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!(name in settings)) errors.push(problem(`${file}: unknown setting ${name}`));
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') values[name] = String(value);
    else errors.push(problem(`${file}: ${name} must be a string, number or boolean`));
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values };
}

/** File settings under the environment's: what an operator exports overrides the file. */
function withFileSettings(env: Environment, fromFile: Record<string, string>): Environment {
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return merged;
}

const RENEW_EVERY_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Days before a timestamp certificate expires that an archive is renewed, unless told otherwise. */
export const DEFAULT_RENEW_BEFORE_DAYS = 90;

/** Whole days from 0 to 36500 (`--before`, SDX_ARCHIVE_RENEW_BEFORE), or undefined. */
export function renewalDays(text: string): number | undefined {
  const days = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  return days <= 36_500 ? days : undefined;
}

const wholeIn = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Every value parsed; a bad one is reported and replaced by its default. */
function parseValues(env: Environment): { settings: Settings; errors: SettingError[] } {
  const errors: SettingError[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  /** `check` returns the parsed value, or undefined when `value` is bad (then `message` is reported). */
  const read = <T>(name: string, fallback: T, check: (value: string) => T | undefined, message: (value: string) => string): T => {
    const value = text(name);
    if (value === undefined) return fallback;
    const parsed = check(value);
    if (parsed !== undefined) return parsed;
    errors.push({ setting: name, message: message(value), kind: 'value' });
    return fallback;
  };
  const number = (name: string, fallback: number, valid: (n: number) => boolean, what: string): number =>
    read(name, fallback, (value) => (valid(Number(value)) ? Number(value) : undefined), (value) => `${name} must be ${what}, not "${value}"`);
  const flag = (name: string, message: (value: string) => string): boolean =>
    read(name, false, (value) => (value === '1' ? true : value === '0' ? false : undefined), message);
  const path = (name: string, fallback: string): string => resolve(text(name) ?? fallback);

  const port = number('SDX_PORT', 8080, wholeIn(0, 65535), 'a port number from 0 to 65535');
  const store = read<StoreKind>('SDX_STORE', 'sqlite', (value) => (isStoreKind(value) ? value : undefined), (value) => `SDX_STORE must be one of ${storeKinds.join(', ')}, not "${value}"`);
  const mongoUri = text('SDX_MONGO_URI');
  const pgUrl = text('SDX_PG_URL');
  const publicUrl = read(
    'SDX_PUBLIC_URL',
    undefined,
    (value) => (/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(value) ? value.replace(/\/+$/, '') : undefined),
    (value) => `SDX_PUBLIC_URL must be an absolute http(s) URL, not "${value}"`,
  );
  const paths: ResourcePaths = {
    templatesDir: path('SDX_TEMPLATES_DIR', join(projectRoot, 'templates')),
    certsDir: path('SDX_CERTS_DIR', join(projectRoot, 'certs-dev')),
    // The pages' browser scripts, compiled by `npm run build` from src/web.
    webDir: path('SDX_WEB_DIR', join(projectRoot, 'dist', 'web')),
  };
  const pdfWorkers = read<number | undefined>(
    'SDX_PDF_WORKERS',
    undefined,
    (value) => (wholeIn(0, 64)(Number(value)) ? Number(value) : undefined),
    (value) => `SDX_PDF_WORKERS must be a whole number of worker threads from 0 (render on the main thread) to 64, not "${value}"`,
  );
  const masterKey = read<Uint8Array | undefined>(
    'SDX_MASTER_KEY',
    undefined,
    (value) => {
      const key = Buffer.from(value, 'base64');
      return key.length === 32 ? new Uint8Array(key) : undefined;
    },
    () => 'SDX_MASTER_KEY must be 32 bytes, base64-encoded (sdx keys new-master-key makes one)',
  );
  const keysDir = text('SDX_KEYS_DIR');
  const padesLevel = read<PadesLevel | undefined>(
    'SDX_PADES_LEVEL',
    undefined,
    (value) => ({ T: 'B-T', LT: 'B-LT', LTA: 'B-LTA' } as const)[value.toUpperCase() as 'T' | 'LT' | 'LTA'],
    (value) => `SDX_PADES_LEVEL must be T, LT or LTA, not "${value}"`,
  );
  const crlRefreshMs = read(
    'SDX_CRL_REFRESH',
    5 * 60_000,
    (value) => {
      const match = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
      return match ? Number(match[1]) * (DURATION_UNITS[match[2] ?? 'ms'] ?? 1) : undefined;
    },
    (value) => `SDX_CRL_REFRESH must be a duration such as 0, 30s, 5m or 1h, not "${value}"`,
  );
  const sessionIdle = read('SDX_SESSION_IDLE', DEFAULT_IDLE_TIMEOUTS, parseIdle, (value) =>
    `SDX_SESSION_IDLE must be DESK,PHONE idle timeouts such as 30m,12h (or one for both), each from 1m to 168h, not "${value}"`,
  );
  const perSecond = number('SDX_WRITE_RATE', DEFAULT_WRITE_RATE_LIMIT.perSecond, (n) => Number.isFinite(n) && n >= 0, 'writes per second per API key (0 = no limit)');
  const burst = number('SDX_WRITE_BURST', DEFAULT_WRITE_RATE_LIMIT.burst, (n) => Number.isInteger(n) && n >= 1, 'a whole number of writes of at least 1');
  const timeoutMs = number('SDX_WEBHOOK_TIMEOUT_MS', 5000, wholeIn(100, 120_000), 'milliseconds from 100 to 120000');
  const platformCode = read('SDX_PLATFORM_CODE', 'SDX', (value) => (isPlatformCode(value) ? value : undefined), (value) => `SDX_PLATFORM_CODE must be 2-4 capitals or digits, not "${value}"`);
  const logLevel = read<LogLevelSetting>('SDX_LOG_LEVEL', 'info', (value) => logLevels.find((level) => level === value), (value) =>
    `SDX_LOG_LEVEL must be one of ${logLevels.join(', ')}, not "${value}"`,
  );
  const passRetiredKeys = read('SDX_PASS_RETIRED_KEY_FILES', [], parseRetiredKeys, (value) =>
    `SDX_PASS_KEY_FILE / SDX_PASS_RETIRED_KEY_FILES: each of "${value}" must be FILE@TIME, the time the key was retired in ISO 8601 with its zone (e.g. old-pass.pem@2026-12-01T00:00:00+08:00)`,
  );
  const archiveRenewEveryMs = read(
    'SDX_ARCHIVE_RENEW_EVERY',
    24 * 3_600_000,
    (value) => {
      if (value === '0') return 0;
      const match = /^(\d{1,6})([mhd])$/.exec(value);
      const ms = match ? Number(match[1]) * (RENEW_EVERY_UNITS[match[2] ?? ''] ?? NaN) : NaN;
      return Number.isSafeInteger(ms) && ms >= 60_000 ? ms : undefined;
    },
    (value) => `SDX_ARCHIVE_RENEW_EVERY must be 0 (off) or a whole number of minutes, hours or days such as 30m, 12h or 1d, not "${value}"`,
  );
  const archiveRenewBeforeDays = read('SDX_ARCHIVE_RENEW_BEFORE', DEFAULT_RENEW_BEFORE_DAYS, renewalDays, (value) =>
    `SDX_ARCHIVE_RENEW_BEFORE must be a whole number of days from 0 to 36500, not "${value}"`,
  );
  const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: V }));

  const parsed: Settings = {
    port,
    host: text('SDX_HOST') ?? '127.0.0.1',
    ...optional('publicUrl', publicUrl),
    store,
    dbFile: path('SDX_DB', defaultDbFile()),
    ...optional('mongoUri', mongoUri),
    ...optional('pgUrl', pgUrl),
    storeTimeoutMs: number('SDX_STORE_TIMEOUT_MS', DEFAULT_STORE_TIMEOUT_MS, wholeIn(100, 600_000), 'milliseconds from 100 to 600000'),
    demo: flag('SDX_DEMO', (value) => `SDX_DEMO must be 0 or 1, not "${value}"`),
    ...optional('pdfWorkers', pdfWorkers),
    paths,
    ...optional('keysDir', keysDir),
    ...optional('masterKey', masterKey),
    ...optional('tsaUrl', text('SDX_TSA_URL')),
    ...optional('devTsaPolicy', text('SDX_DEV_TSA_POLICY')),
    ...optional('padesLevel', padesLevel),
    ...optional('ocspUrl', text('SDX_OCSP_URL')),
    crlRefreshMs,
    logKeyFile: path('SDX_LOG_KEY_FILE', join(paths.certsDir, 'log-signing.key.pem')),
    logCertFile: path('SDX_LOG_CERT_FILE', join(paths.certsDir, 'log-signing.pem')),
    ...optional('idSecret', text('SDX_ID_SECRET')),
    ...optional('sessionSecret', text('SDX_SESSION_SECRET')),
    ...optional('webhookSecret', text('SDX_WEBHOOK_SECRET')),
    sessionIdle,
    maxStreams: number('SDX_MAX_STREAMS', DEFAULT_MAX_STREAMS, wholeIn(1, 10_000), 'a whole number of streams from 1 to 10000'),
    passKeyFile: path('SDX_PASS_KEY_FILE', join(paths.certsDir, 'gate-pass.key.pem')),
    passRetiredKeys,
    platformCode,
    platformKeyFile: path('SDX_PLATFORM_KEY_FILE', join(paths.certsDir, 'platform.key.pem')),
    ...optional('peersFile', text('SDX_PEERS_FILE')),
    peerSend: {
      baseDelayMs: number('SDX_PEER_RETRY_MS', 2000, wholeIn(10, 999_999_999), 'a whole number of milliseconds, at least 10'),
      pollMs: number('SDX_PEER_POLL_MS', 1000, wholeIn(10, 999_999_999), 'a whole number of milliseconds, at least 10'),
    },
    ...(perSecond === 0 ? {} : { writeRateLimit: { perSecond, burst } }),
    pendingUploadQuotaBytes:
      number('SDX_PENDING_UPLOAD_MB', 200, wholeIn(1, 1_000_000), 'a whole number of megabytes from 1 to 1000000') * 1024 * 1024,
    webhooks: {
      timeoutMs,
      leaseMs: number('SDX_WEBHOOK_LEASE_MS', 60_000, wholeIn(timeoutMs + 100, 3_600_000), `milliseconds longer than the timeout (${timeoutMs})`),
      maxAttempts: number('SDX_WEBHOOK_MAX_ATTEMPTS', 8, wholeIn(1, 100), 'a whole number of attempts from 1 to 100'),
      pollMs: number('SDX_WEBHOOK_POLL_MS', 500, wholeIn(10, 60_000), 'milliseconds from 10 to 60000'),
      baseDelayMs: number('SDX_WEBHOOK_BASE_DELAY_MS', 1000, wholeIn(10, 3_600_000), 'milliseconds from 10 to 3600000'),
      // Any value but 1 leaves plain http refused, as before.
      allowHttp: text('SDX_WEBHOOK_ALLOW_HTTP') === '1',
      allowPrivate: flag('SDX_WEBHOOK_ALLOW_PRIVATE', (value) => `SDX_WEBHOOK_ALLOW_PRIVATE must be 0 or 1, not "${value}"`),
    },
    ...optional('metricsToken', text('SDX_METRICS_TOKEN')),
    logLevel,
    ...optional('apiKey', text('SDX_API_KEY')),
    archiveRenewal: { everyMs: archiveRenewEveryMs, beforeDays: archiveRenewBeforeDays },
  };
  return { settings: parsed, errors };
}

/** Where the SQLite file is when SDX_DB does not say: data/sdx.sqlite under the working folder. */
export function defaultDbFile(): string {
  return join(process.cwd(), 'data', 'sdx.sqlite');
}

/** Why a store choice cannot be opened (MongoDB without a connection string, PostgreSQL without a URL), or undefined. */
export function storeConfigProblem(config: { store: StoreKind; mongoUri?: string | undefined; pgUrl?: string | undefined }): string | undefined {
  if (config.store === 'mongo' && config.mongoUri === undefined) {
    return 'the mongo store needs a connection string: pass --mongo-uri mongodb://host1,host2,host3/sdx?replicaSet=rs0 or set SDX_MONGO_URI';
  }
  if (config.store === 'postgres' && config.pgUrl === undefined) return 'the postgres store needs a URL: pass --pg-url postgres://user:password@host/sdx or set SDX_PG_URL';
  return undefined;
}

/** `DESK,PHONE` (or one for both), each a whole number with s, m or h, from 1 minute to 7 days. */
function parseIdle(value: string): { desk: number; phone: number } | undefined {
  const parts = value.split(',').map((part) => part.trim());
  const durations = parts.map((part) => {
    const match = /^(\d{1,7})([smh])$/.exec(part);
    const ms = match ? Number(match[1]) * (DURATION_UNITS[match[2] ?? ''] ?? 0) : Number.NaN;
    return ms >= 60_000 && ms <= 7 * 24 * 3_600_000 ? ms : Number.NaN;
  });
  const [desk, phone = desk] = durations;
  if (parts.length > 2 || desk === undefined || phone === undefined || Number.isNaN(desk) || Number.isNaN(phone)) return undefined;
  return { desk, phone };
}

/** `FILE@TIME,...`, TIME in ISO 8601 with its zone. */
function parseRetiredKeys(value: string): { file: string; retiredAt: Date }[] | undefined {
  const keys: { file: string; retiredAt: Date }[] = [];
  for (const entry of value.split(',').filter((part) => part.trim() !== '')) {
    const at = entry.lastIndexOf('@');
    const time = at > 0 ? entry.slice(at + 1).trim() : '';
    const retiredAt = new Date(time);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(time) || Number.isNaN(retiredAt.getTime())) return undefined;
    const file = entry.slice(0, at).trim();
    keys.push({ file: isAbsolute(file) ? file : resolve(file), retiredAt });
  }
  return keys;
}
