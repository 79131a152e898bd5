import type { DocumentLine, DocumentListPage } from '../../application/page-reads';
import type { SearchTerms } from '../../application/document-search';
import { documentKinds, type DocumentKind } from '../../domain/document/document';
import { html, type Html } from './html';
import { formatTime, kindName, statusName, t, type Lang, type TextKey } from './i18n';

/** Rows per page on every list. */
export const LIST_PAGE_SIZE = 50;

/** The terms a list form sends, read from a query string; anything else is ignored. */
export function termsFromQuery(query: Record<string, unknown>): SearchTerms {
  const read = (name: string): string | undefined => (typeof query[name] === 'string' ? (query[name] as string).slice(0, 200) : undefined);
  return { q: read('q'), kind: read('kind'), status: read('status'), from: read('from'), to: read('to') };
}

/** Where a list page starts: the cursor and the number of rows before it, both from the query. */
export function pageFromQuery(query: Record<string, unknown>): { after?: string; offset: number } {
  const cursor = typeof query['cursor'] === 'string' && query['cursor'].length <= 200 ? query['cursor'] : undefined;
  const offset = typeof query['at'] === 'string' && /^\d{1,7}$/.test(query['at']) ? Number(query['at']) : 0;
  return cursor ? { after: cursor, offset } : { offset: 0 };
}

/**
 * One GET form: any number (D/O, B/L, container, EIR, plate), kind, status and issue dates. It
 * keeps its terms in the URL, so a search is bookmarkable and the back button works, with or
 * without JavaScript.
 */
