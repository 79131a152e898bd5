import type { StoredDocument } from '../../../application/ports/store.port';
import type { DeliveryOrderPayload } from '../../../domain/delivery-order/delivery-order.schema';
import type { EirPayload, GateRecord } from '../../../domain/eir/eir.schema';
import type { TelexReleaseGuaranteePayload } from '../../../domain/telex-release/telex-release-guarantee.schema';
import { html, type Html } from '../html';
import { formatTime, t, type Lang, type TextKey } from '../i18n';
import type { PageContext } from '../layout';
import { csrfInput, deskPage, outcome, statusBadge } from './desk-layout';
import type { PartyBook } from './party-book';

/** A worklist table with a caption; an empty list says so instead of showing empty headers. */
function worklist(lang: Lang, id: string, title: TextKey, headers: readonly TextKey[], rows: readonly Html[]): Html {
  return html`<section class="card worklist" id="${id}" aria-labelledby="${id}-title">
  <h2 id="${id}-title">${t(lang, title)} <span class="count">(${rows.length})</span></h2>
  ${rows.length === 0
    ? html`<p class="empty">${t(lang, 'deskNone')}</p>`
    : html`<div class="scroll"><table class="events">
    <thead><tr>${headers.map((h) => html`<th scope="col">${t(lang, h)}</th>`)}<th scope="col"><span class="visually-hidden">${t(lang, 'deskActions')}</span></th></tr></thead>
    <tbody>${rows}</tbody>
  </table></div>`}
</section>`;
}

const guarantee = (stored: StoredDocument) => stored.payload as TelexReleaseGuaranteePayload;
const order = (stored: StoredDocument) => stored.payload as DeliveryOrderPayload;
const eir = (stored: StoredDocument) => stored.payload as EirPayload;
/** Row buttons name their document too, so a screen reader's list of links tells them apart. */
const subject = (text: string) => html` <span class="visually-hidden">${text}</span>`;
const openLink = (lang: Lang, stored: StoredDocument, what: string, key: TextKey = 'deskOpen') =>
  html`<a class="button" href="/desk/documents/${stored.state.id}">${t(lang, key)}${subject(what)}</a>`;

export interface AgentDeskData {
  inbox: readonly StoredDocument[];
  releasable: readonly StoredDocument[];
  orders: readonly StoredDocument[];
  book: PartyBook;
  notice?: string;
}

