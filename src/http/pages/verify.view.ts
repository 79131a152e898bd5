import type { Finding } from '../../domain/verification/finding';
import type { PdfVerificationReport, SignatureSummary, SignerRole } from '../../domain/verification/pdf-report';
import { html, type Html } from './html';
import { formatTime, statusName, t, type Lang, type TextKey } from './i18n';
import { page, type PageContext } from './layout';
import { decidingRevision, findingText } from '../../application/verify-messages';

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
  payload: { en: 'machine-readable document matches its fingerprint', zh: '内嵌机读数据与内容指纹一致' },
  'form-field': { en: 'signature field in place', zh: '签名域完整' },
  format: { en: 'accepted signature format', zh: '签名格式符合要求' },
  'signer-infos': { en: 'exactly one signer', zh: '恰好一个签名人' },
  signer: { en: 'signer may sign here', zh: '签名方有权在此签名' },
  'digest-algorithm': { en: 'strong hash algorithm', zh: '哈希算法足够安全' },
  'timestamp-authority': { en: 'time-stamp authority trusted', zh: '时间戳机构受信任' },
  signatures: { en: 'document is signed', zh: '文件已签名' },
  parse: { en: 'file readable as PDF', zh: '文件可按 PDF 读取' },
  verification: { en: 'verification completed', zh: '验证已完成' },
  ledger: { en: 'known to the ledger', zh: '账本中有记录' },
  'log-inclusion': { en: 'every event recorded in the signed ledger', zh: '所有事件均记入已签名账本' },
  status: { en: 'status in the ledger', zh: '账本中的状态' },
  integrity: { en: 'ledger integrity', zh: '账本完整性' },
};

/** Checks about the ledger rather than the file. */
const ledgerChecks = new Set(['ledger', 'log-inclusion', 'status', 'integrity', 'payload-hash']);

function plainCheck(lang: Lang, check: string): string {
  // `signature[i].x` and `document.changes-after-signature[i]` are both about signature i.
  let index: number | undefined;
  let key: string;
  const signatureCheck = /^signature\[(\d+)\]\.(.+)$/.exec(check);
  const changesCheck = /^document\.(changes-after-signature)\[(\d+)\]$/.exec(check);
  if (signatureCheck) {
    index = Number(signatureCheck[1]);
    key = signatureCheck[2] ?? '';
  } else if (changesCheck) {
    index = Number(changesCheck[2]);
    key = changesCheck[1] ?? '';
  } else {
    key = check.split('.').slice(1).join('.') || check;
  }
  const name = checkNames[key];
  const label = name ? (lang === 'en' ? name.en : name.zh) : key;
  if (index !== undefined) return `${t(lang, 'signatureNumber', { n: index + 1 })}${lang === 'en' ? ': ' : '：'}${label}`;
  if (check.startsWith('ledger.') || ledgerChecks.has(key)) return lang === 'en' ? `Ledger: ${label}` : `账本：${label}`;
  return lang === 'en' ? `Document: ${label}` : `文件：${label}`;
}

const statusKey: Record<Finding['status'], TextKey> = {
  valid: 'findingValid',
  invalid: 'findingInvalid',
  error: 'findingError',
  skipped: 'findingSkipped',
  indeterminate: 'findingIndeterminate',
};

export type BannerColour = 'green' | 'blue' | 'amber' | 'red';

/**
 * The one line a person reads first, in the page's language, and its colour: green genuine, blue
 * valid but not issued here, amber indeterminate, red forged or changed (or not verifiable at all).
 */
