import type { Browser, BrowserContext, Page } from 'playwright-core';
import { desktopContext, phoneContext } from './browser';

/** The four ways a desk page is looked at: a phone and a laptop, each in 中文 and in English. */
export interface DeskView {
  name: string;
  lang: 'zh-CN' | 'en';
  size: 'phone' | 'laptop';
}

export const DESK_VIEWS: readonly DeskView[] = [
  { name: 'phone-zh', lang: 'zh-CN', size: 'phone' },
  { name: 'laptop-zh', lang: 'zh-CN', size: 'laptop' },
  { name: 'phone-en', lang: 'en', size: 'phone' },
  { name: 'laptop-en', lang: 'en', size: 'laptop' },
];

/** A browser context for one view: 390x844 or 1280x800, its locale (hence Accept-Language) the view's language. */
export function viewContext(browser: Browser, view: DeskView): Promise<BrowserContext> {
  const locale = view.lang === 'en' ? 'en-GB' : 'zh-CN';
  return view.size === 'phone' ? phoneContext(browser, { locale }) : desktopContext(browser, { locale });
}

/** Signs a demo user in through the sign-in form, in whatever language the context asks for. */
export { signIn } from './browser';

/**
 * The text a person reads in the page's main part, without the signed-in line (a user's name is
 * data, not the page's words), without what is typed into the form's boxes, and without `exclude`
 * (a document's signed content, in whatever language it was written).
 */
export function mainText(page: Page, exclude: readonly string[] = []): Promise<string> {
  return page.evaluate((excluded) => {
    type El = { innerText: string; querySelectorAll(s: string): ArrayLike<{ remove(): void }>; cloneNode(deep: boolean): El };
    const doc = (globalThis as unknown as { document: { querySelector(s: string): El | null; body: { append(n: El): void } } }).document;
    const main = doc.querySelector('main');
    if (!main) return '';
    const copy = main.cloneNode(true);
    for (const el of Array.from(copy.querySelectorAll(['.who', 'input', 'textarea', 'select', 'script', ...excluded].join(', ')))) el.remove();
    // innerText needs the copy laid out; it is removed again at once.
    const holder = copy as unknown as { style: { position: string; left: string }; remove(): void };
    holder.style.position = 'absolute';
    holder.style.left = '-99999px';
    doc.body.append(copy);
    const text = copy.innerText;
    holder.remove();
    return text;
  }, exclude);
}

/** Three or more English words in a row: a sentence, or a phrase of one, in Latin letters. */
export const ENGLISH_RUN = /[A-Za-z][A-Za-z'’-]*(?:[ \t]+[A-Za-z][A-Za-z'’-]*){2,}/;

/** A payload path: camelCase names (`deliveryOrderNumber`), list indexes (`containers[0]`), `payload.`. */
export const FIELD_PATH = /\b[a-z]+[A-Z][A-Za-z]*\b|\w\[\d+\]|\bpayload\b/;

/** zod's and the API's own English, which no desk page should ever show. */
export const API_ENGLISH = /Too small|Too big|Invalid input|Invalid option|Invalid ISO|expected (?:array|number|string|int)|is required|must not be empty|must be (?:an?|later|the)|check digit is wrong/;

export const HAN = /[\u4e00-\u9fff]/;

/** The controls marked invalid, by id, each with the message shown under it (via aria-describedby). */
export function invalidFields(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    type El = { id: string; getAttribute(n: string): string | null };
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El>; getElementById(id: string): { textContent: string | null } | null } }).document;
    const out: Record<string, string> = {};
    for (const el of Array.from(doc.querySelectorAll('[aria-invalid="true"]'))) {
      const errorId = (el.getAttribute('aria-describedby') ?? '').split(' ').find((id) => id.endsWith('-error')) ?? '';
      out[el.id] = (doc.getElementById(errorId)?.textContent ?? '').trim();
    }
    return out;
  });
}

/** Every message shown under a field, by the error element's id, whether or not its control is marked. */
export function shownErrors(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    type El = { id: string; textContent: string | null };
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El> } }).document;
    const out: Record<string, string> = {};
    for (const el of Array.from(doc.querySelectorAll('.field-error'))) {
      const text = (el.textContent ?? '').trim();
      if (text) out[el.id] = text;
    }
    return out;
  });
}

