import type { DocumentView } from '../../../application/document-service';
import type { DeliveryOrderPayload } from '../../../domain/delivery-order/delivery-order.schema';
import type { ActionType } from '../../../domain/document/lifecycle';
import type { EirPayload, GateRecord } from '../../../domain/eir/eir.schema';
import type { TelexReleaseGuaranteePayload } from '../../../domain/telex-release/telex-release-guarantee.schema';
import { html, trustedMarkup, type Html } from '../html';
import { eventName, formatTime, kindName, t, type Lang, type TextKey } from '../i18n';
import type { PageContext } from '../layout';
import type { EventLine } from './desk-documents';
import { FormIssues, issueSummary, type FieldIssue } from './desk-fields';
import { cardTable, csrfInput, deskPage, outcome, statusBadge } from './desk-layout';
import { sealTypeName } from './eir-form.view';
import type { PartyBook } from './party-book';

export interface DocumentPageData {
  view: DocumentView;
  lines: readonly EventLine[];
  allowed: ReadonlySet<ActionType>;
  book: PartyBook;
  /** The QR code of the document's public verify link, the same link its PDF prints. */
  qr: { url: string; svg: string };
  /** An accepted guarantee this party may still issue a D/O on. */
  releasable: boolean;
  notice?: string;
  refusal?: string;
  /** The action the clerk just tried and the problems with what was typed into its form (its reason). */
  failedAction?: { type: string; issues: readonly FieldIssue[] };
}

type Row = [TextKey, Html | string | number | null | undefined];

/** Label and value pairs; a row without a value is left out rather than shown empty. */
function labelled(lang: Lang, rows: readonly Row[]): Html {
  return html`<dl class="facts">${rows
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => html`<div><dt>${t(lang, key)}</dt><dd>${value ?? ''}</dd></div>`)}</dl>`;
}

/**
 * A party a document names, in the page's language: the exchange's own name for a party it knows,
 * else the names the document gives (the Chinese one on a Chinese page, when given).
 */
function partyName(lang: Lang, party: { partyId?: string | undefined; name: string; nameZh?: string | undefined }, book: PartyBook): string {
  if (party.partyId && book.get(party.partyId)) return book.nameOf(lang, party.partyId);
  return lang === 'en' ? party.name : party.nameZh ?? party.name;
}

function guaranteeContent(lang: Lang, g: TelexReleaseGuaranteePayload, book: PartyBook): Html {
  return html`${labelled(lang, [
    ['deskBlNumber', html`<span class="mono">${g.billOfLadingNumber}</span>`],
    ['deskVesselVoyage', `${g.vessel.vesselName} ${g.vessel.voyageNumber}`],
    ['deskRoute', `${g.portOfLoading.unLocode} → ${g.portOfDischarge.unLocode}`],
    ['deskShipper', partyName(lang, g.shipper, book)],
    ['deskConsignee', partyName(lang, g.consignee, book)],
    ['deskCarrier', partyName(lang, g.carrier, book)],
    ['deskAgentAtLoading', book.nameOf(lang, g.carrierAgent.partyId)],
    ['deskAgentAtDestination', book.nameOf(lang, g.destinationAgent.partyId)],
    ['deskContainers', html`<span class="mono">${g.containers.map((c) => `${c.number} ${c.sizeType}`).join(' · ')}</span>`],
    ['deskGroupCargo', `${g.cargo.packageCount} ${g.cargo.packageType}, ${g.cargo.grossWeightKg} kg — ${g.cargo.description}`],
    ['deskOriginals', `${g.originals.surrendered}/${g.originals.issued}`],
    ['deskSignatoryName', `${g.signatory.name}, ${g.signatory.title}`],
  ])}
<h3>${t(lang, 'deskIndemnity')}</h3>
<blockquote class="indemnity">${g.indemnityText}</blockquote>`;
}

