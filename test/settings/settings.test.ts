// The settings parser: every SDX_* variable read once into typed values, defaults when unset, every
// bad one named, and a config file under the environment.
import { join, resolve } from 'node:path';
import { settingProblems } from '../../src/main';
import { DEFAULT_IDLE_TIMEOUTS, DEFAULT_WRITE_RATE_LIMIT, parseSettings, settingsOrThrow, type SettingsResult } from '../../src/settings';
import { repoRoot } from '../support/examples';

function errorsOf(result: SettingsResult): { setting: string; message: string }[] {
  return result.ok ? [] : result.errors.map(({ setting, message }) => ({ setting, message }));
}

describe('defaults', () => {
  it('an empty environment gives every default, paths absolute', () => {
    const s = settingsOrThrow({});
    const certsDir = join(repoRoot, 'certs-dev');
    expect(s).toEqual({
      port: 8080,
      host: '127.0.0.1',
      store: 'sqlite',
      dbFile: join(process.cwd(), 'data', 'sdx.sqlite'),
      storeTimeoutMs: 10_000,
      demo: false,
      paths: { templatesDir: join(repoRoot, 'templates'), certsDir, webDir: join(repoRoot, 'dist', 'web') },
      crlRefreshMs: 5 * 60_000,
      archiveRenewal: { everyMs: 24 * 3_600_000, beforeDays: 90 },
      peerSend: { baseDelayMs: 2000, pollMs: 1000 },
      logKeyFile: join(certsDir, 'log-signing.key.pem'),
      logCertFile: join(certsDir, 'log-signing.pem'),
      sessionIdle: DEFAULT_IDLE_TIMEOUTS,
      maxStreams: 20,
      passKeyFile: join(certsDir, 'gate-pass.key.pem'),
      passRetiredKeys: [],
      platformCode: 'SDX',
      platformKeyFile: join(certsDir, 'platform.key.pem'),
      writeRateLimit: DEFAULT_WRITE_RATE_LIMIT,
      pendingUploadQuotaBytes: 200 * 1024 * 1024,
      webhooks: { timeoutMs: 5000, leaseMs: 60_000, maxAttempts: 8, pollMs: 500, baseDelayMs: 1000, allowHttp: false, allowPrivate: false },
      logLevel: 'info',
    });
  });

  it('an empty value is the same as unset', () => {
    expect(settingsOrThrow({ SDX_PORT: '', SDX_STORE: '', SDX_MONGO_URI: '', SDX_PDF_WORKERS: '', SDX_CERTS_DIR: '' })).toEqual(settingsOrThrow({}));
  });
});

