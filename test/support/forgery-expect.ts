// Assertions shared by the forgery suites (library, HTTP, CLI): which finding a crafted attack must
// produce, and that the attacker's own signature is cryptographically sound (so a verdict of
// invalid is about the attack, not about a broken signature).
import { verifyPdf, type PdfVerificationReport } from '../../src/adapters/pdf/verify/verify-pdf';
import type { TrustMaterial } from '../../src/adapters/pki/certificate-validation';
import type { Finding } from '../../src/domain/verification/finding';
import { certsDevPath, certsDevTrust } from './certs-dev';
import { requireTool } from './external-tools';
import { nssDatabase, pdfsig } from './pdf-signature-tools';

let devTrust: TrustMaterial | undefined;

/** verifyPdf offline, now, trusting certs-dev (or `trust`). */
export function verifyOffline(pdf: Uint8Array, trust?: TrustMaterial): Promise<PdfVerificationReport> {
  devTrust ??= certsDevTrust();
  return verifyPdf(pdf, { trust: trust ?? devTrust, now: new Date() });
}

/** `check:code(status)@revision` of every finding that is not valid, for failure messages. */
export function problems(report: { findings: readonly Finding[] }): string[] {
  return report.findings
    .filter((f) => f.status !== 'valid' && f.status !== 'skipped')
    .map((f) => `${f.check}:${f.code}(${f.status})${f.revision === undefined ? '' : `@${f.revision}`}`);
}

export interface Expected {
  code: string | readonly string[];
  status?: Finding['status'];
  /** The revision the finding must name (counted by %%EOF from 0). */
  revision?: number;
  /** A regular expression the finding's check must match. */
  check?: RegExp;
}

/** The report has a finding with one of the codes (and status, revision, check as given). */
export function expectFinding(report: { verdict: string; findings: readonly Finding[] }, expected: Expected): Finding {
  const codes = typeof expected.code === 'string' ? [expected.code] : expected.code;
  const status = expected.status ?? 'invalid';
  const match = report.findings.find(
    (f) =>
      codes.includes(f.code) &&
      f.status === status &&
      (expected.check === undefined || expected.check.test(f.check)) &&
      (expected.revision === undefined || f.revision === expected.revision),
  );
  if (!match) {
    throw new Error(
      `expected a ${status} finding ${codes.join(' | ')}${expected.revision === undefined ? '' : ` @ revision ${expected.revision}`}` +
        `${expected.check ? ` on ${String(expected.check)}` : ''}; verdict ${report.verdict}, findings: ${JSON.stringify(problems(report))}`,
    );
  }
  return match;
}

export function expectNoFinding(report: { findings: readonly Finding[] }, code: string): void {
  expect(report.findings.filter((f) => f.code === code && f.status !== 'valid').map((f) => f.check)).toEqual([]);
}

/** The verdict, with the findings in the failure message. */
export function expectVerdict(report: { verdict: string; findings: readonly Finding[] }, verdict: 'valid' | 'invalid' | 'indeterminate'): void {
  if (report.verdict !== verdict) throw new Error(`expected verdict ${verdict}, got ${report.verdict}: ${JSON.stringify(problems(report))}`);
}

/** The verifier itself found signature `index`'s digest and signature value valid. */
export function expectSignatureCryptoValid(report: PdfVerificationReport, index: number): void {
  for (const part of ['digest', 'signature']) {
    const finding = report.findings.find((f) => f.check === `signature[${index}].${part}`);
    expect(`${finding?.check}:${finding?.status}`).toBe(`signature[${index}].${part}:valid`);
  }
}

let nss: string | undefined;

/**
 * poppler's pdfsig (an outside implementation) calls the LAST signature's digest and signature
 * valid; skipped with a printed reason when pdfsig or certutil is missing (not in CI).
 */
export function expectLastSignatureSoundInPdfsig(pdf: Uint8Array): void {
  if (!requireTool('pdfsig') || !requireTool('certutil')) return;
  nss ??= nssDatabase(certsDevPath('root-ca.pem'));
  // pdfsig lists every signature field, empty ones too (an attacker's added field may come last).
  const signatures = pdfsig(nss, pdf).filter((s) => !s.text.includes('is not signed'));
  const last = signatures.find((s) => s.totalDocumentSigned) ?? signatures[signatures.length - 1];
  if (!last?.valid) throw new Error(`pdfsig does not call the last signature valid:\n${last?.text ?? 'no signature found'}`);
}