/** The summary above a form: each line's link target, the link's words and the whole line. */
export function summaryLines(page: Page): Promise<{ target: string; label: string; text: string }[]> {
  return page.evaluate(() => {
    type A = { getAttribute(n: string): string | null; textContent: string | null };
    type Li = { querySelector(s: string): A | null; textContent: string | null };
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<Li> } }).document;
    return Array.from(doc.querySelectorAll('#issue-summary li')).map((li) => {
      const link = li.querySelector('a');
      return { target: (link?.getAttribute('href') ?? '').replace(/^#/, ''), label: (link?.textContent ?? '').trim(), text: (li.textContent ?? '').trim() };
    });
  });
}

/** The label text of a control (its `<label for>`, or its fieldset's legend), without the required mark. */
export function labelOf(page: Page, id: string): Promise<string> {
  return page.evaluate((target) => {
    type El = { tagName: string; textContent: string | null; querySelector(s: string): El | null };
    const doc = (globalThis as unknown as { document: { querySelector(s: string): El | null; getElementById(id: string): El | null } }).document;
    const el = doc.getElementById(target);
    const label = el?.tagName === 'FIELDSET' ? el.querySelector('legend') : doc.querySelector(`label[for="${target}"]`);
    return (label?.textContent ?? '').replace(/\s*\*\s*$/, '').trim();
  }, id);
}

/**
 * Empties a form as a clerk who filled nothing would send it: every text box and text area cleared,
 * every list back on its "choose" entry, every check box cleared. Radio buttons keep their default.
 */
export async function emptyForm(page: Page, formSelector: string): Promise<void> {
  await page.evaluate((selector) => {
    type Control = { value: string; checked: boolean; type: string; options?: ArrayLike<{ value: string }>; dispatchEvent(e: unknown): boolean };
    const doc = (globalThis as unknown as { document: { querySelector(s: string): { querySelectorAll(s: string): ArrayLike<Control> } | null } }).document;
    const form = doc.querySelector(selector);
    if (!form) throw new Error(`no ${selector}`);
    for (const control of Array.from(form.querySelectorAll('input:not([type=hidden]):not([type=radio]), textarea, select'))) {
      if (control.type === 'checkbox') control.checked = false;
      else if (control.options) {
        if (Array.from(control.options).some((o) => o.value === '')) control.value = '';
      } else control.value = '';
    }
  }, formSelector);
}

/**
 * Latin words, numbers and codes in table cells that a line break cuts in two. A hyphen is where a
 * compound may break (`demo-consignee-` / `logistics`), as in print; anywhere else is a cut word.
 */
export function wordsCutInCells(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type Rect = { top: number; height: number };
    type TextNode = { textContent: string | null };
    type RangeLike = { setStart(n: TextNode, o: number): void; setEnd(n: TextNode, o: number): void; getClientRects(): ArrayLike<Rect> };
    type Walker = { nextNode(): TextNode | null };
    const doc = (globalThis as unknown as {
      document: { querySelectorAll(s: string): ArrayLike<unknown>; createTreeWalker(root: unknown, what: number): Walker; createRange(): RangeLike };
    }).document;
    const cut: string[] = [];
    for (const cell of Array.from(doc.querySelectorAll('main table td, main table th'))) {
      const walker = doc.createTreeWalker(cell, 4);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        for (const match of text.matchAll(/[A-Za-z0-9][A-Za-z0-9./:]*[A-Za-z0-9]/g)) {
          const range = doc.createRange();
          range.setStart(node, match.index ?? 0);
          range.setEnd(node, (match.index ?? 0) + match[0].length);
          const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.height > 0).map((r) => Math.round(r.top)));
          if (tops.size > 1) cut.push(match[0]);
        }
      }
    }
    return cut;
  });
}

/** Whether the page is wider than the window (a sideways scroll). */
export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
    return doc.documentElement.scrollWidth > doc.documentElement.clientWidth;
  });
}
