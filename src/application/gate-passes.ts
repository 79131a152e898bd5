import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { platformJwk } from '../domain/federation/compact-jws';
import { documentFacts } from './document-facts';
import type { StoredDocument } from './ports/store.port';
import { participantsOf } from '../domain/document/document';
import {
  CLOCK_SKEW_SECONDS,
  PASS_LIFETIME_SECONDS,
  PAYLOAD_HASH_PREFIX_LENGTH,
  isLowS,
  passRefusals,
  passTimeProblems,
  parsePassClaims,
  parsePassHeader,
  passKinds,
  toLowS,
  type LiveStatus,
  type PassClaims,
  type PassRefusalCode,
  type SignatureOutcome,
  type VerdictReason,
} from '../domain/gate/gate-pass';

/**
 * Gate passes: compact JWS (ES256, low-S) over a document's pass claims, signed by the deployment's
 * pass key. Unlike events they carry no certificate (`x5c` would not fit a QR a phone reads at arm's
 * length); gates trust the keys the service publishes at /pass-keys.json and cache them offline.
 */
export interface PassKeyJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
  /** A retired key: seconds since the epoch from which it signs nothing; passes it made later are refused. */
  retired?: number;
}

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

const publicKeyOf = (key: KeyObject) => (key.type === 'public' ? key : createPublicKey(key));

/** An older pass key: it verifies only passes issued before `retiredAt`. */
export interface RetiredPassKey {
  key: KeyObject;
  retiredAt: Date;
}

export interface PassKeys {
  /** The key that signs new passes. */
  signing: KeyObject;
  /** Older (public) keys whose passes may still be in circulation; never used to sign. */
  retired?: readonly RetiredPassKey[];
}

/** The facility whose gate a document passes: an EIR's operator, a D/O's pick-up terminal. */
function facilityOf(stored: StoredDocument): string | undefined {
  const role = stored.state.kind === 'eir' ? 'facility-operator' : stored.state.kind === 'delivery-order' ? 'pickup-terminal' : undefined;
  return role ? participantsOf(stored.state, role)[0] : undefined;
}

const seconds = (iso: string | null) => (iso ? Math.floor(Date.parse(iso) / 1000) : undefined);

interface VerifyingKey {
  key: KeyObject;
  /** Seconds since the epoch; passes issued at or after it are refused. */
  retiredAt?: number;
}

export class GatePasses {
  private readonly signingKey: KeyObject;
  private readonly signingKid: string;
  private readonly published: PassKeyJwk[];
  private readonly verifying: Map<string, VerifyingKey>;

  constructor(keys: PassKeys) {
    this.signingKey = keys.signing;
    const all: VerifyingKey[] = [
      { key: publicKeyOf(keys.signing) },
      ...(keys.retired ?? []).map((r) => ({ key: publicKeyOf(r.key), retiredAt: Math.floor(r.retiredAt.getTime() / 1000) })),
    ];
    this.published = all.map(({ key, retiredAt }) => {
      const jwk = platformJwk(key, 'a gate pass key');
      // The thumbprint shortened: a key id only has to tell a handful of published keys apart.
      return { ...jwk, kid: jwk.kid.slice(0, 8), ...(retiredAt !== undefined ? { retired: retiredAt } : {}) };
    });
    this.signingKid = this.published[0]?.kid ?? '';
    this.verifying = new Map(all.map((key, i) => [this.published[i]?.kid ?? '', key]));
  }

  /**
   * The JWK set gates download and keep for offline checks. A retired key is published until the
   * last pass it could have made has expired; gates then drop it, as they follow this set.
   */
  trustList(now: Date): { keys: PassKeyJwk[] } {
    const at = now.getTime() / 1000;
    return { keys: this.published.filter((key) => key.retired === undefined || at <= key.retired + PASS_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) };
  }

  claimsFor(stored: StoredDocument, now: Date): PassClaims {
    const facts = documentFacts(stored);
    const iat = Math.floor(now.getTime() / 1000);
    const validFrom = seconds(facts.validFrom);
    const validUntil = seconds(stored.state.validUntil) ?? Infinity;
    const facility = facilityOf(stored);
    const exp = Math.max(iat + 1, Math.min(iat + PASS_LIFETIME_SECONDS, validUntil));
    return {
      d: stored.state.id,
      k: passKinds[stored.state.kind],
      s: stored.seq,
      h: stored.state.payloadHash.slice(0, PAYLOAD_HASH_PREFIX_LENGTH),
      o: stored.state.holder ?? stored.state.issuer,
      iat,
      exp,
      ...(validFrom !== undefined && validFrom > iat && validFrom < exp ? { nbf: validFrom } : {}),
      ...(facility ? { f: facility } : {}),
      ...(facts.truckPlate ? { p: facts.truckPlate } : {}),
      ...(facts.containers[0] ? { c: facts.containers[0] } : {}),
    };
  }

