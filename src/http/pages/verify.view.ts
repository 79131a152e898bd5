import type { Finding } from '../../domain/verification/finding';
import { isDocumentKind } from '../../domain/document/document';
import { signatureOf, type PdfVerificationReport, type SignatureSummary, type SignerRole } from '../../domain/verification/pdf-report';
import { html, type Html } from './html';
import { formatTime, kindName, statusName, t, type Lang, type TextKey } from './i18n';
import { page, type PageContext } from './layout';
import { checkText, decidingRevision, findingText } from '../../application/verify-messages';

const statusKey: Record<Finding['status'], TextKey> = {
  valid: 'findingValid',
  invalid: 'findingInvalid',
  error: 'findingError',
  skipped: 'findingSkipped',
  indeterminate: 'findingIndeterminate',
};

/** What this exchange calls its parties (by party id), for naming signers in the page's language. */
export type PartyNames = ReadonlyMap<string, { en: string; zh?: string | undefined }>;

const noNames: PartyNames = new Map();

/**
 * A signer as people know it: this exchange's name for the party, in the page's language, when the
 * signer's certificate chains to a trusted authority (so the party id it names is believed); else
 * the name the certificate itself gives.
 */
function signerName(lang: Lang, report: PdfVerificationReport, signature: SignatureSummary, names: PartyNames): string | null {
  const trusted = report.findings.some((f) => f.check === `signature[${signature.index}].chain` && f.status === 'valid');
  const known = trusted && signature.signerPartyId ? names.get(signature.signerPartyId) : undefined;
  if (known) return lang === 'en' ? known.en : (known.zh ?? known.en);
  return signature.signerName ?? signature.signerSubject;
}

export type BannerColour = 'green' | 'blue' | 'amber' | 'red';

/** Ledger statuses after which the document's PDF no longer stands for something one may act on. */
const endedStatuses: ReadonlySet<string> = new Set(['voided', 'superseded', 'released', 'expired', 'withdrawn', 'rejected']);

/**
 * The one line a person reads first, in the page's language, and its colour: green genuine, blue
 * valid but not issued here (neutral: not knowing a document is not evidence against it), amber
 * indeterminate, red forged or changed (or not verifiable at all).
 */