export function agentDeskView(ctx: PageContext, data: AgentDeskData) {
  const { lang } = ctx;
  const inbox = data.inbox.map((s) => {
    const g = guarantee(s);
    return html`<tr data-document="${s.state.id}"><td class="mono">${g.guaranteeNumber}</td><td class="mono">${g.billOfLadingNumber}</td><td>${data.book.nameOf(lang, s.state.issuer)}</td><td>${g.vessel.vesselName} ${g.vessel.voyageNumber}</td><td>${g.containers.length}</td><td class="small">${formatTime(lang, s.createdAt)}</td><td>${openLink(lang, s, g.guaranteeNumber, 'deskReview')}</td></tr>`;
  });
  const releasable = data.releasable.map((s) => {
    const g = guarantee(s);
    return html`<tr data-document="${s.state.id}"><td class="mono">${g.guaranteeNumber}</td><td class="mono">${g.billOfLadingNumber}</td><td>${data.book.nameOf(lang, s.state.issuer)}</td><td>${g.containers.length}</td><td class="mono small">${s.state.backsDeliveryOrder ?? '—'}</td><td>${s.state.backsDeliveryOrder
      ? openLink(lang, s, g.guaranteeNumber)
      : html`<a class="button" href="/desk/agent/do/new?guarantee=${encodeURIComponent(s.state.id)}">${t(lang, 'deskIssueDoOnGuarantee')}${subject(g.guaranteeNumber)}</a>`}</td></tr>`;
  });
  const orders = data.orders.map((s) => {
    const o = order(s);
    const basis = o.releaseBasis.type === 'telex-release' ? t(lang, 'deskBasisTelex') : o.releaseBasis.type === 'sea-waybill' ? t(lang, 'deskBasisWaybill') : t(lang, 'deskBasisOriginals');
    return html`<tr data-document="${s.state.id}"><td class="mono">${o.deliveryOrderNumber}</td><td class="mono">${o.billOfLadingNumber}</td><td>${statusBadge(lang, s.state.status)}</td><td>${data.book.nameOf(lang, s.state.holder)}</td><td>${basis}</td><td class="small">${formatTime(lang, s.updatedAt)}</td><td>${openLink(lang, s, o.deliveryOrderNumber)}</td></tr>`;
  });
  const body = html`${outcome(lang, { notice: data.notice })}
<p><a class="button primary-link" href="/desk/agent/do/new">${t(lang, 'deskIssueDo')}</a></p>
<div class="desk-grid">
${worklist(lang, 'inbox', 'deskInboxTitle', ['deskGuaranteeNumber', 'deskBlNumber', 'deskShipper', 'deskVesselVoyage', 'deskContainers', 'deskSubmittedAt'], inbox)}
${worklist(lang, 'releasable', 'deskReleasableTitle', ['deskGuaranteeNumber', 'deskBlNumber', 'deskShipper', 'deskContainers', 'deskBacksDo'], releasable)}
</div>
${worklist(lang, 'orders', 'deskOrdersTitle', ['deskDoNumber', 'deskBlNumber', 'status', 'deskHolder', 'deskReleaseBasis', 'lastChange'], orders)}`;
  return deskPage(ctx, t(lang, 'deskAgentTitle'), body);
}

export interface ShipperDeskData {
  guarantees: readonly StoredDocument[];
  /** Ids of the guarantees this party may still withdraw. */
  withdrawable: ReadonlySet<string>;
  book: PartyBook;
  notice?: string;
  refusal?: string;
}

export function shipperDeskView(ctx: PageContext, data: ShipperDeskData) {
  const { lang } = ctx;
  const rows = data.guarantees.map((s) => {
    const g = guarantee(s);
    const withdraw = data.withdrawable.has(s.state.id)
      ? html`<form method="post" action="/desk/documents/${s.state.id}/act" class="inline-action">${csrfInput(ctx)}<input type="hidden" name="type" value="withdraw"><input type="hidden" name="back" value="/desk/shipper"><button type="submit" data-action="withdraw">${t(lang, 'deskWithdraw')} ${g.guaranteeNumber}</button></form>`
      : '';
    return html`<tr data-document="${s.state.id}"><td class="mono">${g.guaranteeNumber}</td><td class="mono">${g.billOfLadingNumber}</td><td>${data.book.nameOf(lang, g.carrierAgent.partyId)}</td><td>${data.book.nameOf(lang, g.destinationAgent.partyId)}</td><td>${statusBadge(lang, s.state.status)}</td><td class="small">${formatTime(lang, s.updatedAt)}</td><td class="actions">${openLink(lang, s, g.guaranteeNumber)}${withdraw}</td></tr>`;
  });
  const body = html`${outcome(lang, { notice: data.notice, refusal: data.refusal })}
<p><a class="button primary-link" href="/desk/shipper/guarantee/new">${t(lang, 'deskNewGuarantee')}</a></p>
${worklist(lang, 'guarantees', 'deskMyGuarantees', ['deskGuaranteeNumber', 'deskBlNumber', 'deskAgentAtLoading', 'deskAgentAtDestination', 'status', 'lastChange'], rows)}`;
  return deskPage(ctx, t(lang, 'deskShipperTitle'), body);
}

export interface RecordedMove {
  stored: StoredDocument;
  record: GateRecord;
}

export interface FacilityDeskData {
  expected: readonly StoredDocument[];
  recorded: readonly RecordedMove[];
  /** Undefined for a depot: D/Os are presented to terminals only. */
  presented: readonly StoredDocument[] | undefined;
  book: PartyBook;
  notice?: string;
  refusal?: string;
}

