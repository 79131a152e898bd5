/**
 * What a verifier reports: one finding per check, never an exception for a bad document. A check
 * that could not run says `error` (something failed inside the check) or `skipped` (it did not apply
 * or was not asked for); `indeterminate` means the check held but a person must look (a new
 * appearance drawn after a signature on a document whose rules allow it); only `valid` counts
 * towards a valid verdict.
 */
export type FindingStatus = 'valid' | 'invalid' | 'indeterminate' | 'error' | 'skipped';

export interface Finding {
  /** Which check, e.g. `signature[0].digest`, `signature[1].chain`, `document.changes-after-signature`. */
  check: string;
  status: FindingStatus;
  /** Stable code, e.g. `digest-mismatch`, `byte-range-not-covering-file`; `ok` for a valid finding. */
  code: string;
  message: string;
  /** A required finding must be valid for the verdict to be valid; informational ones never fail it. */
  required: boolean;
  /** The PDF revision (counted by `%%EOF` markers, from 0) the finding is about, when it is about one. */
  revision?: number;
}

/**
 * valid: every required check holds. indeterminate: nothing is broken, but something a person must
 * look at (exit 3). invalid: forged, changed or not verifiable (exit 1).
 */
export type Verdict = 'valid' | 'indeterminate' | 'invalid';

export interface VerificationReport {
  verdict: Verdict;
  findings: Finding[];
}

/**
 * The verdict: invalid when any required finding is invalid, an error or skipped; otherwise
 * indeterminate when any is indeterminate; valid only when every required finding is valid and
 * there is at least one.
 */
export function verdictOf(findings: readonly Finding[]): Verdict {
  const required = findings.filter((f) => f.required);
  if (required.length === 0) return 'invalid';
  if (required.some((f) => f.status !== 'valid' && f.status !== 'indeterminate')) return 'invalid';
  return required.some((f) => f.status === 'indeterminate') ? 'indeterminate' : 'valid';
}

export function report(findings: Finding[]): VerificationReport {
  return { verdict: verdictOf(findings), findings };
}