export function searchForm(
  lang: Lang,
  action: string,
  terms: SearchTerms,
  options: {
    kinds?: readonly DocumentKind[];
    statuses?: readonly string[];
    badTerms?: readonly string[];
    label?: TextKey;
    /** For one of several lists on a page: the `list` the form sends, its anchor and its ids' prefix. */
    list?: string;
  } = {},
): Html {
  const kinds = options.kinds ?? documentKinds;
  const statuses = options.statuses ?? [];
  const chosen = (value: string | undefined, option: string) => (value === option ? html` selected` : '');
  const bad = new Set(options.badTerms ?? []);
  const mark = (name: string) => (bad.has(name) ? html` aria-invalid="true" class="bad"` : '');
  // Every control has an id and a label naming it, as on every desk form.
  const id = `${options.list ? `${options.list}-` : ''}search`;
  const field = (name: string, label: TextKey, control: Html) => html`<div class="field${name === 'q' ? ' grow' : ''}"><label for="${id}-${name}">${t(lang, label)}</label>${control}</div>`;
  return html`<form class="card list-search" method="get" action="${action}${options.list ? `#${options.list}` : ''}" role="search">
  ${options.list ? html`<input type="hidden" name="list" value="${options.list}">` : ''}
  ${field('q', options.label ?? 'listSearchLabel', html`<input id="${id}-q" name="q" type="search"${mark('q')} value="${terms.q ?? ''}" maxlength="100" autocapitalize="characters" spellcheck="false" enterkeyhint="search">`)}
  ${kinds.length > 1
    ? field('kind', 'listKind', html`<select id="${id}-kind" name="kind"><option value="">${t(lang, 'listAnyKind')}</option>${kinds.map((k) => html`<option value="${k}"${chosen(terms.kind, k)}>${kindName(lang, k)}</option>`)}</select>`)
    : ''}
  ${statuses.length > 0
    ? field('status', 'listStatus', html`<select id="${id}-status" name="status"${mark('status')}><option value="">${t(lang, 'listAnyStatus')}</option>${statuses.map((s) => html`<option value="${s}"${chosen(terms.status, s)}>${statusName(lang, s)}</option>`)}</select>`)
    : ''}
  ${field('from', 'listFrom', html`<input id="${id}-from" name="from" type="date"${mark('from')} value="${terms.from ?? ''}">`)}
  ${field('to', 'listTo', html`<input id="${id}-to" name="to" type="date"${mark('to')} value="${terms.to ?? ''}">`)}
  <button class="primary" type="submit">${t(lang, 'search')}</button>
  ${bad.size > 0 ? html`<p class="alert" role="alert">${t(lang, 'listBadTerm', { fields: [...bad].map((name) => termLabel(lang, name)).join(lang === 'en' ? ', ' : '、') })}</p>` : ''}
</form>`;
}

function termLabel(lang: Lang, name: string): string {
  const labels: Record<string, TextKey> = { q: 'listSearchLabel', kind: 'listKind', status: 'listStatus', from: 'listFrom', to: 'listTo', after: 'listPages' };
  return t(lang, labels[name] ?? 'listSearchLabel');
}

/** "第 1-50 条，共 2,137 条" and the links to the next and the first page. */
export function pager(
  lang: Lang,
  action: string,
  terms: SearchTerms,
  list: { shown: number; nextCursor: string | null; total: DocumentListPage['total'] },
  offset: number,
  /** For one of several lists on a page: the `list` its links send and their anchor. */
  listId?: string,
): Html {
  const count = list.shown;
  const number = (n: number) => n.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN');
  const summary = count === 0
    ? t(lang, 'listNone')
    : t(lang, list.total.capped ? 'listRangeCapped' : 'listRange', { from: number(offset + 1), to: number(offset + count), total: number(list.total.count) });
  const kept = Object.entries(terms).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '');
  const own: [string, string][] = listId ? [['list', listId]] : [];
  const link = (extra: [string, string][]) => `${action}?${new URLSearchParams([...own, ...kept, ...extra]).toString()}${listId ? `#${listId}` : ''}`;
  return html`<nav class="pager" aria-label="${t(lang, 'listPages')}">
  <p class="pager-count">${summary}</p>
  ${offset > 0 ? html`<a class="button" href="${link([])}">${t(lang, 'listFirst')}</a>` : ''}
  ${list.nextCursor ? html`<a class="button" rel="next" href="${link([['cursor', list.nextCursor], ['at', String(offset + count)]])}">${t(lang, 'listNext')}</a>` : ''}
</nav>`;
}

/** The first three container numbers, and how many more. */
export const containerList = (numbers: readonly string[]): string => `${numbers.slice(0, 3).join(' ')}${numbers.length > 3 ? ` +${numbers.length - 3}` : ''}`;

/** The columns a clerk scans: number, B/L, consignee, containers, status, last change. */
export function documentTable(lang: Lang, lines: readonly DocumentLine[], hrefOf: (line: DocumentLine) => string): Html {
  if (lines.length === 0) return html``;
  return html`<div class="scroll"><table class="events document-list">
  <thead><tr><th scope="col">${t(lang, 'listNumber')}</th><th scope="col">${t(lang, 'listKind')}</th><th scope="col">${t(lang, 'listBl')}</th><th scope="col">${t(lang, 'listConsignee')}</th><th scope="col">${t(lang, 'listContainers')}</th><th scope="col">${t(lang, 'listStatus')}</th><th scope="col">${t(lang, 'listChanged')}</th></tr></thead>
  <tbody>${lines.map(
    (line) => html`<tr data-document="${line.id}">
    <td class="mono"><a href="${hrefOf(line)}">${line.number ?? line.id}</a></td>
    <td>${kindName(lang, line.kind)}</td>
    <td class="mono">${line.bl ?? '—'}</td>
    <td>${(lang === 'en' ? line.consigneeNames[0] : line.consigneeNames[line.consigneeNames.length - 1]) ?? '—'}</td>
    <td class="mono small">${containerList(line.containers)}</td>
    <td>${statusName(lang, line.status)}</td>
    <td class="small">${formatTime(lang, line.updatedAt)}</td>
  </tr>`,
  )}</tbody>
</table></div>`;
}
