// The gate verdict (business number, direction, seals, haulier, facility; the plate matched, not
// typed, or wrong) and the trucker's wallet after the gate (the move instead of the QR, the damage
// record, one confirm that countersigns the EIR), in Chromium on a phone (390x844) and at a desk
// (1280x800), in 中文 and English. Screenshots are kept in test-artifacts/screenshots/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { Client, P, expectValidPdf, payloadOf, type DocumentBody } from '../http/exchange-client';
import { decodeQr, describeWithBrowser, desktopContext, type LoopbackServer, phoneContext, screenshot, signIn } from '../support/browser';
import { startBrowserExchange, stopBrowserExchange } from '../support/browser-exchange';
import { type TestApp } from '../support/test-app';

jest.setTimeout(180_000);

const PLATE = '沪AD12345';
const OTHER_PLATE = '沪B99999';
const HOUR = 3600_000;

type Lang = 'zh' | 'en';
type Size = 'phone' | 'desk';

/** Every word the tests look for, as the catalogue gives it in each language. */
const words = {
  zh: {
    link: '二维码链接或代码',
    plate: '闸口车辆车牌',
    check: '查验',
    green: '通过',
    amber: '车牌未核对',
    red: '拦截',
    gateOut: '出闸',
    haulier: '东海运输（演示）',
    facility: '洋山演示集装箱码头',
    record: '记录进出闸',
    damaged: '有损坏',
    component: '部位',
    location: '位置',
    damage: '残损',
    photos: '照片',
    recordSubmit: '确认进出闸',
    passedGate: (time: string) => `已于 ${time} 在 洋山演示集装箱码头 过闸`,
    confirm: '确认并签名',
    confirmed: '已签名：设备交接单已加上您的签名。',
    countersigned: '已会签',
    expiry: /有效期至|此码有效至/g,
  },
  en: {
    link: 'QR link or code',
    plate: 'Plate of the truck at the gate',
    check: 'Check',
    green: 'PASS',
    amber: 'PLATE NOT CHECKED',
    red: 'STOP',
    gateOut: 'Gate-out',
    haulier: 'Donghai Trucking (demo)',
    facility: 'Yangshan Demo Container Terminal',
    record: 'Record the gate move',
    damaged: 'Damaged',
    component: 'Component',
    location: 'Location',
    damage: 'Damage',
    photos: 'Photos',
    recordSubmit: 'Record gate move',
    passedGate: (time: string) => `Passed the Yangshan Demo Container Terminal gate at ${time}`,
    confirm: 'Confirm and sign',
    confirmed: 'Signed: the EIR now carries your signature.',
    countersigned: 'Countersigned',
    expiry: /Valid until|Code valid until/g,
  },
} as const;

/** Beijing wall-clock HH:mm, as the wallet writes the gate move. */
const beijingClock = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));

