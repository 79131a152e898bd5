import type { Party } from '../../../domain/party/party';
import { html } from '../html';
import { t } from '../i18n';
import type { PageContext } from '../layout';
import { containerRows, FormIssues, issueSummary, selectField, textArea, textField, type FieldContext, type FieldIssue } from './desk-fields';
import { csrfInput, deskPage, formKeyInput, outcome } from './desk-layout';
import { partyChoices } from './do-form.view';
import type { FormValues } from './form-values';
import { INDEMNITY_TEMPLATE } from './indemnity';
import type { PartyBook } from './party-book';

export interface GuaranteeFormData {
  values: FormValues;
  issues: readonly FieldIssue[];
  refusal?: string;
  formKey: string;
  book: PartyBook;
  issuer: Party;
}

/** The telex-release guarantee (电放保函) a shipper, or its forwarder, signs and sends to the carrier's agent. */
export function guaranteeFormView(ctx: PageContext, data: GuaranteeFormData) {
  const { lang } = ctx;
  const f: FieldContext = { lang, values: data.values, issues: new FormIssues(data.issues) };
  const choose = t(lang, 'deskChoose');
  const agents = partyChoices(ctx, data.book.withRole('carrier-agent'));
  const isShipper = data.issuer.roles.includes('shipper');
  const form = html`<form class="card desk-form" method="post" action="/desk/shipper/guarantee" data-validate="telex-release-guarantee" data-once="true" id="guarantee-form">
  ${csrfInput(ctx)}${formKeyInput(data.formKey)}
  <fieldset class="group">
    <legend>${t(lang, 'deskGroupGuarantee')}</legend>
    ${textField(f, { label: t(lang, 'deskGuaranteeNumber'), name: 'guaranteeNumber', required: true, maxLength: 35 })}
    ${textField(f, { label: t(lang, 'deskBlNumber'), name: 'billOfLadingNumber', required: true, maxLength: 35, upper: true })}
    ${textField(f, { label: t(lang, 'deskVesselName'), name: 'vessel.vesselName', required: true, maxLength: 100, upper: true })}
    ${textField(f, { label: t(lang, 'deskVoyage'), name: 'vessel.voyageNumber', required: true, maxLength: 30, upper: true })}
    ${textField(f, { label: t(lang, 'deskImo'), name: 'vessel.imoNumber', maxLength: 7, inputMode: 'numeric' })}
    ${textField(f, { label: t(lang, 'deskPolCode'), name: 'portOfLoading.unLocode', required: true, maxLength: 5, upper: true })}
    ${textField(f, { label: t(lang, 'deskPolName'), name: 'portOfLoading.name', maxLength: 200 })}
    ${textField(f, { label: t(lang, 'deskPodCode'), name: 'portOfDischarge.unLocode', required: true, maxLength: 5, upper: true })}
    ${textField(f, { label: t(lang, 'deskPodName'), name: 'portOfDischarge.name', maxLength: 200 })}
  </fieldset>
  <fieldset class="group">
    <legend>${t(lang, 'deskGroupParties')}</legend>
    ${isShipper
      ? html`<p class="small">${t(lang, 'deskShipper')}: ${lang === 'en' ? data.issuer.name.en : data.issuer.name.zh ?? data.issuer.name.en}</p>`
      : selectField(f, { label: t(lang, 'deskShipper'), name: 'shipper', required: true, choices: partyChoices(ctx, data.book.withRole('shipper')), placeholder: choose })}
    ${textField(f, { label: t(lang, 'deskConsignee'), name: 'consignee.name', required: true, maxLength: 200 })}
    ${textField(f, { label: t(lang, 'deskConsigneeZh'), name: 'consignee.nameZh', maxLength: 200 })}
    ${textField(f, { label: t(lang, 'deskUscc'), name: 'consignee.unifiedSocialCreditCode', maxLength: 18, upper: true })}
    ${selectField(f, { label: t(lang, 'deskCarrier'), name: 'carrier', required: true, choices: partyChoices(ctx, data.book.withRole('carrier')), placeholder: choose })}
    ${selectField(f, { label: t(lang, 'deskAgentAtLoading'), name: 'carrierAgent', required: true, choices: agents, placeholder: choose })}
    ${selectField(f, { label: t(lang, 'deskAgentAtDestination'), name: 'destinationAgent', required: true, choices: agents, placeholder: choose })}
  </fieldset>
  ${containerRows(f, {
    legend: t(lang, 'deskContainers'),
    columns: [
      { field: 'number', label: t(lang, 'deskContainerNo'), maxLength: 11, upper: true },
      { field: 'sizeType', label: t(lang, 'deskSizeType'), maxLength: 4, upper: true },
      { field: 'sealNumbers', label: t(lang, 'deskSeals'), maxLength: 200 },
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
  </fieldset>
  <fieldset class="group" data-indemnity-template="${INDEMNITY_TEMPLATE}">
    <legend>${t(lang, 'deskGroupOriginals')}</legend>
    ${textField(f, { label: t(lang, 'deskOriginalsIssued'), name: 'originals.issued', required: true, maxLength: 2, inputMode: 'numeric' })}
    ${textField(f, { label: t(lang, 'deskOriginalsSurrendered'), name: 'originals.surrendered', required: true, maxLength: 2, inputMode: 'numeric' })}
    ${textArea(f, { label: t(lang, 'deskIndemnity'), name: 'indemnityText', required: true, rows: 7, maxLength: 10_000, wide: true, hint: t(lang, 'deskIndemnityHint') })}
    ${textField(f, { label: t(lang, 'deskSignatoryName'), name: 'signatory.name', required: true, maxLength: 100 })}
    ${textField(f, { label: t(lang, 'deskSignatoryTitle'), name: 'signatory.title', required: true, maxLength: 100 })}
  </fieldset>
  <button class="primary" type="submit">${t(lang, 'deskSubmitGuarantee')}</button>
</form>`;
  const body = html`${outcome(lang, { refusal: data.refusal })}
${issueSummary(f, t(lang, 'deskFixFields'))}
${form}`;
  return deskPage(ctx, t(lang, 'deskNewGuarantee'), body);
}
