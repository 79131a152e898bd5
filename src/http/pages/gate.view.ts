import type { PassKeyJwk } from '../../application/gate-passes';
import type { EirPayload } from '../../domain/eir/eir.schema';
import { passKinds } from '../../domain/gate/gate-pass';
import { fieldId, fileField, FormIssues, issueSummary, radioGroup, textArea, textField, type FieldContext, type FieldIssue } from './desk/desk-fields';
import { html, jsonData, type Html } from './html';
import { kindName, reasonTexts, statusName, t } from './i18n';
import { page, type PageContext } from './layout';

const facilityRoles = ['terminal', 'depot'];

/** The pass keys the service publishes now, and when (milliseconds, by the server's clock). */
export interface TrustedKeys {
  keys: PassKeyJwk[];
  at: number;
}

/**
 * What the pass-check script needs: trusted keys, the words for each reason, the clerk's form token,
 * and, for a signed-in gate clerk, the clerk's party (whose facility a pass must name; the clerk
 * may read the document's facts).
 */
function checkData(ctx: PageContext, keys: TrustedKeys): Html {
  const { lang } = ctx;
  const words = {
    green: t(lang, 'verdictGreen'),
    amber: t(lang, 'verdictAmber'),
    red: t(lang, 'verdictRed'),
    plateUnchecked: t(lang, 'verdictPlateUnchecked'),
    container: t(lang, 'container'),
    truckPlate: t(lang, 'truckPlate'),
    plateOnDocument: t(lang, 'plateOnDocument'),
    plateAtGate: t(lang, 'plateAtGate'),
    direction: t(lang, 'deskDirection'),
    directions: { IN: t(lang, 'deskGateIn'), OUT: t(lang, 'deskGateOut') },
    seals: t(lang, 'deskSeals'),
    haulier: t(lang, 'deskHaulier'),
    facility: t(lang, 'facility'),
    passExpires: t(lang, 'passExpires'),
    clockChecked: t(lang, 'clockChecked'),
    clockNeverChecked: t(lang, 'clockNeverChecked'),
    ages: { minutes: t(lang, 'ageMinutes'), hours: t(lang, 'ageHours'), days: t(lang, 'ageDays') },
    status: t(lang, 'status'),
    record: t(lang, 'recordTitle'),
    release: t(lang, 'deskRelease'),
    kinds: Object.fromEntries(Object.entries(passKinds).map(([kind, code]) => [code, kindName(lang, kind)])),
    statuses: Object.fromEntries(
      ['issued', 'transferred', 'presented', 'presentation-rejected', 'released', 'voided', 'superseded', 'gate-recorded', 'countersigned', 'expired'].map((s) => [
        s,
        statusName(lang, s),
      ]),
    ),
  };
  const clerk = ctx.user?.roles.some((role) => facilityRoles.includes(role)) ?? false;
  const gateParty = clerk ? (ctx.user?.partyId ?? null) : null;
  return html`${jsonData('pass-keys', keys)}${jsonData('pass-words', { reasons: reasonTexts(lang), words, csrf: ctx.user?.csrfToken ?? null, gateParty, lang })}`;
}

/**
 * Where a screen reader hears the verdict: present and empty from the start (a region that appears
 * as it is filled may go unheard), a red verdict as an alert, the others as a status (gate.ts).
 */
const verdictAnnouncer = html`<div class="visually-hidden" role="alert" id="verdict-alert"></div><div class="visually-hidden" role="status" id="verdict-status"></div>`;