export function verdictBanner(lang: Lang, report: PdfVerificationReport, names: PartyNames = noNames): { text: string; colour: BannerColour } {
  const { outcome, finding } = report.summary;
  if (outcome === 'genuine') {
    // A genuine PDF of a document voided, superseded or released since is not one to act on.
    const status = report.ledgerStatus;
    if (status && endedStatuses.has(status)) return { text: t(lang, 'verdictGenuineEnded', { status: statusName(lang, status) }), colour: 'amber' };
    return { text: t(lang, 'verdictGenuine'), colour: 'green' };
  }
  if (outcome === 'valid-not-recorded') {
    return { text: t(lang, report.ledger === 'not-checked' ? 'verdictNotConsulted' : 'verdictNotRecorded'), colour: 'blue' };
  }
  const what = finding ? findingText(lang, finding) : t(lang, outcome === 'indeterminate' ? 'findingIndeterminate' : 'findingInvalid');
  const revision = decidingRevision(report);
  const answerable = finding ? signatureOf(report.signatures, finding) : undefined;
  const signer = answerable ? signerName(lang, report, answerable, names) : report.summary.signerName;
  const whereParts = [
    ...(revision !== undefined ? [t(lang, 'verdictInRevision', { revision })] : []),
    ...(signer ? [t(lang, 'verdictSignedBy', { signer })] : []),
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

/** When a signature was made: its trusted time, else the time it claims (said to be a claim). */
function signedWhen(lang: Lang, signature: SignatureSummary): string {
  if (signature.trustedTime) return t(lang, 'trustedTime', { time: formatTime(lang, signature.trustedTime) });
  if (signature.signingTime) return t(lang, 'claimedTime', { time: formatTime(lang, signature.signingTime) });
  return t(lang, 'noTrustedTime');
}

/** The document as people know it: kind and business number (never the ledger's `doc-…` id). */
function documentLine(lang: Lang, report: PdfVerificationReport): Html | string {
  const { kind, number, profile } = report.document;
  if (profile === 'foreign') return t(lang, 'verifyForeignPdf');
  if (!kind || !isDocumentKind(kind)) return t(lang, 'verifyKindUnknown');
  // The number never breaks across lines (an EIR number split at a hyphen reads as two).
  return html`${kindName(lang, kind)} <span class="number">${number ?? t(lang, 'verifyNumberUnknown')}</span>`;
}

/** Who signed, in one short line each: name, role, when. */
function signerLine(lang: Lang, report: PdfVerificationReport, signature: SignatureSummary, names: PartyNames): Html {
  return html`<li class="signer" data-index="${signature.index}">
    <span class="name">${signerName(lang, report, signature, names) ?? t(lang, 'signerUnknown')}</span>
    <span class="role">${t(lang, signature.role ? roleKey[signature.role] : 'roleNone')}</span>
    <span class="when">${signedWhen(lang, signature)}</span>
  </li>`;
}

/** Everything the certificate says of one signature, for the folded details. */
function signatureItem(lang: Lang, report: PdfVerificationReport, signature: SignatureSummary, names: PartyNames): Html {
  const shown = signerName(lang, report, signature, names);
  const certified = signature.signerName ?? signature.signerSubject;
  return html`<li class="signature" data-index="${signature.index}" data-role="${signature.role ?? 'none'}">
    <span class="which">${t(lang, 'signatureNumber', { n: signature.index + 1 })}</span>
    <span class="who">${shown ?? t(lang, 'signerUnknown')}</span>
    ${certified && certified !== shown ? html`<span class="cert small">${certified}</span>` : ''}
    ${signature.signerPartyId ? html`<span class="party mono small">${signature.signerPartyId}</span>` : ''}
    ${signature.signerLegalId ? html`<span class="legal mono small">${t(lang, 'legalId', { id: signature.signerLegalId })}</span>` : ''}
    <span class="role">${t(lang, signature.role ? roleKey[signature.role] : 'roleNone')}</span>
    <span class="when">${signedWhen(lang, signature)}</span>
  </li>`;
}

/** A finding that must be looked at: a required check that did not hold, or anything a person must look at. */
function isProblem(finding: Finding): boolean {
  return (finding.required && finding.status !== 'valid') || finding.status === 'indeterminate';
}

function findingItem(lang: Lang, finding: Finding, group: 'problem' | 'note' | 'passed'): Html {
  const where = finding.revision !== undefined ? `${lang === 'en' ? ' (' : '（'}${t(lang, 'verdictInRevision', { revision: finding.revision })}${lang === 'en' ? ')' : '）'}` : '';
  // A note says only what it notes: "Ledger: known to this exchange's ledger" next to it would read as a contradiction.
  if (group === 'note') {
    return html`<li class="finding ${finding.status} note" data-code="${finding.code}" data-check="${finding.check}">
    <span class="mark">${t(lang, 'findingNote')}</span>
    <span class="what">${findingText(lang, finding)}${where}</span>
  </li>`;
  }
  return html`<li class="finding ${finding.status} ${group}" data-code="${finding.code}" data-check="${finding.check}">
    <span class="mark">${t(lang, statusKey[finding.status])}</span>
    <span class="what">${checkText(lang, finding.check)}</span>
    ${finding.code === 'ok' ? '' : html`<span class="why">${findingText(lang, finding)}${where}</span>`}
  </li>`;
}

/**
 * The report, verdict first: the banner with the document's kind and number and who signed when;
 * then what failed or needs a person (the deciding finding first), then notes that decide nothing
 * (such as "this exchange did not issue it", never styled as a failure); passed checks and the
 * signatures' certificate details stay folded.
 */
export function reportView(lang: Lang, report: PdfVerificationReport, names: PartyNames = noNames): Html {
  const banner = verdictBanner(lang, report, names);
  const deciding = report.summary.finding;
  const problems = report.findings.filter(isProblem).sort((a, b) => Number(b === deciding) - Number(a === deciding));
  const notes = report.findings.filter((f) => !isProblem(f) && f.status !== 'valid');
  const passed = report.findings.filter((f) => f.status === 'valid');
  return html`<section class="report ${report.verdict}" data-outcome="${report.summary.outcome}">
  <div class="verdict-card ${banner.colour}">
  <p class="verdict-line ${banner.colour}" role="status">${banner.text}</p>
  <dl class="verdict-facts">
    <div class="fact-document"><dt>${t(lang, 'verifyDocument')}</dt><dd>${documentLine(lang, report)}</dd></div>
    <div class="fact-signers"><dt>${t(lang, 'verifySigners')}</dt><dd>${report.signatures.length > 0
      ? html`<ol class="signers">${report.signatures.map((s) => signerLine(lang, report, s, names))}</ol>`
      : t(lang, 'verifyNoSigners')}</dd></div>
  </dl>
  </div>
  ${problems.length > 0
    ? html`<h3>${t(lang, 'problemsTitle')}</h3>
  <ul class="findings problems">
  ${problems.map((f) => findingItem(lang, f, 'problem'))}
  </ul>`
    : ''}
  ${notes.length > 0 ? html`<ul class="findings notes">${notes.map((f) => findingItem(lang, f, 'note'))}</ul>` : ''}
  ${passed.length > 0
    ? html`<details class="passed">
  <summary>${t(lang, 'passedChecks', { n: passed.length })}</summary>
  <ul class="findings">
  ${passed.map((f) => findingItem(lang, f, 'passed'))}
  </ul>
  </details>`
    : ''}
  ${report.signatures.length > 0
    ? html`<details class="signature-details">
  <summary>${t(lang, 'signatureDetails')}</summary>
  <ol class="signatures">
  ${report.signatures.map((s) => signatureItem(lang, report, s, names))}
  </ol>
  </details>`
    : ''}
</section>`;
}

export interface VerifyResult {
  report?: PdfVerificationReport;
  /** This exchange's names of the parties the report's signers name. */
  names?: PartyNames;
  error?: string;
  fileName?: string;
}

/** The upload form, or, once a file is checked, its report first and the form under it for the next file. */
export function verifyView(ctx: PageContext, result?: VerifyResult) {
  const { lang } = ctx;
  const form = html`<form class="card stack" method="post" action="/verify/report" enctype="multipart/form-data">
  <label>${t(lang, 'verifyUpload')}<input type="file" name="file" accept="application/pdf" required></label>
  <button class="primary" type="submit">${t(lang, 'verifySubmit')}</button>
</form>`;
  const body = result?.report
    ? html`${result.fileName ? html`<p class="checked-file small">${t(lang, 'verifyFile', { name: result.fileName })}</p>` : ''}
${reportView(lang, result.report, result.names)}
<h2>${t(lang, 'verifyAnother')}</h2>
${form}`
    : html`<p>${t(lang, 'verifyIntro')}</p>
${result?.error ? html`<p class="alert" role="alert">${result.error}</p>` : ''}
${result?.fileName ? html`<p class="checked-file small">${t(lang, 'verifyFile', { name: result.fileName })}</p>` : ''}
${form}`;
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
