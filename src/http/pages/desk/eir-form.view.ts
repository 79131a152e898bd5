import type { Party } from '../../../domain/party/party';
import { eirPurposes, sealTypes } from '../../../domain/eir/eir.schema';
import { html, jsonData } from '../html';
import { t, type TextKey } from '../i18n';
import type { PageContext } from '../layout';
import { FormIssues, issueSummary, radioGroup, rowsField, selectField, textArea, textField, type FieldContext, type FieldIssue } from './desk-fields';
import { csrfInput, deskPage, formKeyInput, outcome } from './desk-layout';
import { partyChoices } from './do-form.view';
import type { FormValues } from './form-values';
import type { PartyBook } from './party-book';

export interface EirFormData {
  values: FormValues;
  issues: readonly FieldIssue[];
  refusal?: string;
  notice?: string;
  formKey: string;
  book: PartyBook;
  issuer: Party;
}

const purposeKeys: Record<(typeof eirPurposes)[number], TextKey> = {
  'empty-pickup': 'deskPurposeEmptyPickup',
  'laden-pickup': 'deskPurposeLadenPickup',
  'export-delivery': 'deskPurposeExportDelivery',
  'empty-return': 'deskPurposeEmptyReturn',
  repositioning: 'deskPurposeRepositioning',
  repair: 'deskPurposeRepair',
};

const sealTypeKeys: Record<(typeof sealTypes)[number], TextKey> = {
  carrier: 'sealCarrier',
  shipper: 'sealShipper',
  customs: 'sealCustoms',
  terminal: 'sealTerminal',
  veterinary: 'sealVeterinary',
};

export const sealTypeName = (lang: PageContext['lang'], type: (typeof sealTypes)[number]) => t(lang, sealTypeKeys[type]);

/** EIRs for one truck and window, one per pasted container, each number checked as it is typed. */
export function eirFormView(ctx: PageContext, data: EirFormData) {
  const { lang } = ctx;
  const f: FieldContext = { lang, values: data.values, issues: new FormIssues(data.issues) };
  const choose = t(lang, 'deskChoose');
  const words = {
    ok: t(lang, 'deskCheckOk'),
    checkDigit: t(lang, 'deskCheckDigitWrong'),
    format: t(lang, 'deskCheckFormat'),
    duplicate: t(lang, 'deskCheckDuplicate'),
    blocked: t(lang, 'deskListHasErrors'),
    count: t(lang, 'deskListCount'),
  };
  const form = html`<form class="card desk-form" method="post" action="/desk/facility/eirs" data-validate="eir" data-once="true" id="eir-form">
  ${csrfInput(ctx)}${formKeyInput(data.formKey)}
  <fieldset class="group">
    <legend>${t(lang, 'deskContainers')}</legend>
    ${textArea(f, {
      label: t(lang, 'deskContainerList'),
      name: 'containers',
      required: true,
      rows: 6,
      maxLength: 6000,
      spellcheck: false,
      wide: true,
      hint: t(lang, 'deskContainerListHint'),
    })}
    <ul class="container-check wide" id="container-check" aria-live="polite" data-for="f-containers"></ul>
    ${textField(f, { label: t(lang, 'deskDefaultSizeType'), name: 'container.sizeType', required: true, maxLength: 4, upper: true })}
    ${radioGroup(f, {
      label: t(lang, 'deskFullEmpty'),
      name: 'container.fullEmpty',
      required: true,
      choices: [
        { value: 'EMPTY', label: t(lang, 'deskEmpty') },
        { value: 'LADEN', label: t(lang, 'deskLaden') },
      ],
    })}
    ${selectField(f, { label: t(lang, 'deskOperator'), name: 'container.operator', required: true, choices: partyChoices(ctx, data.book.withRole('carrier')), placeholder: choose })}
  </fieldset>
  ${rowsField(f, {
    prefix: 'seals',
    legend: t(lang, 'deskSealsTitle'),
    columns: [
      { field: 'number', label: t(lang, 'deskSealNumber'), maxLength: 30, upper: true },
      { field: 'type', label: t(lang, 'deskSealType'), choices: sealTypes.map((type) => ({ value: type, label: sealTypeName(lang, type) })) },
      { field: 'container', label: t(lang, 'deskSealContainer'), maxLength: 11, upper: true },
    ],
    addLabel: t(lang, 'deskAddSeal'),
    removeLabel: t(lang, 'deskRemoveSeal'),
  })}
  <fieldset class="group">
    <legend>${t(lang, 'deskGroupMove')}</legend>
    ${textField(f, { label: t(lang, 'deskEirNumber'), name: 'eirNumber', required: true, maxLength: 31 })}
    ${radioGroup(f, {
      label: t(lang, 'deskDirection'),
      name: 'direction',
      required: true,
      choices: [
        { value: 'OUT', label: t(lang, 'deskGateOut') },
        { value: 'IN', label: t(lang, 'deskGateIn') },
      ],
    })}
    ${selectField(f, { label: t(lang, 'deskPurpose'), name: 'purpose', required: true, choices: eirPurposes.map((p) => ({ value: p, label: t(lang, purposeKeys[p]) })) })}
    ${textField(f, { label: t(lang, 'deskBlNumber'), name: 'billOfLadingNumber', maxLength: 35, upper: true })}
    ${textField(f, { label: t(lang, 'deskBookingNumber'), name: 'bookingNumber', maxLength: 35, upper: true })}
    ${textField(f, { label: t(lang, 'deskVesselName'), name: 'vessel.vesselName', maxLength: 100, upper: true })}
    ${textField(f, { label: t(lang, 'deskVoyage'), name: 'vessel.voyageNumber', maxLength: 30, upper: true })}
    ${textField(f, { label: t(lang, 'deskFacilityCode'), name: 'facility.unLocode', paths: ['facility'], required: true, maxLength: 5, upper: true, hint: t(lang, 'deskOwnLocodeHint') })}
  </fieldset>
  <fieldset class="group">
    <legend>${t(lang, 'deskGroupTruck')}</legend>
    ${selectField(f, { label: t(lang, 'deskHaulier'), name: 'haulier', required: true, choices: partyChoices(ctx, data.book.withRole('haulier')), placeholder: choose })}
    ${textField(f, { label: t(lang, 'deskDriverName'), name: 'driver.name', required: true, maxLength: 100 })}
    ${textField(f, { label: t(lang, 'deskDriverLicence'), name: 'driver.licenseNumber', maxLength: 30 })}
    ${textField(f, { label: t(lang, 'deskDriverMobile'), name: 'driver.mobile', maxLength: 20 })}
    ${textField(f, { label: t(lang, 'truckPlate'), name: 'truckPlate', required: true, maxLength: 16, upper: true })}
    ${textField(f, { label: t(lang, 'deskValidFrom'), name: 'validFrom', type: 'datetime-local', required: true })}
    ${textField(f, { label: t(lang, 'deskValidUntil'), name: 'validUntil', type: 'datetime-local', required: true })}
  </fieldset>
  ${textArea(f, { label: t(lang, 'remarks'), name: 'remarks', rows: 2, maxLength: 2000, wide: true })}
  <button class="primary" type="submit">${t(lang, 'deskIssueEirsSubmit')}</button>
</form>`;
  const body = html`${outcome(lang, { notice: data.notice, refusal: data.refusal })}
${issueSummary(f, t(lang, 'deskFixFields'))}
${form}
${jsonData('container-check-words', words)}`;
  return deskPage(ctx, t(lang, 'deskIssueEirs'), body);
}
