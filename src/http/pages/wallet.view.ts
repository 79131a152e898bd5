import type { DocumentFacts } from '../../application/document-facts';
import type { GateMove } from '../../application/page-reads';
import type { DocumentCount } from '../../application/ports/store.port';
import type { DocumentState } from '../../domain/document/document';
import { mayPassGate } from '../../domain/gate/gate-pass';
import { pager } from './document-list.view';
import { html, jsonData, trustedMarkup, type Html } from './html';
import { formatClock, formatTime, kindName, localName, statusName, t, type Lang } from './i18n';
import { page, type PageContext } from './layout';

export interface WalletItem {
  state: DocumentState;
  facts: DocumentFacts;
  updatedAt: string;
  /** An EIR through the gate whose condition this party is to confirm (countersign). */
  toConfirm?: boolean;
}

/** The gate pass a holder shows: the QR's link and SVG, and whether a fresh one can outlast this one. */
export interface WalletPass {
  url: string;
  svg: string;
  /** Seconds since the epoch. */
  expires: number;
  /** True when the document stays valid after this pass expires, so reloading online brings a fresh one. */
  renewable: boolean;
}

const upTo = (values: readonly string[], max: number) => values.slice(0, max).join(' · ') + (values.length > max ? ` +${values.length - max}` : '');

/**
 * The card's facts: where to go, the boxes (number, size/type, seals), the truck, and one validity
 * line, shown while the document can still pass a gate.
 */
function factsList(lang: Lang, state: DocumentState, facts: DocumentFacts): Html {
  const sizeTypes = [...new Set(facts.sizeTypes)];
  const usable = mayPassGate(state.kind, state.status);
  return html`<dl class="facts">
  ${facts.facility && usable ? html`<div><dt>${t(lang, 'walletGoTo')}</dt><dd class="big" data-fact="facility">${localName(lang, facts.facility)}</dd></div>` : ''}
  <div><dt>${t(lang, 'container')}</dt><dd class="big mono" data-fact="container">${upTo(facts.containers, 3)}</dd></div>
  ${sizeTypes.length > 0 ? html`<div><dt>${t(lang, 'deskSizeType')}</dt><dd class="mono" data-fact="size-type">${upTo(sizeTypes, 3)}</dd></div>` : ''}
  ${facts.seals.length > 0 ? html`<div><dt>${t(lang, 'deskSeals')}</dt><dd class="mono" data-fact="seals">${upTo(facts.seals, 4)}</dd></div>` : ''}
  ${facts.truckPlate ? html`<div><dt>${t(lang, 'truckPlate')}</dt><dd class="big" data-fact="plate">${facts.truckPlate}</dd></div>` : ''}
  ${facts.validUntil && usable ? html`<div><dt>${t(lang, 'validUntil')}</dt><dd data-fact="valid-until">${formatTime(lang, facts.validUntil)}</dd></div>` : ''}
  <div><dt>${t(lang, 'status')}</dt><dd><span class="status status-${state.status}">${statusName(lang, state.status)}</span></dd></div>
  <div><dt>${t(lang, 'documentNo')}</dt><dd class="mono" data-fact="number">${facts.number}</dd></div>
</dl>`;
}

export function walletView(
  ctx: PageContext,
  items: readonly WalletItem[],
  list: { shown: number; nextCursor: string | null; total: DocumentCount; offset: number },
) {
  const { lang } = ctx;
  const body = html`<p class="offline-note" hidden>${t(lang, 'walletOffline')}</p>
${items.length === 0 ? html`<p class="empty">${t(lang, 'walletEmpty')}</p>` : ''}
<ul class="wallet">
${items.map(
  ({ state, facts, toConfirm, updatedAt }) => html`<li><a class="card doc" href="/m/d/${state.id}" data-document="${state.id}" data-version="${updatedAt}">
  <span class="kind">${kindName(lang, state.kind)}</span>
  ${toConfirm ? html`<span class="to-confirm">${t(lang, 'walletToConfirm')}</span>` : ''}
  ${factsList(lang, state, facts)}
</a></li>`,
)}
</ul>
${list.nextCursor || list.offset > 0 ? pager(lang, '/m/', {}, list, list.offset) : ''}`;
  return page(ctx, t(lang, 'walletTitle'), body, { scripts: ['/static/web/wallet.js'], bodyClass: 'wallet-page' });
}

