import type { PassKeyJwk } from '../../application/gate-passes';
import type { EirPayload } from '../../domain/eir/eir.schema';
import { html, jsonData, type Html } from './html';
import { reasonTexts, statusName, t, type Lang } from './i18n';
import { page, type PageContext } from './layout';

/** What the pass-check script needs: trusted keys, the words for each reason, the clerk's form token. */
function checkData(lang: Lang, keys: { keys: PassKeyJwk[] }, csrfToken: string | undefined): Html {
  const words = {
    green: t(lang, 'verdictGreen'),
    amber: t(lang, 'verdictAmber'),
    red: t(lang, 'verdictRed'),
    container: t(lang, 'container'),
    truckPlate: t(lang, 'truckPlate'),
    documentNo: t(lang, 'documentNo'),
    passExpires: t(lang, 'passExpires'),
    status: t(lang, 'status'),
    record: t(lang, 'recordTitle'),
    release: lang === 'en' ? 'Release the cargo' : '放货',
    kinds: lang === 'en' ? { e: 'EIR', d: 'Delivery order', g: 'Telex-release guarantee' } : { e: '设备交接单', d: '提货单', g: '电放保函' },
    statuses: Object.fromEntries(
      ['issued', 'transferred', 'presented', 'released', 'voided', 'superseded', 'gate-recorded', 'countersigned', 'expired'].map((s) => [
        s,
        statusName(lang, s),
      ]),
    ),
  };
  return html`${jsonData('pass-keys', keys)}${jsonData('pass-words', { reasons: reasonTexts(lang), words, csrf: csrfToken ?? null, lang })}`;
}

export function gateView(ctx: PageContext, keys: { keys: PassKeyJwk[] }, notice?: string) {
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
<section id="verdict" class="verdict" aria-live="assertive" hidden></section>
${checkData(lang, keys, ctx.user?.csrfToken)}`;
  return page(ctx, t(lang, 'gateTitle'), body, { scripts: ['/static/web/gate.js'], bodyClass: 'gate-page' });
}

/** The page a QR link opens for anyone: the same check, without the clerk's tools. */
export function passView(ctx: PageContext, keys: { keys: PassKeyJwk[] }, token: string) {
  const body = html`<section id="verdict" class="verdict" aria-live="assertive" data-token="${token}" hidden></section>
<noscript><p class="alert">${t(ctx.lang, 'noscriptPass')} <a href="/verify">${t(ctx.lang, 'noscriptVerifyPdf')}</a></p></noscript>
${checkData(ctx.lang, keys, ctx.user?.csrfToken)}`;
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
<p class="facts-line"><span class="mono big">${eir.container.number}</span> · ${eir.truckPlate ?? ''} · ${eir.direction === 'OUT' ? (lang === 'en' ? 'Gate-out' : '出闸') : lang === 'en' ? 'Gate-in' : '进闸'}</p>
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
