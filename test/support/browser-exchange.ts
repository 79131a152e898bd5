import type { Browser, BrowserContext } from 'playwright-core';
import { Client } from '../http/exchange-client';
import { launchChromium, loopbackServer, type LoopbackServer } from './browser';
import { startTestApp, type TestApp } from './test-app';

/** The app on a loopback port (QR codes and links point there), an API client for it, and Chromium. */
export interface BrowserExchange {
  server: LoopbackServer;
  t: TestApp;
  c: Client;
  browser: Browser;
}

export async function startBrowserExchange(env: NodeJS.ProcessEnv = {}): Promise<BrowserExchange> {
  const server = await loopbackServer();
  const t = await startTestApp({ env: { SDX_PUBLIC_URL: server.url, ...env } });
  server.serve(t.app);
  return { server, t, c: new Client(t), browser: await launchChromium() };
}

/** Closes what `startBrowserExchange` opened (whatever of it did open), after checking the app logged no unexpected error. */
export async function stopBrowserExchange(exchange: Partial<BrowserExchange>, contexts: readonly BrowserContext[] = []): Promise<void> {
  for (const context of contexts) await context.close();
  await exchange.browser?.close();
  await exchange.server?.stop();
  expect(exchange.t?.unexpected ?? []).toEqual([]);
  await exchange.t?.close();
}
