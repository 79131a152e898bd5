import type { Finding } from '../domain/verification/finding';
import type { PdfVerificationReport } from '../domain/verification/pdf-report';
import { SdxError } from '../domain/shared/errors';
import { openCompactJws, signCompactJws } from './events/compact-jws';
import type { PartySigner } from './ports/key-store.port';
import { checkText, findingText } from './verify-messages';

/**
 * A validation report shaped on ETSI TS 119 102-2 (the report of an EN 319 102-1 validation): per
 * signature the main indication and sub-indication, the signer, the claimed and the best
 * proof-of-existence time, the constraints checked, and the validation objects used, listed once
 * with their SHA-256. Built only from the verifier's report and the objects the PDF carries, so the
 * same file at the same validation time gives the same bytes; every sentence people read comes from
 * the zh/en catalogue.
 */
export interface EtsiValidationReport {
  format: typeof REPORT_FORMAT;
  validationTime: string;
  policy: { id: string; description: Bilingual };
  document: { sha256: string; documentId: string | null; kind: string | null; number: string | null };
  /** The verifier's own verdict over everything, the ledger included. */
  verdict: PdfVerificationReport['verdict'];
  signatures: EtsiSignatureReport[];
  /** Checks about the document as a whole (structure, payload, ledger). */
  documentConstraints: EtsiConstraint[];
  validationObjects: ValidationObject[];
}

export type MainIndication = 'TOTAL-PASSED' | 'TOTAL-FAILED' | 'INDETERMINATE';

export interface EtsiSignatureReport {
  id: string;
  type: 'signature' | 'document-timestamp';
  fieldName: string | null;
  signer: { subject: string | null; partyId: string | null; name: string | null; legalId: string | null };
  indication: MainIndication;
  subIndication: string | null;
  /** What the indication means, in both languages. */
  explanation: Bilingual;
  /** What the signature claims (/M or signing-time): never evidence. */
  claimedSigningTime: string | null;
  /** The earliest time a trusted timestamp proves the signature existed (ETSI best-signature-time). */
  bestSignatureTime: string | null;
  constraints: EtsiConstraint[];
  /** Ids of the validation objects this signature's validation used. */
  validationObjects: string[];
}

export interface EtsiConstraint {
  check: string;
  status: Finding['status'];
  code: string;
  revision: number | null;
  text: Bilingual;
}

/** An ETSI TS 119 102-2 validation object: what was used, by content hash. */
export interface ValidationObject {
  id: string;
  type: 'certificate' | 'CRL' | 'OCSPResponse' | 'timestamp';
  sha256: string;
  /** Where it came from: the signature's CMS, its timestamp token, or the document's DSS. */
  source: 'signature' | 'timestamp' | 'dss';
  /** Subject, issuer or responder, and the time it speaks for. */
  description: string;
}

type Bilingual = { en: string; zh: string };

/** The objects each signature (by index) carries or the DSS names for it. */
export interface SignatureObjects {
  index: number;
  objects: Omit<ValidationObject, 'id'>[];
}

export const REPORT_FORMAT = 'sdx-etsi-ts-119-102-2-report/1';
export const VALIDATION_POLICY = {
  id: 'urn:sdx:validation-policy:pades-sdx:1',
  description: {
    en: 'PAdES baseline signatures (B-T to B-LTA) under the SDX change profile; certificates to the configured trust anchors; revocation from the configured CRLs and the document’s DSS',
    zh: 'PAdES 基线签名（B-T 至 B-LTA），遵循 SDX 修改规则；证书须链至所配置的信任锚；吊销状态取自所配置的 CRL 及文件内的 DSS',
  },
} as const;

const TOTAL_FAILED = new Set(['FORMAT_FAILURE', 'HASH_FAILURE', 'SIG_CRYPTO_FAILURE', 'REVOKED', 'EXPIRED', 'NOT_YET_VALID']);

