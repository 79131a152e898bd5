import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store';
import { loadDemoParties, parseDemoParties } from '../../src/application/demo-parties';
import type { DocumentService } from '../../src/application/document-service';
import type { WebhookDispatcher } from '../../src/application/webhooks/webhook-dispatcher';
import { wireApp } from '../../src/main';
import { certsDevPath } from './certs-dev';

export interface TestApp {
  app: Express;
  store: SqliteStore;
  dbFile: string;
  documents: DocumentService;
  /** The webhook dispatcher, not started: tests run its passes with `runOnce`. */
  dispatcher: WebhookDispatcher;
  /** Demo API keys by party id. */
  keys: Record<string, string>;
  /** Errors the app reported as unexpected (500s); tests expect none. */
  unexpected: unknown[];
  close(): Promise<void>;
}

/**
 * Suites that write fast (hostile inputs, the route matrix) would otherwise trip the production
 * write limit as soon as the machine is quick enough; test/http/rate-limit.test.ts sets its own.
 */
const noWriteLimit = { SDX_WRITE_RATE: '0' };

/**
 * The real app on a fresh SQLite file (or `dbFile`), with the demo parties and certs-dev keys,
 * after its start-up audit of the stored trail has finished.
 */
export async function startTestApp(options: { dbFile?: string; env?: NodeJS.ProcessEnv; verifyWorkers?: number; clock?: () => Date } = {}): Promise<TestApp> {
  const dbFile = options.dbFile ?? join(mkdtempSync(join(tmpdir(), 'sdx-app-')), 'sdx.sqlite');
  const store = SqliteStore.open(dbFile);
  const demo = parseDemoParties(JSON.parse(readFileSync(certsDevPath('demo-parties.json'), 'utf8')));
  const credentials = await loadDemoParties(store, demo, '2026-11-28T00:00:00.000Z');
  const unexpected: unknown[] = [];
  const { app, documents, audited, dispatcher, close } = await wireApp(store, { SDX_PUBLIC_URL: 'http://sdx.test', ...noWriteLimit, ...options.env }, (level, _message, fields) => {
    if (level === 'error') unexpected.push(fields?.['error']);
  }, { verifyWorkers: options.verifyWorkers ?? 0, ...(options.clock ? { clock: options.clock } : {}) });
  await audited;
  const keys = Object.fromEntries(credentials.map((c) => [c.partyId, c.apiKey]));
  return {
    app,
    store,
    dbFile,
    documents,
    dispatcher,
    keys,
    unexpected,
    close: async () => {
      await close();
      await store.close();
    },
  };
}
