import { createPublicKey, verify } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client, P, payloadOf, type DocumentBody } from '../http/exchange-client';
import { decodeQr, describeWithBrowser, launchChromium, loopbackServer, type LoopbackServer, phoneContext, screenshot, submitSignIn } from '../support/browser';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(120_000);

const PLATE = '沪AD12345';

/** Checks a pass token's ES256 signature against the published key list, independently of the app's code. */
function verifiesAgainstPublishedKeys(token: string, keys: { keys: { kid: string; kty: string; crv: string; x: string; y: string }[] }): boolean {
  const [header = '', body = '', signature = ''] = token.split('.');
  const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid: string };
  const jwk = keys.keys.find((k) => k.kid === kid);
  if (!jwk) return false;
  const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
  return verify('sha256', Buffer.from(`${header}.${body}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
}

describeWithBrowser('phone pages in Chromium at 390x844', () => {
  let server: LoopbackServer;
  let t: TestApp;
  let c: Client;
  let browser: Browser;
  let haulier: BrowserContext;
  let clerk: BrowserContext;
  let eir: DocumentBody;
  let order: DocumentBody;
  /** An EIR issued while the wallet is open; still unused, so its page shows a QR. */
  let fresh: DocumentBody;
  const cspViolations: string[] = [];
  let eirLink = '';
  let orderLink = '';

  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('pageerror', (error) => cspViolations.push(`page error: ${error.message}`));
  };

  beforeAll(async () => {
    server = await loopbackServer();
    t = await startTestApp({ env: { SDX_PUBLIC_URL: server.url } });
    server.serve(t.app);
    c = new Client(t);
    eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
    order = await c.deliveryOrder();
    await c.acted(P.consignee, order.id, { type: 'transfer', to: P.haulierA });
    browser = await launchChromium();
    haulier = await phoneContext(browser);
    clerk = await phoneContext(browser, { locale: 'en-GB' });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    expect(t.unexpected).toEqual([]);
    await t.close();
  });

  it('the haulier signs in and the wallet lists the EIR and the D/O it holds, newest first', async () => {
    const page = await haulier.newPage();
    watch(page);
    await submitSignIn(page, server.url, 'demo-haulier-a-driver');
    await page.waitForURL(`${server.url}/m/`);
    const cards = page.locator('a[data-document]');
    await expect(cards.count()).resolves.toBe(2);
    await expect(cards.nth(0).getAttribute('data-document')).resolves.toBe(order.id);
    await expect(cards.nth(1).getAttribute('data-document')).resolves.toBe(eir.id);
    await expect(page.locator('body').innerText()).resolves.toContain(PLATE);
    // The page is no wider than the phone: nothing to scroll sideways.
    const width = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await page.waitForSelector('body[data-offline-ready="true"]', { state: 'attached' });
    await screenshot(page, '01-wallet');
    await page.close();
  });

  it('opening the EIR shows a large QR whose link carries a pass that verifies against the published keys', async () => {
    const page = await haulier.newPage();
    watch(page);
    await page.goto(`${server.url}/m/d/${eir.id}`);
    const qr = page.locator('figure.qr svg');
    // The page may still be drawing under load: boundingBox() does not wait, waitFor() does.
    await qr.waitFor();
    const box = await qr.boundingBox();
    expect(box?.width).toBeGreaterThanOrEqual(300);
    await expect(page.locator('body').innerText()).resolves.toMatch(/CSQU3054383[\s\S]*沪AD12345/);
    await screenshot(page, '02-eir-pass');
    eirLink = decodeQr(await qr.screenshot());
    expect(eirLink).toMatch(new RegExp(`^${server.url}/v/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
    // Small enough for a phone camera at arm's length: well under a version-20 code.
    expect(eirLink.length).toBeLessThan(450);
    const keys = (await (await fetch(`${server.url}/pass-keys.json`)).json()) as Parameters<typeof verifiesAgainstPublishedKeys>[1];
    const token = eirLink.split('/v/')[1] ?? '';
    expect(verifiesAgainstPublishedKeys(token, keys)).toBe(true);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ d: eir.id, k: 'e', s: 1, h: eir.payloadHash.slice(0, 16), o: P.haulierA, p: PLATE, c: 'CSQU3054383' });

    await page.goto(`${server.url}/m/d/${order.id}`);
    await screenshot(page, '03-do-pass');
    orderLink = decodeQr(await page.locator('figure.qr svg').screenshot());
    await page.close();
  });

  it('the gate clerk checks the EIR link: green with the right plate, red with another', async () => {
    const page = await clerk.newPage();
    watch(page);
    await submitSignIn(page, server.url, 'demo-terminal-gate');
    await page.waitForURL(`${server.url}/gate`);
    await page.getByLabel('QR link or code').fill(eirLink);
    await page.getByLabel('Plate of the truck at the gate').fill('沪A·D12345');
    await page.getByRole('button', { name: 'Check' }).click();
    const verdict = page.locator('#verdict');
    // The check runs asynchronously (WebCrypto, then the live status): wait for its verdict to land.
    await page.waitForSelector('#verdict[data-state="done"]', { timeout: 10_000 });
    await expect(verdict.getAttribute('data-colour')).resolves.toBe('green');
    await expect(verdict.innerText()).resolves.toContain('PASS');
    await screenshot(page, '04-gate-green');

    await page.getByLabel('Plate of the truck at the gate').fill('沪B99999');
    await page.getByRole('button', { name: 'Check' }).click();
    await page.waitForSelector('#verdict[data-colour="red"]');
    await expect(page.locator('#verdict li').first().getAttribute('data-reason')).resolves.toBe('wrong-plate');
    await expect(verdict.innerText()).resolves.toContain('Wrong truck');
    await screenshot(page, '05-gate-wrong-plate');
    await page.close();
  });

  it('a forged pass (one claim changed) is red without asking the server', async () => {
    const page = await clerk.newPage();
    const asked: string[] = [];
    page.on('request', (req) => {
      if (req.url().endsWith('/status')) asked.push(req.url());
    });
    const [header, body, signature] = eirLink.split('/v/')[1]?.split('.') ?? [];
    const claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, p: '沪B99999' })).toString('base64url');
    await page.goto(`${server.url}/gate`);
    await page.getByLabel('QR link or code').fill(`${server.url}/v/${header}.${forged}.${signature}`);
    await page.getByRole('button', { name: 'Check' }).click();
    await page.waitForSelector('#verdict[data-colour="red"]');
    await expect(page.locator('#verdict li').first().getAttribute('data-reason')).resolves.toBe('signature-invalid');
    expect(asked).toEqual([]);
    await page.close();
  });

  it('the clerk opens the D/O link: green; after the release at the gate the same link is red, saying why', async () => {
    await c.acted(P.haulierA, order.id, { type: 'present', to: P.terminal });
    const page = await clerk.newPage();
    watch(page);
    await page.goto(`${server.url}/gate`);
    // The pass from before the presentation is bound to the D/O as it was then: stale now.
    await page.getByLabel('QR link or code').fill(orderLink);
    await page.getByRole('button', { name: 'Check' }).click();
    await page.waitForSelector('#verdict[data-colour="red"]');
    await expect(page.locator('#verdict li').evaluateAll((items) => items.map((i) => i.getAttribute('data-reason')))).resolves.toEqual(['outdated']);
    // The wallet shows a fresh one.
    const wallet = await haulier.newPage();
    await wallet.goto(`${server.url}/m/d/${order.id}`);
    orderLink = decodeQr(await wallet.locator('figure.qr svg').screenshot());
    await wallet.close();
    await page.getByLabel('QR link or code').fill(orderLink);
    await page.getByRole('button', { name: 'Check' }).click();
    await page.waitForSelector('#verdict[data-colour="green"]');
    await page.getByRole('button', { name: 'Release the cargo' }).click();
    await page.waitForURL(/\/gate\?released=/);

    await page.goto(orderLink);
    await page.waitForSelector('#verdict[data-colour="red"]');
    const reasons = await page.locator('#verdict li').evaluateAll((items) => items.map((i) => i.getAttribute('data-reason')));
    expect(reasons).toContain('released');
    await expect(page.locator('#verdict').innerText()).resolves.toContain('Already released');
    await screenshot(page, '06-do-released-red');
    await expect(c.document(P.terminal, order.id)).resolves.toMatchObject({ status: 'released' });
    await page.close();
  });

  it('the clerk records the gate-out with a damage line and a photo; the EIR link is then red (already used)', async () => {
    const page = await clerk.newPage();
    watch(page);
    await page.goto(`${server.url}/gate`);
    await page.getByLabel('QR link or code').fill(eirLink);
    await page.getByLabel('Plate of the truck at the gate').fill(PLATE);
    await page.getByRole('button', { name: 'Check' }).click();
    await page.waitForSelector('#verdict[data-colour="green"]');
    await page.getByRole('link', { name: 'Record the gate move' }).click();
    await page.getByLabel('Damaged').check();
    await page.getByLabel('Component').fill('Side panel 侧板');
    await page.getByLabel('Location').fill('Left, bay 3');
    await page.getByLabel('Damage', { exact: true }).fill('Dent 凹陷');
    await page.getByLabel('Photos').setInputFiles('test/fixtures/photos/gate-photo-front.jpg');
    await screenshot(page, '07-gate-record-form');
    await page.getByRole('button', { name: 'Record gate move' }).click();
    await page.waitForURL(/\/gate\?recorded=/);
    const recorded = await c.document(P.terminal, eir.id);
    expect(recorded).toMatchObject({ status: 'gate-recorded' });
    const event = recorded.events.at(-1);
    expect(event?.type).toBe('gate-record');

    await page.goto(eirLink);
    await page.waitForSelector('#verdict[data-colour="red"]');
    await expect(page.locator('#verdict li').first().getAttribute('data-reason')).resolves.toBe('already-used');
    await page.close();
  });

  it('a PDF uploaded on /verify shows its findings in plain words', async () => {
    const page = await clerk.newPage();
    watch(page);
    const pdf = await c.pdf(P.terminal, eir.id);
    await page.goto(`${server.url}/verify`);
    await page.getByLabel('PDF file').setInputFiles({ name: 'eir.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForSelector('.report');
    // The banner says "recorded" only once the verifier compares the PDF with the ledger (issue 14's verifier).
    await expect(page.locator('.verdict-line').innerText()).resolves.toBe('Genuine: recorded in this exchange’s ledger');
    // Passed checks are folded under the verdict; opened, they read in plain words.
    await page.locator('details.passed summary').click();
    const text = await page.locator('details.passed .findings').innerText();
    expect(text).toContain('Signature 1: content unchanged since signing');
    expect(text).toContain('Ledger: every event recorded in the signed ledger');
    await screenshot(page, '08-verify-valid');

    const tampered = Buffer.from(pdf);
    const at = tampered.indexOf('CSQU3054383');
    if (at >= 0) tampered[at + 4] = '9'.charCodeAt(0);
    else tampered.writeUInt8(tampered.readUInt8(Math.floor(tampered.length / 3)) ^ 0xff, Math.floor(tampered.length / 3));
    await page.goto(`${server.url}/verify`);
    await page.getByLabel('PDF file').setInputFiles({ name: 'tampered.pdf', mimeType: 'application/pdf', buffer: tampered });
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForSelector('.report');
    await expect(page.locator('.verdict-line').innerText()).resolves.toMatch(/^Forged or changed: /);
    await expect(page.locator('.finding.invalid').count()).resolves.toBeGreaterThan(0);
    await screenshot(page, '09-verify-tampered');
    await page.close();
  });

  it('a new EIR for the haulier appears in the open wallet by itself (event stream), without a reload', async () => {
    const page = await haulier.newPage();
    watch(page);
    await page.goto(`${server.url}/m/`);
    await page.waitForSelector('body[data-offline-ready="true"]', { state: 'attached' });
    const before = await page.locator('a[data-document]').count();
    let navigations = 0;
    page.on('framenavigated', () => (navigations += 1));
    fresh = await c.issued(P.terminal, 'eir', payloadOf('eir'));
    await page.waitForSelector(`a[data-document="${fresh.id}"]`, { timeout: 10_000 });
    await expect(page.locator('a[data-document]').count()).resolves.toBe(before + 1);
    expect(navigations).toBe(0);
    await page.close();
  });

  it('with the network cut off, the wallet still opens an unused EIR and shows its QR', async () => {
    const page = await haulier.newPage();
    await page.goto(`${server.url}/m/`);
    await page.waitForSelector('body[data-offline-ready="true"]', { state: 'attached' });
    await server.stop();
    try {
      await page.goto(`${server.url}/m/d/${fresh.id}`);
      await page.waitForSelector('figure.qr svg');
      await screenshot(page, '10-wallet-offline');
      const offlineLink = decodeQr(await page.locator('figure.qr svg').screenshot());
      expect(offlineLink.split('/v/')[0]).toBe(server.url);
      expect(offlineLink).toMatch(/\/v\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    } finally {
      await server.restart();
    }
    await page.close();
  });

  it('the auditor finds the D/O in the log: every event’s signature, link and inclusion check out', async () => {
    const context = await phoneContext(browser, { locale: 'en-GB' });
    const page = await context.newPage();
    watch(page);
    await submitSignIn(page, server.url, 'demo-auditor-1');
    await page.waitForURL(`${server.url}/audit`);
    await page.getByLabel('Document id or any number: D/O, B/L, container, EIR, plate').fill(order.id);
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('table.events tbody tr');
    await expect(rows.count()).resolves.toBe(4);
    await expect(page.locator('td .bad').count()).resolves.toBe(0);
    await expect(page.locator('td .ok').count()).resolves.toBe(12);
    await screenshot(page, '11-audit');
    await context.close();
  });

  it('no page broke the Content-Security-Policy or threw', () => {
    expect(cspViolations).toEqual([]);
  });
});
