import type { StoredDocument } from '../../../application/ports/store.port';
import type { DeliveryOrderPayload } from '../../../domain/delivery-order/delivery-order.schema';
import type { EirPayload, GateRecord } from '../../../domain/eir/eir.schema';
import type { TelexReleaseGuaranteePayload } from '../../../domain/telex-release/telex-release-guarantee.schema';
import { html, type Html } from '../html';
import { formatTime, t, type Lang, type TextKey } from '../i18n';
import type { PageContext } from '../layout';
import { cardTable, csrfInput, deskPage, outcome, shortId, statusBadge, type TableRow } from './desk-layout';
import { containerList, pager, searchForm } from '../document-list.view';
import type { DeskListing } from './desk-documents';
import type { PartyBook } from './party-book';

/**
 * A worklist searched and paged in the store, with a caption: its search form (any number, status,
 * dates), the honest count ("第 1-50 条，共 2,137 条"), one page of rows and the next page. The last
 * column holds the row's buttons, its heading read to screen readers only. `action` is the page
 * the list is on; a list other than the page's main one names itself in its form and links.
 */
function worklist(lang: Lang, action: string, title: TextKey, headers: readonly TextKey[], rows: readonly TableRow[], listing: DeskListing): Html {
  const { id, statuses, main } = listing.list;
  const listId = main ? undefined : id;
  return html`<section class="card worklist" id="${id}" aria-labelledby="${id}-title">
  <h2 id="${id}-title">${t(lang, title)}</h2>
  ${searchForm(lang, action, listing.terms, { kinds: [], statuses, badTerms: listing.badTerms, ...(listId ? { list: listId } : {}) })}
  ${pager(lang, action, listing.terms, { shown: rows.length, nextCursor: listing.nextCursor, total: listing.total }, listing.offset, listId)}
  ${rows.length === 0 ? '' : html`<div class="scroll">${cardTable([...headers.map((h) => t(lang, h)), t(lang, 'deskActions')], rows, { hiddenLast: true })}</div>`}
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
  inbox: DeskListing;
  releasable: DeskListing;
  orders: DeskListing;
  book: PartyBook;
  notice?: string;
}

export function agentDeskView(ctx: PageContext, data: AgentDeskData) {
  const { lang } = ctx;
  const inbox = data.inbox.items.map((s): TableRow => {
    const g = guarantee(s);
    return {
      data: { document: s.state.id },
      cells: [
        { value: g.guaranteeNumber, cls: 'mono' },
        { value: g.billOfLadingNumber, cls: 'mono' },
        data.book.nameOf(lang, s.state.issuer),
        `${g.vessel.vesselName} ${g.vessel.voyageNumber}`,
        g.containers.length,
        { value: formatTime(lang, s.createdAt), cls: 'small' },
        { value: openLink(lang, s, g.guaranteeNumber, 'deskReview'), cls: 'actions' },
      ],
    };
  });
  const releasable = data.releasable.items.map((s): TableRow => {
    const g = guarantee(s);
    const backs = s.state.backsDeliveryOrder;
    return {
      data: { document: s.state.id },
      cells: [
        { value: g.guaranteeNumber, cls: 'mono' },
        { value: g.billOfLadingNumber, cls: 'mono' },
        data.book.nameOf(lang, s.state.issuer),
        g.containers.length,
        { value: backs ? shortId(backs, `/desk/documents/${backs}`) : '—', cls: 'small' },
        {
          value: backs
            ? openLink(lang, s, g.guaranteeNumber)
            : html`<a class="button" href="/desk/agent/do/new?guarantee=${encodeURIComponent(s.state.id)}">${t(lang, 'deskIssueDoOnGuarantee')}${subject(g.guaranteeNumber)}</a>`,
          cls: 'actions',
        },
      ],
    };
  });
  const orders = data.orders.items.map((s): TableRow => {
    const o = order(s);
    return {
      data: { document: s.state.id },
      cells: [
        { value: o.deliveryOrderNumber, cls: 'mono' },
        { value: o.billOfLadingNumber, cls: 'mono' },
        lang === 'en' ? o.consignee.name : o.consignee.nameZh ?? o.consignee.name,
        { value: containerList(o.containers.map((c) => c.number)), cls: 'mono small' },
        statusBadge(lang, s.state.status),
        data.book.nameOf(lang, s.state.holder),
        { value: formatTime(lang, s.updatedAt), cls: 'small' },
        { value: openLink(lang, s, o.deliveryOrderNumber), cls: 'actions' },
      ],
    };
  });
  const body = html`${outcome(lang, { notice: data.notice })}
<p><a class="button primary-link" href="/desk/agent/do/new">${t(lang, 'deskIssueDo')}</a></p>
${worklist(lang, '/desk/agent', 'deskInboxTitle', ['deskGuaranteeNumber', 'deskBlNumber', 'deskShipper', 'deskVesselVoyage', 'deskContainers', 'deskSubmittedAt'], inbox, data.inbox)}
${worklist(lang, '/desk/agent', 'deskReleasableTitle', ['deskGuaranteeNumber', 'deskBlNumber', 'deskShipper', 'deskContainers', 'deskBacksDo'], releasable, data.releasable)}
${worklist(lang, '/desk/agent', 'deskOrdersTitle', ['deskDoNumber', 'deskBlNumber', 'listConsignee', 'deskContainers', 'status', 'deskHolder', 'lastChange'], orders, data.orders)}`;
  return deskPage(ctx, t(lang, 'deskAgentTitle'), body);
}

export interface ShipperDeskData {
  guarantees: DeskListing;
  /** Ids of the guarantees this party may still withdraw. */
  withdrawable: ReadonlySet<string>;
  book: PartyBook;
  notice?: string;
  refusal?: string;
}

export function shipperDeskView(ctx: PageContext, data: ShipperDeskData) {
  const { lang } = ctx;
  const rows = data.guarantees.items.map((s): TableRow => {
    const g = guarantee(s);
    const withdraw = data.withdrawable.has(s.state.id)
      ? html`<form method="post" action="/desk/documents/${s.state.id}/act" class="inline-action">${csrfInput(ctx)}<input type="hidden" name="type" value="withdraw"><input type="hidden" name="back" value="/desk/shipper"><button type="submit" data-action="withdraw">${t(lang, 'deskWithdraw')} <span class="nowrap">${g.guaranteeNumber}</span></button></form>`
      : '';
    return {
      data: { document: s.state.id },
      cells: [
        { value: g.guaranteeNumber, cls: 'mono' },
        { value: g.billOfLadingNumber, cls: 'mono' },
        data.book.nameOf(lang, g.carrierAgent.partyId),
        data.book.nameOf(lang, g.destinationAgent.partyId),
        statusBadge(lang, s.state.status),
        { value: formatTime(lang, s.updatedAt), cls: 'small' },
        { value: html`${openLink(lang, s, g.guaranteeNumber)}${withdraw}`, cls: 'actions' },
      ],
    };
  });
  const body = html`${outcome(lang, { notice: data.notice, refusal: data.refusal })}
<p><a class="button primary-link" href="/desk/shipper/guarantee/new">${t(lang, 'deskNewGuarantee')}</a></p>
${worklist(lang, '/desk/shipper', 'deskMyGuarantees', ['deskGuaranteeNumber', 'deskBlNumber', 'deskAgentAtLoading', 'deskAgentAtDestination', 'status', 'lastChange'], rows, data.guarantees)}`;
  return deskPage(ctx, t(lang, 'deskShipperTitle'), body);
}

export interface RecordedMove {
  stored: StoredDocument;
  /** Undefined where the gate-record event does not open. */
  record: GateRecord | undefined;
}

export interface FacilityDeskData {
  expected: DeskListing;
  /** Today's moves: one page of EIRs, each with its gate record. */
  recorded: DeskListing & { moves: readonly RecordedMove[] };
  /** Undefined for a depot: D/Os are presented to terminals only. */
  presented: DeskListing | undefined;
  /** Every EIR at this facility, searched and paged. */
  eirs: DeskListing;
  book: PartyBook;
  notice?: string;
  refusal?: string;
}

export function facilityDeskView(ctx: PageContext, data: FacilityDeskData) {
  const { lang } = ctx;
  const direction = (e: EirPayload) => (e.direction === 'OUT' ? t(lang, 'deskGateOut') : t(lang, 'deskGateIn'));
  const expected = data.expected.items.map((s): TableRow => {
    const e = eir(s);
    return {
      data: { document: s.state.id },
      cells: [
        { value: e.container.number, cls: 'mono' },
        direction(e),
        e.truckPlate,
        data.book.nameOf(lang, e.haulier.partyId),
        { value: e.eirNumber, cls: 'mono small' },
        { value: formatTime(lang, e.validUntil), cls: 'small' },
        {
          value: html`<a class="button" href="/gate/record/${s.state.id}">${t(lang, 'deskRecordMove')}${subject(e.container.number)}</a>${openLink(lang, s, e.container.number)}`,
          cls: 'actions',
        },
      ],
    };
  });
  const recorded = data.recorded.moves.map(({ stored: s, record }): TableRow => {
    const e = eir(s);
    const photos = record ? [...record.photoSha256, ...record.damages.flatMap((d) => d.photoSha256 ?? [])] : [];
    return {
      data: { document: s.state.id },
      cells: [
        { value: e.container.number, cls: 'mono' },
        direction(e),
        e.truckPlate,
        { value: record ? formatTime(lang, record.passedAt) : '—', cls: 'small' },
        record
          ? html`<span class="condition condition-${record.condition}">${record.condition === 'damaged' ? t(lang, 'conditionDamaged') : t(lang, 'conditionSound')}</span>${record.damages.length > 0 ? html` <span class="small">${t(lang, 'deskDamageCount', { count: record.damages.length })}</span>` : ''}`
          : '—',
        {
          value: html`${photos.map(
            (sha, i) => html`<a href="/desk/documents/${s.state.id}/photos/${sha}"><img src="/desk/documents/${s.state.id}/photos/${sha}" alt="${t(lang, 'photos')} ${i + 1} · ${e.container.number}" width="64" height="48"></a>`,
          )}`,
          cls: 'photos',
        },
        { value: openLink(lang, s, e.container.number), cls: 'actions' },
      ],
    };
  });
  const presented = (data.presented?.items ?? []).map((s): TableRow => {
    const o = order(s);
    return {
      data: { document: s.state.id },
      cells: [
        { value: o.deliveryOrderNumber, cls: 'mono' },
        { value: o.billOfLadingNumber, cls: 'mono' },
        { value: o.containers.map((c) => c.number).join(' '), cls: 'mono small' },
        data.book.nameOf(lang, s.state.holder),
        { value: formatTime(lang, s.updatedAt), cls: 'small' },
        {
          value: html`<form method="post" action="/desk/documents/${s.state.id}/act" class="inline-action">${csrfInput(ctx)}<input type="hidden" name="type" value="release"><input type="hidden" name="back" value="/desk/facility"><button type="submit" class="go" data-action="release">${t(lang, 'deskRelease')} <span class="nowrap">${o.deliveryOrderNumber}</span></button></form>${openLink(lang, s, o.deliveryOrderNumber)}`,
          cls: 'actions',
        },
      ],
    };
  });
  const eirs = data.eirs.items.map((s): TableRow => {
    const e = eir(s);
    return {
      data: { document: s.state.id },
      cells: [
        { value: e.eirNumber, cls: 'mono' },
        { value: e.container.number, cls: 'mono' },
        direction(e),
        e.truckPlate,
        data.book.nameOf(lang, e.haulier.partyId),
        statusBadge(lang, s.state.status),
        { value: formatTime(lang, s.updatedAt), cls: 'small' },
        { value: openLink(lang, s, e.eirNumber), cls: 'actions' },
      ],
    };
  });
  const body = html`${outcome(lang, { notice: data.notice, refusal: data.refusal })}
<p><a class="button primary-link" href="/desk/facility/eirs/new">${t(lang, 'deskIssueEirs')}</a></p>
${worklist(lang, '/desk/facility', 'deskExpectedToday', ['deskContainerNo', 'deskDirection', 'truckPlate', 'deskHaulier', 'documentNo', 'validUntil'], expected, data.expected)}
${data.presented ? worklist(lang, '/desk/facility', 'deskPresentedTitle', ['deskDoNumber', 'deskBlNumber', 'deskContainers', 'deskPresentedBy', 'lastChange'], presented, data.presented) : ''}
${worklist(lang, '/desk/facility', 'deskRecordedTitle', ['deskContainerNo', 'deskDirection', 'truckPlate', 'deskPassedAt', 'condition', 'photos'], recorded, data.recorded)}
${worklist(lang, '/desk/facility', 'deskAllEirs', ['documentNo', 'deskContainerNo', 'deskDirection', 'truckPlate', 'deskHaulier', 'status', 'lastChange'], eirs, data.eirs)}`;
  return deskPage(ctx, t(lang, 'deskFacilityTitle'), body);
}