  sign(claims: PassClaims): string {
    const input = `${b64u(JSON.stringify({ alg: 'ES256', kid: this.signingKid }))}.${b64u(JSON.stringify(claims))}`;
    // OpenSSL leaves s as it comes; the low-S twin is the one encoding gates accept.
    const signature = toLowS(sign('sha256', Buffer.from(input, 'ascii'), { key: this.signingKey, dsaEncoding: 'ieee-p1363' }));
    return `${input}.${b64u(signature)}`;
  }

  /**
   * Checks a pass's header and signature against the published keys; `claims` only when it
   * verifies. A retired key's pass issued at or after its retirement is `key-retired`.
   */
  open(token: string): { outcome: SignatureOutcome; claims?: PassClaims } {
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p)) || token.length > 2048) return { outcome: 'invalid' };
    const [headerPart = '', bodyPart = '', signaturePart = ''] = parts;
    const header = parsePassHeader(parseJson(headerPart));
    if (!header) return { outcome: 'invalid' };
    const verifying = this.verifying.get(header.kid);
    if (!verifying) return { outcome: 'unknown-key' };
    const signature = Buffer.from(signaturePart, 'base64url');
    if (!isLowS(signature)) return { outcome: 'invalid' };
    const signed = verify('sha256', Buffer.from(`${headerPart}.${bodyPart}`, 'ascii'), { key: verifying.key, dsaEncoding: 'ieee-p1363' }, signature);
    const claims = signed ? parsePassClaims(parseJson(bodyPart)) : undefined;
    if (!claims) return { outcome: 'invalid' };
    if (verifying.retiredAt !== undefined && claims.iat >= verifying.retiredAt) return { outcome: 'key-retired' };
    return { outcome: 'valid', claims };
  }
}

function parseJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The live facts a pass's bearer may learn: nothing the pass does not already name. */
export function liveStatusFor(claims: PassClaims, stored: StoredDocument | undefined): LiveStatus {
  if (!stored || passKinds[stored.state.kind] !== claims.k) return { found: false };
  return {
    found: true,
    status: stored.state.status,
    seq: stored.seq,
    holderUnchanged: stored.state.holder === claims.o,
    current: stored.seq === claims.s && stored.state.payloadHash.startsWith(claims.h),
  };
}

/**
 * Nodes of one deployment may disagree by a few seconds; a pass "issued" further ahead of this
 * node's clock was not made by this service. (Gates allow more: phones' clocks drift.)
 */
export const SERVER_CLOCK_SKEW_SECONDS = 60;

const refusalByReason = new Map<VerdictReason, PassRefusalCode>(Object.entries(passRefusals).map(([code, reason]) => [reason, code as PassRefusalCode]));

/**
 * Why the service refuses a verified pass now (seconds since the epoch, by its own clock), or
 * undefined: over-long, expired or not yet valid; its document outside its validity window; or
 * scanned at the gate of a party (`gateParty`) other than the facility it names.
 */
export function passRefusalAt(claims: PassClaims, stored: StoredDocument | undefined, now: number, gateParty?: string): PassRefusalCode | undefined {
  const [problem] = passTimeProblems(claims, now, SERVER_CLOCK_SKEW_SECONDS);
  if (problem) return refusalByReason.get(problem);
  if (gateParty !== undefined && claims.f !== gateParty) return 'pass-wrong-facility';
  if (!stored || passKinds[stored.state.kind] !== claims.k) return undefined;
  const facts = documentFacts(stored);
  const from = seconds(facts.validFrom);
  const until = seconds(facts.validUntil);
  if (from !== undefined && now < from - SERVER_CLOCK_SKEW_SECONDS) return 'pass-window-not-started';
  if (until !== undefined && now > until) return 'pass-window-ended';
  return undefined;
}

/** The refusal for a pass that does not open. */
export function passRefusalFor(outcome: Exclude<SignatureOutcome, 'valid'>): PassRefusalCode {
  return outcome === 'unknown-key' ? 'pass-unknown-key' : outcome === 'key-retired' ? 'pass-key-retired' : 'pass-invalid';
}
