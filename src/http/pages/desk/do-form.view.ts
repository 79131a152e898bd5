import type { StoredDocument } from '../../../application/ports/store.port';
import type { Party } from '../../../domain/party/party';
import type { TelexReleaseGuaranteePayload } from '../../../domain/telex-release/telex-release-guarantee.schema';
import { html } from '../html';
import { t } from '../i18n';
import type { PageContext } from '../layout';
import {
  checkbox,
  containerRows,
  FormIssues,
  issueSummary,
  radioGroup,
  selectField,
  textArea,
  textField,
  type Choice,
  type FieldContext,
  type FieldIssue,
} from './desk-fields';
import { csrfInput, deskPage, formKeyInput, outcome } from './desk-layout';
import type { FormValues } from './form-values';
import type { PartyBook } from './party-book';

export interface DeliveryOrderFormData {
  values: FormValues;
  issues: readonly FieldIssue[];
  refusal?: string;
  formKey: string;
  book: PartyBook;
  issuer: Party;
  /** Accepted guarantees this party may release on. */
  guarantees: readonly StoredDocument[];
  /** Set when the form amends an issued D/O. */
  amend?: { id: string; number: string };
}

export const partyChoices = (ctx: PageContext, parties: readonly Party[]): Choice[] =>
  parties.map((party) => ({ value: party.id, label: ctx.lang === 'en' ? party.name.en : party.name.zh ?? party.name.en }));

/** Terminals and depots, each carrying its UN/LOCODE for the page script to fill the location field with. */
export const facilityChoices = (ctx: PageContext, parties: readonly Party[]): Choice[] =>
  partyChoices(ctx, parties).map((choice, i) => {
    const code = parties[i]?.identifiers.unLocode;
    return code ? { ...choice, data: { unlocode: code } } : choice;
  });

