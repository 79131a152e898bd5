import type { Browser } from 'playwright-core';
import { describeWithBrowser, desktopContext, launchChromium, loopbackServer, phoneContext, screenshot, type LoopbackServer } from '../support/browser';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(120_000);

describeWithBrowser('a mistyped URL in Chromium is a page, not JSON', () => {
  let server: LoopbackServer;
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    server = await loopbackServer();
    t = await startTestApp({ env: { SDX_PUBLIC_URL: server.url } });
    server.serve(t.app);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    expect(t.unexpected).toEqual([]);
    await t.close();
  });

  it('in 中文 on a phone (390x844), then in English after the switch', async () => {
    const context = await phoneContext(browser, { locale: 'zh-CN' });
    const page = await context.newPage();
    const res = await page.goto(`${server.url}/walet`);
    expect(res?.status()).toBe(404);
    expect(res?.headers()['content-type']).toMatch(/^text\/html/);
    await expect(page.locator('h1').textContent()).resolves.toBe('地址不存在');
    await expect(page.locator('main').innerText()).resolves.toContain('没有 GET /walet 这个地址。');
    await screenshot(page, 'error-404-phone-zh');

    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${server.url}/walet`);
    await expect(page.locator('h1').textContent()).resolves.toBe('No such address');
    const text = await page.locator('body').innerText();
    expect(text.replace('中文', '')).not.toMatch(/[\u4e00-\u9fff]/);
    await screenshot(page, 'error-404-phone-en');
    await context.close();
  });

  it('in English at a desk (1280x800) for an English browser', async () => {
    const context = await desktopContext(browser, { locale: 'en-GB' });
    const page = await context.newPage();
    const res = await page.goto(`${server.url}/desk/nowhere`);
    expect(res?.status()).toBe(404);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await expect(page.locator('h1').textContent()).resolves.toBe('No such address');
    await screenshot(page, 'error-404-desk-en');
    await context.close();
  });
});
