import type { PassRefusalCode } from '../gate/gate-pass';
import type { PeerRequestFailure } from '../federation/peer-request';

/**
 * Every failure SDX reports carries a stable string `code`. Codes are published: once a code is
 * released its meaning never changes; a new failure gets a new code.
 */
export type ErrorCode =
  | 'validation-failed'
  | 'forbidden-character'
  | 'not-canonicalizable'
  | 'unknown-document-kind'
  | 'store-conflict'
  | 'store-unavailable'
  | 'store-corrupt'
  | 'store-schema-too-new'
  | 'not-found'
  | 'render-assets-invalid'
  | 'render-input-invalid'
  | 'precondition-failed'
  | 'concurrent-update'
  | 'idempotency-key-reused'
  | 'unsupported-pdf-structure'
  | 'signature-too-large'
  | 'signature-field-exists'
  | 'signature-field-filled'
  | 'page-not-found'
  | 'event-malformed'
  | 'event-signature-invalid'
  | 'event-alg-mismatch'
  | 'tree-head-invalid'
  | 'log-integrity-failed'
  | 'busy'
  | 'pdf-worker-failed'
  | 'pdf-pool-closed'
  | 'already-delivered'
  | 'webhook-url-invalid'
  | 'upload-quota'
  | 'blob-too-large'
  | 'webhook-destination-forbidden'
  | 'dcsa-carrier-code-missing'
  | PeerRequestFailure
  | 'pint-party-unknown'
  | 'peer-unavailable'
  | KeyStoreErrorCode
  | TimestampErrorCode
  | 'revocation-unavailable'
  | MerkleErrorCode
  | PassRefusalCode
  | RefusalCode;

/**
 * Why a party's signing key could not be used. `signer-revoked`: every certificate the party may
 * otherwise sign with is on a trusted CRL; `signer-expired`: none is within its validity dates.
 */
export type KeyStoreErrorCode =
  | 'key-not-found'
  | 'key-record-invalid'
  | 'key-unseal-failed'
  | 'key-certificate-mismatch'
  | 'master-key-invalid'
  | 'signer-revoked'
  | 'signer-expired';

/** Why a time-stamping authority gave no token. */
export type TimestampErrorCode = 'tsa-unavailable' | 'tsa-rejected' | 'tsa-response-invalid';

/**
 * Why the audit log's Merkle tree refused a request: an index or size outside the tree, a frontier
 * that does not belong to the stated size, a hash that is not 32 bytes, or a node its storage
 * should hold but does not.
 */
export type MerkleErrorCode =
  | 'merkle-range-invalid'
  | 'merkle-frontier-invalid'
  | 'merkle-hash-invalid'
  | 'merkle-node-missing';

/** Why a lifecycle action or an issuance is refused. */
export type RefusalCode =
  | 'unknown-action'
  | 'already-released'
  | 'document-closed'
  | 'invalid-state-transition'
  | 'not-holder'
  | 'not-issuer'
  | 'not-presentee'
  | 'not-facility-operator'
  | 'not-haulier'
  | 'not-addressee'
  | 'read-only-party'
  | 'auditor-only'
  | 'system-only'
  | 'issuer-role-not-allowed'
  | 'issuer-not-named-in-payload'
  | 'target-required'
  | 'target-is-holder'
  | 'target-role-not-allowed'
  | 'wrong-terminal'
  | 'not-yet-expired'
  | 'eir-not-yet-valid'
  | 'eir-validity-ended'
  | 'guarantee-not-found'
  | 'guarantee-not-accepted'
  | 'guarantee-bl-mismatch'
  | 'guarantee-already-used'
  | 'guarantee-wrong-agent'
  | 'held-elsewhere';

/**
 * What kind of failure a refusal is, so that outer layers can map it without knowing every code:
 * `conflict` the document's state does not allow it now, `forbidden` the actor may not do it,
 * `invalid` the request itself is wrong.
 */
export type RefusalCategory = 'conflict' | 'forbidden' | 'invalid';

const refusalCodeSet = {
  'unknown-action': true,
  'already-released': true,
  'document-closed': true,
  'invalid-state-transition': true,
  'not-holder': true,
  'not-issuer': true,
  'not-presentee': true,
  'not-facility-operator': true,
  'not-haulier': true,
  'not-addressee': true,
  'read-only-party': true,
  'auditor-only': true,
  'system-only': true,
  'issuer-role-not-allowed': true,
  'issuer-not-named-in-payload': true,
  'target-required': true,
  'target-is-holder': true,
  'target-role-not-allowed': true,
  'wrong-terminal': true,
  'not-yet-expired': true,
  'eir-not-yet-valid': true,
  'eir-validity-ended': true,
  'guarantee-not-found': true,
  'guarantee-not-accepted': true,
  'guarantee-bl-mismatch': true,
  'guarantee-already-used': true,
  'held-elsewhere': true,
  'guarantee-wrong-agent': true,
} as const satisfies Record<RefusalCode, true>;