export function facilityDeskView(ctx: PageContext, data: FacilityDeskData) {
  const { lang } = ctx;
  const direction = (e: EirPayload) => (e.direction === 'OUT' ? t(lang, 'deskGateOut') : t(lang, 'deskGateIn'));
  const expected = data.expected.map((s) => {
    const e = eir(s);
    return html`<tr data-document="${s.state.id}"><td class="mono">${e.container.number}</td><td>${direction(e)}</td><td>${e.truckPlate}</td><td>${data.book.nameOf(lang, e.haulier.partyId)}</td><td class="mono small">${e.eirNumber}</td><td class="small">${formatTime(lang, e.validUntil)}</td><td class="actions"><a class="button" href="/gate/record/${s.state.id}">${t(lang, 'deskRecordMove')}${subject(e.container.number)}</a>${openLink(lang, s, e.container.number)}</td></tr>`;
  });
  const recorded = data.recorded.map(({ stored: s, record }) => {
    const e = eir(s);
    const photos = [...record.photoSha256, ...record.damages.flatMap((d) => d.photoSha256 ?? [])];
    return html`<tr data-document="${s.state.id}"><td class="mono">${e.container.number}</td><td>${direction(e)}</td><td>${e.truckPlate}</td><td class="small">${formatTime(lang, record.passedAt)}</td><td><span class="condition condition-${record.condition}">${record.condition === 'damaged' ? t(lang, 'conditionDamaged') : t(lang, 'conditionSound')}</span>${record.damages.length > 0 ? html` <span class="small">${t(lang, 'deskDamageCount', { count: record.damages.length })}</span>` : ''}</td><td class="photos">${photos.map(
      (sha, i) => html`<a href="/desk/documents/${s.state.id}/photos/${sha}"><img src="/desk/documents/${s.state.id}/photos/${sha}" alt="${t(lang, 'photos')} ${i + 1} · ${e.container.number}" width="64" height="48"></a>`,
    )}</td><td>${openLink(lang, s, e.container.number)}</td></tr>`;
  });
  const presented = (data.presented ?? []).map((s) => {
    const o = order(s);
    return html`<tr data-document="${s.state.id}"><td class="mono">${o.deliveryOrderNumber}</td><td class="mono">${o.billOfLadingNumber}</td><td class="mono small">${o.containers.map((c) => c.number).join(' ')}</td><td>${data.book.nameOf(lang, s.state.holder)}</td><td class="small">${formatTime(lang, s.updatedAt)}</td><td class="actions">
      <form method="post" action="/desk/documents/${s.state.id}/act" class="inline-action">${csrfInput(ctx)}<input type="hidden" name="type" value="release"><input type="hidden" name="back" value="/desk/facility"><button type="submit" class="go" data-action="release">${t(lang, 'deskRelease')} ${o.deliveryOrderNumber}</button></form>
      ${openLink(lang, s, o.deliveryOrderNumber)}</td></tr>`;
  });
  const body = html`${outcome(lang, { notice: data.notice, refusal: data.refusal })}
<p><a class="button primary-link" href="/desk/facility/eirs/new">${t(lang, 'deskIssueEirs')}</a></p>
${worklist(lang, 'expected', 'deskExpectedToday', ['deskContainerNo', 'deskDirection', 'truckPlate', 'deskHaulier', 'documentNo', 'validUntil'], expected)}
${data.presented ? worklist(lang, 'presented', 'deskPresentedTitle', ['deskDoNumber', 'deskBlNumber', 'deskContainers', 'deskPresentedBy', 'lastChange'], presented) : ''}
${worklist(lang, 'recorded', 'deskRecordedTitle', ['deskContainerNo', 'deskDirection', 'truckPlate', 'deskPassedAt', 'condition', 'photos'], recorded)}`;
  return deskPage(ctx, t(lang, 'deskFacilityTitle'), body);
}
