// The /verify page in Chromium, in Chinese: a clerk uploads a PDF and reads the one-line verdict
// first, then each signature with its party, role and trusted time.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client, P, payloadOf, type DocumentBody } from '../http/exchange-client';
import { describeWithBrowser, launchChromium, loopbackServer, phoneContext, screenshot, type LoopbackServer } from '../support/browser';
import { BODY_BAND, addAnnotation, addEmptySignatureField, expiredSigner, partySigner, reRenderAndSign, sdxStyleSign, signUpdate } from '../support/pdf-forgery-kit';
import { appendAnnotation, flipPageContentByte } from '../support/pdf-mutations';
import { unsignedPdf } from '../support/pdf-test-signing';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(120_000);

describeWithBrowser('the /verify page in Chromium, in Chinese', () => {
  let server: LoopbackServer;
  let t: TestApp;
  let c: Client;
  let browser: Browser;
  let clerk: BrowserContext;
  let eir: DocumentBody;
  let genuine: Buffer;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await loopbackServer();
    t = await startTestApp({ env: { SDX_PUBLIC_URL: server.url } });
    server.serve(t.app);
    c = new Client(t);
    eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
    genuine = await c.pdf(P.terminal, eir.id);
    browser = await launchChromium();
    clerk = await phoneContext(browser);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    expect(t.unexpected).toEqual([]);
    await t.close();
  });

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  /** Uploads `pdf` on /verify (in the browser's language, Chinese) and returns the page with the report. */
  async function upload(name: string, pdf: Buffer): Promise<Page> {
    const page = await clerk.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(message.text());
    });
    await page.goto(`${server.url}/verify`);
    await page.getByLabel('PDF 文件').setInputFiles({ name, mimeType: 'application/pdf', buffer: pdf });
    await page.getByRole('button', { name: '验证' }).click();
    await page.waitForSelector('.report');
    return page;
  }

  const banner = (page: Page) => page.getByRole('status');

  it('a genuine EIR issued through the API: 真实，已在本交换平台登记, green, then the issuer’s signature', async () => {
    const page = await upload('eir.pdf', genuine);
    await expect(banner(page).innerText()).resolves.toBe('真实，已在本交换平台登记');
    await expect(banner(page).getAttribute('class')).resolves.toContain('green');
    const signature = page.locator('ol.signatures li').first();
    const text = await signature.innerText();
    expect(text).toContain('Yangshan Demo Container Terminal');
    expect(text).toContain('签发方');
    expect(text).toMatch(/可信时间 \d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d\d（北京时间）/);
    await screenshot(page, 'verify-zh-genuine');
    await page.close();
  });

  it('a byte flipped in the signed page: 伪造或被篡改 in revision 1, signed by the terminal, red', async () => {
    const page = await upload('tampered.pdf', Buffer.from(flipPageContentByte(genuine)));
    const text = await banner(page).innerText();
    expect(text).toMatch(/^伪造或被篡改（第 1 版，由 .*Yangshan Demo Container Terminal.* 签名）：/);
    await expect(banner(page).getAttribute('class')).resolves.toContain('red');
    await expect(page.locator('.findings').innerText()).resolves.toContain('签名后内容被改动');
    // The findings speak the page's language: the verifier's English message is not on the page.
    await expect(page.locator('.findings').innerText()).resolves.not.toContain('messageDigest');
    await screenshot(page, 'verify-zh-tampered');
    await page.close();
  });

  // Findings carry the revision (2: render 0, issuer 1, the update 2); no signature covers it.
  it('an unsigned incremental update appended after the signature: 伪造或被篡改（第 2 版）, red', async () => {
    const page = await upload('appended.pdf', Buffer.from(appendAnnotation(genuine)));
    await expect(banner(page).innerText()).resolves.toMatch(/^伪造或被篡改（第 2 版）：/);
    await expect(banner(page).getAttribute('class')).resolves.toContain('red');
    await page.close();
  });

  // Issue 14: one crafted file of each forgery class, as a clerk would upload it. Each is refused
  // (red) or sent to a person (amber), never called genuine.
  const forgeries: [string, () => Promise<Uint8Array>, RegExp, 'red' | 'amber'][] = [
    [
      'class 1: an empty field painted over the body, then the haulier countersigns',
      () => sdxStyleSign(addEmptySignatureField(genuine, { name: 'approval', rect: BODY_BAND, page: 'first', lines: ['Condition: SOUND'] }), partySigner('demo-haulier-a')),
      /^伪造或被篡改（第 2 版，由 .* 签名）：/,
      'red',
    ],
    [
      'class 1 on a PDF SDX did not issue: an annotation over the text, then a second signature',
      async () => {
        const once = await signUpdate(await unsignedPdf(), partySigner('demo-forwarder'), { field: { create: 'Signature1', rect: [40, 40, 280, 100], page: 0 }, lines: ['Signed'] });
        return signUpdate(addAnnotation(once, { rect: [40, 760, 560, 800], page: 0, lines: ['release to ANYONE'] }), partySigner('demo-consignee'), { field: { create: 'Signature2', page: 0 } });
      },
      /^无法确定，需人工查看/,
      'amber',
    ],
    [
      'class 2: the EIR re-rendered and signed by the haulier instead of the terminal',
      () => reRenderAndSign(genuine, { kind: 'eir', payload: structuredClone(payloadOf('eir')) as Record<string, unknown>, signer: partySigner('demo-haulier-a') }),
      /^伪造或被篡改/,
      'red',
    ],
    [
      'class 3: countersigned with an expired certificate that claims a time inside its validity',
      () => sdxStyleSign(genuine, expiredSigner(), { signingTime: new Date('2026-01-01T12:00:00Z'), cmsSigningTime: new Date('2026-01-01T12:00:00Z') }),
      /^伪造或被篡改/,
      'red',
    ],
    [
      'class 4: a countersignature whose CMS carries a second, bogus SignerInfo',
      () => sdxStyleSign(genuine, partySigner('demo-haulier-a'), { secondSignerInfo: { signer: partySigner('demo-forwarder') } }),
      /^伪造或被篡改/,
      'red',
    ],
  ];

  it.each(forgeries)('%s: the banner says so first', async (_what, forge, expected, colour) => {
    const page = await upload('forged.pdf', Buffer.from(await forge()));
    await expect(banner(page).innerText()).resolves.toMatch(expected);
    await expect(banner(page).getAttribute('class')).resolves.toContain(colour);
    await expect(banner(page).innerText()).resolves.not.toContain('真实');
    await page.close();
  });
});
