import type { DocumentFacts } from '../../application/document-facts';
import type { DocumentState } from '../../domain/document/document';
import { kindTitle } from '../../domain/document/document-kinds';
import { html, jsonData, trustedMarkup, type Html } from './html';
import { formatTime, statusName, t, type Lang } from './i18n';
import { page, type PageContext } from './layout';

export interface WalletItem {
  state: DocumentState;
  facts: DocumentFacts;
  updatedAt: string;
}

const kindName = (lang: Lang, state: DocumentState) => (lang === 'en' ? kindTitle(state.kind).en : kindTitle(state.kind).zh);

function factsList(lang: Lang, state: DocumentState, facts: DocumentFacts): Html {
  return html`<dl class="facts">
  <div><dt>${t(lang, 'container')}</dt><dd class="big mono">${facts.containers.slice(0, 3).join(' · ')}${facts.containers.length > 3 ? ` +${facts.containers.length - 3}` : ''}</dd></div>
  ${facts.truckPlate ? html`<div><dt>${t(lang, 'truckPlate')}</dt><dd class="big">${facts.truckPlate}</dd></div>` : ''}
  ${facts.validUntil ? html`<div><dt>${t(lang, 'validUntil')}</dt><dd>${formatTime(lang, facts.validUntil)}</dd></div>` : ''}
  <div><dt>${t(lang, 'status')}</dt><dd><span class="status status-${state.status}">${statusName(lang, state.status)}</span></dd></div>
  <div><dt>${t(lang, 'documentNo')}</dt><dd class="mono">${facts.number}</dd></div>
</dl>`;
}

export function walletView(ctx: PageContext, items: readonly WalletItem[]) {
  const { lang } = ctx;
  const body = html`<p class="offline-note" hidden>${t(lang, 'walletOffline')}</p>
${items.length === 0 ? html`<p class="empty">${t(lang, 'walletEmpty')}</p>` : ''}
<ul class="wallet">
${items.map(
  ({ state, facts }) => html`<li><a class="card doc" href="/m/d/${state.id}" data-document="${state.id}">
  <span class="kind">${kindName(lang, state)}</span>
  ${factsList(lang, state, facts)}
</a></li>`,
)}
</ul>`;
  return page(ctx, t(lang, 'walletTitle'), body, { scripts: ['/static/web/wallet.js'], bodyClass: 'wallet-page' });
}

export function walletDocumentView(
  ctx: PageContext,
  item: WalletItem,
  pass: { url: string; svg: string; expires: number } | undefined,
) {
  const { lang } = ctx;
  const body = html`<p><a href="/m/">← ${t(lang, 'back')}</a></p>
<section class="pass">
  <p class="kind">${kindName(lang, item.state)}</p>
  ${pass
    ? html`<figure class="qr" aria-label="${t(lang, 'showAtGate')}">${trustedMarkup(pass.svg)}</figure>
  <p class="hint">${t(lang, 'showAtGate')}</p>
  ${jsonData('pass', { url: pass.url })}`
    : html`<p class="alert">${t(lang, 'notHolder')}</p>`}
  ${factsList(lang, item.state, item.facts)}
  ${pass ? html`<p class="small">${t(lang, 'passExpires')}: ${formatTime(lang, pass.expires * 1000)}</p>` : ''}
</section>`;
  return page(ctx, `${kindName(lang, item.state)} ${item.facts.number}`, body, { scripts: ['/static/web/wallet.js'], bodyClass: 'pass-page' });
}
