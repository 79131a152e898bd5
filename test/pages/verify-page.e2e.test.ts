// The /verify page in Chromium: a clerk uploads a PDF and reads the verdict first (one banner with
// the document's kind and number and who signed when), then what failed; passed checks stay folded.
// On a phone and at a desk, in Chinese and in English, for a genuine, a changed and an unknown PDF.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client, P, payloadOf, type DocumentBody } from '../http/exchange-client';
import { describeWithBrowser, desktopContext, launchChromium, loopbackServer, phoneContext, screenshot, type LoopbackServer } from '../support/browser';
import { demoDocuments, type GenuineDocument } from '../support/forgery-sources';
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
  const eirPayload = payloadOf('eir');
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await loopbackServer();
    t = await startTestApp({ env: { SDX_PUBLIC_URL: server.url } });
    server.serve(t.app);
    c = new Client(t);
    eir = await c.issued(P.terminal, 'eir', eirPayload);
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

  it('a genuine EIR issued through the API: 真实，已在本交换平台登记, green, then the issuer by its Chinese name', async () => {
    const page = await upload('eir.pdf', genuine);
    await expect(banner(page).innerText()).resolves.toBe('真实，已在本交换平台登记');
    await expect(banner(page).getAttribute('class')).resolves.toContain('green');
    const signer = await page.locator('ol.signers li').first().innerText();
    expect(signer).toContain('洋山演示集装箱码头');
    expect(signer).toContain('签发方');
    expect(signer).toMatch(/可信时间 \d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d\d（北京时间）/);
    await page.close();
  });

  it('a byte flipped in the signed page: 伪造或被篡改 in revision 1, signed by the terminal, red', async () => {
    const page = await upload('tampered.pdf', Buffer.from(flipPageContentByte(genuine)));
    const text = await banner(page).innerText();
    expect(text).toMatch(/^伪造或被篡改（第 1 版，由 洋山演示集装箱码头 签名）：/);
    await expect(banner(page).getAttribute('class')).resolves.toContain('red');
    await expect(page.locator('.findings.problems').innerText()).resolves.toContain('签名后内容被改动');
    // The findings speak the page's language: the verifier's English message is not on the page.
    await expect(page.locator('main').innerText()).resolves.not.toContain('messageDigest');
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

  describe.each([
    ['phone', 'zh-CN'],
    ['phone', 'en'],
    ['desk', 'zh-CN'],
    ['desk', 'en'],
  ] as const)('verdict first on a %s in %s', (size, lang) => {
    const zh = lang === 'zh-CN';
    let context: BrowserContext;
    let unknown: GenuineDocument;
    const viewportHeight = size === 'phone' ? 844 : 800;
    const shot = (name: string) => `verify-${size}-${zh ? 'zh' : 'en'}-${name}`;

    beforeAll(async () => {
      context = size === 'phone' ? await phoneContext(browser, { locale: lang }) : await desktopContext(browser, { locale: lang });
      // Made and signed with the demo parties' keys in-process: valid, but this exchange's ledger never saw it.
      unknown = (await demoDocuments()).find((d) => d.kind === 'eir') as GenuineDocument;
    });

    afterAll(async () => {
      await context?.close();
    });

    async function check(name: string, pdf: Uint8Array): Promise<Page> {
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${server.url}/verify`);
      await page.locator('input[type=file][name=file]').setInputFiles({ name, mimeType: 'application/pdf', buffer: Buffer.from(pdf) });
      await page.locator('form[action="/verify/report"] button[type=submit]').click();
      await page.waitForSelector('.report');
      return page;
    }

    /** What the page says once every folded part is opened: no check path, and in Chinese no English sentence. */
    async function expectPlainWords(page: Page, data: readonly string[]): Promise<void> {
      await page.locator('details').evaluateAll((all) => all.forEach((d) => d.setAttribute('open', '')));
      const text = await page.locator('main').innerText();
      expect(text).not.toMatch(/signature\[|document\.|ledger\.|\.chain|timestamp-authority|byte-range|changes-after-signature/);
      if (zh) {
        const rest = [...data, 'Yangshan Demo Container Terminal', 'Donghai Trucking (demo)'].reduce((left, d) => left.split(d).join(' '), text);
        const words = (rest.replace(/demo-[a-z0-9-]+/g, ' ').match(/[A-Za-z]{3,}/g) ?? []).filter((w) => !['PDF', 'SDX'].includes(w));
        expect(words).toEqual([]);
      }
    }

    /** The element is on the first screen: nothing above it needs scrolling past. */
    async function onFirstScreen(page: Page, selector: string): Promise<void> {
      expect(await page.evaluate('window.scrollY')).toBe(0);
      const box = await page.locator(selector).first().boundingBox();
      expect(box).not.toBeNull();
      expect((box?.y ?? Infinity) + (box?.height ?? 0)).toBeLessThanOrEqual(viewportHeight);
    }

    it('genuine: green banner with kind, EIR number, the terminal by name and its Beijing time; passed checks folded', async () => {
      const page = await check('eir.pdf', genuine);
      await expect(banner(page).innerText()).resolves.toBe(zh ? '真实，已在本交换平台登记' : 'Genuine: recorded in this exchange’s ledger');
      await expect(banner(page).getAttribute('class')).resolves.toContain('green');
      const documentLine = await page.locator('.fact-document dd').innerText();
      expect(documentLine).toBe(`${zh ? '设备交接单' : 'Equipment Interchange Receipt'} ${String(eirPayload['eirNumber'])}`);
      await expect(page.locator('main').innerText()).resolves.not.toContain(eir.id);
      const signer = await page.locator('ol.signers li').first().innerText();
      expect(signer).toContain(zh ? '洋山演示集装箱码头' : 'Yangshan Demo Container Terminal');
      expect(signer).toMatch(zh ? /签发方\s+可信时间 \d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d\d（北京时间）/ : /issuer\s+trusted time \d{1,2} \w{3} \d{4}, \d\d:\d\d \(Shanghai\)/);
      await expect(page.locator('.findings.problems').count()).resolves.toBe(0);
      await expect(page.locator('details.passed').getAttribute('open')).resolves.toBeNull();
      await expect(page.locator('details.passed li').first().isVisible()).resolves.toBe(false);
      await expect(page.locator('details.passed summary').innerText()).resolves.toMatch(zh ? /^已通过的检查（\d+ 项）$/ : /^Passed checks \(\d+\)$/);
      await onFirstScreen(page, '.verdict-card');
      await screenshot(page, shot('genuine'));
      await expectPlainWords(page, ['eir.pdf', String(eirPayload['eirNumber'])]);
      await page.close();
    });

    it('changed after signing: red banner, the failure on the first screen and before the folded passed checks', async () => {
      const page = await check('tampered.pdf', flipPageContentByte(genuine));
      await expect(banner(page).getAttribute('class')).resolves.toContain('red');
      await expect(banner(page).innerText()).resolves.toBe(
        zh ? '伪造或被篡改（第 1 版，由 洋山演示集装箱码头 签名）：签名后内容被改动' : 'Forged or changed: the content was changed after signing (revision 1, signed by Yangshan Demo Container Terminal)',
      );
      const first = page.locator('.findings.problems li').first();
      await expect(first.getAttribute('data-code')).resolves.toBe('digest-mismatch');
      await expect(first.innerText()).resolves.toContain(zh ? '签名 1：签名后内容未改动' : 'Signature 1: content unchanged since signing');
      await onFirstScreen(page, '.findings.problems li');
      // The problems come before the passed checks, which stay closed.
      const problemsBox = await page.locator('.findings.problems').boundingBox();
      const passedBox = await page.locator('details.passed').boundingBox();
      expect(problemsBox?.y ?? Infinity).toBeLessThan(passedBox?.y ?? -Infinity);
      await expect(page.locator('details.passed').getAttribute('open')).resolves.toBeNull();
      await expect(page.locator('details.passed li.finding.valid').first().isVisible()).resolves.toBe(false);
      await screenshot(page, shot('changed'));
      await page.locator('details.passed summary').click();
      await expect(page.locator('details.passed li.finding.valid').first().isVisible()).resolves.toBe(true);
      await expectPlainWords(page, ['tampered.pdf', String(eirPayload['eirNumber'])]);
      await page.close();
    });

    it('two signers and a forged change between them: the failure is still on the first screen', async () => {
      const forged = await sdxStyleSign(addEmptySignatureField(genuine, { name: 'approval', rect: BODY_BAND, page: 'first', lines: ['Condition: SOUND'] }), partySigner('demo-haulier-a'));
      const page = await check('forged.pdf', forged);
      await expect(banner(page).getAttribute('class')).resolves.toContain('red');
      await expect(page.locator('ol.signers li').count()).resolves.toBe(2);
      await expect(page.locator('.findings.problems li').first().getAttribute('data-code')).resolves.toBe('field-added-after-signature');
      await onFirstScreen(page, '.findings.problems li');
      await screenshot(page, shot('forged-two-signers'));
      await expectPlainWords(page, ['forged.pdf', String(eirPayload['eirNumber'])]);
      await page.close();
    });

    it('valid but unknown to this exchange: a neutral banner and a note, never styled as a failure', async () => {
      const page = await check('demo-eir.pdf', unknown.complete as Uint8Array);
      await expect(banner(page).innerText()).resolves.toBe(zh ? '签名有效，但非本平台签发' : 'Signatures valid, but not issued by this exchange');
      const colour = await banner(page).getAttribute('class');
      expect(colour).toContain('blue');
      expect(colour).not.toMatch(/red|amber/);
      // Its colour is not the forged one (computed from the stylesheet, not just the class name).
      const background = await page.evaluate("getComputedStyle(document.querySelector('.verdict-line')).backgroundColor");
      const forgedBackground = await page.evaluate(
        "(() => { const p = document.createElement('p'); p.className = 'verdict-line red'; document.body.append(p); const c = getComputedStyle(p).backgroundColor; p.remove(); return c; })()",
      );
      expect(typeof background).toBe('string');
      expect(background).not.toBe(forgedBackground);
      await expect(page.locator('.findings.problems').count()).resolves.toBe(0);
      const note = page.locator('li[data-code="document-not-in-ledger"]');
      await expect(note.getAttribute('class')).resolves.toMatch(/\bnote\b/);
      await expect(note.innerText()).resolves.toContain(zh ? '本平台没有签发此单证' : 'this exchange did not issue this document');
      await expect(page.locator('.fact-document dd').innerText()).resolves.toBe(`${zh ? '设备交接单' : 'Equipment Interchange Receipt'} ${String(unknown.payload['eirNumber'])}`);
      const signers = await page.locator('ol.signers').innerText();
      expect(signers).toContain(zh ? '东海运输（演示）' : 'Donghai Trucking (demo)');
      expect(signers).toContain(zh ? '会签方' : 'countersigner');
      await onFirstScreen(page, '.findings.notes li');
      await screenshot(page, shot('unknown'));
      await expectPlainWords(page, ['demo-eir.pdf', String(unknown.payload['eirNumber'])]);
      await page.close();
    });
  });
});
