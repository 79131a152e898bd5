import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client, gateRecordExample, P, payloadOf, uniqueRef } from '../http/exchange-client';
import { describeWithBrowser, screenshot, type LoopbackServer } from '../support/browser';
import { startBrowserExchange, stopBrowserExchange } from '../support/browser-exchange';
import { DESK_VIEWS, scrollsSideways, signIn, viewContext, wordsCutInCells, type DeskView } from '../support/desk-browser';
import { USERS } from '../support/desk-forms';
import { type TestApp } from '../support/test-app';

jest.setTimeout(180_000);

const DO_NUMBER = /^SHA-DO-(\d{4})-(\d{5})$/;

/** `SHA-DO-2026-00007` → 7. */
const runningOf = (number: string) => Number(DO_NUMBER.exec(number)?.[2] ?? NaN);

/** The colour of an element's background, as [r, g, b]. */
async function backgroundOf(page: Page, selector: string): Promise<number[]> {
  const colour = await page.locator(selector).first().evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor);
  return (colour.match(/\d+/g) ?? []).slice(0, 3).map(Number);
}

/** Reddish: red above green and blue (a pale pink background counts, a grey-blue does not). */
const isAlarmRed = ([r = 0, g = 0, b = 0]: number[]) => r - Math.max(g, b) > 12;

/**
 * The desk's pages at 390x844 and 1280x800, in 中文 and English: tables become cards on a phone,
 * no word is cut and nothing scrolls sideways; the D/O number comes from the agent's sequence; a
 * facility's UN/LOCODE fills in; EIRs carry seals; every document prints; released is calm.
 */
