import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DocumentKind } from '../../src/domain/document/document';
import { Client, P, uniqueRef } from '../http/exchange-client';
import { decodeQr, describeWithBrowser, desktopContext, screenshot, type LoopbackServer, signIn } from '../support/browser';
import { startBrowserExchange, stopBrowserExchange } from '../support/browser-exchange';
import { type TestApp } from '../support/test-app';

jest.setTimeout(120_000);

/** Tab presses allowed to cross the D/O form: every field and date segment, with room to spare. */
const MAX_TABS = 250;

describeWithBrowser('the desk in Chromium at 1280x800', () => {
  let server: LoopbackServer;
  let t: TestApp;
  let c: Client;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  /** A fresh signed-in laptop session for one demo user, watched for CSP violations and script errors. */
  async function deskFor(userId: string): Promise<Page> {
    const context = await desktopContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await signIn(page, server.url, userId);
    return page;
  }

  const payloads = async (kind: DocumentKind) =>
    (await t.store.listDocuments({ kind, limit: 500 })).items.map((d) => ({ id: d.state.id, status: d.state.status, payload: d.payload as Record<string, unknown> }));

  beforeAll(async () => {
    ({ server, t, c, browser } = await startBrowserExchange());
  });

  afterAll(async () => {
    await stopBrowserExchange({ server, t, browser }, contexts);
  });

  it('a shipper submits a guarantee from the form, follows it, and withdraws it before a decision', async () => {
    const page = await deskFor('demo-shipper-export');
    expect(new URL(page.url()).pathname).toBe('/desk/shipper');
    await page.getByRole('link', { name: 'New telex-release guarantee' }).first().click();
    const number = uniqueRef('TRG');
    await page.getByLabel('Guarantee no.').fill(number);
    await page.getByLabel('B/L no.').fill('POCL2611PUS0042');
    await page.getByRole('textbox', { name: 'Vessel', exact: true }).fill('PEARL HARMONY');
    await page.getByRole('textbox', { name: 'Voyage', exact: true }).fill('062E');
    await page.getByLabel('Port of loading (UN/LOCODE)').fill('KRPUS');
    await page.getByLabel('Port of discharge (UN/LOCODE)').fill('CNSHA');
    await page.getByRole('textbox', { name: 'Consignee', exact: true }).fill('Shanghai Lianhua Import Co. (demo)');
    await page.getByRole('combobox', { name: 'Carrier', exact: true }).selectOption(P.carrier);
    await page.getByLabel('Carrier’s agent at loading (decides)').selectOption(P.agentPus);
    await page.getByLabel('Carrier’s agent at destination (releases)').selectOption(P.agentSha);
    await page.getByLabel('Container no. #1').fill('CSQU3054383');
    await page.getByLabel('Size/type #1').fill('45G1');
    await page.getByRole('button', { name: 'Add a container' }).click();
    await page.getByLabel('Container no. #2').fill('POCU7120041');
    await page.getByLabel('Size/type #2').fill('22G1');
    await page.getByLabel('Description of goods').fill('Stainless steel kitchen sinks 不锈钢水槽');
    await page.getByLabel('Number of packages').fill('1240');
    await page.getByLabel('Kind of packages').fill('cartons');
    await page.getByRole('textbox', { name: 'Gross weight (kg)', exact: true }).fill('27760.5');
    // The standard indemnity follows the number of originals until the shipper edits it.
    await page.getByLabel('Original B/Ls issued').fill('2');
    await page.getByLabel('Original B/Ls surrendered').fill('2');
    await expect(page.getByLabel('Indemnity').inputValue()).resolves.toContain('(2/2)');
    await page.getByLabel('Signed for the company by').fill('Kim Min-jun');
    await page.getByLabel('Signatory’s title').fill('Export Manager');
    await screenshot(page, 'desk-01-guarantee-form');
    await page.getByRole('button', { name: 'Sign and submit the guarantee' }).click();
    await page.waitForURL(/\/desk\/documents\/.+\?issued=1$/);
    await expect(page.locator('[data-status]').first().getAttribute('data-status')).resolves.toBe('submitted');

    await page.getByRole('link', { name: 'Worklist' }).click();
    const row = page.locator('tr', { hasText: number });
    await expect(row.locator('[data-status]').getAttribute('data-status')).resolves.toBe('submitted');
    await row.getByRole('button', { name: `Withdraw ${number}` }).click();
    await page.waitForURL(/\/desk\/shipper\?done=withdraw$/);
    await expect(page.getByRole('status').innerText()).resolves.toContain('Done: Withdraw.');
    await expect(page.locator('tr', { hasText: number }).locator('[data-status]').getAttribute('data-status')).resolves.toBe('withdrawn');
    await expect(page.locator('tr', { hasText: number }).getByRole('button', { name: /Withdraw/ }).count()).resolves.toBe(0);
    await screenshot(page, 'desk-02-guarantee-withdrawn');
    const stored = (await payloads('telex-release-guarantee')).find((g) => g.payload['guaranteeNumber'] === number);
    expect(stored).toMatchObject({ status: 'withdrawn', payload: { originals: { issued: 2, surrendered: 2 }, containers: [{ number: 'CSQU3054383' }, { number: 'POCU7120041' }] } });
  });

  it('an agent accepts a guarantee, and the destination agent issues a telex-release D/O from the form with its PDF and QR at once', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    const pus = await deskFor('demo-agent-pus-desk');
    expect(new URL(pus.url()).pathname).toBe('/desk/agent');
    await pus.locator(`#inbox tr[data-document="${guarantee.id}"]`).getByRole('link', { name: 'Review' }).click();
    await expect(pus.locator('.indemnity').innerText()).resolves.toContain('indemnify you');
    await expect(pus.getByRole('link', { name: 'Open the signed PDF' }).getAttribute('href')).resolves.toBe(`/desk/documents/${guarantee.id}/pdf`);
    await screenshot(pus, 'desk-03-guarantee-review');
    await pus.getByRole('button', { name: 'Accept the guarantee' }).click();
    await pus.waitForURL(/\?done=accept$/);
    await expect(pus.locator('[data-status]').first().getAttribute('data-status')).resolves.toBe('accepted');

    const sha = await deskFor('demo-agent-sha-desk');
    await sha.locator(`#releasable tr[data-document="${guarantee.id}"]`).getByRole('link', { name: 'Issue a D/O on this guarantee' }).click();
    // From the guarantee: B/L, consignee, vessel, containers, and the release basis.
    await expect(sha.getByLabel('B/L no.').inputValue()).resolves.toBe('POCL2611PUS0042');
    await expect(sha.getByRole('combobox', { name: 'Consignee', exact: true }).inputValue()).resolves.toBe(P.consignee);
    await expect(sha.getByLabel('Telex release (accepted guarantee)').isChecked()).resolves.toBe(true);
    await expect(sha.getByLabel('Telex-release guarantee').inputValue()).resolves.toBe(guarantee.id);
    await expect(sha.getByLabel('Number of originals surrendered').isVisible()).resolves.toBe(false);

    // A mistyped container is marked as the clerk leaves the field, in the catalogue's words.
    await sha.getByLabel('Container no. #1').fill('CSQU3054384');
    await sha.getByLabel('Size/type #1').focus();
    await sha.waitForSelector('#f-containers-0-number[aria-invalid="true"]');
    await expect(sha.locator('#f-containers-0-number-error').innerText()).resolves.toBe('Wrong check digit: CSQU3054384 should end in 3');
    await sha.locator('#f-containers-0-number-error').scrollIntoViewIfNeeded();
    await screenshot(sha, 'desk-04-do-form-inline-error');
    await sha.getByLabel('Container no. #1').fill('CSQU3054383');
    await sha.getByLabel('Size/type #1').focus();
    await sha.waitForSelector('#f-containers-0-number:not([aria-invalid])');

    const number = uniqueRef('DO');
    await sha.getByLabel('D/O no.').fill(number);
    await sha.getByLabel('Gross weight (kg) #1').fill('18640');
    await sha.getByLabel('Gross weight (kg) #2').fill('9120.5');
    await sha.getByLabel('Terminal location (UN/LOCODE)').fill('CNSHA');
    await sha.getByLabel('Empty return depot').selectOption(P.depot);
    await sha.getByLabel('Depot location (UN/LOCODE)').fill('CNSHA');
    await sha.getByLabel('Charges paid').check();
    await sha.getByRole('button', { name: 'Issue and sign the D/O' }).click();
    await sha.waitForURL(/\/desk\/documents\/.+\?issued=1$/);
    const id = new URL(sha.url()).pathname.split('/')[3] ?? '';
    await expect(sha.getByRole('status').innerText()).resolves.toContain('Issued and signed.');
    const qr = sha.locator('figure.desk-qr svg');
    await qr.waitFor();
    await screenshot(sha, 'desk-05-do-issued');
    expect(decodeQr(await qr.screenshot())).toBe(`${server.url}/verify/${id}`);
    const pdf = await sha.request.get(`${server.url}${await sha.getByRole('link', { name: 'Open the signed PDF' }).getAttribute('href')}`);
    expect(pdf.headers()['content-type']).toMatch(/^application\/pdf/);
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await expect(c.document(P.agentSha, id)).resolves.toMatchObject({
      status: 'issued',
      holder: P.consignee,
      payload: { deliveryOrderNumber: number, releaseBasis: { type: 'telex-release', guaranteeId: guarantee.id }, chargesPaid: true },
    });
    await expect(c.document(P.agentSha, guarantee.id)).resolves.toMatchObject({ status: 'accepted' });
  });

  it('a terminal issues three EIRs from pasted numbers; a wrong check digit is flagged before anything is sent', async () => {
    const page = await deskFor('demo-terminal-gate');
    await page.goto(`${server.url}/desk/facility/eirs/new`);
    const prefix = uniqueRef('EIR');
    const list = page.getByLabel('Container numbers, one per line (size/type may follow)');
    await list.fill('CSQU3054383 45G1\nPOCU7120041\nMSCU1234567');
    const wrong = page.locator('#container-check li[data-valid="false"]');
    await expect(wrong.count()).resolves.toBe(1);
    await expect(wrong.getAttribute('data-line')).resolves.toBe('3');
    await expect(wrong.innerText()).resolves.toContain('MSCU1234567 — wrong check digit: should end in 6');
    await expect(page.locator('#container-check li[data-valid="true"]').count()).resolves.toBe(2);
    await page.getByLabel('Size/type where a line gives none').fill('22G1');
    await page.getByLabel('Container operator').selectOption(P.carrier);
    await page.getByLabel('EIR no. (several containers: -1, -2 … added)').fill(prefix);
    await page.getByLabel('Booking no.').fill('POCLBK0042');
    await page.getByLabel('Facility location (UN/LOCODE)').fill('CNSHA');
    await page.getByLabel('Haulier').selectOption(P.haulierA);
    await page.getByRole('textbox', { name: 'Driver', exact: true }).fill('王建国 Wang Jianguo');
    await page.getByLabel('Truck plate').fill('沪AD12345');
    await list.scrollIntoViewIfNeeded();
    await screenshot(page, 'desk-06-eir-paste-flagged');
    await page.getByRole('button', { name: 'Issue and sign the EIRs' }).click();
    // The browser keeps the form: the list is invalid, so nothing is posted.
    await expect(list.evaluate((el) => (el as unknown as { validationMessage: string }).validationMessage)).resolves.toBe(
      'Correct the container numbers marked in red first.',
    );
    expect(new URL(page.url()).pathname).toBe('/desk/facility/eirs/new');
    expect((await payloads('eir')).filter((e) => String(e.payload['eirNumber']).startsWith(prefix))).toEqual([]);

    await list.fill('CSQU3054383 45G1\nPOCU7120041\nMSCU1234566');
    await expect(page.locator('#container-check li[data-valid="false"]').count()).resolves.toBe(0);
    await expect(page.locator('#container-check li.total').innerText()).resolves.toContain('3 containers');
    await page.getByRole('button', { name: 'Issue and sign the EIRs' }).click();
    await page.waitForURL(/\/desk\/facility\?issued=3$/);
    await expect(page.getByRole('status').innerText()).resolves.toContain('3 EIRs issued and signed.');
    for (const container of ['CSQU3054383', 'POCU7120041', 'MSCU1234566']) {
      await expect(page.locator('#expected tr', { hasText: container }).count()).resolves.toBe(1);
    }
    await screenshot(page, 'desk-07-eirs-issued');
    const issued = (await payloads('eir')).filter((e) => String(e.payload['eirNumber']).startsWith(prefix));
    expect(issued.map((e) => [e.payload['eirNumber'], (e.payload['container'] as { sizeType: string }).sizeType]).sort()).toEqual([
      [`${prefix}-1`, '45G1'],
      [`${prefix}-2`, '22G1'],
      [`${prefix}-3`, '22G1'],
    ]);
  });

  it('keyboard only: the D/O form is crossed with Tab, every field has a name, and Enter issues the D/O', async () => {
    const page = await deskFor('demo-agent-sha-desk');
    await page.goto(`${server.url}/desk/agent/do/new`);
    const form = page.locator('#do-form');
    // The accessibility tree: every text box, list, check box and radio button has a name.
    const tree = await form.ariaSnapshot();
    const controls = tree.split('\n').filter((line) => /^\s*- (textbox|combobox|checkbox|radio|spinbutton)\b/.test(line));
    expect(controls.length).toBeGreaterThan(25);
    expect(controls.filter((line) => !/^\s*- \w+ "[^"]+"/.test(line))).toEqual([]);

    // The D/O number is proposed from the agent's sequence; Tab passes it by, as it does the prefilled locations.
    const number = await page.locator('#f-deliveryOrderNumber').inputValue();
    expect(number).toMatch(/^SHA-DO-\d{4}-\d{5}$/);
    const typed: Record<string, string> = {
      deliveryOrderNumber: number,
      billOfLadingNumber: 'POCL2611PUS0042',
      'vessel.vesselName': 'PEARL HARMONY',
      'vessel.voyageNumber': '062E',
      'portOfDischarge.unLocode': 'CNSHA',
      carrier: 'Pearl',
      consignee: 'Shanghai',
      'containers.number': 'CSQU3054383',
      'containers.sizeType': '45G1',
      'containers.sealNumbers': 'POCL778812',
      'containers.grossWeightKg': '18640',
      'cargo.description': 'Stainless steel kitchen sinks',
      'cargo.packageCount': '620',
      'cargo.packageType': 'cartons',
      'cargo.grossWeightKg': '18640',
      'pickupTerminal.unLocode': 'CNSHA',
      emptyReturnDepot: 'Waigaoqiao',
      'emptyReturnDepot.unLocode': 'CNSHA',
      'releaseBasis.originalsSurrendered': '3',
      chargesPaid: 'Space',
    };
    const visited = new Set<string>();
    await page.locator('body').focus();
    let onSubmit = false;
    for (let i = 0; i < MAX_TABS && !onSubmit; i += 1) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        type Focused = { tagName: string; value?: string; getAttribute(n: string): string | null; closest(s: string): unknown };
        const el = (globalThis as unknown as { document: { activeElement: Focused | null } }).document.activeElement;
        return {
          tag: el?.tagName ?? '',
          name: el?.getAttribute('name') ?? '',
          type: el?.getAttribute('type') ?? '',
          value: el?.value ?? '',
          inForm: Boolean(el?.closest('#do-form')),
        };
      });
      onSubmit = focused.inForm && focused.tag === 'BUTTON' && focused.type === 'submit';
      const keys = typed[focused.name];
      if (keys === undefined || visited.has(focused.name)) continue;
      visited.add(focused.name);
      if (focused.type === 'checkbox') await page.keyboard.press('Space');
      else if (focused.value === '' || focused.tag === 'SELECT') await page.keyboard.type(keys);
    }
    expect(onSubmit).toBe(true);
    expect([...visited].sort()).toEqual(Object.keys(typed).sort());
    await screenshot(page, 'desk-08-do-form-keyboard');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/desk\/documents\/.+\?issued=1$/);
    await page.locator('figure.desk-qr svg').waitFor();
    const id = new URL(page.url()).pathname.split('/')[3] ?? '';
    await expect(c.document(P.agentSha, id)).resolves.toMatchObject({
      payload: {
        deliveryOrderNumber: number,
        carrier: { partyId: P.carrier },
        consignee: { partyId: P.consignee },
        emptyReturnDepot: { partyId: P.depot },
        chargesPaid: true,
        releaseBasis: { type: 'original-bl-surrendered', originalsSurrendered: 3 },
      },
    });
  });

  it('no desk page broke the Content-Security-Policy or threw', () => {
    expect(problems).toEqual([]);
  });
});
