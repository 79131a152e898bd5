// Port volume at the agent's desk, in Chromium: D/Os issued through `sdx import` (as built), then
// the very first one found by its B/L and by a container number, and the list paged to its end.
// 2,000 D/Os: about two minutes here, most of it rendering and signing their PDFs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { containerCheckDigit } from '../../src/domain/shared/iso6346';
import { describeWithBrowser, desktopContext, launchChromium, loopbackServer, screenshot, signIn, type LoopbackServer } from '../support/browser';
import { exitOf, startSdx } from '../support/built-cli';
import { exampleJson } from '../support/examples';
import { startTestApp, type TestApp } from '../support/test-app';

const VOLUME = 2_000;
const AGENT_KEY = 'sdx_demo_agent_sha_4b7e20';
const IMPORT_MS = 120_000 + VOLUME * 300;

function container(serial: number): string {
  const firstTen = `VOLU${String(serial).padStart(6, '0')}`;
  return `${firstTen}${containerCheckDigit(firstTen) ?? 0}`;
}

/** D/O n: its own number, B/L and two containers, the rest as the example. */
function orderPayload(n: number): Record<string, unknown> {
  const payload = exampleJson('delivery-order');
  payload['deliveryOrderNumber'] = `DO-VOL-${String(n).padStart(5, '0')}`;
  payload['billOfLadingNumber'] = `VOLB${String(n).padStart(8, '0')}`;
  const containers = payload['containers'] as Record<string, unknown>[];
  payload['containers'] = [
    { ...containers[0], number: container(2 * n) },
    { ...containers[1], number: container(2 * n + 1) },
  ];
  return payload;
}

describeWithBrowser(`the agent's desk with ${VOLUME} D/Os, in Chromium at 1280x800`, () => {
  let server: LoopbackServer;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  const dir = mkdtempSync(join(tmpdir(), 'sdx-desk-volume-'));

  beforeAll(async () => {
    server = await loopbackServer();
    t = await startTestApp({ env: { SDX_PUBLIC_URL: server.url, SDX_WRITE_RATE: '0' } });
    server.serve(t.app);
    const file = join(dir, 'orders.jsonl');
    writeFileSync(file, Array.from({ length: VOLUME }, (_, n) => JSON.stringify(orderPayload(n))).join('\n') + '\n');
    const child = startSdx(['import', '--kind', 'delivery-order', file, '--url', server.url], { SDX_API_KEY: AGENT_KEY });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const code = await exitOf(child, IMPORT_MS);
    if (code !== 0) throw new Error(`sdx import exited ${code}: ${stdout}`);
    expect(stdout).toContain(`${VOLUME} issued, 0 already there, 0 failed`);
    browser = await launchChromium();
    context = await desktopContext(browser, { locale: 'zh-CN' });
  }, IMPORT_MS + 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    expect(t?.unexpected ?? []).toEqual([]);
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the very first D/O by its B/L number and by a container number, each URL bookmarkable', async () => {
    const page = await context.newPage();
    await signIn(page, server.url, 'demo-agent-sha-desk');
    await page.goto(`${server.url}/desk/agent`);
    const orders = page.locator('#orders');
    await orders.getByLabel(/任一号码/).fill('volb 0000 0000');
    await orders.getByRole('button', { name: '查询' }).click();
    await expect(orders.locator('tbody tr').count()).resolves.toBe(1);
    await expect(orders.locator('tbody tr').first().innerText()).resolves.toContain('DO-VOL-00000');
    await expect(orders.locator('.pager-count').innerText()).resolves.toBe('第 1-1 条，共 1 条');
    const bookmarked = page.url();
    expect(new URL(bookmarked).searchParams.get('q')).toBe('volb 0000 0000');

    await orders.getByLabel(/任一号码/).fill(container(1));
    await orders.getByRole('button', { name: '查询' }).click();
    await expect(orders.locator('tbody tr').first().innerText()).resolves.toContain('DO-VOL-00000');
    await page.goBack();
    expect(page.url()).toBe(bookmarked);
    await expect(orders.locator('tbody tr').first().innerText()).resolves.toContain('DO-VOL-00000');
    await screenshot(page, 'desk-volume-found');
    await page.close();
  });

  it(`pages through all ${VOLUME} D/Os, 50 a page, newest first, each once, to the first issued on the last page`, async () => {
    const page = await context.newPage();
    await signIn(page, server.url, 'demo-agent-sha-desk');
    await page.goto(`${server.url}/desk/agent`);
    const orders = page.locator('#orders');
    await expect(orders.locator('.pager-count').innerText()).resolves.toBe(`第 1-50 条，共 ${VOLUME.toLocaleString('zh-CN')} 条`);
    // sdx import sends eight lines at a time, so creation order is the store's to say.
    const byCreation = async (newestFirst: boolean) => {
      const [first] = (await t.store.listDocuments({ kind: 'delivery-order', limit: 1, newestFirst })).items;
      return (first?.payload as { deliveryOrderNumber: string }).deliveryOrderNumber;
    };
    const numbersOnPage = async () => (await orders.locator('tbody tr td:first-child').allInnerTexts()).map((text) => text.trim());
    const seen = await numbersOnPage();
    expect(seen[0]).toBe(await byCreation(true));
    const pages = Math.ceil(VOLUME / 50);
    for (let p = 1; p < pages; p += 1) {
      await orders.getByRole('link', { name: '下一页' }).click();
      seen.push(...(await numbersOnPage()));
    }
    const lastFrom = (pages - 1) * 50 + 1;
    await expect(orders.locator('.pager-count').innerText()).resolves.toBe(`第 ${lastFrom.toLocaleString('zh-CN')}-${VOLUME.toLocaleString('zh-CN')} 条，共 ${VOLUME.toLocaleString('zh-CN')} 条`);
    await expect(orders.getByRole('link', { name: '下一页' }).count()).resolves.toBe(0);
    expect(seen[seen.length - 1]).toBe(await byCreation(false));
    expect(new Set(seen).size).toBe(VOLUME);
    await screenshot(page, 'desk-volume-last-page');
    await page.close();
  });
});
