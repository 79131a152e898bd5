import type { Finding, VerificationReport } from '../../domain/verification/finding';
import { html, type Html } from './html';
import { formatTime, statusName, t, type Lang, type TextKey } from './i18n';
import { page, type PageContext } from './layout';

/** Plain names for the verifier's checks (`signature[0].digest` → "Signature 1: content unchanged"). */
const checkNames: Record<string, { en: string; zh: string }> = {
  'byte-range': { en: 'covers the whole file it signed', zh: '签名范围覆盖所签文件' },
  digest: { en: 'content unchanged since signing', zh: '签名后内容未改动' },
  signature: { en: 'signature mathematically valid', zh: '签名数学验证通过' },
  'signing-certificate': { en: 'bound to its certificate', zh: '与签名证书绑定' },
  chain: { en: 'certificate issued by a trusted authority', zh: '证书由受信任机构签发' },
  validity: { en: 'certificate valid when signing', zh: '签名时证书有效' },
  revocation: { en: 'certificate not revoked', zh: '证书未被吊销' },
  'key-usage': { en: 'certificate allowed to sign documents', zh: '证书允许签署文件' },
  timestamp: { en: 'trusted time of signing', zh: '可信签名时间' },
  'changes-after-signature': { en: 'no forbidden change after this signature', zh: '签名后无不允许的修改' },
  'payload-hash': { en: 'content matches the ledger', zh: '内容与账本一致' },
  'form-field': { en: 'signature field in place', zh: '签名域完整' },
  'digest-algorithm': { en: 'strong hash algorithm', zh: '哈希算法足够安全' },
  'timestamp-authority': { en: 'time-stamp authority trusted', zh: '时间戳机构受信任' },
  signatures: { en: 'document is signed', zh: '文件已签名' },
  parse: { en: 'file readable as PDF', zh: '文件可按 PDF 读取' },
  ledger: { en: 'known to the ledger', zh: '账本中有记录' },
  'log-inclusion': { en: 'every event recorded in the signed ledger', zh: '所有事件均记入已签名账本' },
  status: { en: 'status in the ledger', zh: '账本中的状态' },
  integrity: { en: 'ledger integrity', zh: '账本完整性' },
};

function plainCheck(lang: Lang, check: string): string {
  const match = /^signature\[(\d+)\]\.(.+)$/.exec(check);
  const key = match ? match[2] ?? '' : check.split('.').slice(1).join('.') || check;
  const name = checkNames[key];
  const label = name ? (lang === 'en' ? name.en : name.zh) : key;
  if (match) return lang === 'en' ? `Signature ${Number(match[1]) + 1}: ${label}` : `签名 ${Number(match[1]) + 1}：${label}`;
  return check.startsWith('ledger.') || check.startsWith('document.') ? (lang === 'en' ? `Ledger: ${label}` : `账本：${label}`) : label;
}

const statusKey: Record<Finding['status'], TextKey> = {
  valid: 'findingValid',
  invalid: 'findingInvalid',
  error: 'findingError',
  skipped: 'findingSkipped',
  indeterminate: 'findingIndeterminate',
};

export function reportView(lang: Lang, report: VerificationReport): Html {
  return html`<section class="report ${report.verdict}">
  <p class="verdict-line ${report.verdict === 'valid' ? 'green' : 'red'}" role="status">${t(lang, report.verdict === 'valid' ? 'reportValid' : 'reportInvalid')}</p>
  <ul class="findings">
  ${report.findings.map(
    (f) => html`<li class="finding ${f.status}${f.required ? '' : ' info'}">
    <span class="mark">${t(lang, statusKey[f.status])}</span>
    <span class="what">${plainCheck(lang, f.check)}</span>
    <span class="why">${f.message}</span>
  </li>`,
  )}
  </ul>
</section>`;
}

export function verifyView(ctx: PageContext, result?: { report?: VerificationReport; error?: string; fileName?: string }) {
  const { lang } = ctx;
  const body = html`<p>${t(lang, 'verifyIntro')}</p>
<form class="card stack" method="post" action="/verify/report" enctype="multipart/form-data">
  <label>${t(lang, 'verifyUpload')}<input type="file" name="file" accept="application/pdf" required></label>
  <button class="primary" type="submit">${t(lang, 'verifySubmit')}</button>
</form>
${result?.error ? html`<p class="alert" role="alert">${result.error}</p>` : ''}
${result?.fileName ? html`<h2 class="mono">${result.fileName}</h2>` : ''}
${result?.report ? reportView(lang, result.report) : ''}`;
  return page(ctx, t(lang, 'verifyTitle'), body);
}

export interface PublicStatus {
  id: string;
  kind: string;
  status: string;
  issuer: { id: string; name: string };
  payloadHash: string;
  lastEventAt: string;
  log: { treeSize: number; included: boolean };
}

export function publicStatusView(ctx: PageContext, status: PublicStatus, kindName: string) {
  const { lang } = ctx;
  const body = html`<section class="card">
  <p class="kind">${kindName}</p>
  <dl class="facts">
    <div><dt>${t(lang, 'status')}</dt><dd><span class="status status-${status.status}">${statusName(lang, status.status)}</span></dd></div>
    <div><dt>${t(lang, 'issuer')}</dt><dd>${status.issuer.name}</dd></div>
    <div><dt>${t(lang, 'lastChange')}</dt><dd>${formatTime(lang, status.lastEventAt)}</dd></div>
    <div><dt>${t(lang, 'payloadHash')}</dt><dd class="mono small">${status.payloadHash}</dd></div>
  </dl>
  <p class="${status.log.included ? 'ok' : 'alert'}">${status.log.included ? t(lang, 'inLedger', { size: status.log.treeSize }) : t(lang, 'notInLedger')}</p>
</section>
<p><a href="/verify">${t(lang, 'verifyTitle')}</a></p>`;
  return page(ctx, t(lang, 'publicStatusTitle'), body);
}
