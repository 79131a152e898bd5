/**
 * The gate pass: what a document's QR code carries (as a compact JWS signed by SDX) and the rule a
 * gate applies to it. This module has no imports because the browser runs it too (the gate page
 * checks passes offline), compiled from this same file.
 */

/** Short kind codes keep the QR small. */
export const passKinds = { eir: 'e', 'delivery-order': 'd', 'telex-release-guarantee': 'g' } as const;
export type PassKindCode = (typeof passKinds)[keyof typeof passKinds];
export type PassDocumentKind = keyof typeof passKinds;

/** Claim names are one or two letters for the same reason. */
export interface PassClaims {
  /** Document id. */
  d: string;
  k: PassKindCode;
  /** The document's event sequence number when the pass was made. */
  s: number;
  /** First 16 hex digits of the payload hash: enough to match the PDF, short enough for the QR. */
  h: string;
  /** The holder's party id when the pass was made. */
  o: string;
  /** Issued at / expires at, seconds since the epoch. */
  iat: number;
  exp: number;
  /** An EIR's truck plate. */
  p?: string;
  /** The (first) container number, so the clerk can match the box without going online. */
  c?: string;
}

export const PAYLOAD_HASH_PREFIX_LENGTH = 16;

export function kindOfPass(code: PassKindCode): PassDocumentKind {
  const entry = Object.entries(passKinds).find(([, c]) => c === code);
  return (entry?.[0] ?? 'eir') as PassDocumentKind;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isShortText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;
const isSeconds = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The claims of a pass body, or undefined when any is missing, mistyped or unknown. */
export function parsePassClaims(body: unknown): PassClaims | undefined {
  if (!isRecord(body)) return undefined;
  const allowed = new Set(['d', 'k', 's', 'h', 'o', 'iat', 'exp', 'p', 'c']);
  if (Object.keys(body).some((key) => !allowed.has(key))) return undefined;
  const { d, k, s, h, o, iat, exp, p, c } = body;
  const kinds: readonly unknown[] = Object.values(passKinds);
  if (!isShortText(d, 64) || !kinds.includes(k) || !isSeconds(s) || s < 1 || !isShortText(o, 64)) return undefined;
  if (typeof h !== 'string' || !/^[0-9a-f]{16}$/.test(h) || !isSeconds(iat) || !isSeconds(exp) || exp <= iat) return undefined;
  if ((p !== undefined && !isShortText(p, 16)) || (c !== undefined && !isShortText(c, 16))) return undefined;
  return { d, k: k as PassKindCode, s, h, o, iat, exp, ...(p !== undefined ? { p } : {}), ...(c !== undefined ? { c } : {}) };
}

/** Plates are compared without spaces, dots and dashes, and case-blind (沪A·D12345 = 沪AD12345). */
export function normalisePlate(plate: string): string {
  return plate.normalize('NFKC').replace(/[\s·.\-_]/g, '').toUpperCase();
}

/** What the server says about the document now; only a valid pass's bearer gets it. */
export interface LiveStatus {
  found: boolean;
  status?: string;
  seq?: number;
  /** Whether the party the pass names still holds the document. */
  holderUnchanged?: boolean;
}

export type VerdictReason =
  | 'malformed'
  | 'unknown-key'
  | 'signature-invalid'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-plate'
  | 'plate-not-checked'
  | 'not-found'
  | 'holder-changed'
  | 'released'
  | 'already-used'
  | 'voided'
  | 'superseded'
  | 'closed'
  | 'not-a-gate-document'
  | 'offline';

export type VerdictColour = 'green' | 'amber' | 'red';

export interface Verdict {
  colour: VerdictColour;
  /** Why, most important first; empty for a clean green. */
  reasons: VerdictReason[];
}

/** How the plate typed at the gate compares with the pass's: no plate on the pass (a D/O) is `none`. */
export type PlateCheck = 'match' | 'mismatch' | 'unchecked' | 'none';

export function plateCheck(passPlate: string | undefined, presentedPlate: string | undefined): PlateCheck {
  if (passPlate === undefined) return 'none';
  const typed = presentedPlate?.trim();
  if (!typed) return 'unchecked';
  return normalisePlate(typed) === normalisePlate(passPlate) ? 'match' : 'mismatch';
}

export interface VerdictInput {
  /** Undefined when the token could not be read at all. */
  claims: PassClaims | undefined;
  /** The outcome of checking the token's signature against the trusted pass keys. */
  signature: 'valid' | 'invalid' | 'unknown-key';
  /** Seconds since the epoch. */
  now: number;
  /** The plate the clerk sees on the truck, when typed. */
  presentedPlate?: string;
  /** Undefined when the status could not be fetched (offline). */
  live?: LiveStatus;
}

/** A few minutes either way for phones whose clocks drift. */
const CLOCK_SKEW_SECONDS = 300;

/** Statuses under which a document may pass the gate; any other is red with its reason. */
const passable: Record<PassDocumentKind, readonly string[]> = {
  eir: ['issued'],
  'delivery-order': ['issued', 'transferred', 'presented'],
  'telex-release-guarantee': [],
};

/** Whether a document of this kind may still pass a gate in this status (a pass for it could be green). */
export function mayPassGate(kind: PassDocumentKind, status: string): boolean {
  return passable[kind].includes(status);
}

function reasonForStatus(status: string): VerdictReason {
  switch (status) {
    case 'released':
      return 'released';
    case 'gate-recorded':
    case 'countersigned':
      return 'already-used';
    case 'voided':
      return 'voided';
    case 'superseded':
      return 'superseded';
    default:
      return 'closed';
  }
}

/**
 * The gate's verdict on a pass: red when anything is wrong; amber when nothing is wrong but something
 * was not checked (the truck's plate, for a pass that names one, or the live status, offline);
 * green only when everything was checked and holds.
 */
export function gateVerdict(input: VerdictInput): Verdict {
  const { claims } = input;
  if (!claims) return { colour: 'red', reasons: ['malformed'] };
  if (input.signature !== 'valid') return { colour: 'red', reasons: [input.signature === 'unknown-key' ? 'unknown-key' : 'signature-invalid'] };
  const reasons: VerdictReason[] = [];
  const kind = kindOfPass(claims.k);
  if (kind === 'telex-release-guarantee') reasons.push('not-a-gate-document');
  if (input.now > claims.exp + CLOCK_SKEW_SECONDS) reasons.push('expired');
  if (input.now < claims.iat - CLOCK_SKEW_SECONDS) reasons.push('not-yet-valid');
  const plate = plateCheck(claims.p, input.presentedPlate);
  if (plate === 'mismatch') reasons.push('wrong-plate');
  const { live } = input;
  if (live) {
    if (!live.found) reasons.push('not-found');
    else {
      if (live.status !== undefined && kind !== 'telex-release-guarantee' && !passable[kind].includes(live.status)) {
        reasons.push(reasonForStatus(live.status));
      }
      if (live.holderUnchanged === false) reasons.push('holder-changed');
    }
  }
  if (reasons.length > 0) return { colour: 'red', reasons };
  const unchecked: VerdictReason[] = [...(plate === 'unchecked' ? (['plate-not-checked'] as const) : []), ...(live ? [] : (['offline'] as const))];
  return unchecked.length > 0 ? { colour: 'amber', reasons: unchecked } : { colour: 'green', reasons: [] };
}
