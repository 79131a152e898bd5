// Verifications stopped from outside the verifier (a time or memory limit, a worker that died), and
// which findings mean the input could not be verified at all: shared by both ways of bounding one.
import type { Finding, VerificationReport } from '../../../domain/verification/finding';
import { finish, NO_DOCUMENT, type PdfVerificationReport } from '../../../domain/verification/pdf-report';
import { PDF_LIMIT_CODES } from './verify-limits';

/** Wall-clock time one verification may take, on a worker or on the caller's thread. */
export const DEFAULT_VERIFY_TIME_LIMIT_MS = 10_000;

/** Finding codes of a verification stopped from outside; the check is `document.verification`. */
export type StoppedVerificationCode = 'verification-timed-out' | 'verification-out-of-memory' | 'verification-failed';

export function timedOutMessage(timeLimitMs: number): string {
  return `verification stopped after ${timeLimitMs} ms; the document is too complex to verify`;
}

/** The report of a verification stopped from outside the verifier. */
export function stoppedReport(code: StoppedVerificationCode, message: string): PdfVerificationReport {
  const finding: Finding = { check: 'document.verification', status: code === 'verification-failed' ? 'error' : 'invalid', code, message, required: true };
  return finish([finding], [], NO_DOCUMENT, 'not-checked');
}

const UNUSABLE_INPUT_CODES: ReadonlySet<string> = new Set(['not-a-pdf', 'malformed-pdf', ...PDF_LIMIT_CODES, 'verification-timed-out', 'verification-out-of-memory']);

/**
 * The finding that says the input could not be verified at all: not a PDF, a structure that cannot
 * be read, or one beyond the verifier's limits. Undefined when the document was read and judged.
 */
export function unusableInputFinding(verification: VerificationReport): Finding | undefined {
  return verification.findings.find(
    (f) => f.status === 'invalid' && (f.check === 'document.parse' || f.check === 'document.verification') && UNUSABLE_INPUT_CODES.has(f.code),
  );
}