function orderContent(lang: Lang, o: DeliveryOrderPayload, book: PartyBook): Html {
  const basis = o.releaseBasis;
  return html`${labelled(lang, [
    ['deskBlNumber', html`<span class="mono">${o.billOfLadingNumber}</span>`],
    ['deskVesselVoyage', `${o.vessel.vesselName} ${o.vessel.voyageNumber}`],
    ['deskPodCode', o.portOfDischarge.unLocode],
    ['deskCarrier', partyName(lang, o.carrier, book)],
    ['deskConsignee', book.nameOf(lang, o.consignee.partyId)],
    ['deskPickupTerminal', book.nameOf(lang, o.pickupTerminal.partyId)],
    ['deskReturnDepot', partyName(lang, o.emptyReturnDepot, book)],
    ['deskFreeTime', formatTime(lang, o.freeTimeUntil)],
    ['deskValidUntil', formatTime(lang, o.validUntil)],
    ['deskChargesPaid', o.chargesPaid ? '✓' : '✗'],
    [
      'deskReleaseBasis',
      basis.type === 'telex-release'
        ? html`${t(lang, 'deskBasisTelex')} — <a class="mono" href="/desk/documents/${basis.guaranteeId}">${basis.guaranteeId}</a>`
        : basis.type === 'sea-waybill'
          ? t(lang, 'deskBasisWaybill')
          : `${t(lang, 'deskBasisOriginals')}${basis.originalsSurrendered ? ` (${basis.originalsSurrendered})` : ''}`,
    ],
    ['deskCustomsRef', o.customsReleaseReference],
    ['deskGroupCargo', `${o.cargo.packageCount} ${o.cargo.packageType}, ${o.cargo.grossWeightKg} kg — ${o.cargo.description}`],
    ['remarks', o.remarks],
  ])}
${cardTable(
  [t(lang, 'deskContainerNo'), t(lang, 'deskSizeType'), t(lang, 'deskSeals'), t(lang, 'deskGrossKg')],
  o.containers.map((c) => ({ cells: [{ value: c.number, cls: 'mono' }, c.sizeType, { value: c.sealNumbers.join(', '), cls: 'mono' }, c.grossWeightKg] })),
)}`;
}

function eirContent(lang: Lang, id: string, e: EirPayload, book: PartyBook, record: GateRecord | undefined): Html {
  return html`${labelled(lang, [
    ['deskContainerNo', html`<span class="mono big">${e.container.number}</span>`],
    ['deskSizeType', `${e.container.sizeType} · ${e.container.fullEmpty === 'EMPTY' ? t(lang, 'deskEmpty') : t(lang, 'deskLaden')}`],
    ['deskDirection', e.direction === 'OUT' ? t(lang, 'deskGateOut') : t(lang, 'deskGateIn')],
    ['deskSeals', e.seals.length > 0 ? html`<span class="seals">${e.seals.map((s, i) => html`${i > 0 ? ', ' : ''}<span class="mono" data-seal="${s.number}">${s.number}</span> (${sealTypeName(lang, s.type)})`)}</span>` : null],
    ['deskHaulier', book.nameOf(lang, e.haulier.partyId)],
    ['deskDriverName', e.driver.name],
    ['truckPlate', e.truckPlate],
    ['deskValidFrom', formatTime(lang, e.validFrom)],
    ['deskValidUntil', formatTime(lang, e.validUntil)],
    ['deskBlNumber', e.billOfLadingNumber],
    ['deskBookingNumber', e.bookingNumber],
  ])}
${record
  ? html`<h3>${t(lang, 'recordTitle')}</h3>
${labelled(lang, [
  ['deskPassedAt', formatTime(lang, record.passedAt)],
  ['condition', record.condition === 'damaged' ? t(lang, 'conditionDamaged') : t(lang, 'conditionSound')],
  ['seals', record.seals.map((s) => s.number).join(', ')],
  ['remarks', record.remarks],
])}
${record.damages.length > 0
  ? cardTable(
      [t(lang, 'component'), t(lang, 'location'), t(lang, 'damage'), t(lang, 'repair')],
      record.damages.map((d) => ({ cells: [d.component, d.location, d.damage, d.repair ?? ''] })),
    )
  : ''}
<p class="photos">${record.photoSha256.map(
      (sha, i) => html`<a href="/desk/documents/${id}/photos/${sha}"><img src="/desk/documents/${id}/photos/${sha}" alt="${t(lang, 'photos')} ${i + 1}" width="160" height="120"></a>`,
    )}</p>`
  : ''}`;
}

