import type { EventAudit } from '../../application/audit/document-audit';
import type { SignedTreeHead } from '../../application/audit/tree-head';
import { html } from './html';
import { formatTime, t } from './i18n';
import { page, type PageContext } from './layout';

export interface AuditPageData {
  head: SignedTreeHead;
  /** Undefined when the head verifies against the trusted log certificate, else why not. */
  headProblem: string | undefined;
  query: string;
  document?: { id: string; kind: string; status: string; events: EventAudit[] };
  notFound?: boolean;
}

export function auditView(ctx: PageContext, data: AuditPageData) {
  const { lang } = ctx;
  const mark = (ok: boolean, title?: string) =>
    html`<span class="${ok ? 'ok' : 'bad'}" title="${title ?? ''}">${ok ? '✓ ' + t(lang, 'ok') : '✗ ' + t(lang, 'failed')}</span>`;
  const body = html`<section class="card">
  <h2>${t(lang, 'treeHead')}</h2>
  <dl class="facts">
    <div><dt>${t(lang, 'treeSize')}</dt><dd class="big" id="tree-size">${data.head.size}</dd></div>
    <div><dt>${t(lang, 'rootHash')}</dt><dd class="mono small">${data.head.rootHash}</dd></div>
    <div><dt>${t(lang, 'signedAt')}</dt><dd>${formatTime(lang, data.head.timestamp)}</dd></div>
    <div><dt>${t(lang, 'headSignature')}</dt><dd id="head-signature">${mark(data.headProblem === undefined, data.headProblem)}${data.headProblem ? html` <span class="why">${data.headProblem}</span>` : ''}</dd></div>
  </dl>
</section>
<form class="card row" method="get" action="/audit">
  <label class="grow">${t(lang, 'searchDocument')}<input name="doc" value="${data.query}" maxlength="100" autocapitalize="none" spellcheck="false"></label>
  <button class="primary" type="submit">${t(lang, 'search')}</button>
</form>
${data.notFound ? html`<p class="alert" role="alert">${t(lang, 'noSuchDocument')}</p>` : ''}
${data.document
  ? html`<section class="card">
  <h2>${t(lang, 'eventChain')} <span class="mono small">${data.document.id}</span></h2>
  <div class="scroll"><table class="events">
    <thead><tr><th>${t(lang, 'seq')}</th><th>${t(lang, 'event')}</th><th>${t(lang, 'actor')}</th><th>${t(lang, 'time')}</th><th>${t(lang, 'signature')}</th><th>${t(lang, 'chainLink')}</th><th>${t(lang, 'inclusion')}</th></tr></thead>
    <tbody>
    ${data.document.events.map(
      (e) => html`<tr data-seq="${e.seq}">
      <td>${e.seq}</td><td>${e.type}</td><td class="mono small">${e.actor}</td><td class="small">${formatTime(lang, e.at)}</td>
      <td class="signature-check">${mark(e.signatureProblems.length === 0, e.signatureProblems.map((p) => p.message).join('; '))}</td>
      <td class="chain-check">${mark(e.chained)}</td>
      <td class="inclusion-check">${mark(e.inclusion.included, e.inclusion.reason)} <span class="small">#${e.logIndex}</span></td>
    </tr>`,
    )}
    </tbody>
  </table></div>
  ${data.document.events.flatMap((e) => e.signatureProblems).map((p) => html`<p class="alert">${p.message}</p>`)}
</section>`
  : ''}`;
  return page(ctx, t(lang, 'auditTitle'), body);
}