/** EN 319 102-1 sub-indication of a finding code; the check decides where the code alone does not. */
const SUB_INDICATIONS: Record<string, string> = {
  'digest-mismatch': 'HASH_FAILURE',
  'timestamp-imprint-mismatch': 'HASH_FAILURE',
  'signature-invalid': 'SIG_CRYPTO_FAILURE',
  'timestamp-signature-invalid': 'SIG_CRYPTO_FAILURE',
  'certificate-revoked': 'REVOKED',
  'certificate-expired': 'EXPIRED',
  'certificate-not-yet-valid': 'NOT_YET_VALID',
  'out-of-bounds-no-poe': 'OUT_OF_BOUNDS_NO_POE',
  'chain-untrusted': 'NO_CERTIFICATE_CHAIN_FOUND',
  'unsupported-critical-extension': 'CHAIN_CONSTRAINTS_FAILURE',
  'key-usage-not-allowed': 'CHAIN_CONSTRAINTS_FAILURE',
  'signing-certificate-missing': 'NO_SIGNING_CERTIFICATE_FOUND',
  'signing-certificate-mismatch': 'NO_SIGNING_CERTIFICATE_FOUND',
  'signer-certificate-missing': 'NO_SIGNING_CERTIFICATE_FOUND',
  'crl-signature-invalid': 'TRY_LATER',
  'timestamp-in-future': 'TIMESTAMP_ORDER_FAILURE',
  'unsupported-digest-algorithm': 'CRYPTO_CONSTRAINTS_FAILURE',
  'weak-digest-algorithm': 'CRYPTO_CONSTRAINTS_FAILURE',
  'unsupported-signature-algorithm': 'CRYPTO_CONSTRAINTS_FAILURE',
  'signer-not-identified': 'SIG_CONSTRAINTS_FAILURE',
  'signer-not-issuer': 'SIG_CONSTRAINTS_FAILURE',
  'signer-not-allowed': 'SIG_CONSTRAINTS_FAILURE',
  'visible-change-after-signature': 'SIG_CONSTRAINTS_FAILURE',
};

function subIndicationOf(finding: Finding): string {
  const known = SUB_INDICATIONS[finding.code];
  if (known) return known;
  if (finding.status === 'error') return finding.check.endsWith('.revocation') ? 'TRY_LATER' : 'CERTIFICATE_CHAIN_GENERAL_FAILURE';
  // Format, byte range, SignerInfos, form field, changes after signing: the signed file is not what it must be.
  return 'FORMAT_FAILURE';
}

const EXPLANATIONS: Record<MainIndication, Bilingual> = {
  'TOTAL-PASSED': { en: 'every check of this signature holds', zh: '此签名的各项检查均通过' },
  'TOTAL-FAILED': { en: 'this signature is proven not to hold', zh: '已证明此签名无效' },
  INDETERMINATE: { en: 'this signature can be neither confirmed nor refuted with the evidence available', zh: '依据现有证据无法确认也无法否定此签名' },
};

/** The signature a finding is about: `signature[i].…` and `document.changes-after-signature[i]`. */
function signatureIndexOf(finding: Finding): number | undefined {
  const match = /^(?:signature|document\.changes-after-signature)\[(\d+)\]/.exec(finding.check);
  return match ? Number(match[1]) : undefined;
}

function constraintOf(finding: Finding): EtsiConstraint {
  const words = (lang: 'en' | 'zh-CN') => `${checkText(lang, finding.check)}${lang === 'en' ? ': ' : '：'}${findingText(lang, finding)}`;
  return { check: finding.check, status: finding.status, code: finding.code, revision: finding.revision ?? null, text: { en: words('en'), zh: words('zh-CN') } };
}

/** The indication of one signature from its required findings: the first that fails decides. */
function indicationOf(findings: readonly Finding[]): { indication: MainIndication; subIndication: string | null } {
  const deciding = findings.filter((f) => f.required && f.status !== 'valid');
  // A failure ETSI counts as proven outranks one that leaves the question open.
  const subs = deciding.map(subIndicationOf);
  const failed = subs.find((s) => TOTAL_FAILED.has(s));
  if (failed) return { indication: 'TOTAL-FAILED', subIndication: failed };
  if (subs[0]) return { indication: 'INDETERMINATE', subIndication: subs[0] };
  return { indication: 'TOTAL-PASSED', subIndication: null };
}

export function buildEtsiReport(input: {
  report: PdfVerificationReport;
  validationTime: Date;
  fileSha256: string;
  objects: readonly SignatureObjects[];
}): EtsiValidationReport {
  const { report } = input;
  const registry = new Map<string, ValidationObject>();
  const idOf = (object: Omit<ValidationObject, 'id'>): string => {
    const id = `${object.type}-${object.sha256.slice(0, 16)}`;
    if (!registry.has(id)) registry.set(id, { id, ...object });
    return id;
  };
  const signatures = report.signatures.map((summary): EtsiSignatureReport => {
    const own = report.findings.filter((f) => signatureIndexOf(f) === summary.index);
    const { indication, subIndication } = indicationOf(own);
    const objects = input.objects.find((o) => o.index === summary.index)?.objects ?? [];
    return {
      id: `signature[${summary.index}]`,
      type: summary.role === 'timestamp' ? 'document-timestamp' : 'signature',
      fieldName: summary.fieldName,
      signer: { subject: summary.signerSubject, partyId: summary.signerPartyId, name: summary.signerName, legalId: summary.signerLegalId },
      indication,
      subIndication,
      explanation: EXPLANATIONS[indication],
      claimedSigningTime: summary.signingTime,
      bestSignatureTime: summary.trustedTime,
      constraints: own.map(constraintOf),
      validationObjects: [...new Set(objects.map(idOf))].sort(),
    };
  });
  return {
    format: REPORT_FORMAT,
    validationTime: input.validationTime.toISOString(),
    policy: VALIDATION_POLICY,
    document: { sha256: input.fileSha256, documentId: report.document.documentId, kind: report.document.kind, number: report.document.number },
    verdict: report.verdict,
    signatures,
    documentConstraints: report.findings.filter((f) => signatureIndexOf(f) === undefined).map(constraintOf),
    validationObjects: [...registry.values()].sort((a, b) => a.id.localeCompare(b.id)),
  };
}