describe('typed values', () => {
  it('numbers as numbers, durations in milliseconds, enums as their values, paths resolved, keys decoded', () => {
    const masterKey = Buffer.alloc(32, 7);
    const s = settingsOrThrow({
      SDX_PORT: '0',
      SDX_STORE: 'postgres',
      SDX_PG_URL: 'postgres://u:p@db/sdx',
      SDX_DB: 'rel/sdx.sqlite',
      SDX_CERTS_DIR: 'my-certs',
      SDX_PDF_WORKERS: '3',
      SDX_MASTER_KEY: masterKey.toString('base64'),
      SDX_KEYS_DIR: '/keys',
      SDX_PADES_LEVEL: 'lta',
      SDX_CRL_REFRESH: '90s',
      SDX_SESSION_IDLE: '15m, 8h',
      SDX_WRITE_RATE: '0',
      SDX_PENDING_UPLOAD_MB: '2',
      SDX_WEBHOOK_TIMEOUT_MS: '2000',
      SDX_WEBHOOK_ALLOW_PRIVATE: '1',
      SDX_PUBLIC_URL: 'https://sdx.example/base//',
      SDX_PASS_RETIRED_KEY_FILES: 'old.pem@2026-12-01T00:00:00+08:00, /k/older.pem@2026-06-01T00:00:00Z',
      SDX_LOG_LEVEL: 'silent',
      SDX_DEMO: '1',
      SDX_API_KEY: 'sdx_key',
    });
    expect(s.port).toBe(0);
    expect(s.store).toBe('postgres');
    expect(s.pgUrl).toBe('postgres://u:p@db/sdx');
    expect(s.dbFile).toBe(resolve('rel/sdx.sqlite'));
    expect(s.paths.certsDir).toBe(resolve('my-certs'));
    // Files named by default follow the certs directory.
    expect(s.logKeyFile).toBe(join(resolve('my-certs'), 'log-signing.key.pem'));
    expect(s.pdfWorkers).toBe(3);
    expect(Buffer.from(s.masterKey ?? [])).toEqual(masterKey);
    expect(s.padesLevel).toBe('B-LTA');
    expect(s.crlRefreshMs).toBe(90_000);
    expect(s.sessionIdle).toEqual({ desk: 15 * 60_000, phone: 8 * 3_600_000 });
    expect(s.writeRateLimit).toBeUndefined();
    expect(s.pendingUploadQuotaBytes).toBe(2 * 1024 * 1024);
    expect(s.webhooks).toMatchObject({ timeoutMs: 2000, allowPrivate: true, allowHttp: false });
    expect(s.publicUrl).toBe('https://sdx.example/base');
    expect(s.passRetiredKeys).toEqual([
      { file: resolve('old.pem'), retiredAt: new Date('2026-11-30T16:00:00Z') },
      { file: '/k/older.pem', retiredAt: new Date('2026-06-01T00:00:00Z') },
    ]);
    expect(s.logLevel).toBe('silent');
    expect(s.demo).toBe(true);
    expect(s.apiKey).toBe('sdx_key');
  });
});

describe('bad values', () => {
  it.each([
    ['SDX_PORT', '70000'],
    ['SDX_STORE', 'oracle'],
    ['SDX_STORE_TIMEOUT_MS', '50'],
    ['SDX_DEMO', 'yes'],
    ['SDX_PDF_WORKERS', 'many'],
    ['SDX_MASTER_KEY', 'c2hvcnQ='],
    ['SDX_PADES_LEVEL', 'B'],
    ['SDX_CRL_REFRESH', 'soon'],
    ['SDX_SESSION_IDLE', '30 minutes'],
    ['SDX_MAX_STREAMS', '0'],
    ['SDX_PLATFORM_CODE', 'sdx'],
    ['SDX_WRITE_RATE', '-1'],
    ['SDX_WRITE_BURST', '2.5'],
    ['SDX_PENDING_UPLOAD_MB', '0'],
    ['SDX_WEBHOOK_TIMEOUT_MS', '5'],
    ['SDX_WEBHOOK_MAX_ATTEMPTS', '0'],
    ['SDX_WEBHOOK_POLL_MS', '1'],
    ['SDX_WEBHOOK_BASE_DELAY_MS', 'x'],
    ['SDX_WEBHOOK_ALLOW_PRIVATE', 'yes'],
    ['SDX_PUBLIC_URL', 'sdx.example'],
    ['SDX_LOG_LEVEL', 'chatty'],
    ['SDX_ARCHIVE_RENEW_EVERY', '30s'],
    ['SDX_ARCHIVE_RENEW_EVERY', '12 hours'],
    ['SDX_ARCHIVE_RENEW_BEFORE', '-1'],
    ['SDX_ARCHIVE_RENEW_BEFORE', '36501'],
    ['SDX_PEER_RETRY_MS', '5'],
    ['SDX_PEER_POLL_MS', 'soon'],
  ])('%s=%s is named, with what was expected', (setting, value) => {
    const errors = errorsOf(parseSettings({ [setting]: value }));
    expect(errors).toEqual([{ setting, message: expect.stringMatching(new RegExp(`^${setting} must be`)) }]);
  });

  it('a retired pass key without its retirement time is named', () => {
    expect(errorsOf(parseSettings({ SDX_PASS_RETIRED_KEY_FILES: 'old.pem' }))).toEqual([
      { setting: 'SDX_PASS_RETIRED_KEY_FILES', message: expect.stringContaining('must be FILE@TIME') },
    ]);
  });

  it('a lease no longer than the timeout is named against the timeout given', () => {
    expect(errorsOf(parseSettings({ SDX_WEBHOOK_TIMEOUT_MS: '9000', SDX_WEBHOOK_LEASE_MS: '9000' }))).toEqual([
      { setting: 'SDX_WEBHOOK_LEASE_MS', message: 'SDX_WEBHOOK_LEASE_MS must be milliseconds longer than the timeout (9000), not "9000"' },
    ]);
  });

  it('names every bad one at once; the fallback keeps the defaults for them', () => {
    const result = parseSettings({ SDX_PORT: 'http', SDX_LOG_LEVEL: 'loud', SDX_MAX_STREAMS: '5' });
    expect(errorsOf(result).map((e) => e.setting)).toEqual(['SDX_PORT', 'SDX_LOG_LEVEL']);
    expect(result.ok ? undefined : result.fallback).toMatchObject({ port: 8080, logLevel: 'info', maxStreams: 5 });
  });

  it('start-up also names the files the settings point at, even beside bad values', () => {
    const problems = settingProblems(parseSettings({ SDX_PORT: 'http', SDX_LOG_KEY_FILE: '/no/such/key.pem', SDX_STORE: 'mongo' }));
    expect(problems).toEqual([
      expect.stringMatching(/^SDX_PORT must be/),
      expect.stringMatching(/^the mongo store needs a connection string/),
      expect.stringMatching(/^SDX_LOG_KEY_FILE \/ SDX_LOG_CERT_FILE: .*no\/such\/key\.pem/),
    ]);
    expect(settingProblems(parseSettings({}))).toEqual([]);
  });

  it('warns about SDX_* names it does not know, not about the tools\' own', () => {
    const result = parseSettings({ SDX_PROT: '8080', SDX_API_KEY: 'k', SDX_CONFIG_FILE: 'x.json', PATH: '/bin' });
    expect(result.warnings).toEqual(['SDX_PROT is not a setting SDX knows (misspelt?); it is ignored']);
  });
});

