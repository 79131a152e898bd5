import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client, P } from '../http/exchange-client';
import { describeWithBrowser, screenshot, type LoopbackServer } from '../support/browser';
import { startBrowserExchange, stopBrowserExchange } from '../support/browser-exchange';
import {
  API_ENGLISH,
  DESK_VIEWS,
  emptyForm,
  ENGLISH_RUN,
  FIELD_PATH,
  HAN,
  invalidFields,
  labelOf,
  mainText,
  shownErrors,
  signIn,
  summaryLines,
  viewContext,
  type DeskView,
} from '../support/desk-browser';
import { USERS } from '../support/desk-forms';
import { type TestApp } from '../support/test-app';

jest.setTimeout(180_000);

/**
 * Every desk form, sent empty and then with wrong values, in 中文 and in English, on a phone and a
 * laptop: the page speaks its own language only, names each field by its label (never a payload
 * path), and marks each wrong field at its input with the catalogue's words.
 */
describeWithBrowser('desk forms speak the page’s language when they refuse (Chromium)', () => {
  let server: LoopbackServer;
  let t: TestApp;
  let c: Client;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    ({ server, t, c, browser } = await startBrowserExchange());
  });

  afterAll(async () => {
    await stopBrowserExchange({ server, t, browser }, contexts);
  });

  async function deskFor(view: DeskView, userId: string): Promise<Page> {
    const context = await viewContext(browser, view);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await signIn(page, server.url, userId);
    return page;
  }

  /** Sends the form and waits for the page that answers it. */
  async function submit(page: Page, button: RegExp): Promise<number> {
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button }).click()]);
    return response?.status() ?? 0;
  }

  /**
   * What a refused form must look like: its language only, no payload path or API English anywhere
   * a person reads, each `expected` control marked with a message, every marked control explained,
   * and the summary naming each line's field by that field's own label.
   */
  async function expectSaidWell(page: Page, view: DeskView, expected: readonly string[], exclude: readonly string[] = []): Promise<Record<string, string>> {
    const text = await mainText(page, exclude);
    if (view.lang === 'en') expect(text.match(HAN)).toBeNull();
    else expect(text.match(ENGLISH_RUN)).toBeNull();
    expect(text.match(FIELD_PATH)).toBeNull();
    expect(text.match(API_ENGLISH)).toBeNull();

    const marked = await invalidFields(page);
    for (const id of expected) {
      expect({ id, message: marked[id] ?? '(not marked)' }).toEqual({ id, message: expect.stringMatching(view.lang === 'en' ? /^[A-Z]/ : HAN) });
    }
    for (const [id, message] of Object.entries(marked)) expect({ id, message }).toEqual({ id, message: expect.stringMatching(/\S/) });
    // Every message under a field belongs to a marked control.
    for (const errorId of Object.keys(await shownErrors(page))) expect(Object.keys(marked)).toContain(errorId.replace(/-error$/, ''));

    const summary = await summaryLines(page);
    expect(summary.length).toBeGreaterThan(0);
    for (const line of summary) {
      expect(line.target).not.toBe('');
      await expect(labelOf(page, line.target)).resolves.toBe(line.label);
      expect(Object.keys(marked)).toContain(line.target);
    }
    for (const id of expected) expect(summary.map((line) => line.target)).toContain(id);
    return marked;
  }

  describe.each(DESK_VIEWS)('$name', (view) => {
    const zh = view.lang === 'zh-CN';
    const shot = (page: Page, name: string) => screenshot(page, `desk-messages-${view.name}-${name}`);

    it('the D/O form, sent empty and then with wrong values', async () => {
      const page = await deskFor(view, USERS.agentSha);
      await page.goto(`${server.url}/desk/agent/do/new`);
      await emptyForm(page, '#do-form');
      expect(await submit(page, /签发并签名提货单|Issue and sign the D\/O/)).toBe(422);
      await expectSaidWell(page, view, [
        'f-deliveryOrderNumber',
        'f-billOfLadingNumber',
        'f-vessel-vesselName',
        'f-vessel-voyageNumber',
        'f-portOfDischarge-unLocode',
        'f-carrier',
        'f-consignee',
        'f-containers-list',
        'f-cargo-description',
        'f-cargo-packageCount',
        'f-cargo-packageType',
        'f-cargo-grossWeightKg',
        'f-pickupTerminal',
        'f-pickupTerminal-unLocode',
        'f-emptyReturnDepot',
        'f-emptyReturnDepot-unLocode',
        'f-freeTimeUntil',
        'f-validUntil',
      ]);
      // "Too small: expected array to have >=1 items" is, in the page's words, "add at least one".
      await expect(page.locator('#f-containers-list-error').innerText()).resolves.toBe(zh ? '请至少填写一项' : 'Add at least one');
      await expect(page.locator('#f-deliveryOrderNumber-error').innerText()).resolves.toBe(zh ? '必填' : 'Required');
      await page.locator('#issue-summary').scrollIntoViewIfNeeded();
      await shot(page, 'do-empty');

      await page.getByLabel(zh ? /^提货单号/ : /^D\/O no\./).fill('SHA-DO-BAD-1');
      await page.locator('#f-billOfLadingNumber').fill('POCL2611PUS0042');
      await page.locator('#f-vessel-vesselName').fill('PEARL HARMONY');
      await page.locator('#f-vessel-voyageNumber').fill('062E');
      await page.locator('#f-vessel-imoNumber').fill('1234568');
      await page.locator('#f-portOfDischarge-unLocode').fill('XX');
      await page.locator('#f-carrier').selectOption(P.carrier);
      await page.locator('#f-consignee').selectOption(P.consignee);
      await page.locator('#f-containers-0-number').fill('CSQU3054384');
      await page.locator('#f-containers-0-sizeType').fill('ZZ');
      await page.locator('#f-containers-0-grossWeightKg').fill('-5');
      await page.locator('#f-cargo-description').fill('不锈钢水槽');
      await page.locator('#f-cargo-packageCount').fill('12.5');
      await page.locator('#f-cargo-packageType').fill('箱');
      await page.locator('#f-cargo-grossWeightKg').fill('很重');
      await page.locator('#f-pickupTerminal').selectOption(P.terminal);
      await page.locator('#f-pickupTerminal-unLocode').fill('12');
      await page.locator('#f-emptyReturnDepot').selectOption(P.depot);
      await page.locator('#f-freeTimeUntil').fill('2026-12-05T23:59');
      await page.locator('#f-validUntil').fill('2026-12-12T23:59');
      expect(await submit(page, /签发并签名提货单|Issue and sign the D\/O/)).toBe(422);
      const marked = await expectSaidWell(page, view, [
        'f-vessel-imoNumber',
        'f-portOfDischarge-unLocode',
        'f-containers-0-number',
        'f-containers-0-sizeType',
        'f-containers-0-grossWeightKg',
        'f-cargo-packageCount',
        'f-cargo-grossWeightKg',
        'f-pickupTerminal-unLocode',
      ]);
      expect(marked['f-containers-0-number']).toBe(zh ? '校验位错误：CSQU3054384 末位应为 3' : 'Wrong check digit: CSQU3054384 should end in 3');
      expect(marked['f-cargo-packageCount']).toBe(zh ? '请填写整数' : 'Enter a whole number');
      expect(marked['f-cargo-grossWeightKg']).toBe(zh ? '请填写数字' : 'Enter a number');
      expect(marked['f-containers-0-grossWeightKg']).toBe(zh ? '必须大于 0' : 'Must be more than 0');
      expect(marked['f-portOfDischarge-unLocode']).toBe(zh ? '应为 5 位 UN/LOCODE，如 CNSHA' : 'Must be a five-character UN/LOCODE such as CNSHA');
      // The depot's location was left empty: the exchange's own for the depot chosen is used.
      expect(marked['f-emptyReturnDepot-unLocode']).toBeUndefined();
      // What was typed comes back as typed.
      await expect(page.locator('#f-containers-0-number').inputValue()).resolves.toBe('CSQU3054384');
      await page.locator('#f-containers-0-number').scrollIntoViewIfNeeded();
      await shot(page, 'do-bad-values');
      expect((await t.store.listDocuments({ kind: 'delivery-order', limit: 500 })).items.some((d) => (d.payload as { deliveryOrderNumber: string }).deliveryOrderNumber === 'SHA-DO-BAD-1')).toBe(false);
    });

    it('the D/O amendment form: no reason and a wrong location', async () => {
      const order = await c.deliveryOrder();
      const page = await deskFor(view, USERS.agentSha);
      await page.goto(`${server.url}/desk/agent/do/${order.id}/amend`);
      await page.locator('#f-pickupTerminal-unLocode').fill('CN');
      expect(await submit(page, /签发修改后的提货单|Issue the amended D\/O/)).toBe(422);
      const marked = await expectSaidWell(page, view, ['f-pickupTerminal-unLocode', 'f-reason']);
      expect(marked['f-reason']).toBe(zh ? '不能为空' : 'Must not be empty');
      await shot(page, 'amend-no-reason');
    });

    it('the guarantee form, sent empty and then with wrong values', async () => {
      const page = await deskFor(view, USERS.shipper);
      await page.goto(`${server.url}/desk/shipper/guarantee/new`);
      await emptyForm(page, '#guarantee-form');
      expect(await submit(page, /签名并提交保函|Sign and submit the guarantee/)).toBe(422);
      await expectSaidWell(page, view, [
        'f-guaranteeNumber',
        'f-billOfLadingNumber',
        'f-vessel-vesselName',
        'f-vessel-voyageNumber',
        'f-portOfLoading-unLocode',
        'f-portOfDischarge-unLocode',
        'f-consignee-name',
        'f-carrier',
        'f-carrierAgent',
        'f-destinationAgent',
        'f-containers-list',
        'f-cargo-description',
        'f-cargo-packageCount',
        'f-cargo-packageType',
        'f-cargo-grossWeightKg',
        'f-originals-issued',
        'f-originals-surrendered',
        'f-indemnityText',
        'f-signatory-name',
        'f-signatory-title',
      ]);
      await shot(page, 'guarantee-empty');

      await page.locator('#f-guaranteeNumber').fill('TRG-BAD-1');
      await page.locator('#f-billOfLadingNumber').fill('POCL2611PUS0042');
      await page.locator('#f-vessel-vesselName').fill('PEARL HARMONY');
      await page.locator('#f-vessel-voyageNumber').fill('062E');
      await page.locator('#f-portOfLoading-unLocode').fill('KR');
      await page.locator('#f-portOfDischarge-unLocode').fill('CNSHA');
      await page.locator('#f-consignee-name').fill('上海联华进口有限公司');
      await page.locator('#f-consignee-unifiedSocialCreditCode').fill('ABC');
      await page.locator('#f-carrier').selectOption(P.carrier);
      await page.locator('#f-carrierAgent').selectOption(P.agentPus);
      await page.locator('#f-destinationAgent').selectOption(P.agentPus);
      await page.locator('#f-containers-0-number').fill('XYZ');
      await page.locator('#f-containers-0-sizeType').fill('45G1');
      await page.locator('#f-cargo-description').fill('不锈钢水槽');
      await page.locator('#f-cargo-packageCount').fill('0');
      await page.locator('#f-cargo-packageType').fill('箱');
      await page.locator('#f-cargo-grossWeightKg').fill('100');
      await page.locator('#f-originals-issued').fill('3');
      await page.locator('#f-originals-surrendered').fill('2');
      await page.locator('#f-indemnityText').fill('我司承担责任');
      await page.locator('#f-signatory-name').fill('金敏俊');
      await page.locator('#f-signatory-title').fill('出口经理');
      expect(await submit(page, /签名并提交保函|Sign and submit the guarantee/)).toBe(422);
      const marked = await expectSaidWell(page, view, [
        'f-portOfLoading-unLocode',
        'f-consignee-unifiedSocialCreditCode',
        'f-destinationAgent',
        'f-containers-0-number',
        'f-cargo-packageCount',
        'f-originals-surrendered',
        'f-indemnityText',
      ]);
      expect(marked['f-indemnityText']).toBe(zh ? '至少 20 个字符' : 'At least 20 characters');
      expect(marked['f-originals-surrendered']).toBe(zh ? '电放须交回全套正本提单' : 'A telex release needs the full set of originals surrendered');
      expect(marked['f-destinationAgent']).toBe(zh ? '不能与装货港船代相同' : 'Must differ from the agent at loading');
      expect(marked['f-cargo-packageCount']).toBe(zh ? '必须大于 0' : 'Must be more than 0');
      await shot(page, 'guarantee-bad-values');
    });

    it('the EIR form, sent empty and then with wrong values; a wrong check digit stops it in the browser, in the page’s language', async () => {
      const page = await deskFor(view, USERS.terminal);
      await page.goto(`${server.url}/desk/facility/eirs/new`);
      await emptyForm(page, '#eir-form');
      expect(await submit(page, /签发并签名设备交接单|Issue and sign the EIRs/)).toBe(422);
      await expectSaidWell(page, view, [
        'f-containers',
        'f-container-sizeType',
        'f-container-operator',
        'f-eirNumber',
        'f-haulier',
        'f-driver-name',
        'f-truckPlate',
        'f-validFrom',
        'f-validUntil',
      ]);
      await shot(page, 'eir-empty');

      const list = page.locator('#f-containers');
      await list.fill('MSCU1234567');
      await page.getByRole('button', { name: /签发并签名设备交接单|Issue and sign the EIRs/ }).click();
      await expect(list.evaluate((el) => (el as unknown as { validationMessage: string }).validationMessage)).resolves.toBe(
        zh ? '请先更正标红的箱号。' : 'Correct the container numbers marked in red first.',
      );
      await expect(page.locator('#container-check li[data-valid="false"]').innerText()).resolves.toContain(zh ? '校验位错误：末位应为 6' : 'wrong check digit: should end in 6');

      await list.fill('CSQU3054383\nPOCU7120041');
      await page.locator('#f-container-sizeType').fill('ZZZZ');
      await page.locator('#f-container-operator').selectOption(P.carrier);
      await page.locator('#f-eirNumber').fill('EIR-BAD-1');
      await page.locator('#f-bookingNumber').fill('POCLBK0001');
      await page.locator('#f-facility-unLocode').fill('SH');
      await page.locator('#f-haulier').selectOption(P.haulierA);
      await page.locator('#f-driver-name').fill('王建国');
      await page.locator('#f-driver-mobile').fill('请致电');
      await page.locator('#f-truckPlate').fill('沪AD12345');
      await page.locator('#f-validFrom').fill('2026-12-05T08:00');
      await page.locator('#f-validUntil').fill('2026-12-01T08:00');
      await page.locator('#f-seals-0-number').fill('POCL778812');
      await page.locator('#f-seals-0-container').fill('MSCU1234566');
      await page.getByRole('button', { name: /增加铅封|Add a seal/ }).click();
      await page.locator('#f-seals-1-number').fill('CUS0042');
      await page.locator('#f-seals-1-type').selectOption('customs');
      expect(await submit(page, /签发并签名设备交接单|Issue and sign the EIRs/)).toBe(422);
      const marked = await expectSaidWell(page, view, [
        'f-container-sizeType',
        'f-facility-unLocode',
        'f-driver-mobile',
        'f-validUntil',
        'f-seals-0-container',
        'f-seals-1-container',
      ]);
      expect(marked['f-validUntil']).toBe(zh ? '必须晚于生效时间' : 'Must be later than the start of validity');
      expect(marked['f-driver-mobile']).toBe(zh ? '请填写电话号码（数字、空格、+ 或 -）' : 'Enter a phone number: digits, spaces, + or -');
      expect(marked['f-seals-0-container']).toBe(zh ? '不在箱号清单中' : 'Not in the container list');
      expect(marked['f-seals-1-container']).toBe(zh ? '请填写该铅封所在的箱号' : 'Name the container this seal is on');
      // Both rows come back as typed, the second with its type.
      await expect(page.locator('#f-seals-1-type').inputValue()).resolves.toBe('customs');
      await page.locator('#issue-summary').scrollIntoViewIfNeeded();
      await shot(page, 'eir-bad-values');
    });

    it('a guarantee rejected without a reason: the reason box is marked, in the page’s words', async () => {
      const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
      const page = await deskFor(view, USERS.agentPus);
      await page.goto(`${server.url}/desk/documents/${guarantee.id}`);
      expect(await submit(page, /^(拒绝保函|Reject the guarantee)$/)).toBe(422);
      // The guarantee's own content is what the shipper signed, in its words; the page's words are the rest.
      const marked = await expectSaidWell(page, view, ['reason-reject'], ['.doc-content']);
      expect(marked['reason-reject']).toBe(zh ? '不能为空' : 'Must not be empty');
      await page.locator('#reason-reject').scrollIntoViewIfNeeded();
      await shot(page, 'reject-no-reason');
      await expect(c.document(P.agentPus, guarantee.id)).resolves.toMatchObject({ status: 'submitted' });
    });
  });

  it('no desk page threw', () => {
    expect(problems).toEqual([]);
  });
});