describeWithBrowser('the gate verdict and the wallet after the gate, in Chromium', () => {
  let server: LoopbackServer;
  let t: TestApp;
  let c: Client;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  async function contextFor(size: Size, lang: Lang): Promise<BrowserContext> {
    const locale = lang === 'zh' ? 'zh-CN' : 'en-GB';
    const context = size === 'phone' ? await phoneContext(browser, { locale }) : await desktopContext(browser, { locale });
    contexts.push(context);
    return context;
  }

  async function watched(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    return page;
  }

  /** A fresh EIR for haulier A, valid from an hour ago for three days. */
  const issueEir = () =>
    c.issued(
      P.terminal,
      'eir',
      payloadOf('eir', (p) => {
        p['validFrom'] = new Date(Date.now() - HOUR).toISOString();
        p['validUntil'] = new Date(Date.now() + 72 * HOUR).toISOString();
      }),
    );

  beforeAll(async () => {
    ({ server, t, c, browser } = await startBrowserExchange());
  });

  afterAll(async () => {
    await stopBrowserExchange({ server, t, browser }, contexts);
  });

  describe.each<[Size, Lang]>([
    ['phone', 'zh'],
    ['phone', 'en'],
    ['desk', 'zh'],
    ['desk', 'en'],
  ])('%s, %s', (size, lang) => {
    const w = words[lang];
    const shot = (page: Page, name: string) => screenshot(page, `gate-wallet-${size}-${lang}-${name}`);
    let eir: DocumentBody;
    let eirNumber: string;
    let wallet: Page;
    let clerk: Page;
    let link: string;
    let navigations = 0;

    beforeAll(async () => {
      eir = await issueEir();
      eirNumber = String(eir.payload['eirNumber']);
      wallet = await watched(await contextFor(size, lang));
      await signIn(wallet, server.url, 'demo-haulier-a-driver');
      clerk = await watched(await contextFor(size, lang));
      await signIn(clerk, server.url, 'demo-terminal-gate');
    });

    // Each open wallet and gate page keeps an event stream open: closed here, so the browser's
    // connections to the one test host are not used up by earlier rounds.
    afterAll(async () => {
      await wallet.context().close();
      await clerk.context().close();
    });

    it('before the gate, the wallet card shows the QR, where to go, size/type and seal, and one expiry line', async () => {
      await wallet.goto(`${server.url}/m/d/${eir.id}`);
      await wallet.waitForSelector('body[data-offline-ready="true"]', { state: 'attached' });
      await expect(wallet.locator('figure.qr svg').count()).resolves.toBe(1);
      await expect(wallet.locator('.gate-passed').count()).resolves.toBe(0);
      await expect(wallet.locator('[data-fact="facility"]').innerText()).resolves.toBe(w.facility);
      await expect(wallet.locator('[data-fact="size-type"]').innerText()).resolves.toBe('45G1');
      await expect(wallet.locator('[data-fact="seals"]').innerText()).resolves.toBe('POCL778812');
      await expect(wallet.locator('[data-fact="number"]').innerText()).resolves.toBe(eirNumber);
      const text = await wallet.locator('main').innerText();
      expect(text.match(w.expiry)).toHaveLength(1);
      expect(text).not.toContain('doc-');
      await shot(wallet, '1-wallet-qr');
      link = (JSON.parse((await wallet.locator('#pass').textContent()) ?? '{}') as { url: string }).url;
      expect(link).toMatch(new RegExp(`^${server.url}/v/`));
      // The code drawn is the code of that link; a phone's camera reads it (at a desk's 1x pixels jsQR cannot).
      const drawn = await wallet.locator('figure.qr svg path').evaluateAll((paths) => paths.map((p) => p.getAttribute('d')));
      const expected = [...(await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })).matchAll(/ d="([^"]+)"/g)].map((m) => m[1]);
      expect(drawn).toEqual(expected);
      if (size === 'phone') expect(decodeQr(await wallet.locator('figure.qr svg').screenshot())).toBe(link);
      wallet.on('framenavigated', (frame) => {
        if (frame === wallet.mainFrame()) navigations += 1;
      });
    });

    it('the gate: no plate typed is amber (plate not checked), with the business number, direction, seals, haulier and facility', async () => {
      await clerk.goto(`${server.url}/gate`);
      await clerk.getByLabel(w.link).fill(link);
      await clerk.getByRole('button', { name: w.check, exact: true }).click();
      await clerk.waitForSelector('#verdict[data-colour="amber"]');
      const verdict = clerk.locator('#verdict');
      await expect(verdict.locator('.headline').innerText()).resolves.toBe(w.amber);
      await expect(verdict.locator('li').evaluateAll((items) => items.map((i) => i.getAttribute('data-reason')))).resolves.toEqual(['plate-not-checked']);
      await expect(verdict.locator('[data-fact="number"]').innerText()).resolves.toBe(eirNumber);
      await expect(verdict.locator('[data-fact="direction"]').innerText()).resolves.toBe(w.gateOut);
      await expect(verdict.locator('[data-fact="container"]').innerText()).resolves.toBe('CSQU3054383 45G1');
      await expect(verdict.locator('[data-fact="seals"]').innerText()).resolves.toBe('POCL778812');
      await expect(verdict.locator('[data-fact="haulier"]').innerText()).resolves.toBe(w.haulier);
      await expect(verdict.locator('[data-fact="facility"]').innerText()).resolves.toBe(w.facility);
      await expect(verdict.locator('[data-fact="plate"]').getAttribute('data-plate')).resolves.toBe('unchecked');
      // Amber is no pass: nothing to record until the plate is checked.
      await expect(verdict.getByRole('link', { name: w.record }).count()).resolves.toBe(0);
      await expect(clerk.locator('main').innerText()).resolves.not.toContain('doc-');
      await shot(clerk, '2-gate-amber-no-plate');
    });

    it('the gate: a wrong plate is red and shows both plates', async () => {
      await clerk.getByLabel(w.plate).fill(OTHER_PLATE);
      await clerk.getByRole('button', { name: w.check, exact: true }).click();
      await clerk.waitForSelector('#verdict[data-colour="red"]');
      const verdict = clerk.locator('#verdict');
      await expect(verdict.locator('.headline').innerText()).resolves.toBe(w.red);
      await expect(verdict.locator('li').first().getAttribute('data-reason')).resolves.toBe('wrong-plate');
      await expect(verdict.locator('[data-fact="plate"]').innerText()).resolves.toBe(PLATE);
      await expect(verdict.locator('[data-fact="gate-plate"]').innerText()).resolves.toBe(OTHER_PLATE);
      await expect(verdict.locator('[data-fact="number"]').innerText()).resolves.toBe(eirNumber);
      await expect(clerk.locator('main').innerText()).resolves.not.toContain('doc-');
      await shot(clerk, '3-gate-red-wrong-plate');
    });

    it('the gate: the right plate is green, and the clerk records the gate-out with a damage line and a photo', async () => {
      await clerk.getByLabel(w.plate).fill('沪A·D12345');
      await clerk.getByRole('button', { name: w.check, exact: true }).click();
      await clerk.waitForSelector('#verdict[data-colour="green"]');
      const verdict = clerk.locator('#verdict');
      await expect(verdict.locator('.headline').innerText()).resolves.toBe(w.green);
      await expect(verdict.locator('li').count()).resolves.toBe(0);
      await expect(verdict.locator('[data-fact="plate"]').innerText()).resolves.toBe(`${PLATE} ✓`);
      await expect(verdict.locator('[data-fact="plate"]').getAttribute('data-plate')).resolves.toBe('match');
      await expect(verdict.locator('[data-fact="number"]').innerText()).resolves.toBe(eirNumber);
      await expect(clerk.locator('main').innerText()).resolves.not.toContain('doc-');
      await shot(clerk, '4-gate-green');

      await verdict.getByRole('link', { name: w.record }).click();
      await expect(clerk.locator('.facts-line').innerText()).resolves.toContain(eirNumber);
      await clerk.getByLabel(w.damaged).check();
      await clerk.getByLabel(w.component).fill('Side panel 侧板');
      await clerk.getByLabel(w.location).fill('Left, bay 3');
      await clerk.getByLabel(w.damage, { exact: true }).fill('Dent 凹陷');
      await clerk.getByLabel(w.photos).setInputFiles('test/fixtures/photos/gate-photo-front.jpg');
      await clerk.getByRole('button', { name: w.recordSubmit }).click();
      await clerk.waitForURL(/\/gate\?recorded=/);
      await expect(clerk.locator('.notice').innerText()).resolves.toContain(eirNumber);
      await expect(c.document(P.terminal, eir.id)).resolves.toMatchObject({ status: 'gate-recorded' });
    });

    it('after the gate move the open wallet, without a reload, shows "passed the gate" instead of the QR, then the damage lines and photos, then one confirm', async () => {
      await wallet.waitForSelector('.gate-passed', { timeout: 15_000 });
      expect(navigations).toBe(0);
      await expect(wallet.locator('figure.qr').count()).resolves.toBe(0);
      const recorded = await c.document(P.haulierA, eir.id);
      const passedAt = String((recorded.events.at(-1)?.data['gateRecord'] as Record<string, unknown>)['passedAt']);
      await expect(wallet.locator('.gate-passed').innerText()).resolves.toBe(w.passedGate(beijingClock(passedAt)));
      await expect(wallet.locator('.damage-list li').count()).resolves.toBe(1);
      await expect(wallet.locator('.damage-list').innerText()).resolves.toContain('Dent 凹陷');
      const photo = wallet.locator('.countersign .photos img');
      await expect(photo.count()).resolves.toBe(1);
      await photo.evaluate((img: { complete: boolean; decode(): Promise<void> }) => (img.complete ? undefined : img.decode()));
      await expect(photo.evaluate((img: { naturalWidth: number }) => img.naturalWidth)).resolves.toBeGreaterThan(0);
      const buttons = wallet.getByRole('button', { name: w.confirm });
      await expect(buttons.count()).resolves.toBe(1);
      // The record comes first: the damage lines and the photo are above the one confirm button.
      const [lines, image, button] = await Promise.all([wallet.locator('.damage-list').boundingBox(), photo.boundingBox(), buttons.boundingBox()]);
      expect(lines?.y).toBeLessThan(button?.y ?? 0);
      expect(image?.y).toBeLessThan(button?.y ?? 0);
      await expect(wallet.locator('main').innerText()).resolves.not.toContain('doc-');
      await shot(wallet, '5-wallet-passed-gate');
      await buttons.scrollIntoViewIfNeeded();
      await shot(wallet, '6-wallet-confirm');
    });

    it('one confirm countersigns the EIR: the page says so and the signed PDF carries the haulier’s signature', async () => {
      await wallet.getByRole('button', { name: w.confirm }).click();
      await wallet.waitForURL(/\?countersigned=1$/);
      await expect(wallet.locator('.notice').innerText()).resolves.toBe(w.confirmed);
      await expect(wallet.locator('.status').innerText()).resolves.toBe(w.countersigned);
      await expect(wallet.getByRole('button', { name: w.confirm }).count()).resolves.toBe(0);
      await expect(wallet.locator('.gate-passed').count()).resolves.toBe(1);
      await shot(wallet, '7-wallet-countersigned');

      const signed = await c.document(P.haulierA, eir.id);
      expect(signed.status).toBe('countersigned');
      expect(signed.events.map((e) => [e.type, e.actor])).toEqual([
        ['issue', P.terminal],
        ['gate-record', P.terminal],
        ['countersign', P.haulierA],
      ]);
      const report = await expectValidPdf(await c.pdf(P.haulierA, eir.id), eir.payloadHash);
      expect(report.signatures).toHaveLength(2);
      expect(report.signatures[1]).toMatchObject({ role: 'countersigner', coversWholeDocument: true });
      expect(report.signatures[1]?.signerSubject).toContain('Donghai');
    });
  });

  it('a second press of the confirm (a stale page) is no error: it lands on the countersigned EIR', async () => {
    const eir = await issueEir();
    await c.acted(P.terminal, eir.id, { type: 'gate-record', gateRecord: { passedAt: new Date().toISOString(), condition: 'sound', damages: [], seals: [], photoSha256: [] } });
    const context = await contextFor('phone', 'en');
    // A page that missed the news: its event stream is cut, so it still shows the confirm button.
    await context.route('**/m/stream', (route) => route.abort());
    const page = await watched(context);
    await signIn(page, server.url, 'demo-haulier-a-driver');
    await page.goto(`${server.url}/m/d/${eir.id}`);
    await expect(page.locator('.countersign').innerText()).resolves.toContain('No damage recorded.');
    await c.acted(P.haulierA, eir.id, { type: 'countersign' });
    await page.getByRole('button', { name: 'Confirm and sign' }).click();
    await page.waitForURL(/\?countersigned=1$/);
    await expect(page.locator('.status').innerText()).resolves.toBe('Countersigned');
    await page.context().close();
  });

  it('the pass page a phone camera opens has the plate field too: amber until the plate is typed, then green', async () => {
    const eir = await issueEir();
    const page = await watched(await contextFor('phone', 'en'));
    await signIn(page, server.url, 'demo-haulier-a-driver');
    await page.goto(`${server.url}/m/d/${eir.id}`);
    const link = decodeQr(await page.locator('figure.qr svg').screenshot());
    const anyone = await watched(await contextFor('phone', 'en'));
    await anyone.goto(link);
    await anyone.waitForSelector('#verdict[data-colour="amber"]');
    await expect(anyone.locator('#verdict .headline').innerText()).resolves.toBe('PLATE NOT CHECKED');
    // Without a clerk's session the pass page learns nothing beyond the pass: no business number, no doc id.
    await expect(anyone.locator('[data-fact="number"]').count()).resolves.toBe(0);
    await expect(anyone.locator('main').innerText()).resolves.not.toContain('doc-');
    await anyone.getByLabel('Plate of the truck at the gate').fill(PLATE);
    await anyone.getByRole('button', { name: 'Check', exact: true }).click();
    await anyone.waitForSelector('#verdict[data-colour="green"]');
    await screenshot(anyone, 'gate-wallet-pass-page-green');
    await page.context().close();
    await anyone.context().close();
  });

  it('the wallet keeps its QR fresh before the pass expires, and offline says when the code has expired', async () => {
    const eir = await issueEir();
    const context = await contextFor('phone', 'zh');
    const page = await watched(context);
    await signIn(page, server.url, 'demo-haulier-a-driver');
    await page.clock.install({ time: new Date() });
    await page.goto(`${server.url}/m/d/${eir.id}`);
    const passUrl = async () => (JSON.parse((await page.locator('#pass').textContent()) ?? '{}') as { url: string }).url;
    const first = decodeQr(await page.locator('figure.qr svg').screenshot());
    expect(await passUrl()).toBe(first);
    // An hour before the 24-hour pass ends, nothing is fetched yet.
    await page.clock.fastForward('23:00:00');
    await page.waitForTimeout(500);
    expect(await passUrl()).toBe(first);
    // Ten minutes before it ends, the page fetches itself again and shows a new pass.
    await page.clock.fastForward('00:50:00');
    await page.waitForFunction((old) => {
      const data = (globalThis as unknown as { document: { getElementById(id: string): { textContent: string | null } | null } }).document.getElementById('pass');
      return data?.textContent ? (JSON.parse(data.textContent) as { url: string }).url !== old : false;
    }, first);
    await expect(page.locator('.pass-expired').isHidden()).resolves.toBe(true);

    await context.setOffline(true);
    await page.clock.fastForward('25:00:00');
    await page.waitForSelector('.pass-expired', { state: 'visible' });
    await expect(page.locator('.pass-expired').innerText()).resolves.toBe('此码已过期，请联网后刷新。');
    await screenshot(page, 'gate-wallet-pass-expired-offline');
    await context.close();
  });

  it('no page broke the Content-Security-Policy or threw', () => {
    expect(problems).toEqual([]);
  });
});
