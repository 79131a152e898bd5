/**
 * What a verifier reports: one finding per check, never an exception for a bad document. A check
 * that could not run says `error` (something failed inside the check) or `skipped` (it did not apply
 * or was not asked for); only `valid` counts towards a valid verdict.
 */
export type FindingStatus = 'valid' | 'invalid' | 'error' | 'skipped';

export interface Finding {
  /** Which check, e.g. `signature[0].digest`, `signature[1].chain`, `document.changes-after-signature`. */
  check: string;
  status: FindingStatus;
  /** Stable code, e.g. `digest-mismatch`, `byte-range-not-covering-file`; `ok` for a valid finding. */
  code: string;
  message: string;
  /** A required finding must be valid for the verdict to be valid; informational ones never fail it. */
  required: boolean;
}

export interface VerificationReport {
  verdict: 'valid' | 'invalid';
  findings: Finding[];
}

/** The verdict: valid only when every required finding is valid and there is at least one. */
export function verdictOf(findings: readonly Finding[]): VerificationReport['verdict'] {
  const required = findings.filter((f) => f.required);
  return required.length > 0 && required.every((f) => f.status === 'valid') ? 'valid' : 'invalid';
}

export function report(findings: Finding[]): VerificationReport {
  return { verdict: verdictOf(findings), findings };
}
