import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeWithBrowser, desktopContext, launchChromium, loopbackServer, type LoopbackServer } from '../support/browser';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(120_000);

/** The attacker's own account: signing the victim into it is the point of login CSRF. */
const ATTACKER = { userId: 'demo-forwarder-ops', password: 'sdx-demo' };

/** A form that posts the attacker's credentials to the service's sign-in as soon as it loads. */
function autoSubmittingForm(action: string, token: string): string {
  return `<form id="f" method="post" action="${action}">
  <input name="userId" value="${ATTACKER.userId}"><input name="password" value="${ATTACKER.password}">
  <input name="loginToken" value="${token}">
</form><script>document.getElementById('f').submit()</script>`;
}

/**
 * Another site on a second loopback origin (same host, other port: cross-origin but same-site, so
 * SameSite cookies alone would not stop it). `/top` submits the form in the page itself; `/framed`
 * in a sandboxed iframe, whose requests carry `Origin: null`.
 */
async function attackerSite(target: string, token: () => string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const form = autoSubmittingForm(`${target}/login`, token());
    const body =
      req.url === '/framed'
        ? `<!doctype html><iframe sandbox="allow-forms allow-scripts" srcdoc="${form.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"></iframe>`
        : `<!doctype html>${form}`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describeWithBrowser('login CSRF from another origin, in Chromium', () => {
  let server: LoopbackServer;
  let t: TestApp;
  let browser: Browser;
  let attacker: { url: string; close(): Promise<void> };
  /** A form token the attacker got by opening the sign-in page himself. */
  let attackerToken = '';
  /**
   * Sign-in attempts as the service saw them. Read on the server: Chromium does not always report
   * the response of a navigation inside a sandboxed cross-origin iframe to the test's listeners.
   */
  const signIns: { origin: string | undefined; status: number }[] = [];

  beforeAll(async () => {
    server = await loopbackServer();
    t = await startTestApp({ env: { SDX_PUBLIC_URL: server.url } });
    const front = express();
    front.use((req, res, next) => {
      if (req.method === 'POST' && req.path === '/login') res.on('finish', () => signIns.push({ origin: req.headers.origin, status: res.statusCode }));
      next();
    });
    front.use(t.app);
    server.serve(front);
    browser = await launchChromium();
    const own = await fetch(`${server.url}/login`);
    attackerToken = /name="loginToken" value="([^"]+)"/.exec(await own.text())?.[1] ?? '';
    attacker = await attackerSite(server.url, () => attackerToken);
  });

  afterAll(async () => {
    await browser.close();
    await attacker.close();
    await server.stop();
    expect(t.unexpected).toEqual([]);
    await t.close();
  });

  /** The victim has the service open in another tab (so holds its pre-session cookie), then visits `path` on the attacker's site. */
  async function attackFrom(path: string): Promise<{ context: BrowserContext; page: Page; signIn: { origin: string | undefined; status: number } }> {
    const context = await desktopContext(browser);
    const victim = await context.newPage();
    await victim.goto(`${server.url}/login`);
    const page = await context.newPage();
    const before = signIns.length;
    await page.goto(`${attacker.url}${path}`);
    const deadline = Date.now() + 15_000;
    while (signIns.length === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const signIn = signIns[before];
    if (!signIn) throw new Error(`the attacker's form never reached the service's sign-in (${path})`);
    return { context, page, signIn };
  }

  async function isSignedIn(context: BrowserContext): Promise<boolean> {
    const page = await context.newPage();
    await page.goto(`${server.url}/m/`);
    return !new URL(page.url()).pathname.startsWith('/login');
  }

  it('a page on another origin that auto-submits the sign-in form is refused; the victim is not signed in', async () => {
    const { context, page, signIn } = await attackFrom('/top');
    expect(signIn).toEqual({ origin: attacker.url, status: 403 });
    await page.waitForURL(`${server.url}/login`);
    expect(await page.content()).toContain('data-code="cross-site-request"');
    expect(await isSignedIn(context)).toBe(false);
    await context.close();
  });

  it('a sandboxed iframe (Origin: null) that submits the sign-in form is refused; the victim is not signed in', async () => {
    const { context, signIn } = await attackFrom('/framed');
    expect(signIn).toEqual({ origin: 'null', status: 403 });
    expect(await isSignedIn(context)).toBe(false);
    await context.close();
  });

  it('the service’s own sign-in form still signs in (the browser sends this site’s Origin)', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByLabel(/User name|用户名/).fill(ATTACKER.userId);
    await page.getByLabel(/Password|密码/).fill(ATTACKER.password);
    const posted = context.waitForEvent('response', (r) => r.url() === `${server.url}/login` && r.request().method() === 'POST');
    await page.getByRole('button', { name: /Sign in|登录/ }).click();
    const signIn = await posted;
    expect(signIn.request().headers()['origin']).toBe(server.url);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    expect(await isSignedIn(context)).toBe(true);
    await context.close();
  });
});
