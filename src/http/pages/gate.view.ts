import type { PassKeyJwk } from '../../application/gate-passes';
import type { EirPayload } from '../../domain/eir/eir.schema';
import { passKinds } from '../../domain/gate/gate-pass';
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

export function gateRecordView(ctx: PageContext, documentId: string, eir: EirPayload, error?: string) {
  const { lang } = ctx;
  const damageRow = (i: number) => html`<fieldset class="damage-line" data-index="${i}">
    <legend>#${i + 1}</legend>
    <label>${t(lang, 'component')}<input name="damages[${i}][component]" maxlength="50"></label>
    <label>${t(lang, 'location')}<input name="damages[${i}][location]" maxlength="50"></label>
    <label>${t(lang, 'damage')}<input name="damages[${i}][damage]" maxlength="50"></label>
    <label>${t(lang, 'repair')}<input name="damages[${i}][repair]" maxlength="50"></label>
  </fieldset>`;
  const body = html`${error ? html`<p class="alert" role="alert">${error}</p>` : ''}
<p class="facts-line"><span class="mono">${eir.eirNumber}</span> · <span class="mono big">${eir.container.number}</span> · ${eir.truckPlate} · ${t(lang, eir.direction === 'OUT' ? 'deskGateOut' : 'deskGateIn')}</p>
<form class="card stack" method="post" action="/gate/record/${documentId}" enctype="multipart/form-data" id="record-form">
  <input type="hidden" name="csrf" value="${ctx.user?.csrfToken ?? ''}">
  <fieldset class="choice"><legend>${t(lang, 'condition')}</legend>
    <label><input type="radio" name="condition" value="sound" checked> ${t(lang, 'conditionSound')}</label>
    <label><input type="radio" name="condition" value="damaged"> ${t(lang, 'conditionDamaged')}</label>
  </fieldset>
  <div id="damage-lines"><h2>${t(lang, 'damageLines')}</h2>${damageRow(0)}</div>
  <button type="button" id="add-damage">${t(lang, 'addDamageLine')}</button>
  <label>${t(lang, 'seals')}<input name="seals" value="${eir.seals.map((s) => s.number).join(', ')}" maxlength="200"></label>
  <label>${t(lang, 'photos')}<input type="file" name="photos" accept="image/jpeg,image/png" capture="environment" multiple></label>
  <label>${t(lang, 'remarks')}<textarea name="remarks" rows="2" maxlength="2000"></textarea></label>
  <button class="primary" type="submit">${t(lang, 'record')}</button>
</form>`;
  return page(ctx, t(lang, 'recordTitle'), body, { scripts: ['/static/web/gate-record.js'] });
}