// ---------------------------------------------------------------------------------------------
// XML

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

function element(name: string, value: string | number | null, attributes: Record<string, string> = {}): string {
  const attrs = Object.entries(attributes).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  return value === null ? `<${name}${attrs}/>` : `<${name}${attrs}>${escapeXml(String(value))}</${name}>`;
}

function bilingual(name: string, text: Bilingual): string {
  return `${element(name, text.en, { 'xml:lang': 'en' })}${element(name, text.zh, { 'xml:lang': 'zh-CN' })}`;
}

function constraintXml(c: EtsiConstraint): string {
  const revision = c.revision === null ? {} : { revision: String(c.revision) };
  return `<Constraint check="${escapeXml(c.check)}" status="${c.status}" code="${escapeXml(c.code)}"${Object.entries(revision).map(([k, v]) => ` ${k}="${v}"`).join('')}>${bilingual('Text', c.text)}</Constraint>`;
}

/** The same report as XML (one element per field, in a fixed order), for tools that file XML. */
export function etsiReportXml(report: EtsiValidationReport): string {
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', `<ValidationReport format="${REPORT_FORMAT}">`];
  lines.push(`  ${element('ValidationTime', report.validationTime)}`);
  lines.push(`  <Policy id="${escapeXml(report.policy.id)}">${bilingual('Description', report.policy.description)}</Policy>`);
  const d = report.document;
  lines.push(`  <Document>${element('SHA256', d.sha256)}${element('DocumentId', d.documentId)}${element('Kind', d.kind)}${element('Number', d.number)}</Document>`);
  lines.push(`  ${element('Verdict', report.verdict)}`);
  for (const s of report.signatures) {
    lines.push(`  <SignatureValidationReport id="${escapeXml(s.id)}" type="${s.type}">`);
    lines.push(`    ${element('FieldName', s.fieldName)}`);
    lines.push(`    <Signer>${element('Subject', s.signer.subject)}${element('PartyId', s.signer.partyId)}${element('Name', s.signer.name)}${element('LegalId', s.signer.legalId)}</Signer>`);
    lines.push(`    <SignatureValidationStatus>${element('MainIndication', s.indication)}${element('SubIndication', s.subIndication)}${bilingual('Explanation', s.explanation)}</SignatureValidationStatus>`);
    lines.push(`    ${element('ClaimedSigningTime', s.claimedSigningTime)}`);
    lines.push(`    ${element('BestSignatureTime', s.bestSignatureTime)}`);
    for (const c of s.constraints) lines.push(`    ${constraintXml(c)}`);
    for (const id of s.validationObjects) lines.push(`    ${element('ValidationObjectRef', null, { ref: id })}`);
    lines.push('  </SignatureValidationReport>');
  }
  for (const c of report.documentConstraints) lines.push(`  ${constraintXml(c)}`);
  lines.push('  <SignatureValidationObjects>');
  for (const o of report.validationObjects) {
    lines.push(`    <ValidationObject id="${escapeXml(o.id)}" type="${o.type}" source="${o.source}">${element('SHA256', o.sha256)}${element('Description', o.description)}</ValidationObject>`);
  }
  lines.push('  </SignatureValidationObjects>', '</ValidationReport>');
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Signed by the service

/** The JWS `typ` of a signed report, so that no other record the service signs passes for one. */
export const REPORT_JWS_TYPE = 'sdx-validation-report+jws';

/** The report as a compact JWS over its RFC 8785 form, signed by `signer` (the log key) with its chain in x5c. */
export function signEtsiReport(report: EtsiValidationReport, signer: PartySigner): Promise<string> {
  return signCompactJws(report, signer, REPORT_JWS_TYPE);
}

/**
 * Opens a signed report: its signature must verify with the certificate it carries (`event-*`
 * errors otherwise). Whether that certificate is the service's is for the caller to decide.
 */
export function openEtsiReport(jws: string): { report: EtsiValidationReport; certificate: Uint8Array; chain: Uint8Array[] } {
  const opened = openCompactJws(jws.trim(), REPORT_JWS_TYPE);
  const body = opened.body as Partial<EtsiValidationReport> | null;
  if (!body || typeof body !== 'object' || body.format !== REPORT_FORMAT) throw new SdxError('event-malformed', `the signed record is not a ${REPORT_FORMAT} report`);
  return { report: body as EtsiValidationReport, certificate: opened.certificate, chain: opened.chain };
}
