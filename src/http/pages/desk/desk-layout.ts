import { Html, html } from '../html';
import { statusName, t, type Lang, type TextKey } from '../i18n';
import { page, type PageContext } from '../layout';

/** The desks, and which party roles each serves. */
export const DESKS = {
  agent: { path: '/desk/agent', roles: ['carrier-agent', 'carrier'], title: 'deskAgentTitle' },
  shipper: { path: '/desk/shipper', roles: ['shipper', 'forwarder'], title: 'deskShipperTitle' },
  facility: { path: '/desk/facility', roles: ['terminal', 'depot'], title: 'deskFacilityTitle' },
} as const satisfies Record<string, { path: string; roles: readonly string[]; title: TextKey }>;

export type DeskName = keyof typeof DESKS;

export function desksFor(roles: readonly string[]): DeskName[] {
  return (Object.keys(DESKS) as DeskName[]).filter((name) => DESKS[name].roles.some((role) => roles.includes(role)));
}

const links: Record<DeskName, { href: string; key: TextKey }[]> = {
  agent: [
    { href: '/desk/agent', key: 'deskWorklist' },
    { href: '/desk/agent/do/new', key: 'deskIssueDo' },
  ],
  shipper: [
    { href: '/desk/shipper', key: 'deskWorklist' },
    { href: '/desk/shipper/guarantee/new', key: 'deskNewGuarantee' },
  ],
  facility: [
    { href: '/desk/facility', key: 'deskWorklist' },
    { href: '/desk/facility/eirs/new', key: 'deskIssueEirs' },
    { href: '/gate', key: 'gateTitle' },
  ],
};

function deskNav(ctx: PageContext): Html {
  const roles = ctx.user?.roles ?? [];
  const items = desksFor(roles).flatMap((desk) => links[desk]);
  const here = ctx.path.split('?')[0];
  return html`<nav class="desk-nav" aria-label="${t(ctx.lang, 'deskNavigation')}"><ul>${items.map(
    (item) => html`<li><a href="${item.href}"${item.href === here ? html` aria-current="page"` : ''}>${t(ctx.lang, item.key)}</a></li>`,
  )}<li><a href="/verify">${t(ctx.lang, 'verifyTitle')}</a></li></ul></nav>`;
}

/** A desk page: the phone pages' shell, wider on a laptop or tablet (body class `desk`). */
export function deskPage(ctx: PageContext, title: string, body: Html, scripts: string[] = []): Html {
  return page(ctx, title, html`${deskNav(ctx)}${body}`, { bodyClass: 'desk', scripts: ['/static/web/desk.js', ...scripts] });
}

/** One cell of a desk table: its content, and a class for the cell (`mono`, `small`, `actions`). */
export interface Cell {
  value: Html | string | number | null | undefined;
  cls?: string;
}

export interface TableRow {
  /** `data-*` attributes of the row, e.g. the document it lists. */
  data?: Record<string, string | number>;
  cells: readonly (Cell | Html | string | number | null | undefined)[];
}

const isCell = (value: TableRow['cells'][number]): value is Cell =>
  typeof value === 'object' && value !== null && !(value instanceof Html) && 'value' in value;

/**
 * A desk table. Below 768 px each row is drawn as a card, each value under its column's name (the
 * cell's `data-label`); an empty heading (the actions column) is a row of buttons. Values sit in
 * one wrapper per cell so the card's label and value are two items, never more.
 */
export function cardTable(headers: readonly string[], rows: readonly TableRow[], options: { hiddenLast?: boolean } = {}): Html {
  const last = headers.length - 1;
  return html`<table class="events cards">
  <thead><tr>${headers.map((h, i) =>
    options.hiddenLast && i === last ? html`<th scope="col"><span class="visually-hidden">${h}</span></th>` : html`<th scope="col">${h}</th>`,
  )}</tr></thead>
  <tbody>${rows.map(
    (row) => html`<tr${Object.entries(row.data ?? {}).map(([k, v]) => html` data-${k}="${v}"`)}>${row.cells.map((raw, i) => {
      const cell: Cell = isCell(raw) ? raw : { value: raw };
      const label = options.hiddenLast && i === last ? '' : headers[i] ?? '';
      return html`<td${cell.cls ? html` class="${cell.cls}"` : ''} data-label="${label}"><div class="cell">${cell.value ?? ''}</div></td>`;
    })}</tr>`,
  )}</tbody>
</table>`;
}

/** A document id in a table: cut short with an ellipsis (never broken across lines), whole in its title. */
export function shortId(id: string, href: string): Html {
  return html`<a class="mono id-link" href="${href}" title="${id}">${id}</a>`;
}

export function statusBadge(lang: Lang, status: string): Html {
  return html`<span class="status status-${status}" data-status="${status}">${statusName(lang, status)}</span>`;
}

/** A notice after something worked, or the exchange's reason when it did not. */
export function outcome(lang: Lang, message: { notice?: string | undefined; refusal?: string | undefined }): Html {
  return html`${message.notice ? html`<p class="notice" role="status">${message.notice}</p>` : ''}${message.refusal
    ? html`<div class="alert" role="alert"><p>${t(lang, 'deskRefused')}</p><p class="reason">${message.refusal}</p></div>`
    : ''}`;
}

/** A hidden per-form key: posting the same form twice issues one document (the API's Idempotency-Key). */
export function formKeyInput(key: string): Html {
  return html`<input type="hidden" name="formKey" value="${key}">`;
}

export function csrfInput(ctx: PageContext): Html {
  return html`<input type="hidden" name="csrf" value="${ctx.user?.csrfToken ?? ''}">`;
}
