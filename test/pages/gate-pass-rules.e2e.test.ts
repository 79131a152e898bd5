// The gate page in Chromium: the server's refusal is red even when the gate's own clock calls the
// pass valid, and offline the verdict says how long ago the gate last had the server's time.
import type { BrowserContext, Page } from 'playwright-core';
import { P, payloadOf } from '../http/exchange-client';
import { describeWithBrowser, desktopContext, screenshot, signIn } from '../support/browser';
import { startBrowserExchange, stopBrowserExchange, type BrowserExchange } from '../support/browser-exchange';
import { craftedPass, devPasses } from '../support/pass-tokens';

jest.setTimeout(120_000);

const HOUR_MS = 3600_000;

describeWithBrowser('the gate page and the server’s clock, in Chromium', () => {
  let x: BrowserExchange;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    x = await startBrowserExchange();
  });

  afterAll(async () => {
    await stopBrowserExchange(x, contexts);
  });

  /** A pass for a fresh EIR, issued at `at` by the deployment's key. */
  async function passAt(at: Date): Promise<string> {
    const eir = await x.c.issued(P.terminal, 'eir', payloadOf('eir'));
    const stored = await x.t.store.getDocument(eir.id);
    if (!stored) throw new Error('not stored');
    return `${x.server.url}/v/${craftedPass(devPasses().claimsFor(stored, at))}`;
  }

  async function clerkAt(locale: string, time: Date): Promise<Page> {
    const context = await desktopContext(x.browser, { locale });
    contexts.push(context);
    const page = await context.newPage();
    await page.clock.install({ time });
    await signIn(page, x.server.url, 'demo-terminal-gate');
    await page.goto(`${x.server.url}/gate`);
    return page;
  }

  async function check(page: Page, link: string, plate: string): Promise<void> {
    await page.locator('#link').fill(link);
    await page.locator('#plate').fill(plate);
    await page.locator('#verdict').evaluate((section) => section.removeAttribute('data-colour'));
    await page.locator('#check-form button[type="submit"]').click();
    await page.waitForSelector('#verdict[data-colour]');
  }

  const reasons = (page: Page) => page.locator('#verdict li').evaluateAll((items) => items.map((item) => item.getAttribute('data-reason')));

  it('a pass that expired two hours ago is red at a gate whose clock is three hours slow: the server refused it', async () => {
    const link = await passAt(new Date(Date.now() - 26 * HOUR_MS));
    const page = await clerkAt('en-GB', new Date(Date.now() - 3 * HOUR_MS));
    await check(page, link, '沪AD12345');
    await expect(page.locator('#verdict').getAttribute('data-colour')).resolves.toBe('red');
    await expect(page.locator('#verdict .headline').innerText()).resolves.toBe('STOP');
    await expect(reasons(page)).resolves.toEqual(['expired']);
    await expect(page.locator('#verdict li').innerText()).resolves.toBe('The code has expired; ask for a fresh one.');
    await screenshot(page, 'gate-pass-rules-server-refused');
  });

  it('the gate’s saved keys follow the published set: a key the service no longer publishes is dropped', async () => {
    const page = await clerkAt('en-GB', new Date());
    const published = ((await (await fetch(`${x.server.url}/pass-keys.json`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
    // (The test's TypeScript has no DOM types: the page's localStorage is typed by hand.)
    type Storage = { localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void } };
    const savedKids = () =>
      page.evaluate(() => (JSON.parse((globalThis as unknown as Storage).localStorage.getItem('sdx-pass-keys') ?? '{}') as { keys?: { kid: string }[] }).keys?.map((key) => key.kid));
    await expect(savedKids()).resolves.toEqual(published);
    // Saved earlier: a key since dropped, beside the current one.
    await page.evaluate((keys) => (globalThis as unknown as Storage).localStorage.setItem('sdx-pass-keys', JSON.stringify({ keys: [...keys.map((kid) => ({ kid })), { kid: 'dropped', kty: 'EC' }], at: 0 })), published);
    await page.reload();
    await expect(savedKids()).resolves.toEqual(published);
  });

  it('offline, the verdict is amber and says when the gate last had the server’s time (中文)', async () => {
    const link = await passAt(new Date());
    const page = await clerkAt('zh-CN', new Date());
    await check(page, link, '沪AD12345');
    await expect(page.locator('#verdict').getAttribute('data-colour')).resolves.toBe('green');
    await expect(page.locator('#verdict .clock-age').count()).resolves.toBe(0);

    await page.context().setOffline(true);
    await page.clock.fastForward('02:00:00');
    await check(page, link, '沪AD12345');
    await expect(page.locator('#verdict').getAttribute('data-colour')).resolves.toBe('amber');
    await expect(reasons(page)).resolves.toEqual(['offline']);
    await expect(page.locator('#verdict .clock-age').innerText()).resolves.toBe('本闸口上次与平台核对时间是在 2 小时前。');
    await screenshot(page, 'gate-pass-rules-offline-clock-age');
  });
});