describeWithBrowser('the desk’s pages on a phone and a laptop (Chromium)', () => {
  let server: LoopbackServer;
  let t: TestApp;
  let c: Client;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ server, t, c, browser } = await startBrowserExchange());

    // Something on every worklist: a guarantee to decide, one to release on, D/Os issued, released
    // and voided, an EIR expected today and one recorded at the gate, a D/O presented to the terminal.
    ids['submitted'] = (await c.issued(P.shipper, 'telex-release-guarantee')).id;
    const accepted = await c.issued(P.shipper, 'telex-release-guarantee');
    await c.acted(P.agentPus, accepted.id, { type: 'accept' });
    ids['accepted'] = accepted.id;
    const released = await c.deliveryOrder();
    await c.acted(P.consignee, released.id, { type: 'present', to: P.terminal });
    await c.acted(P.terminal, released.id, { type: 'release' });
    ids['released'] = released.id;
    const voided = await c.deliveryOrder();
    await c.acted(P.agentSha, voided.id, { type: 'void', reason: 'consignee cancelled' });
    const presented = await c.deliveryOrder();
    await c.acted(P.consignee, presented.id, { type: 'present', to: P.terminal });
    ids['presented'] = presented.id;
    const now = Date.now();
    const window = { validFrom: new Date(now - 3600_000).toISOString(), validUntil: new Date(now + 86_400_000).toISOString() };
    ids['eir'] = (await c.issued(P.terminal, 'eir', payloadOf('eir', (p) => Object.assign(p, window)))).id;
    const recorded = await c.issued(P.terminal, 'eir', payloadOf('eir', (p) => Object.assign(p, window)));
    await c.acted(P.terminal, recorded.id, { type: 'gate-record', gateRecord: gateRecordExample() });
  });

  afterAll(async () => {
    await stopBrowserExchange({ server, t, browser }, contexts);
  });

  /** One signed-in page per view and user, kept for the view's tests (signing in is the slow part). */
  const pages = new Map<string, Page>();
  async function deskFor(view: DeskView, userId: string): Promise<Page> {
    const kept = pages.get(`${view.name} ${userId}`);
    if (kept) return kept;
    const context = await viewContext(browser, view);
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await signIn(page, server.url, userId);
    pages.set(`${view.name} ${userId}`, page);
    return page;
  }

  /** Fills a new D/O form (its number as proposed unless given) and issues it; answers the stored D/O's number. */
  async function issueDeliveryOrder(page: Page, number?: string): Promise<string> {
    await page.goto(`${server.url}/desk/agent/do/new`);
    if (number !== undefined) await page.locator('#f-deliveryOrderNumber').fill(number);
    await page.locator('#f-billOfLadingNumber').fill('POCL2611PUS0042');
    await page.locator('#f-vessel-vesselName').fill('PEARL HARMONY');
    await page.locator('#f-vessel-voyageNumber').fill('062E');
    await page.locator('#f-portOfDischarge-unLocode').fill('CNSHA');
    await page.locator('#f-carrier').selectOption(P.carrier);
    await page.locator('#f-consignee').selectOption(P.consignee);
    await page.locator('#f-containers-0-number').fill('CSQU3054383');
    await page.locator('#f-containers-0-sizeType').fill('45G1');
    await page.locator('#f-containers-0-grossWeightKg').fill('18640');
    await page.locator('#f-cargo-description').fill('不锈钢水槽');
    await page.locator('#f-cargo-packageCount').fill('620');
    await page.locator('#f-cargo-packageType').fill('箱');
    await page.locator('#f-cargo-grossWeightKg').fill('18640');
    await page.locator('#f-emptyReturnDepot').selectOption(P.depot);
    await Promise.all([page.waitForURL(/\/desk\/documents\/.+\?issued=1$/), page.locator('#do-form button[type=submit]').click()]);
    const id = new URL(page.url()).pathname.split('/')[3] ?? '';
    return String((await c.document(P.agentSha, id)).payload['deliveryOrderNumber']);
  }

  describe.each(DESK_VIEWS)('$name', (view) => {
    const phone = view.size === 'phone';
    const zh = view.lang === 'zh-CN';
    const shot = (page: Page, name: string) => screenshot(page, `desk-layout-${view.name}-${name}`);

    /** On a phone each table row is a card (its cells stacked, headings hidden); on a laptop a table row. */
    async function expectLaidOut(page: Page, name: string): Promise<void> {
      await expect(scrollsSideways(page)).resolves.toBe(false);
      await expect(wordsCutInCells(page)).resolves.toEqual([]);
      const rows = page.locator('main table.cards tbody tr');
      expect(await rows.count()).toBeGreaterThan(0);
      const display = await rows.evaluateAll((trs) =>
        trs.map((tr) => (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(tr).display),
      );
      expect(new Set(display)).toEqual(new Set([phone ? 'block' : 'table-row']));
      const head = page.locator('main table.cards thead').first();
      if (phone) {
        // The headings move into each card, as each value's label.
        await expect(head.evaluate((el) => (el as unknown as { getBoundingClientRect(): { width: number } }).getBoundingClientRect().width)).resolves.toBeLessThanOrEqual(1);
        const label = await page.locator('main table.cards tbody td').first().evaluate((td) =>
          (globalThis as unknown as { getComputedStyle(e: unknown, p: string): { content: string } }).getComputedStyle(td, '::before').content,
        );
        expect(label).not.toBe('none');
      } else {
        await expect(head.isVisible()).resolves.toBe(true);
      }
      await shot(page, name);
    }

    it('worklists and documents: cards on a phone, tables on a laptop; no word cut, no sideways scroll', async () => {
      const sha = await deskFor(view, USERS.agentSha);
      await sha.goto(`${server.url}/desk/agent`);
      await expectLaidOut(sha, 'agent-worklist');
      await sha.goto(`${server.url}/desk/documents/${ids['released']}`);
      await expectLaidOut(sha, 'do-document');
      const pus = await deskFor(view, USERS.agentPus);
      await pus.goto(`${server.url}/desk/agent`);
      await expect(pus.locator(`#inbox tr[data-document="${ids['submitted']}"]`).count()).resolves.toBe(1);
      await expectLaidOut(pus, 'agent-inbox');
      const shipper = await deskFor(view, USERS.shipper);
      await shipper.goto(`${server.url}/desk/shipper`);
      await expectLaidOut(shipper, 'shipper-worklist');
      const terminal = await deskFor(view, USERS.terminal);
      await terminal.goto(`${server.url}/desk/facility`);
      await expect(terminal.locator(`#presented tr[data-document="${ids['presented']}"]`).count()).resolves.toBe(1);
      await expectLaidOut(terminal, 'facility-worklist');
      // The forms fit the phone too.
      for (const path of ['/desk/facility/eirs/new']) {
        await terminal.goto(`${server.url}${path}`);
        await expect(scrollsSideways(terminal)).resolves.toBe(false);
      }
      await sha.goto(`${server.url}/desk/agent/do/new`);
      await expect(scrollsSideways(sha)).resolves.toBe(false);
    });

    it('a released D/O wears a calm pill, not a red alarm; a voided one stays red', async () => {
      const page = await deskFor(view, USERS.agentSha);
      await page.goto(`${server.url}/desk/agent`);
      const pill = `#orders tr[data-document="${ids['released']}"] .status-released`;
      await expect(page.locator(pill).innerText()).resolves.toBe(zh ? '已放货' : 'Released');
      expect(isAlarmRed(await backgroundOf(page, pill))).toBe(false);
      expect(isAlarmRed(await backgroundOf(page, '#orders .status-voided'))).toBe(true);
      const colour = await page.locator(pill).evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
      expect(isAlarmRed((colour.match(/\d+/g) ?? []).slice(0, 3).map(Number))).toBe(false);
      await page.locator(pill).scrollIntoViewIfNeeded();
      await shot(page, 'released-pill');
    });

    it('the D/O number is proposed from the agent’s sequence, goes up once used, and can be changed', async () => {
      const page = await deskFor(view, USERS.agentSha);
      await page.goto(`${server.url}/desk/agent/do/new`);
      const proposed = await page.locator('#f-deliveryOrderNumber').inputValue();
      expect(proposed).toMatch(DO_NUMBER);
      expect(Number(DO_NUMBER.exec(proposed)?.[1])).toBe(new Date(Date.now() + 8 * 3600_000).getUTCFullYear());
      await expect(page.locator('#f-deliveryOrderNumber-hint').innerText()).resolves.toBe(zh ? '按本单位编号顺序建议的下一个编号，可修改。' : 'The next number in your sequence; you may change it.');
      await page.locator('#f-deliveryOrderNumber').scrollIntoViewIfNeeded();
      await shot(page, 'do-number-proposed');
      expect(await issueDeliveryOrder(page)).toBe(proposed);

      await page.goto(`${server.url}/desk/agent/do/new`);
      const next = await page.locator('#f-deliveryOrderNumber').inputValue();
      expect(runningOf(next)).toBe(runningOf(proposed) + 1);

      // A number of the clerk's own is issued as typed and uses nothing up: the next one is still free.
      const own = uniqueRef('DO-OWN');
      expect(await issueDeliveryOrder(page, own)).toBe(own);
      await page.goto(`${server.url}/desk/agent/do/new`);
      await expect(page.locator('#f-deliveryOrderNumber').inputValue()).resolves.toBe(next);
    });

    it('a facility’s UN/LOCODE fills in when it is chosen, and a typed one is kept', async () => {
      const page = await deskFor(view, USERS.agentSha);
      await page.goto(`${server.url}/desk/agent/do/new`);
      // The only terminal comes chosen, with its location.
      await expect(page.locator('#f-pickupTerminal').inputValue()).resolves.toBe(P.terminal);
      await expect(page.locator('#f-pickupTerminal-unLocode').inputValue()).resolves.toBe('CNSHA');
      await page.locator('#f-pickupTerminal').selectOption('');
      await page.locator('#f-pickupTerminal-unLocode').fill('');
      await page.locator('#f-pickupTerminal').selectOption(P.terminal);
      await expect(page.locator('#f-pickupTerminal-unLocode').inputValue()).resolves.toBe('CNSHA');
      await expect(page.locator('#f-emptyReturnDepot-unLocode').inputValue()).resolves.toBe('');
      await page.locator('#f-emptyReturnDepot').selectOption(P.depot);
      await expect(page.locator('#f-emptyReturnDepot-unLocode').inputValue()).resolves.toBe('CNSHA');
      await page.locator('#f-emptyReturnDepot-unLocode').scrollIntoViewIfNeeded();
      await shot(page, 'locode-filled');
      await page.locator('#f-emptyReturnDepot-unLocode').fill('CNWGQ');
      await page.locator('#f-emptyReturnDepot').selectOption('');
      await page.locator('#f-emptyReturnDepot').selectOption(P.depot);
      await expect(page.locator('#f-emptyReturnDepot-unLocode').inputValue()).resolves.toBe('CNWGQ');

      const terminal = await deskFor(view, USERS.terminal);
      await terminal.goto(`${server.url}/desk/facility/eirs/new`);
      await expect(terminal.locator('#f-facility-unLocode').inputValue()).resolves.toBe('CNSHA');
    });

    it('the EIR form takes seals, and the issued EIR carries them', async () => {
      const page = await deskFor(view, USERS.terminal);
      await page.goto(`${server.url}/desk/facility/eirs/new`);
      const number = uniqueRef('EIR');
      await page.locator('#f-containers').fill('CSQU3054383 45G1');
      await page.locator('#f-container-operator').selectOption(P.carrier);
      await page.locator('#f-eirNumber').fill(number);
      await page.locator('#f-purpose').selectOption('export-delivery');
      await page.getByLabel(zh ? '重箱' : 'Laden', { exact: true }).check();
      await page.locator('#f-bookingNumber').fill('POCLBK0042');
      await page.locator('#f-haulier').selectOption(P.haulierA);
      await page.locator('#f-driver-name').fill('王建国');
      await page.locator('#f-truckPlate').fill('沪AD12345');
      await page.locator('#f-seals-0-number').fill('POCL778812');
      await page.getByRole('button', { name: zh ? '增加铅封' : 'Add a seal' }).click();
      await page.locator('#f-seals-1-number').fill('CN2026C0042');
      await page.locator('#f-seals-1-type').selectOption('customs');
      await page.locator('#f-seals-1-number').scrollIntoViewIfNeeded();
      await shot(page, 'eir-seals');
      await Promise.all([page.waitForURL(/\/desk\/facility\?issued=1$/), page.locator('#eir-form button[type=submit]').click()]);
      const stored = (await t.store.listDocuments({ kind: 'eir', limit: 500 })).items.find((d) => (d.payload as { eirNumber: string }).eirNumber === number);
      expect(stored?.payload).toMatchObject({
        seals: [
          { number: 'POCL778812', type: 'carrier' },
          { number: 'CN2026C0042', type: 'customs' },
        ],
      });
      await page.goto(`${server.url}/desk/documents/${stored?.state.id ?? ''}`);
      await expect(page.locator('.seals').innerText()).resolves.toBe(zh ? 'POCL778812 (船公司), CN2026C0042 (海关)' : 'POCL778812 (Carrier), CN2026C0042 (Customs)');
      await shot(page, 'eir-seals-issued');
    });

    it('every document has a print button that opens its signed PDF', async () => {
      const cases: [string, string][] = [
        [USERS.agentSha, ids['released'] ?? ''],
        [USERS.agentSha, ids['accepted'] ?? ''],
        [USERS.terminal, ids['eir'] ?? ''],
      ];
      for (const [userId, id] of cases) {
        const page = await deskFor(view, userId);
        await page.goto(`${server.url}/desk/documents/${id}`);
        const print = page.getByRole('link', { name: zh ? '打印' : 'Print' });
        await expect(print.isVisible()).resolves.toBe(true);
        await expect(print.getAttribute('href')).resolves.toBe(`/desk/documents/${id}/pdf`);
        const [response, popup] = await Promise.all([
          page.context().waitForEvent('response', (r) => r.url() === `${server.url}/desk/documents/${id}/pdf`),
          page.waitForEvent('popup'),
          print.click(),
        ]);
        await popup.close();
        expect(response.status()).toBe(200);
        expect(response.headers()['content-type']).toMatch(/^application\/pdf/);
        // The browser hands the PDF to its viewer; the same link, fetched, is the signed PDF itself.
        const pdf = await page.request.get(`${server.url}/desk/documents/${id}/pdf`);
        expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
        if (id === ids['released']) await shot(page, 'print-button');
      }
    });
  });

  it('no desk page broke the Content-Security-Policy or threw', () => {
    expect(problems).toEqual([]);
  });
});