describe('a config file', () => {
  const file = (content: unknown) => ({ path: '/etc/sdx.json', text: typeof content === 'string' ? content : JSON.stringify(content) });

  it('gives settings as strings, numbers or booleans; the environment wins over it', () => {
    const result = parseSettings({ SDX_LOG_LEVEL: 'warn' }, file({ SDX_PORT: 9000, SDX_DEMO: 1, SDX_LOG_LEVEL: 'error', SDX_WEBHOOK_ALLOW_HTTP: '1' }));
    expect(result.ok && result.settings).toMatchObject({ port: 9000, demo: true, logLevel: 'warn', webhooks: { allowHttp: true } });
  });

  it('a bad value in the file is named like one in the environment', () => {
    expect(errorsOf(parseSettings({}, file({ SDX_MAX_STREAMS: 0 })))).toEqual([{ setting: 'SDX_MAX_STREAMS', message: expect.stringMatching(/^SDX_MAX_STREAMS must be/) }]);
  });

  it('unknown names, nested values, non-JSON and non-objects are the file\'s errors', () => {
    const fileErrors = (text: unknown) => {
      const result = parseSettings({}, file(text));
      return result.ok ? [] : result.errors.map((e) => `${e.kind}: ${e.message}`);
    };
    expect(fileErrors({ SDX_PROT: 8080, SDX_DB: { path: 'x' } })).toEqual([
      'file: /etc/sdx.json: unknown setting SDX_PROT',
      'file: /etc/sdx.json: SDX_DB must be a string, number or boolean',
    ]);
    expect(fileErrors('{ not json')).toEqual(['file: /etc/sdx.json is not JSON']);
    expect(fileErrors([1])).toEqual(['file: /etc/sdx.json must hold one JSON object of SDX_* settings']);
  });
});
