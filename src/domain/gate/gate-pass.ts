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
  /** Not before: an EIR's validity start, when it is later than `iat`. */
  nbf?: number;
  /** The party whose gate the document passes: an EIR's facility operator, a D/O's pick-up terminal. */
  f?: string;
  /** An EIR's truck plate. */
  p?: string;
  /** The (first) container number, so the clerk can match the box without going online. */
  c?: string;
}

export const PAYLOAD_HASH_PREFIX_LENGTH = 16;

/** How long a pass lives at most; a longer one was not made by this service's rules. */
export const PASS_LIFETIME_SECONDS = 24 * 3600;

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
  const allowed = new Set(['d', 'k', 's', 'h', 'o', 'iat', 'exp', 'nbf', 'f', 'p', 'c']);
  if (Object.keys(body).some((key) => !allowed.has(key))) return undefined;
  const { d, k, s, h, o, iat, exp, nbf, f, p, c } = body;
  const kinds: readonly unknown[] = Object.values(passKinds);
  if (!isShortText(d, 64) || !kinds.includes(k) || !isSeconds(s) || s < 1 || !isShortText(o, 64)) return undefined;
  if (typeof h !== 'string' || !/^[0-9a-f]{16}$/.test(h) || !isSeconds(iat) || !isSeconds(exp) || exp <= iat) return undefined;
  if ((p !== undefined && !isShortText(p, 16)) || (c !== undefined && !isShortText(c, 16))) return undefined;
  if ((nbf !== undefined && (!isSeconds(nbf) || nbf >= exp)) || (f !== undefined && !isShortText(f, 64))) return undefined;
  return {
    d,
    k: k as PassKindCode,
    s,
    h,
    o,
    iat,
    exp,
    ...(nbf !== undefined ? { nbf } : {}),
    ...(f !== undefined ? { f } : {}),
    ...(p !== undefined ? { p } : {}),
    ...(c !== undefined ? { c } : {}),
  };
}

/** A pass's JWS header: exactly these members. */
export interface PassHeader {
  alg: 'ES256';
  kid: string;
}

/**
 * The header of a pass, or undefined when it is not one this service writes. `crit` lists extensions
 * a reader must understand or refuse (RFC 7515 §4.1.11); passes use none, so a header carrying it,
 * or any member besides `alg` and `kid`, is refused.
 */
export function parsePassHeader(header: unknown): PassHeader | undefined {
  if (!isRecord(header) || Object.keys(header).some((key) => key !== 'alg' && key !== 'kid')) return undefined;
  return header['alg'] === 'ES256' && isShortText(header['kid'], 64) ? { alg: 'ES256', kid: header['kid'] } : undefined;
}

/** The order n of the P-256 group: an ECDSA signature (r, s) and its twin (r, n - s) both verify. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function unsignedOf(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * Whether a raw (r ‖ s, 64 bytes) P-256 signature is in low-S form (s ≤ n/2). Only that one of the
 * two equivalent signatures is accepted, so a pass has exactly one valid encoding.
 */
export function isLowS(signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const r = unsignedOf(signature.subarray(0, 32));
  const s = unsignedOf(signature.subarray(32));
  return r > 0n && r < P256_ORDER && s > 0n && s <= P256_ORDER >> 1n;
}