export function verdictBanner(lang: Lang, report: PdfVerificationReport): { text: string; colour: BannerColour } {
  const { outcome, finding, signerName } = report.summary;
  if (outcome === 'genuine') return { text: t(lang, 'verdictGenuine'), colour: 'green' };
  if (outcome === 'valid-not-recorded') {
    return { text: t(lang, report.ledger === 'not-checked' ? 'verdictNotConsulted' : 'verdictNotRecorded'), colour: 'blue' };
  }
  const what = finding ? findingText(lang, finding) : t(lang, outcome === 'indeterminate' ? 'findingIndeterminate' : 'findingInvalid');
  const revision = decidingRevision(report);
  const whereParts = [
    ...(revision !== undefined ? [t(lang, 'verdictInRevision', { revision })] : []),
    ...(signerName ? [t(lang, 'verdictSignedBy', { signer: signerName })] : []),
  ];
  const where = whereParts.join(lang === 'en' ? ', ' : '，');
  if (outcome === 'indeterminate') return { text: t(lang, where ? 'verdictIndeterminate' : 'verdictIndeterminateBare', { what, where }), colour: 'amber' };
  if (finding && isUnusableInput(finding)) return { text: t(lang, 'verdictUnusable', { what }), colour: 'red' };
  return { text: t(lang, where ? 'verdictForged' : 'verdictForgedBare', { what, where }), colour: 'red' };
}

/** A file the verifier could not read at all: nothing in it was judged, so it is not called forged. */
function isUnusableInput(finding: Finding): boolean {
  return (finding.check === 'document.parse' || finding.check === 'document.verification') && finding.code !== 'xref-damaged';
}

const roleKey: Record<SignerRole, TextKey> = { issuer: 'roleIssuer', countersigner: 'roleCountersigner', timestamp: 'roleTimestamp' };

function signatureItem(lang: Lang, signature: SignatureSummary): Html {
  const name = signature.signerName ?? signature.signerSubject;
  return html`<li class="signature" data-index="${signature.index}" data-role="${signature.role ?? 'none'}">
    <span class="which">${t(lang, 'signatureNumber', { n: signature.index + 1 })}</span>
    <span class="who">${name ?? t(lang, 'signerUnknown')}</span>
    ${signature.signerPartyId ? html`<span class="party mono small">${signature.signerPartyId}</span>` : ''}
    ${signature.signerLegalId ? html`<span class="legal mono small">${t(lang, 'legalId', { id: signature.signerLegalId })}</span>` : ''}
    <span class="role">${t(lang, signature.role ? roleKey[signature.role] : 'roleNone')}</span>
    <span class="when">${signature.trustedTime ? t(lang, 'trustedTime', { time: formatTime(lang, signature.trustedTime) }) : t(lang, 'noTrustedTime')}</span>
  </li>`;
}

function findingItem(lang: Lang, finding: Finding): Html {
  const where = finding.revision !== undefined ? `${lang === 'en' ? ' (' : '（'}${t(lang, 'verdictInRevision', { revision: finding.revision })}${lang === 'en' ? ')' : '）'}` : '';
  return html`<li class="finding ${finding.status}${finding.required ? '' : ' info'}" data-code="${finding.code}" data-check="${finding.check}" title="${finding.message}">
    <span class="mark">${t(lang, statusKey[finding.status])}</span>
    <span class="what">${plainCheck(lang, finding.check)}</span>
    ${finding.code === 'ok' ? '' : html`<span class="why">${findingText(lang, finding)}${where}</span>`}
  </li>`;
}

export function reportView(lang: Lang, report: PdfVerificationReport): Html {
  const banner = verdictBanner(lang, report);
  return html`<section class="report ${report.verdict}" data-outcome="${report.summary.outcome}">
  <p class="verdict-line ${banner.colour}" role="status">${banner.text}</p>
  ${report.signatures.length > 0
    ? html`<h3>${t(lang, 'signaturesTitle')}</h3>
  <ol class="signatures">
  ${report.signatures.map((s) => signatureItem(lang, s))}
  </ol>`
    : ''}
  <h3>${t(lang, 'findingsTitle')}</h3>
  <ul class="findings">
  ${report.findings.map((f) => findingItem(lang, f))}
  </ul>
</section>`;
}

export function verifyView(ctx: PageContext, result?: { report?: PdfVerificationReport; error?: string; fileName?: string }) {
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
