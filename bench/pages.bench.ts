// `npm run bench:pages`: the phone pages as a cheap phone on one bar of signal sees them. Chromium
// (Debian's, headless) with the CPU slowed ×6 and the link at 300 ms latency, 50 KB/s down and
// 25 KB/s up (Chrome DevTools Protocol: Emulation.setCPUThrottlingRate, Network.emulateNetworkConditions).
// Each page is opened four times in one fresh browser context: cold (nothing saved), warm (opened
// before), stalled (the server takes requests and never answers) and offline. For each: the time
// until the page's content shows with its scripts run, and the bytes the server sent for the visit
// (headers included, the service worker's background requests too: counted on the server's sockets
// until the link has been quiet for a second). The CDP link settings slow the page's own requests;
// the service worker's requests go at loopback speed (DevTools throttles them separately).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { SqliteStore } from '../src/adapters/store/sqlite/sqlite-store';
import { loadDemoParties, parseDemoParties } from '../src/application/demo-parties';
import { wireApp } from '../src/main';
import { settingsOrThrow } from '../src/settings';

const PROFILE = { cpuSlowdown: 6, latencyMs: 300, downBytesPerSecond: 50 * 1024, upBytesPerSecond: 25 * 1024 };
const DOCUMENTS = Number(process.env.BENCH_PAGES_DOCUMENTS ?? 10);
/** How long a visit may take before it counts as never shown. */
const GIVE_UP_MS = Number(process.env.BENCH_PAGES_GIVE_UP_MS ?? 25_000);
const HOUR = 3600_000;

type State = 'cold' | 'warm' | 'stalled' | 'offline';
interface Visit {
  page: string;
  state: State;
  /** Milliseconds until shown, or undefined when it never showed. */
  ms: number | undefined;
  bytes: number;
}

