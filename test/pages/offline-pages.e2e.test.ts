// The wallet on a weak link, in Chromium on a phone: what the service worker keeps (the wallet's
// pages and assets, never the gate's), what it asks the server for (each document page once, and
// again only when that document changed), and what shows when the link stalls or is gone.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { BrowserContext, Page } from 'playwright-core';
import { P, payloadOf, type DocumentBody } from '../http/exchange-client';
import { describeWithBrowser, phoneContext, signIn } from '../support/browser';
import { startBrowserExchange, stopBrowserExchange, type BrowserExchange } from '../support/browser-exchange';

jest.setTimeout(120_000);

const HOUR = 3600_000;

/** Every cache the page's origin holds, with the paths saved in each. */
function savedPaths(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(`(async () => {
    const out = {};
    for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname).sort();
    return out;
  })()`);
}

describeWithBrowser('the wallet on a weak link (service worker)', () => {
  let exchange: BrowserExchange;
  let context: BrowserContext;
  let page: Page;
  let first: DocumentBody;
  let second: DocumentBody;
  /** The paths the server was asked for, in order. */
  const asked: string[] = [];
  const held: ServerResponse[] = [];
  const counting = (req: IncomingMessage, res: ServerResponse) => {
    asked.push(req.url ?? '');
    exchange.t.app(req, res);
  };
  /** A stalled link: requests arrive and are never answered. */
  const stalled = (_req: IncomingMessage, res: ServerResponse) => {
    held.push(res);
  };
  const documentPagesAsked = () => asked.filter((path) => path.startsWith('/m/d/'));

  const issueEir = () =>
    exchange.c.issued(
      P.terminal,
      'eir',
      payloadOf('eir', (p) => {
        p['validFrom'] = new Date(Date.now() - HOUR).toISOString();
        p['validUntil'] = new Date(Date.now() + 72 * HOUR).toISOString();
      }),
    );

  beforeAll(async () => {
    exchange = await startBrowserExchange();
    exchange.server.serve(counting as unknown as Express);
    first = await issueEir();
    second = await issueEir();
    context = await phoneContext(exchange.browser);
    page = await context.newPage();
    await signIn(page, exchange.server.url, 'demo-haulier-a-driver');
    await page.waitForSelector('body[data-offline-ready="true"]', { state: 'attached' });
  });

  afterAll(async () => {
    for (const res of held.splice(0)) res.socket?.destroy();
    await stopBrowserExchange(exchange, [context]);
  });

  it('a trucker’s phone keeps the wallet, its documents and the sign-in page, and none of the gate’s scripts', async () => {
    const saved = await savedPaths(page);
    expect(Object.keys(saved).sort()).toEqual(['sdx-shell-v2', 'sdx-wallet-v2']);
    expect(saved['sdx-wallet-v2']).toEqual(expect.arrayContaining(['/m/', `/m/d/${first.id}`, `/m/d/${second.id}`, '/static/app.css', '/static/web/wallet.js', '/static/web/offline.js', '/static/web/live.js']));
    expect(saved['sdx-shell-v2']).toEqual(expect.arrayContaining(['/login']));
    expect(Object.values(saved).flat().filter((path) => /gate|pass-check/.test(path))).toEqual([]);
  });

  it('opening the wallet again asks for no document page; opening a QR page asks for it once', async () => {
    asked.length = 0;
    await page.goto(`${exchange.server.url}/m/`);
    await page.waitForSelector('body[data-offline-ready="true"]', { state: 'attached' });
    expect(documentPagesAsked()).toEqual([]);

    await page.goto(`${exchange.server.url}/m/d/${first.id}`);
    await page.waitForSelector('body[data-offline-ready="true"]', { state: 'attached' });
    expect(documentPagesAsked()).toEqual([`/m/d/${first.id}`]);
  });

  it('when a document changes, the open wallet fetches that document’s page again, and no other', async () => {
    await page.goto(`${exchange.server.url}/m/`);
    await page.waitForSelector('body[data-offline-ready="true"]', { state: 'attached' });
    asked.length = 0;
    await exchange.c.acted(P.terminal, second.id, { type: 'gate-record', gateRecord: { passedAt: new Date().toISOString(), condition: 'sound', damages: [], seals: [], photoSha256: [] } });
    await page.waitForSelector('body[data-updates="1"]', { state: 'attached', timeout: 15_000 });
    expect(documentPagesAsked()).toEqual([`/m/d/${second.id}`]);
  });

  it('on a stalled link the saved QR page shows, and its code is the saved pass', async () => {
    exchange.server.serve(stalled as unknown as Express);
    try {
      await page.goto(`${exchange.server.url}/m/d/${first.id}`, { waitUntil: 'commit' });
      await page.waitForSelector('figure.qr svg', { timeout: 10_000 });
      const pass = JSON.parse((await page.locator('#pass').textContent()) ?? '{}') as { url?: string };
      expect(pass.url).toMatch(new RegExp(`^${exchange.server.url}/v/`));
    } finally {
      exchange.server.serve(counting as unknown as Express);
      for (const res of held.splice(0)) res.socket?.destroy();
    }
  });

  it('with no network at all, the sign-in page still opens', async () => {
    await exchange.server.stop();
    try {
      await page.goto(`${exchange.server.url}/login`);
      await expect(page.locator('form[action="/login"] input[name="userId"]').isVisible()).resolves.toBe(true);
    } finally {
      await exchange.server.restart();
    }
  });
});
