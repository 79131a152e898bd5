import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { loadDemoParties, parseDemoParties, type DemoCredential } from './application/demo-parties';
import { SqliteStore } from './adapters/store/sqlite/sqlite-store';
import { createApp } from './http/app';

/** The only module that reads the environment and connects adapters; everything else is handed what it needs. */
export interface ServiceConfig {
  host: string;
  port: number;
  dbFile: string;
  demo: boolean;
  demoPartiesFile: string;
}

const projectRoot = resolve(__dirname, '..');

export function configFromEnv(env: NodeJS.ProcessEnv, overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  const port = overrides.port ?? Number(env.SDX_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`SDX_PORT must be a port number, not ${env.SDX_PORT}`);
  return {
    host: overrides.host ?? env.SDX_HOST ?? '127.0.0.1',
    port,
    dbFile: overrides.dbFile ?? env.SDX_DB ?? join(process.cwd(), 'data', 'sdx.sqlite'),
    demo: overrides.demo ?? env.SDX_DEMO === '1',
    demoPartiesFile: overrides.demoPartiesFile ?? join(projectRoot, 'certs-dev', 'demo-parties.json'),
  };
}

export interface RunningService {
  url: string;
  demoCredentials: DemoCredential[];
  close(): Promise<void>;
}

export type Log = (level: 'info' | 'error', message: string, fields?: Record<string, unknown>) => void;

export async function startService(config: ServiceConfig, log: Log): Promise<RunningService> {
  if (config.dbFile !== ':memory:') mkdirSync(dirname(config.dbFile), { recursive: true });
  const store = SqliteStore.open(config.dbFile);
  try {
    const demoCredentials = config.demo
      ? await loadDemoParties(store, parseDemoParties(JSON.parse(readFileSync(config.demoPartiesFile, 'utf8'))), new Date().toISOString())
      : [];
    const app = createApp({
      store,
      onUnexpectedError: (error) =>
        log('error', 'unexpected error', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    });
    const server = await listen(app.listen.bind(app), config.port, config.host);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
      demoCredentials,
      close: () => {
        closing ??= new Promise<void>((done) => {
          server.close(() => done());
          server.closeIdleConnections();
        }).then(() => store.close());
        return closing;
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function listen(
  start: (port: number, host: string, callback: () => void) => Server,
  port: number,
  host: string,
): Promise<Server> {
  return new Promise((resolveServer, reject) => {
    const server = start(port, host, () => resolveServer(server));
    server.once('error', reject);
  });
}