/** What the facility recorded at the gate: condition, damage lines, photos, remarks. */
function gateRecordSection(lang: Lang, documentId: string, move: GateMove): Html {
  const { record } = move;
  const photos = [...record.photoSha256, ...record.damages.flatMap((d) => d.photoSha256 ?? [])];
  return html`<h3>${t(lang, 'condition')}: <span class="condition condition-${record.condition}">${t(lang, record.condition === 'damaged' ? 'conditionDamaged' : 'conditionSound')}</span></h3>
  ${record.damages.length > 0
    ? html`<ol class="damage-list">${record.damages.map(
        (d) => html`<li><span class="what">${d.component} · ${d.location}</span> <strong>${d.damage}</strong>${d.repair ? html` <span class="small">(${t(lang, 'repair')}: ${d.repair})</span>` : ''}</li>`,
      )}</ol>`
    : html`<p class="small">${t(lang, 'walletNoDamage')}</p>`}
  ${photos.length > 0
    ? html`<p class="photos">${[...new Set(photos)].map(
        (sha, i) => html`<a href="/m/d/${documentId}/photos/${sha}"><img src="/m/d/${documentId}/photos/${sha}" alt="${t(lang, 'photos')} ${i + 1}" width="160" height="120"></a>`,
      )}</p>`
    : ''}
  ${record.remarks ? html`<p class="small">${t(lang, 'remarks')}: ${record.remarks}</p>` : ''}`;
}

export interface WalletDocument {
  item: WalletItem;
  /** The holder's pass, while the document may still pass a gate. */
  pass: WalletPass | undefined;
  /** Whether the signed-in party holds the document. */
  holds: boolean;
  /** The EIR's gate move, once recorded. */
  gateMove: GateMove | undefined;
  /** The confirm button: the lifecycle lets this party countersign now. */
  mayCountersign: boolean;
  now: Date;
  notice?: string;
}

export function walletDocumentView(ctx: PageContext, doc: WalletDocument) {
  const { lang } = ctx;
  const { item, pass, gateMove } = doc;
  const id = item.state.id;
  const facility = item.facts.facility ? localName(lang, item.facts.facility) : '';
  const top = pass
    ? html`<figure class="qr" aria-label="${t(lang, 'showAtGate')}">${trustedMarkup(pass.svg)}</figure>
  <p class="hint">${t(lang, 'showAtGate')}</p>
  <p class="alert pass-expired" hidden>${t(lang, 'walletPassExpired')}</p>
  ${jsonData('pass', { url: pass.url, expires: pass.expires, renewable: pass.renewable })}`
    : gateMove
      ? html`<p class="gate-passed" data-passed-at="${gateMove.record.passedAt}">${t(lang, 'walletPassedGate', { time: formatClock(lang, gateMove.record.passedAt, doc.now), facility })}</p>`
      : doc.holds
        ? ''
        : html`<p class="alert">${t(lang, 'notHolder')}</p>`;
  const confirm = gateMove
    ? html`<section class="card countersign" id="countersign">
  <h2>${t(lang, 'walletConfirmTitle')}</h2>
  ${doc.mayCountersign ? html`<p class="small">${t(lang, 'walletConfirmIntro')}</p>` : ''}
  ${gateRecordSection(lang, id, gateMove)}
  ${doc.mayCountersign
    ? html`<form method="post" action="/m/d/${id}/countersign">
    <input type="hidden" name="csrf" value="${ctx.user?.csrfToken ?? ''}">
    <button class="primary" type="submit">${t(lang, 'walletConfirm')}</button>
  </form>`
    : ''}
</section>`
    : '';
  const body = html`<p><a class="back" href="/m/">← ${t(lang, 'back')}</a></p>
${doc.notice ? html`<p class="notice" role="status">${doc.notice}</p>` : ''}
<section class="pass">
  <p class="kind">${kindName(lang, item.state.kind)}</p>
  ${top}
  ${factsList(lang, item.state, item.facts)}
</section>
${confirm}`;
  return page(ctx, `${kindName(lang, item.state.kind)} ${item.facts.number}`, body, { scripts: ['/static/web/wallet.js'], bodyClass: 'pass-page' });
}
