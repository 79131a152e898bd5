import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store';
import { loadDemoParties, parseDemoParties } from '../../src/application/demo-parties';
import type { DocumentService } from '../../src/application/document-service';
import type { UploadSweeper } from '../../src/application/upload-sweeper';
import type { PeerSender } from '../../src/application/federation/peer-sender';
import type { WebhookDispatcher } from '../../src/application/webhooks/webhook-dispatcher';
import type { ResolveHost } from '../../src/application/ports/resolve-host.port';
import type { IntegrityState } from '../../src/application/audit/store-integrity';
import type { Store } from '../../src/application/ports/store.port';
import { wireApp } from '../../src/main';
import { settingsOrThrow } from '../../src/settings';
import { certsDevPath } from './certs-dev';

/** The real app on some store (see startTestAppOn). */
export interface TestAppOn<S extends Store> {
  app: Express;
  store: S;
  documents: DocumentService;
  /** The webhook dispatcher, not started: tests run its passes with `runOnce`. */
  dispatcher: WebhookDispatcher;
  /** The sweep of unreferenced uploads, not started: tests run a pass with `sweepOnce(at)`. */
  sweeper: UploadSweeper;
  /** The peer outbox sender, not started: tests run its passes with `runOnce` (absent on a store without federation records). */
  peerSender?: PeerSender;
  /** Demo API keys by party id. */
  keys: Record<string, string>;
  /** The full audit of the stored trail (already finished unless started with `fullAudit: 'manual'`). */
  fullAudit: () => Promise<IntegrityState>;
  /** Errors the app reported as unexpected (500s); tests expect none. */
  unexpected: unknown[];
  close(): Promise<void>;
}

export interface TestApp extends TestAppOn<SqliteStore> {
  dbFile: string;
}

export type TestAppOptions = {
  env?: NodeJS.ProcessEnv;
  verifyWorkers?: number;
  resolveHost?: ResolveHost;
  clock?: () => Date;
  /** 'manual': return after the start-up check, before the full audit (which `fullAudit()` then runs). */
  fullAudit?: 'manual';
};

/**
 * Suites that write fast (hostile inputs, the route matrix) would otherwise trip the production
 * write limit as soon as the machine is quick enough; test/http/rate-limit.test.ts sets its own.
 */
const noWriteLimit = { SDX_WRITE_RATE: '0' };

/** Webhook receivers in tests listen on loopback; a suite that checks the production rule sets it to 0. */
const loopbackReceivers = { SDX_WEBHOOK_ALLOW_PRIVATE: '1' };

/** Tests ask no DNS server: a name resolves only through a suite's own `resolveHost`. */
const noDns: ResolveHost = (hostname) => Promise.reject(Object.assign(new Error(`${hostname} does not resolve in tests`), { code: 'ENOTFOUND' }));

/**
 * The real app on a fresh SQLite file (or `dbFile`), with the demo parties and certs-dev keys,
 * after its start-up audit of the stored trail has finished.
 */
export async function startTestApp(options: TestAppOptions & { dbFile?: string } = {}): Promise<TestApp> {
  const dbFile = options.dbFile ?? join(mkdtempSync(join(tmpdir(), 'sdx-app-')), 'sdx.sqlite');
  return { ...(await startTestAppOn(SqliteStore.open(dbFile), options)), dbFile };
}

/** The real app on `store` (which it closes), with the demo parties, as startTestApp. */
export async function startTestAppOn<S extends Store>(store: S, options: TestAppOptions = {}): Promise<TestAppOn<S>> {
  const demo = parseDemoParties(JSON.parse(readFileSync(certsDevPath('demo-parties.json'), 'utf8')));
  const credentials = await loadDemoParties(store, demo, '2026-11-28T00:00:00.000Z');
  const unexpected: unknown[] = [];
  const env = { SDX_PUBLIC_URL: 'http://sdx.test', ...noWriteLimit, ...loopbackReceivers, ...options.env };
  const { app, documents, audited, fullAudit, dispatcher, sweeper, peerSender, close } = await wireApp(store, settingsOrThrow(env), (level, _message, fields) => {
    if (level === 'error') unexpected.push(fields?.['error']);
  }, {
    verifyWorkers: options.verifyWorkers ?? 0,
    resolveHost: options.resolveHost ?? noDns,
    ...(options.clock ? { clock: options.clock } : {}),
    fullAudit: 'manual',
  });
  await audited;
  if (options.fullAudit !== 'manual') await fullAudit();
  const keys = Object.fromEntries(credentials.map((c) => [c.partyId, c.apiKey]));
  return {
    app,
    store,
    documents,
    dispatcher,
    sweeper,
    ...(peerSender ? { peerSender } : {}),
    fullAudit,
    keys,
    unexpected,
    close: async () => {
      await close();
      await store.close();
    },
  };
}