const otherErrorCodeSet = {
  'validation-failed': true,
  'forbidden-character': true,
  'not-canonicalizable': true,
  'unknown-document-kind': true,
  'store-conflict': true,
  'store-unavailable': true,
  'store-corrupt': true,
  'store-schema-too-new': true,
  'not-found': true,
  'render-assets-invalid': true,
  'render-input-invalid': true,
  'precondition-failed': true,
  'concurrent-update': true,
  'idempotency-key-reused': true,
  'unsupported-pdf-structure': true,
  'signature-too-large': true,
  'signature-field-exists': true,
  'signature-field-filled': true,
  'page-not-found': true,
  'event-malformed': true,
  'event-signature-invalid': true,
  'event-alg-mismatch': true,
  'tree-head-invalid': true,
  'log-integrity-failed': true,
  busy: true,
  'pdf-worker-failed': true,
  'pdf-pool-closed': true,
  'already-delivered': true,
  'webhook-url-invalid': true,
  'upload-quota': true,
  'blob-too-large': true,
  'webhook-destination-forbidden': true,
  'dcsa-carrier-code-missing': true,
  'peer-credentials-missing': true,
  'peer-unknown': true,
  'peer-signature-invalid': true,
  'peer-request-invalid': true,
  'peer-request-replayed': true,
  'pint-party-unknown': true,
  'peer-unavailable': true,
  'key-not-found': true,
  'key-record-invalid': true,
  'key-unseal-failed': true,
  'key-certificate-mismatch': true,
  'master-key-invalid': true,
  'signer-revoked': true,
  'signer-expired': true,
  'tsa-unavailable': true,
  'tsa-rejected': true,
  'tsa-response-invalid': true,
  'revocation-unavailable': true,
  'merkle-range-invalid': true,
  'merkle-frontier-invalid': true,
  'merkle-hash-invalid': true,
  'merkle-node-missing': true,
  'pass-invalid': true,
  'pass-unknown-key': true,
  'pass-key-retired': true,
  'pass-lifetime-too-long': true,
  'pass-expired': true,
  'pass-not-yet-valid': true,
  'pass-window-not-started': true,
  'pass-window-ended': true,
  'pass-wrong-facility': true,
} as const satisfies Record<Exclude<ErrorCode, RefusalCode>, true>;

/** Every refusal code, at run time (the compiler checks the list against `RefusalCode`). */
export const refusalCodes: readonly RefusalCode[] = Object.keys(refusalCodeSet) as RefusalCode[];

/** Every error code, refusals included, at run time (the compiler checks the list against `ErrorCode`). */
export const errorCodes: readonly ErrorCode[] = [...(Object.keys(otherErrorCodeSet) as ErrorCode[]), ...refusalCodes];

export class SdxError extends Error {
  override readonly name: string = 'SdxError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One problem found in an input, located by its field path (e.g. `containers[0].number`). */
export interface ValidationIssue {
  path: string;
  code: string;
  message: string;
  /**
   * The values a message in another language needs (`minimum`, `maximum`, `origin`, `expected`,
   * `format`, the container `number`), for views that say the issue in their own words. Not part of
   * the API's answer, which keeps path, code and message.
   */
  params?: IssueParams;
}

export type IssueParams = Readonly<Record<string, string | number | boolean>>;

/**
 * `forbidden-character` when any issue is one (a direction control, an invisible or a control
 * character in some text field: see text.ts), whatever else is wrong, so a client can tell deceptive
 * text from a mistake by the code alone; `validation-failed` otherwise. `issues` lists every issue
 * either way.
 */
export class ValidationError extends SdxError {
  override readonly name = 'ValidationError';
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(issues.some((issue) => issue.code === 'forbidden-character') ? 'forbidden-character' : 'validation-failed', summarise(issues));
  }
}

function summarise(issues: readonly ValidationIssue[]): string {
  const first = issues[0];
  if (!first) return 'input is invalid';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${first.path || '(root)'}: ${first.message}${more}`;
}

export class RefusalError extends SdxError {
  override readonly name = 'RefusalError';
  constructor(
    readonly refusal: Refusal,
  ) {
    super(refusal.code, refusal.message);
  }
}

export interface Refusal {
  code: RefusalCode;
  category: RefusalCategory;
  message: string;
  /** Values the message names, for its translations (e.g. `validUntil`, `guaranteeId`). */
  params?: Readonly<Record<string, string>>;
}
