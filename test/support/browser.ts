import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Express } from 'express';
import jsQR from 'jsqr';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { repoRoot } from './examples';
import { requireTool } from './external-tools';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, never a downloaded one; the flags keep it from reaching out to the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** `describe` when Chromium is installed, else skipped with the reason printed (fails in CI; see requireTool). */
export function describeWithBrowser(name: string, body: () => void): void {
  (requireTool('chromium') ? describe : describe.skip)(name, body);
}

/** A phone: 390x844 CSS pixels at 3x, touch, a Chinese locale and Shanghai time. */
export function phoneContext(browser: Browser, options: { locale?: string; bypassCSP?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext({
    bypassCSP: options.bypassCSP ?? false,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
    locale: options.locale ?? 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
}

/** A laptop or tablet in landscape: 1280x800, mouse and keyboard, Shanghai time. */
export function desktopContext(browser: Browser, options: { locale?: string; bypassCSP?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext({
    bypassCSP: options.bypassCSP ?? false,
    viewport: { width: 1280, height: 800 },
    locale: options.locale ?? 'en-GB',
    timezoneId: 'Asia/Shanghai',
  });
}

/** Screenshots are kept as test artifacts in a git-ignored folder. */
export const artifactsDir = join(repoRoot, 'test-artifacts', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<Buffer> {
  mkdirSync(artifactsDir, { recursive: true });
  return page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: false });
}

/** Reads the QR code in a screenshot, as a phone camera would. */
export function decodeQr(png: Buffer): string {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  if (!code) throw new Error('no QR code found in the screenshot');
  return code.data;
}

export interface LoopbackServer {
  url: string;
  /** Serves `app` from now on. */
  serve(app: Express): void;
  /** Stops listening and drops open connections: the phone is offline. */
  stop(): Promise<void>;
  /** Listens on the same port again. */
  restart(): Promise<void>;
}

/**
 * A loopback port known before the app is wired, so the app's public URL (the one in its QR
 * codes) is the address the browser opens.
 */
export async function loopbackServer(): Promise<LoopbackServer> {
  let handler: Express | undefined;
  let server: Server = createServer((req, res) => (handler ? handler(req, res) : res.writeHead(503).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}`,
    serve: (app) => {
      handler = app;
    },
    stop,
    restart: async () => {
      server = createServer((req, res) => (handler ? handler(req, res) : res.writeHead(503).end()));
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
  };
}

/** Fills and sends the sign-in form (demo password unless given); does not wait for where it leads. */
export async function submitSignIn(page: Page, url: string, userId: string, password = 'sdx-demo'): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel(/用户名|User name/).fill(userId);
  await page.getByLabel(/密码|Password/).fill(password);
  await page.getByRole('button', { name: /登录|Sign in/ }).click();
}

/** Signs a demo user in and waits until the sign-in page has been left. */
export async function signIn(page: Page, url: string, userId: string): Promise<void> {
  await submitSignIn(page, url, userId);
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}