/** The app behind a switch: answering, or holding every request without an answer (a stalled link). */
async function benchServer() {
  const sockets: Socket[] = [];
  const held: ServerResponse[] = [];
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let stalled = false;
  const server = createServer((req, res) => {
    if (stalled || !handler) held.push(res);
    else handler(req, res);
  });
  server.on('connection', (socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    serve: (h: (req: IncomingMessage, res: ServerResponse) => void) => (handler = h),
    sent: () => sockets.reduce((sum, socket) => sum + socket.bytesWritten, 0),
    stall: (on: boolean) => {
      stalled = on;
      if (!on) for (const res of held.splice(0)) res.socket?.destroy();
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sdx-bench-pages-'));
  const server = await benchServer();
  const store = SqliteStore.open(join(dir, 'sdx.sqlite'));
  const { certsDir, templatesDir } = settingsOrThrow(process.env).paths;
  const demo = parseDemoParties(JSON.parse(readFileSync(join(certsDir, 'demo-parties.json'), 'utf8')));
  const credentials = await loadDemoParties(store, demo, new Date().toISOString());
  const wired = await wireApp(store, settingsOrThrow({ ...process.env, SDX_PUBLIC_URL: server.url, SDX_WRITE_RATE: '0' }), (level, message) => {
    if (level === 'error') process.stderr.write(`server: ${message}\n`);
  });
  await wired.audited;
  server.serve(wired.app);

  // Ten EIRs in the haulier's wallet, valid from an hour ago for three days.
  const terminalKey = credentials.find((c) => c.partyId === 'demo-terminal')?.apiKey ?? '';
  const example = JSON.parse(readFileSync(join(templatesDir, 'examples', 'eir.json'), 'utf8')) as Record<string, unknown>;
  const ids: string[] = [];
  for (let i = 0; i < DOCUMENTS; i += 1) {
    const payload = { ...example, eirNumber: `EIR-BENCH-${Date.now()}-${i}`, validFrom: new Date(Date.now() - HOUR).toISOString(), validUntil: new Date(Date.now() + 72 * HOUR).toISOString() };
    const response = await fetch(`${server.url}/api/v1/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${terminalKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'eir', payload }),
    });
    if (response.status !== 201) throw new Error(`issuing an EIR: ${response.status} ${await response.text()}`);
    ids.push(((await response.json()) as { id: string }).id);
  }

  const browser: Browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  /** A phone context, signed in (without opening a page) when a user is given. */
  async function phone(userId?: string): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    if (userId) {
      const login = await (await context.request.get(`${server.url}/login`)).text();
      const token = /name="loginToken" value="([^"]+)"/.exec(login)?.[1] ?? '';
      const signedIn = await context.request.post(`${server.url}/login`, { form: { loginToken: token, userId, password: 'sdx-demo', next: '' }, headers: { origin: server.url }, maxRedirects: 0 });
      if (signedIn.status() !== 303) throw new Error(`signing ${userId} in: ${signedIn.status()}`);
    }
    return context;
  }

  /** A page on the slow phone; `offline` cuts its link (and the service worker's) or brings it back slow. */
  async function slowPage(context: BrowserContext): Promise<{ page: Page; offline(on: boolean): Promise<void> }> {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: PROFILE.cpuSlowdown });
    await cdp.send('Network.enable');
    const link = (offline: boolean) =>
      cdp.send('Network.emulateNetworkConditions', {
        offline,
        latency: PROFILE.latencyMs,
        downloadThroughput: PROFILE.downBytesPerSecond,
        uploadThroughput: PROFILE.upBytesPerSecond,
      });
    await link(false);
    return {
      page,
      offline: async (on) => {
        await context.setOffline(on);
        await link(on);
      },
    };
  }

  /** Waits until the server has sent nothing for a second (at most 30 s): the visit's bytes are all in. */
  async function quiet(): Promise<void> {
    const until = Date.now() + 30_000;
    let last = server.sent();
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const now = server.sent();
      if (now === last) return;
      last = now;
    }
  }

  async function visit(page: Page, url: string, shown: string): Promise<number | undefined> {
    const started = Date.now();
    try {
      await page.goto(url, { waitUntil: 'commit', timeout: GIVE_UP_MS });
      await page.waitForSelector(shown, { state: 'visible', timeout: Math.max(1, GIVE_UP_MS - (Date.now() - started)) });
      await page.waitForFunction('document.readyState !== "loading"', undefined, { timeout: Math.max(1, GIVE_UP_MS - (Date.now() - started)) });
      return Date.now() - started;
    } catch {
      return undefined;
    }
  }

  const visits: Visit[] = [];
  async function measure(name: string, userId: string | undefined, path: string, shown: string): Promise<void> {
    const context = await phone(userId);
    const { page, offline } = await slowPage(context);
    for (const state of ['cold', 'warm', 'stalled', 'offline'] as const) {
      if (state === 'stalled') server.stall(true);
      if (state === 'offline') await offline(true);
      const before = server.sent();
      const ms = await visit(page, `${server.url}${path}`, shown);
      if (state === 'cold' || state === 'warm') await quiet();
      visits.push({ page: name, state, ms, bytes: server.sent() - before });
      if (state === 'stalled') server.stall(false);
      if (state === 'offline') await offline(false);
      // Leaves the page so the next visit is a fresh navigation, not a reload of a broken one.
      await page.goto('about:blank').catch(() => undefined);
    }
    await context.close();
  }

  try {
    await measure('sign-in', undefined, '/login', 'form[action="/login"] button');
    await measure('wallet list', 'demo-haulier-a-driver', '/m/', 'a[data-document]');
    await measure('wallet QR', 'demo-haulier-a-driver', `/m/d/${ids[0]}`, 'figure.qr svg');
    await measure('gate', 'demo-terminal-gate', '/gate', '#check-form button[type="submit"]');
  } finally {
    await browser.close();
    server.stall(false);
    await server.close();
    await wired.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const time = (ms: number | undefined) => (ms === undefined ? `not shown in ${GIVE_UP_MS / 1000} s` : `${(ms / 1000).toFixed(2)} s`);
  console.log(`pages as a cheap phone: CPU ×${PROFILE.cpuSlowdown}, ${PROFILE.latencyMs} ms, ${PROFILE.downBytesPerSecond / 1024}/${PROFILE.upBytesPerSecond / 1024} KB/s; ${DOCUMENTS} EIRs in the wallet`);
  for (const v of visits) console.log(`${v.page.padEnd(12)} ${v.state.padEnd(8)} ${time(v.ms).padStart(20)} ${kb(v.bytes).padStart(10)}`);
  console.log(JSON.stringify({ bench: 'pages', profile: PROFILE, documents: DOCUMENTS, visits }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