/** The D/O form, grouped as the paper form is: voyage, parties, containers, cargo, pick-up, release. */
export function deliveryOrderFormView(ctx: PageContext, data: DeliveryOrderFormData) {
  const { lang } = ctx;
  const f: FieldContext = { lang, values: data.values, issues: new FormIssues(data.issues) };
  const isAgent = data.issuer.roles.includes('carrier-agent');
  const choose = t(lang, 'deskChoose');
  const guaranteeChoices: Choice[] = data.guarantees.map((stored) => {
    const g = stored.payload as TelexReleaseGuaranteePayload;
    return {
      value: stored.state.id,
      label: `${g.guaranteeNumber} · ${t(lang, 'billOfLading')} ${g.billOfLadingNumber}${stored.state.backsDeliveryOrder ? ` · ${t(lang, 'deskBacksDo')}` : ''}`,
      data: { bl: g.billOfLadingNumber },
    };
  });
  const action = data.amend ? `/desk/agent/do/${data.amend.id}/amend` : '/desk/agent/do';
  const title = data.amend ? t(lang, 'deskAmendTitle', { number: data.amend.number }) : t(lang, 'deskIssueDo');
  const form = html`<form class="card desk-form" method="post" action="${action}" data-validate="delivery-order" data-once="true" id="do-form">
  ${csrfInput(ctx)}${formKeyInput(data.formKey)}
  <fieldset class="group">
    <legend>${t(lang, 'deskGroupVoyage')}</legend>
    ${textField(f, { label: t(lang, 'deskDoNumber'), name: 'deliveryOrderNumber', required: true, maxLength: 35, ...(data.amend ? {} : { hint: t(lang, 'deskDoNumberHint') }) })}
    ${textField(f, { label: t(lang, 'deskBlNumber'), name: 'billOfLadingNumber', required: true, maxLength: 35, upper: true })}
    ${textField(f, { label: t(lang, 'deskVesselName'), name: 'vessel.vesselName', required: true, maxLength: 100, upper: true })}
    ${textField(f, { label: t(lang, 'deskVoyage'), name: 'vessel.voyageNumber', required: true, maxLength: 30, upper: true })}
    ${textField(f, { label: t(lang, 'deskImo'), name: 'vessel.imoNumber', maxLength: 7, inputMode: 'numeric' })}
    ${textField(f, { label: t(lang, 'deskPodCode'), name: 'portOfDischarge.unLocode', required: true, maxLength: 5, upper: true })}
    ${textField(f, { label: t(lang, 'deskPodName'), name: 'portOfDischarge.name', maxLength: 200 })}
    ${textField(f, { label: t(lang, 'deskPlaceCode'), name: 'placeOfDelivery.unLocode', maxLength: 5, upper: true })}
    ${textField(f, { label: t(lang, 'deskPlaceName'), name: 'placeOfDelivery.name', maxLength: 200 })}
  </fieldset>
  <fieldset class="group">
    <legend>${t(lang, 'deskGroupParties')}</legend>
    ${isAgent
      ? selectField(f, { label: t(lang, 'deskCarrier'), name: 'carrier', required: true, choices: partyChoices(ctx, data.book.withRole('carrier')), placeholder: choose })
      : ''}
    ${selectField(f, { label: t(lang, 'deskConsignee'), name: 'consignee', required: true, choices: partyChoices(ctx, data.book.withRole('consignee', 'forwarder')), placeholder: choose })}
    ${textField(f, { label: t(lang, 'deskNotify'), name: 'notifyParty.name', paths: ['notifyParty'], maxLength: 200 })}
    <p class="small">${t(lang, 'issuer')}: ${lang === 'en' ? data.issuer.name.en : data.issuer.name.zh ?? data.issuer.name.en}</p>
  </fieldset>
  ${containerRows(f, {
    legend: t(lang, 'deskContainers'),
    columns: [
      { field: 'number', label: t(lang, 'deskContainerNo'), maxLength: 11, upper: true },
      { field: 'sizeType', label: t(lang, 'deskSizeType'), maxLength: 4, upper: true },
      { field: 'sealNumbers', label: t(lang, 'deskSeals'), maxLength: 200 },
      { field: 'grossWeightKg', label: t(lang, 'deskGrossKg'), maxLength: 12, inputMode: 'decimal' },
    ],
    addLabel: t(lang, 'deskAddContainer'),
    removeLabel: t(lang, 'deskRemoveContainer'),
  })}
  <fieldset class="group">
    <legend>${t(lang, 'deskGroupCargo')}</legend>
    ${textArea(f, { label: t(lang, 'deskCargoDescription'), name: 'cargo.description', required: true, rows: 2, maxLength: 1000, wide: true })}
    ${textField(f, { label: t(lang, 'deskPackageCount'), name: 'cargo.packageCount', required: true, maxLength: 10, inputMode: 'numeric' })}
    ${textField(f, { label: t(lang, 'deskPackageType'), name: 'cargo.packageType', required: true, maxLength: 50 })}
    ${textField(f, { label: t(lang, 'deskGrossKg'), name: 'cargo.grossWeightKg', required: true, maxLength: 12, inputMode: 'decimal' })}
    ${textField(f, { label: t(lang, 'deskVolume'), name: 'cargo.volumeM3', maxLength: 12, inputMode: 'decimal' })}
    ${textField(f, { label: t(lang, 'deskMarks'), name: 'cargo.marksAndNumbers', maxLength: 1000 })}
  </fieldset>
  <fieldset class="group">
    <legend>${t(lang, 'deskGroupPickup')}</legend>
    ${selectField(f, {
      label: t(lang, 'deskPickupTerminal'),
      name: 'pickupTerminal',
      paths: ['pickupTerminal.partyId', 'pickupTerminal.name'],
      required: true,
      choices: facilityChoices(ctx, data.book.withRole('terminal')),
      placeholder: choose,
      fills: 'pickupTerminal.unLocode',
    })}
    ${textField(f, { label: t(lang, 'deskTerminalCode'), name: 'pickupTerminal.unLocode', required: true, maxLength: 5, upper: true, hint: t(lang, 'deskLocodeHint') })}
    ${selectField(f, {
      label: t(lang, 'deskReturnDepot'),
      name: 'emptyReturnDepot',
      paths: ['emptyReturnDepot.partyId', 'emptyReturnDepot.name'],
      required: true,
      choices: facilityChoices(ctx, data.book.withRole('depot')),
      placeholder: choose,
      fills: 'emptyReturnDepot.unLocode',
    })}
    ${textField(f, { label: t(lang, 'deskDepotCode'), name: 'emptyReturnDepot.unLocode', required: true, maxLength: 5, upper: true, hint: t(lang, 'deskLocodeHint') })}
    ${textField(f, { label: t(lang, 'deskFreeTime'), name: 'freeTimeUntil', type: 'datetime-local', required: true })}
    ${textField(f, { label: t(lang, 'deskValidUntil'), name: 'validUntil', type: 'datetime-local', required: true })}
  </fieldset>
  <fieldset class="group" data-release-basis="true">
    <legend>${t(lang, 'deskGroupRelease')}</legend>
    ${radioGroup(f, {
      label: t(lang, 'deskReleaseBasis'),
      name: 'releaseBasis.type',
      paths: ['releaseBasis'],
      required: true,
      choices: [
        { value: 'original-bl-surrendered', label: t(lang, 'deskBasisOriginals') },
        { value: 'telex-release', label: t(lang, 'deskBasisTelex') },
        { value: 'sea-waybill', label: t(lang, 'deskBasisWaybill') },
      ],
    })}
    <div data-basis="original-bl-surrendered">${textField(f, { label: t(lang, 'deskOriginalsCount'), name: 'releaseBasis.originalsSurrendered', maxLength: 2, inputMode: 'numeric' })}</div>
    <div data-basis="telex-release">${selectField(f, {
      label: t(lang, 'deskGuarantee'),
      name: 'releaseBasis.guaranteeId',
      choices: guaranteeChoices,
      placeholder: t(lang, 'deskChooseGuarantee'),
      hint: t(lang, 'deskGuaranteeHint'),
    })}</div>
    ${checkbox(f, { label: t(lang, 'deskChargesPaid'), name: 'chargesPaid' })}
    ${textField(f, { label: t(lang, 'deskCustomsRef'), name: 'customsReleaseReference', maxLength: 50 })}
  </fieldset>
  ${textArea(f, { label: t(lang, 'remarks'), name: 'remarks', rows: 2, maxLength: 2000, wide: true })}
  ${data.amend ? textArea(f, { label: t(lang, 'deskAmendReason'), name: 'reason', required: true, rows: 2, maxLength: 500, wide: true }) : ''}
  <button class="primary" type="submit">${data.amend ? t(lang, 'deskAmendSubmit') : t(lang, 'deskIssueSubmit')}</button>
</form>`;
  // The summary names each field by its label, so it is drawn once the fields are.
  const body = html`${outcome(lang, { refusal: data.refusal })}
${issueSummary(f, t(lang, 'deskFixFields'))}
${form}`;
  return deskPage(ctx, title, body);
}
