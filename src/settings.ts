/**
 * The service's settings: every one is an `SDX_*` variable, from the environment or from a JSON
 * config file (SDX_CONFIG_FILE or `sdx serve --config`), the environment winning. Start-up checks
 * them all first and names each bad one, instead of failing on the first deep inside the wiring.
 */
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

export type Settings = Record<string, string | undefined>;

/**
 * The settings in a JSON config file: an object of `SDX_*` names to strings, numbers or booleans.
 * Throws with one line per problem.
 */
export function settingsFromFile(text: string, file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file} must hold one JSON object of SDX_* settings`);
  const problems: string[] = [];
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!(name in settings)) problems.push(`${file}: unknown setting ${name}`);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = String(value);
    else problems.push(`${file}: ${name} must be a string, number or boolean`);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return out;
}

/** File settings under the environment's: what an operator exports overrides the file. */
export function withFileSettings(env: NodeJS.ProcessEnv, fromFile: Record<string, string>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...fromFile };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return merged;
}

/**
 * Runs every check: `problems` are the failures' messages (start-up stops), `warnings` name
 * SDX_* variables SDX does not know (likely misspelt; other tools may set their own, so no stop).
 */
export function checkSettings(env: NodeJS.ProcessEnv, checks: readonly ((env: NodeJS.ProcessEnv) => unknown)[]): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  for (const check of checks) {
    try {
      check(env);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  // Some checks build on others (the service config reads SDX_PDF_WORKERS too): say each once.
  const distinct = [...new Set(problems)];
  const others = new Set(['SDX_CONFIG_FILE', 'SDX_API_KEY']);
  const warnings = Object.keys(env)
    .filter((name) => name.startsWith('SDX_') && !(name in settings) && !others.has(name))
    .map((name) => `${name} is not a setting SDX knows (misspelt?); it is ignored`);
  return { problems: distinct, warnings };
}