/** The low-S twin of a raw P-256 signature (itself when already low-S). */
export function toLowS(signature: Uint8Array): Uint8Array {
  const s = unsignedOf(signature.subarray(32, 64));
  if (signature.length !== 64 || s <= P256_ORDER >> 1n) return signature;
  const low = new Uint8Array(64);
  low.set(signature.subarray(0, 32));
  let rest = P256_ORDER - s;
  for (let i = 63; i >= 32; i -= 1) {
    low[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return low;
}

/** Plates are compared without spaces, dots and dashes, and case-blind (沪A·D12345 = 沪AD12345). */
export function normalisePlate(plate: string): string {
  return plate.normalize('NFKC').replace(/[\s·.\-_]/g, '').toUpperCase();
}

/** A name in English, and in Chinese where the document gives one. */
export interface GateName {
  en: string;
  zh: string | null;
}

/** What the gate clerk sees beside a verdict (`/gate/facts/<token>`): the document's own words, read by a party taking part in it. */
export interface GateFacts {
  kind: PassDocumentKind;
  /** The business number (EIR, D/O or guarantee number), never the SDX id. */
  number: string;
  direction: 'IN' | 'OUT' | null;
  containers: { number: string; sizeType: string | null }[];
  seals: string[];
  truckPlate: string | null;
  /** The EIR's haulier; for a D/O, the haulier holding it now. */
  haulier: GateName | null;
  facility: GateName | null;
}

/** What the server says about the document now; only a valid pass's bearer gets it. */
export interface LiveStatus {
  found: boolean;
  status?: string;
  seq?: number;
  /** Whether the party the pass names still holds the document. */
  holderUnchanged?: boolean;
  /**
   * Whether the document is still at the pass's sequence and payload hash: any event since (a
   * transfer and back, a presentation) makes the pass stale, even with the same holder again.
   */
  current?: boolean;
}

export type VerdictReason =
  | 'malformed'
  | 'unknown-key'
  | 'key-retired'
  | 'signature-invalid'
  | 'expired'
  | 'not-yet-valid'
  | 'lifetime-too-long'
  | 'window-not-started'
  | 'window-ended'
  | 'wrong-facility'
  | 'wrong-plate'
  | 'plate-not-checked'
  | 'not-found'
  | 'holder-changed'
  | 'outdated'
  | 'released'
  | 'already-used'
  | 'voided'
  | 'superseded'
  | 'closed'
  | 'not-a-gate-document'
  | 'refused'
  | 'offline';

/**
 * The codes with which the service refuses a pass at `/v/<token>/status`, and the reason each one
 * shows at the gate. A code not listed here (a newer service) still turns the verdict red: `refused`.
 */
export const passRefusals = {
  'pass-invalid': 'signature-invalid',
  'pass-unknown-key': 'unknown-key',
  'pass-key-retired': 'key-retired',
  'pass-lifetime-too-long': 'lifetime-too-long',
  'pass-expired': 'expired',
  'pass-not-yet-valid': 'not-yet-valid',
  'pass-window-not-started': 'window-not-started',
  'pass-window-ended': 'window-ended',
  'pass-wrong-facility': 'wrong-facility',
} as const satisfies Record<string, VerdictReason>;
export type PassRefusalCode = keyof typeof passRefusals;

export function reasonForRefusal(code: string): VerdictReason {
  return Object.hasOwn(passRefusals, code) ? passRefusals[code as PassRefusalCode] : 'refused';
}

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

/** The outcome of checking a pass's signature against the trusted pass keys. */
export type SignatureOutcome = 'valid' | 'invalid' | 'unknown-key' | 'key-retired';

export interface VerdictInput {
  /** Undefined when the token could not be read at all. */
  claims: PassClaims | undefined;
  signature: SignatureOutcome;
  /** Seconds since the epoch: the server's time when it answered, else the gate's own best guess. */
  now: number;
  /** The plate the clerk sees on the truck, when typed. */
  presentedPlate?: string;
  /** The party whose gate this is (a signed-in terminal's or depot's clerk); none on the public pass page. */
  gateParty?: string;
  /** The live status, when the server answered it (none offline or when it refused the pass). */
  live?: LiveStatus;
  /** The code with which the server refused the pass (any 4xx). */
  refused?: string;
}

/** A few minutes either way for phones whose clocks drift. */
export const CLOCK_SKEW_SECONDS = 300;

/** What is wrong with a pass's times at `now`, allowing `skew` seconds of clock drift. */
export function passTimeProblems(claims: PassClaims, now: number, skew: number): VerdictReason[] {
  const problems: VerdictReason[] = [];
  if (claims.exp - claims.iat > PASS_LIFETIME_SECONDS) problems.push('lifetime-too-long');
  if (now > claims.exp + skew) problems.push('expired');
  if (now < claims.iat - skew) problems.push('not-yet-valid');
  else if (claims.nbf !== undefined && now < claims.nbf - skew) problems.push('window-not-started');
  return problems;
}

/** Statuses under which a document may pass the gate; any other is red with its reason. */
const passable: Record<PassDocumentKind, readonly string[]> = {
  eir: ['issued'],
  // A rejected presentation returns the D/O to its holder, who may present it again.
  'delivery-order': ['issued', 'transferred', 'presented', 'presentation-rejected'],
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

const signatureReasons: Record<Exclude<SignatureOutcome, 'valid'>, VerdictReason> = {
  invalid: 'signature-invalid',
  'unknown-key': 'unknown-key',
  'key-retired': 'key-retired',
};

function liveReasons(kind: PassDocumentKind, live: LiveStatus): VerdictReason[] {
  if (!live.found) return ['not-found'];
  const reasons: VerdictReason[] = [];
  if (live.status !== undefined && kind !== 'telex-release-guarantee' && !passable[kind].includes(live.status)) reasons.push(reasonForStatus(live.status));
  if (live.holderUnchanged === false) reasons.push('holder-changed');
  if (reasons.length === 0 && live.current === false) reasons.push('outdated');
  return reasons;
}

/**
 * The gate's verdict on a pass: red when anything is wrong (the server's refusal included); amber
 * when nothing is wrong but something was not checked (the truck's plate, for a pass that names one,
 * or the live status, offline); green only when everything was checked and holds.
 */
export function gateVerdict(input: VerdictInput): Verdict {
  const { claims } = input;
  if (!claims) return { colour: 'red', reasons: ['malformed'] };
  if (input.signature !== 'valid') return { colour: 'red', reasons: [signatureReasons[input.signature]] };
  const kind = kindOfPass(claims.k);
  const plate = plateCheck(claims.p, input.presentedPlate);
  const found: VerdictReason[] = [
    ...(kind === 'telex-release-guarantee' ? (['not-a-gate-document'] as const) : []),
    ...(input.refused !== undefined ? [reasonForRefusal(input.refused)] : []),
    ...passTimeProblems(claims, input.now, CLOCK_SKEW_SECONDS),
    ...(input.gateParty !== undefined && claims.f !== input.gateParty ? (['wrong-facility'] as const) : []),
    ...(plate === 'mismatch' ? (['wrong-plate'] as const) : []),
    ...(input.live ? liveReasons(kind, input.live) : []),
  ];
  const reasons = [...new Set(found)];
  if (reasons.length > 0) return { colour: 'red', reasons };
  const answered = input.live !== undefined || input.refused !== undefined;
  const unchecked: VerdictReason[] = [...(plate === 'unchecked' ? (['plate-not-checked'] as const) : []), ...(answered ? [] : (['offline'] as const))];
  return unchecked.length > 0 ? { colour: 'amber', reasons: unchecked } : { colour: 'green', reasons: [] };
}
