import { SYSTEM_ACTOR_ID } from '../../domain/document/lifecycle';
import type { AuditOverview } from '../../application/page-reads';
import type { SearchTerms } from '../../application/document-search';
import { documentTable, pager, searchForm } from './document-list.view';
import { html } from './html';
import { eventName, formatTime, kindName, statusName, t } from './i18n';
import { page, type PageContext } from './layout';

export interface AuditPageData extends AuditOverview {
  terms: SearchTerms;
  offset: number;
  badTerms?: readonly string[];
}

const allStatuses = ['issued', 'transferred', 'presented', 'released', 'gate-recorded', 'countersigned', 'submitted', 'accepted', 'rejected', 'voided', 'superseded', 'expired', 'withdrawn'];

export function auditView(ctx: PageContext, data: AuditPageData) {
  const { lang } = ctx;
  const names = new Map(data.parties.map((party) => [party.id, lang === 'en' ? party.name.en : party.name.zh ?? party.name.en]));
  const partyName = (id: string) => names.get(id) ?? (id === SYSTEM_ACTOR_ID ? t(lang, 'systemActor') : id);
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
${searchForm(lang, '/audit', data.terms, { statuses: allStatuses, badTerms: data.badTerms ?? [], label: 'searchDocument' })}
${data.notFound ? html`<p class="alert" role="alert">${t(lang, 'noSuchDocument')}</p>` : ''}
${data.document
  ? html`<section class="card">
  <h2>${t(lang, 'eventChain')} <span class="mono">${data.document.number ?? ''}</span></h2>
  <p class="small">${kindName(lang, data.document.kind)} · ${statusName(lang, data.document.status)} · <span class="mono">${data.document.id}</span></p>
  <div class="scroll"><table class="events">
    <thead><tr><th>${t(lang, 'seq')}</th><th>${t(lang, 'event')}</th><th>${t(lang, 'actor')}</th><th>${t(lang, 'time')}</th><th>${t(lang, 'signature')}</th><th>${t(lang, 'chainLink')}</th><th>${t(lang, 'inclusion')}</th></tr></thead>
    <tbody>
    ${data.document.events.map(
      (e) => html`<tr data-seq="${e.seq}">
      <td>${e.seq}</td><td data-type="${e.type}">${eventName(lang, e.type)}</td><td data-actor="${e.actor}">${partyName(e.actor)}</td><td class="small">${formatTime(lang, e.at)}</td>
      <td class="signature-check">${mark(e.signatureProblems.length === 0, e.signatureProblems.map((p) => p.message).join('; '))}</td>
      <td class="chain-check">${mark(e.chained)}</td>
      <td class="inclusion-check">${mark(e.inclusion.included, e.inclusion.reason)} <span class="small">#${e.logIndex}</span></td>
    </tr>`,
    )}
    </tbody>
  </table></div>
  ${data.document.events.flatMap((e) => e.signatureProblems).map((p) => html`<p class="alert">${p.message}</p>`)}
</section>`
  : ''}
${data.list && !data.notFound
  ? html`<section class="card" id="documents" aria-labelledby="documents-title">
  <h2 id="documents-title">${t(lang, 'auditRecent')}</h2>
  ${pager(lang, '/audit', data.terms, { ...data.list, shown: data.list.lines.length }, data.offset)}
  ${documentTable(lang, data.list.lines, (line) => `/audit?q=${encodeURIComponent(line.id)}`)}
</section>`
  : ''}`;
  return page(ctx, t(lang, 'auditTitle'), body);
}
