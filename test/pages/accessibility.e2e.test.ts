// Every page state, in 中文 and English, on a phone (390x844) and at a desk (1280x800), checked
// by axe-core in Chromium: no serious or critical violation. Beside axe: no page is wider than its
// screen, an error summary links to fields that are marked aria-invalid, and a gate verdict is
// said through a live region that was there, empty, before it was filled.
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import type { DocumentBody } from '../http/exchange-client';
import { P, payloadOf } from '../http/exchange-client';
import { describeWithBrowser, desktopContext, phoneContext, signIn } from '../support/browser';
import { startBrowserExchange, stopBrowserExchange, type BrowserExchange } from '../support/browser-exchange';

jest.setTimeout(300_000);

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const HOUR = 3600_000;

type Lang = 'zh' | 'en';
type Size = 'phone' | 'desk';

interface Finding {
  rule: string;
  impact: string;
  targets: string[];
}

/** Runs axe-core (WCAG 2.x A and AA rules) on the page as it is now; returns the serious and critical findings. */
async function axeFindings(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(`(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ rule: v.id, impact: v.impact, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  })()`);
}

/** Which of `selectors` match at least one element that is visible now. */
function visibleIn(page: Page, selectors: readonly string[]): Promise<string[]> {
  return page.evaluate(
    `(${JSON.stringify(selectors)}).filter((s) => [...document.querySelectorAll(s)].some((el) => el.checkVisibility()))`,
  );
}

const pageWidth = (page: Page): Promise<number> => page.evaluate('document.documentElement.scrollWidth');