/** The action forms; the one just tried marks its reason box with what was wrong (noted in `issues` for the summary). */
function actionForms(ctx: PageContext, data: DocumentPageData, issues: FormIssues): Html {
  const { lang } = ctx;
  const id = data.view.state.id;
  const form = (type: string, label: string, reason: 'required' | 'optional' | 'none', style = '') => {
    const reasonLabel = reason === 'required' ? t(lang, 'deskReason') : t(lang, 'deskReasonOptional');
    const errors = reason !== 'none' && data.failedAction?.type === type ? issues.at(['reason'], false, { label: reasonLabel, id: `reason-${type}` }) : [];
    return html`<form method="post" action="/desk/documents/${id}/act" class="action-form">
  ${csrfInput(ctx)}<input type="hidden" name="type" value="${type}">
  ${reason === 'none'
    ? ''
    : html`<label for="reason-${type}">${reasonLabel}</label><textarea id="reason-${type}" name="reason" rows="2" maxlength="500" aria-describedby="reason-${type}-error"${reason === 'required' ? html` aria-required="true"` : ''}${errors.length > 0 ? html` aria-invalid="true"` : ''}></textarea><p class="field-error" id="reason-${type}-error">${errors.join(' · ')}</p>`}
  <button type="submit" class="${style}" data-action="${type}">${label}</button>
</form>`;
  };
  const items: Html[] = [];
  const a = data.allowed;
  if (a.has('accept')) items.push(form('accept', t(lang, 'deskAccept'), 'none', 'go'));
  if (a.has('reject')) items.push(form('reject', t(lang, 'deskReject'), 'required', 'stop'));
  if (a.has('withdraw')) items.push(form('withdraw', t(lang, 'deskWithdraw'), 'optional', 'stop'));
  if (a.has('release')) items.push(form('release', t(lang, 'deskRelease'), 'none', 'go'));
  if (a.has('reject-presentation')) items.push(form('reject-presentation', t(lang, 'deskRejectPresentation'), 'required', 'stop'));
  if (a.has('gate-record')) items.push(html`<p><a class="button" href="/gate/record/${id}">${t(lang, 'recordTitle')}</a></p>`);
  if (a.has('amend') && data.view.state.kind === 'delivery-order') items.push(html`<p><a class="button" href="/desk/agent/do/${id}/amend">${t(lang, 'deskAmend')}</a></p>`);
  if (data.releasable) items.push(html`<p><a class="button" href="/desk/agent/do/new?guarantee=${encodeURIComponent(id)}">${t(lang, 'deskIssueDoOnGuarantee')}</a></p>`);
  if (a.has('void')) items.push(form('void', t(lang, 'deskVoid'), 'required', 'stop'));
  if (items.length === 0) return html``;
  return html`<section class="card actions-card" aria-labelledby="actions-title"><h2 id="actions-title">${t(lang, 'deskActions')}</h2>${items}</section>`;
}

