import type { DocumentState } from '../../../domain/document/document';
import { kindTitle } from '../../../domain/document/document-kinds';
import { html, type Html } from '../html';
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

export function statusBadge(lang: Lang, status: string): Html {
  return html`<span class="status status-${status}" data-status="${status}">${statusName(lang, status)}</span>`;
}

export function kindName(lang: Lang, state: Pick<DocumentState, 'kind'>): string {
  const title = kindTitle(state.kind);
  return lang === 'en' ? title.en : title.zh;
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