describeWithBrowser('accessibility of every page state (axe-core in Chromium)', () => {
  let exchange: BrowserExchange;
  let eir: DocumentBody;
  let order: DocumentBody;
  const contexts: BrowserContext[] = [];
  /** Every finding, by page state: expected to stay empty. */
  const findings: Record<string, Finding[] | string> = {};

  beforeAll(async () => {
    exchange = await startBrowserExchange();
    const { c } = exchange;
    eir = await c.issued(
      P.terminal,
      'eir',
      payloadOf('eir', (p) => {
        p['validFrom'] = new Date(Date.now() - HOUR).toISOString();
        p['validUntil'] = new Date(Date.now() + 72 * HOUR).toISOString();
      }),
    );
    order = await c.deliveryOrder();
  });

  afterAll(async () => {
    await stopBrowserExchange(exchange, contexts);
  });

  async function contextFor(size: Size, lang: Lang): Promise<BrowserContext> {
    const locale = lang === 'zh' ? 'zh-CN' : 'en-GB';
    // axe-core goes in as an inline script, which the pages' own policy (rightly) refuses.
    const options = { locale, bypassCSP: true };
    const context = size === 'phone' ? await phoneContext(exchange.browser, options) : await desktopContext(exchange.browser, options);
    contexts.push(context);
    return context;
  }

  /** Checks the page as it stands under the name `state`. */
  async function check(page: Page, state: string, size: Size): Promise<void> {
    const found = await axeFindings(page);
    if (found.length > 0) findings[state] = found;
    const width = await pageWidth(page);
    const screen = size === 'phone' ? 390 : 1280;
    if (width > screen) findings[`${state} width`] = `${width} px on a ${screen} px screen`;
  }

  describe.each<[Size, Lang]>([
    ['phone', 'zh'],
    ['phone', 'en'],
    ['desk', 'zh'],
    ['desk', 'en'],
  ])('%s, %s', (size, lang) => {
    const name = (state: string) => `${size}-${lang} ${state}`;
    let link = '';

    it('sign-in: empty, and refused', async () => {
      const page = await (await contextFor(size, lang)).newPage();
      await page.goto(`${exchange.server.url}/login`);
      await check(page, name('sign-in'), size);
      await page.locator('input[name="userId"]').fill('demo-haulier-a-driver');
      await page.locator('input[name="password"]').fill('wrong password');
      await page.locator('form[action="/login"] button[type="submit"]').click();
      await page.waitForSelector('.alert[data-code]');
      await check(page, name('sign-in refused'), size);
      // The fields the refusal is about are marked, and say why.
      await expect(page.locator('input[aria-invalid="true"]').count()).resolves.toBe(2);
      await page.close();
    });

    it('wallet: the list and the QR page', async () => {
      const page = await (await contextFor(size, lang)).newPage();
      await signIn(page, exchange.server.url, 'demo-haulier-a-driver');
      await page.waitForSelector('a[data-document]');
      await check(page, name('wallet list'), size);
      await page.goto(`${exchange.server.url}/m/d/${eir.id}`);
      await page.waitForSelector('figure.qr svg');
      await check(page, name('wallet QR'), size);
      link = (JSON.parse((await page.locator('#pass').textContent()) ?? '{}') as { url: string }).url;
      // Printed, the pass is its QR and its numbers only.
      await page.emulateMedia({ media: 'print' });
      await expect(visibleIn(page, ['header.bar', '.back', '.hint', '.who', 'h1', 'figure.qr', '[data-fact="number"]', '[data-fact="container"]'])).resolves.toEqual(['figure.qr', '[data-fact="number"]', '[data-fact="container"]']);
      await page.emulateMedia({ media: 'screen' });
      await page.context().close();
    });

    it('gate: empty, then amber, red and green verdicts, said through a live region there from the start', async () => {
      const page = await (await contextFor(size, lang)).newPage();
      await signIn(page, exchange.server.url, 'demo-terminal-gate');
      await page.waitForSelector('#check-form');
      await expect(page.locator('[role="alert"]#verdict-alert').textContent()).resolves.toBe('');
      await expect(page.locator('[role="status"]#verdict-status').textContent()).resolves.toBe('');
      // Shown only where the phone has a camera to scan with; hidden means not shown and not focusable.
      await expect(page.locator('#scan').isVisible()).resolves.toBe(false);
      await check(page, name('gate'), size);
      for (const [plate, colour] of [
        ['', 'amber'],
        ['沪B99999', 'red'],
        ['沪AD12345', 'green'],
      ] as const) {
        await page.locator('#link').fill(link);
        await page.locator('#plate').fill(plate);
        await page.locator('#check-form button[type="submit"]').click();
        await page.waitForSelector(`#verdict[data-state="done"][data-colour="${colour}"]`);
        const said = colour === 'red' ? '#verdict-alert' : '#verdict-status';
        await expect(page.locator(said).textContent()).resolves.toContain(await page.locator('#verdict .headline').textContent());
        await check(page, name(`gate ${colour}`), size);
      }
      await page.goto(`${exchange.server.url}/gate/record/${eir.id}`);
      await check(page, name('gate record'), size);
      // Refused: a damage line without its component. Every field at fault is marked and linked from the summary.
      await page.locator('input[name="condition"][value="damaged"]').check();
      await page.locator('#f-damages-0-damage').fill('dent');
      await page.locator('#record-form button[type="submit"]').click();
      await page.waitForSelector('#issue-summary');
      const marked = await page.locator('[aria-invalid="true"]').evaluateAll((fields) => fields.map((f) => f.id));
      const linked = await page.locator('#issue-summary a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      expect(marked.length).toBeGreaterThan(0);
      expect(linked).toEqual(marked.map((id) => `#${id}`));
      await check(page, name('gate record refused'), size);
      await page.goto(`${exchange.server.url}/desk/facility`);
      await check(page, name('facility worklists'), size);
      await page.context().close();
    });

    it('the pass page a camera opens, and verify', async () => {
      const page = await (await contextFor(size, lang)).newPage();
      await page.goto(link);
      await page.waitForSelector('#verdict[data-state="done"]');
      await check(page, name('pass page'), size);
      await page.goto(`${exchange.server.url}/verify`);
      await check(page, name('verify'), size);
      await page.close();
    });

    it('the desk: worklists, a new D/O, the same refused, a document', async () => {
      const page = await (await contextFor(size, lang)).newPage();
      await signIn(page, exchange.server.url, 'demo-agent-sha-desk');
      await page.goto(`${exchange.server.url}/desk/agent`);
      await check(page, name('desk worklists'), size);
      await page.goto(`${exchange.server.url}/desk/agent/do/new`);
      await check(page, name('desk new D/O'), size);
      // Sent without the browser's own checks, so the server's refusal is drawn.
      await page.locator('#do-form').evaluate((form) => form.setAttribute('novalidate', ''));
      await page.locator('#do-form button[type="submit"]').click();
      await page.waitForSelector('#issue-summary');
      await check(page, name('desk D/O refused'), size);
      // Each summary line links to a field that is there and marked invalid.
      const targets = await page.locator('#issue-summary a').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) {
        const field = page.locator(`${target}`);
        await expect(field.count()).resolves.toBe(1);
        const marked = await field.evaluate((el) => el.getAttribute('aria-invalid') === 'true' || el.querySelector('[aria-invalid="true"]') !== null);
        expect({ target, marked }).toEqual({ target, marked: true });
      }
      await page.goto(`${exchange.server.url}/desk/documents/${order.id}`);
      await check(page, name('desk document'), size);
      // Printed, a document is a clean record: no header, navigation, forms or buttons.
      await page.emulateMedia({ media: 'print' });
      await expect(visibleIn(page, ['header.bar', '.desk-nav', 'main form', 'main button', 'main h1'])).resolves.toEqual(['main h1']);
      await page.emulateMedia({ media: 'screen' });
      await page.context().close();
    });
  });

  it('no serious or critical axe finding and no page wider than its screen, in any state', () => {
    expect(findings).toEqual({});
  });
});