/** One document for a desk: its content, the signed PDF with its QR, what this party may do, and its history. */
export function documentView(ctx: PageContext, data: DocumentPageData) {
  const { lang } = ctx;
  const { state, payload } = data.view;
  const number =
    state.kind === 'eir'
      ? (payload as EirPayload).eirNumber
      : state.kind === 'delivery-order'
        ? (payload as DeliveryOrderPayload).deliveryOrderNumber
        : (payload as TelexReleaseGuaranteePayload).guaranteeNumber;
  const record = [...data.lines].reverse().find((line) => line.gateRecord)?.gateRecord;
  const content =
    state.kind === 'eir'
      ? eirContent(lang, state.id, payload as EirPayload, data.book, record)
      : state.kind === 'delivery-order'
        ? orderContent(lang, payload as DeliveryOrderPayload, data.book)
        : guaranteeContent(lang, payload as TelexReleaseGuaranteePayload, data.book);
  const issued = data.lines[0];
  const pdf = `/desk/documents/${state.id}/pdf`;
  const issues = new FormIssues(data.failedAction?.issues ?? []);
  const actions = actionForms(ctx, data, issues);
  const body = html`${outcome(lang, { notice: data.notice, refusal: data.refusal })}
${issueSummary({ lang, values: { fields: {}, rows: [] }, issues }, t(lang, 'deskFixAction'))}
<div class="desk-grid">
<section class="card" aria-labelledby="doc-title">
  <div class="doc-head">
    <h2 id="doc-title">${kindName(lang, state.kind)} <span class="mono">${number}</span></h2>
    <a class="button print-link" id="print-link" href="${pdf}" target="_blank" rel="noopener" type="application/pdf" title="${t(lang, 'deskPrintHint')}">${t(lang, 'deskPrint')}</a>
  </div>
  ${labelled(lang, [
    ['status', statusBadge(lang, state.status)],
    ['issuer', data.book.nameOf(lang, state.issuer)],
    ['deskHolder', state.holder ? data.book.nameOf(lang, state.holder) : '—'],
    ['deskPresentedTo', state.presentedTo ? data.book.nameOf(lang, state.presentedTo) : null],
    ['deskVersion', state.version],
    ['deskSupersedes', state.supersedes ? html`<a class="mono" href="/desk/documents/${state.supersedes}">${state.supersedes}</a>` : null],
    ['deskSupersededBy', state.supersededBy ? html`<a class="mono" href="/desk/documents/${state.supersededBy}">${state.supersededBy}</a>` : null],
    ['deskBacksDo', state.backsDeliveryOrder ? html`<a class="mono" href="/desk/documents/${state.backsDeliveryOrder}">${state.backsDeliveryOrder}</a>` : null],
    ['signedAt', issued ? formatTime(lang, issued.at) : null],
  ])}
  <div class="doc-content">${content}</div>
</section>
<div class="side">
<section class="card signed" aria-labelledby="signed-title">
  <h2 id="signed-title">${t(lang, 'deskSignedDocument')}</h2>
  ${data.view.pdfSha256
    ? html`<p><a class="button primary-link" id="pdf-link" href="${pdf}" target="_blank" rel="noopener" type="application/pdf">${t(lang, 'deskOpenPdf')}</a></p>
  <p class="small">${t(lang, 'deskPdfFingerprint')}: <span class="mono">${data.view.pdfSha256}</span></p>`
    : ''}
  <figure class="qr desk-qr" aria-labelledby="qr-caption">${trustedMarkup(data.qr.svg)}<figcaption id="qr-caption">${t(lang, 'deskVerifyQr')}<br><a class="mono small" href="${data.qr.url}">${data.qr.url}</a></figcaption></figure>
</section>
${actions}
</div>
</div>
<section class="card" aria-labelledby="history-title">
  <h2 id="history-title">${t(lang, 'deskHistory')}</h2>
  <div class="scroll">${cardTable(
    [t(lang, 'seq'), t(lang, 'event'), t(lang, 'actor'), t(lang, 'time'), t(lang, 'deskReason')],
    data.lines.map((line) => ({
      data: { seq: line.seq, event: line.type },
      cells: [
        line.seq,
        html`${eventName(lang, line.type)}${line.to ? html` → ${data.book.nameOf(lang, line.to)}` : ''}`,
        html`${data.book.nameOf(lang, line.actor)}${line.userId ? html` <span class="small mono">${line.userId}</span>` : ''}`,
        { value: formatTime(lang, line.at), cls: 'small' },
        line.reason ?? '',
      ],
    })),
  )}</div>
</section>`;
  return deskPage(ctx, `${kindName(lang, state.kind)} ${number}`, body);
}