export function gateView(ctx: PageContext, keys: TrustedKeys, notice?: string) {
  const { lang } = ctx;
  const body = html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<form class="card stack" id="check-form" action="/gate" method="get">
  <label>${t(lang, 'gateLink')}<textarea name="link" id="link" rows="2" autocapitalize="none" spellcheck="false" required></textarea></label>
  <label>${t(lang, 'gatePlate')}<input name="plate" id="plate" autocapitalize="characters" maxlength="16"></label>
  <div class="row">
    <button class="primary" type="submit">${t(lang, 'check')}</button>
    <button type="button" id="scan" hidden>${t(lang, 'scan')}</button>
  </div>
  <video id="camera" playsinline muted hidden></video>
</form>
<section id="verdict" class="verdict"></section>
${verdictAnnouncer}
${checkData(ctx, keys)}`;
  return page(ctx, t(lang, 'gateTitle'), body, { scripts: ['/static/web/gate.js'], bodyClass: 'gate-page' });
}

/**
 * The page a QR link opens for anyone: the same check, without the clerk's tools, and the plate
 * field, so whoever looks at the truck (a clerk scanning with the phone's camera) can compare it.
 */
export function passView(ctx: PageContext, keys: TrustedKeys, token: string) {
  const { lang } = ctx;
  const body = html`<section id="verdict" class="verdict" data-token="${token}"></section>
${verdictAnnouncer}
<form class="card stack" id="check-form" action="/v/${token}" method="get">
  <label>${t(lang, 'gatePlate')}<input name="plate" id="plate" autocapitalize="characters" maxlength="16"></label>
  <button class="primary" type="submit">${t(lang, 'check')}</button>
</form>
<noscript><p class="alert">${t(lang, 'noscriptPass')} <a href="/verify">${t(lang, 'noscriptVerifyPdf')}</a></p></noscript>
${checkData(ctx, keys)}`;
  return page(ctx, t(ctx.lang, 'passTitle'), body, { scripts: ['/static/web/gate.js'], bodyClass: 'gate-page' });
}

/** The gate record form as the clerk filled it in: shown again, unchanged, when it is refused. */
export interface GateRecordForm {
  condition: 'sound' | 'damaged';
  damages: { component: string; location: string; damage: string; repair: string }[];
  seals: string;
  remarks: string;
}

/** At most this many damage lines are drawn back (the page script adds up to as many). */
export const MAX_DAMAGE_LINES = 50;

export function gateRecordView(
  ctx: PageContext,
  documentId: string,
  eir: EirPayload,
  refused?: { form: GateRecordForm; issues?: readonly FieldIssue[]; alert?: string },
) {
  const { lang } = ctx;
  const form: GateRecordForm = refused?.form ?? { condition: 'sound', damages: [], seals: eir.seals.map((s) => s.number).join(', '), remarks: '' };
  const f: FieldContext = {
    lang,
    values: { fields: { condition: form.condition, seals: form.seals, remarks: form.remarks }, rows: [] },
    issues: new FormIssues(refused?.issues ?? []),
  };
  const lines = form.damages.length > 0 ? form.damages.slice(0, MAX_DAMAGE_LINES) : [{ component: '', location: '', damage: '', repair: '' }];
  const damageRow = (line: GateRecordForm['damages'][number], i: number) => html`<fieldset class="damage-line" data-index="${i}">
    <legend>#${i + 1}</legend>
    ${(['component', 'location', 'damage', 'repair'] as const).map((part) =>
      textField(f, { label: t(lang, part), name: `damages[${i}][${part}]`, id: fieldId(`damages-${i}-${part}`), paths: [`damages[${i}].${part}`], value: line[part], maxLength: 50 }),
    )}
  </fieldset>`;
  const fields = html`<form class="card stack" method="post" action="/gate/record/${documentId}" enctype="multipart/form-data" id="record-form">
  <input type="hidden" name="csrf" value="${ctx.user?.csrfToken ?? ''}">
  ${radioGroup(f, {
    label: t(lang, 'condition'),
    name: 'condition',
    choices: [
      { value: 'sound', label: t(lang, 'conditionSound') },
      { value: 'damaged', label: t(lang, 'conditionDamaged') },
    ],
  })}
  <div id="damage-lines" data-paths="damages"><h2>${t(lang, 'damageLines')}</h2>${lines.map(damageRow)}</div>
  <button type="button" id="add-damage">${t(lang, 'addDamageLine')}</button>
  ${textField(f, { label: t(lang, 'seals'), name: 'seals', paths: ['seals'], maxLength: 200 })}
  ${fileField(f, { label: t(lang, 'photos'), name: 'photos', paths: ['photoSha256'] })}
  ${textArea(f, { label: t(lang, 'remarks'), name: 'remarks', rows: 2, maxLength: 2000 })}
  <button class="primary" type="submit">${t(lang, 'record')}</button>
</form>`;
  // Drawn after the fields, which note their labels for it; shown above them.
  const body = html`${refused?.alert ? html`<p class="alert" role="alert">${refused.alert}</p>` : ''}${issueSummary(f, t(lang, 'deskFixFields'))}
<p class="facts-line"><span class="mono">${eir.eirNumber}</span> · <span class="mono big">${eir.container.number}</span> · ${eir.truckPlate} · ${t(lang, eir.direction === 'OUT' ? 'deskGateOut' : 'deskGateIn')}</p>
${fields}`;
  return page(ctx, t(lang, 'recordTitle'), body, { scripts: ['/static/web/gate-record.js'] });
}
