import { equalBytes } from '../../domain/shared/bytes';
import type { Finding } from '../../domain/verification/finding';
// Re-exported: callers that validate certificates name their trust from here.
export { loadTrustMaterialFromPem, type TrustMaterial } from './trust-material';
import { ByContent, certificateOf, CertificateList, KEY_USAGE, type Certificate, type RevokedEntry } from './certificate-der';
import type { TrustMaterial } from './trust-material';
import { authorisedResponder, certIdOf, parseOcspResponse, singleResponseFor, statusOf, type ParsedOcspResponse } from './ocsp-response';
import { ADOBE_AUTHENTIC_DOCUMENTS_TRUST, ANY_EXTENDED_KEY_USAGE, ID_KP_DOCUMENT_SIGNING, ID_KP_EMAIL_PROTECTION, ID_KP_TIME_STAMPING } from './pki-oids';

export type CertificateUsage = 'document-signing' | 'timestamping';

export interface ValidateCertificateInput {
  certificate: Uint8Array;
  /** Untrusted certificates that came with the signature (e.g. a CMS certificate set). */
  extraCertificates: Uint8Array[];
  trust: TrustMaterial;
  /** When the certificate must have been valid: the signing or time-stamp time. */
  at: Date;
  /**
   * True when `at` is proven (a verified time-stamp's time, or the checker's own clock), so that a
   * revocation after `at` does not reach back; false (default) when it is only claimed.
   */
  atIsProven?: boolean;
  /** Prefix of the finding names, e.g. `signature[0]` gives `signature[0].chain`. */
  checkPrefix: string;
  usage: CertificateUsage;
  /**
   * Revocation data the document carries (a PAdES DSS): CRLs and OCSP responses, each trusted only
   * when its issuer's key (or the issuer's delegated OCSP responder) signed it, so a document that
   * outlives its CAs' services can still be checked.
   */
  evidence?: RevocationEvidence;
}

/** CRLs and OCSP responses (DER) that came with a document rather than from the verifier's configuration. */
export interface RevocationEvidence {
  crls: Uint8Array[];
  ocsps: Uint8Array[];
}

const DOCUMENT_SIGNING_EKUS = [ID_KP_DOCUMENT_SIGNING, ID_KP_EMAIL_PROTECTION, ANY_EXTENDED_KEY_USAGE, ADOBE_AUTHENTIC_DOCUMENTS_TRUST];

/** Critical extensions this validator understands; any other critical extension fails the chain (RFC 5280 4.2). */
const UNDERSTOOD_CRITICAL_EXTENSIONS = new Set([
  '2.5.29.19', // basicConstraints
  '2.5.29.15', // keyUsage
  '2.5.29.37', // extKeyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.32', // certificatePolicies: accepted, not enforced
]);

const MAX_PATH_LENGTH = 8;

/**
 * Candidates one path search may try. Certificates that share a name and a key all sign each other,
 * so without a budget a signer can make the search try every ordering of them (32 such
 * certificates: 10^11 paths); real paths need a few dozen tries.
 */
const MAX_PATH_SEARCH_STEPS = 500;

interface Candidate {
  der: Uint8Array;
  certificate: Certificate;
  anchor: boolean;
}

function describe(certificate: Certificate): string {
  return `"${certificate.subject}" (serial ${certificate.serialNumber})`;
}

function signedBy(subject: Certificate, issuer: Certificate): boolean {
  return subject.issuer === issuer.subject && subject.signedBy(issuer);
}

function isCa(certificate: Certificate): boolean {
  const keyUsage = certificate.keyUsage();
  return !!certificate.basicConstraints()?.ca && (keyUsage === undefined || (keyUsage & KEY_USAGE.keyCertSign) !== 0);
}

/**
 * Depth-first search from the certificate to an anchor, checking every link's signature, so that an
 * anchor is reached only through its key and never through a matching name alone. CAs on the path
 * must be CAs and respect pathLenConstraint. Returns the path leaf first, or undefined (also when
 * the search runs out of steps).
 */
function buildPath(leaf: Candidate, pool: Candidate[]): Candidate[] | undefined {
  if (leaf.anchor) return [leaf];
  let steps = 0;
  const linked = (subject: Candidate, issuer: Candidate): boolean => remembered(links, subject.certificate, issuer.certificate, signedBy);
  const extend = (path: Candidate[]): Candidate[] | undefined => {
    const last = path[path.length - 1];
    if (!last || path.length > MAX_PATH_LENGTH) return undefined;
    for (const candidate of pool) {
      if (++steps > MAX_PATH_SEARCH_STEPS) return undefined;
      if (path.some((entry) => equalBytes(entry.der, candidate.der))) continue;
      if (!candidate.anchor && !isCa(candidate.certificate)) continue;
      const pathLength = candidate.certificate.basicConstraints()?.pathLength;
      if (pathLength !== undefined && path.length - 1 > pathLength) continue;
      if (!linked(last, candidate)) continue;
      const next = [...path, candidate];
      if (candidate.anchor) return next;
      const found = extend(next);
      if (found) return found;
    }
    return undefined;
  };
  return extend([leaf]);
}

type Check = 'chain' | 'validity' | 'revocation' | 'key-usage';

/** What the issuers' CRLs say about a path, before any time is known. */
export interface PathRevocation {
  /** The earliest revocation on the path, if any certificate on it is listed. */
  revoked?: { certificate: string; revokedAt: Date; source: string };
  /** CRLs naming an issuer on the path that its key did not sign. */
  badSignature: string[];
  /** Certificates whose issuer published no CRL the verifier holds. */
  unchecked: string[];
  /** The CRLs and OCSP responses that answered, named for people. */
  sources: string[];
}

/**
 * Everything about a certificate that does not depend on when it was used: its path, chain and key
 * usage findings, and what the CRLs say. Made once by `examineCertificate`, then judged at any
 * number of times by `certificateFindingsAt`, so that a certificate used many times is checked once.
 */
export interface CertificateExamination {
  readonly checkPrefix: string;
  /** Leaf first, ending at an anchor; just the leaf when no path was found. */
  readonly path: readonly Certificate[];
  readonly chain: Finding;
  readonly keyUsage: Finding;
  /** The CRLs' answer, or the finding to report as is (no trusted path, or the check failed). */
  readonly revocation: PathRevocation | Finding;
}

export type ExamineCertificateInput = Omit<ValidateCertificateInput, 'at' | 'atIsProven'>;

/**
 * Validates a signer's or TSA's certificate at a given time: path to a trust anchor, validity of
 * every certificate on the path, revocation by the CRLs given, and key usage for the purpose.
 * Always returns one finding per check (`<prefix>.chain`, `.validity`, `.revocation`,
 * `.key-usage`); a failure inside a check becomes an `error` finding, never an exception.
 */
export function validateCertificate(input: ValidateCertificateInput): Finding[] {
  return certificateFindingsAt(examineCertificate(input), input.at, input.atIsProven ?? false);
}

function findingMaker(checkPrefix: string): MakeFinding {
  return (check, status, code, message, required = true) => ({ check: `${checkPrefix}.${check}`, status, code, message, required });
}

function failedCheck(finding: MakeFinding, check: Check, error: unknown): Finding {
  return finding(check, 'error', 'check-failed', `the ${check} check failed: ${error instanceof Error ? error.message : String(error)}`);
}

function guarded(finding: MakeFinding, check: Check, run: () => Finding): Finding {
  try {
    return run();
  } catch (error) {
    return failedCheck(finding, check, error);
  }
}

/** The time-independent part of `validateCertificate`. Never throws. */
export function examineCertificate(input: ExamineCertificateInput): CertificateExamination {
  const finding = findingMaker(input.checkPrefix);
  let leaf: Candidate;
  try {
    leaf = {
      der: input.certificate,
      certificate: certificateOf(input.certificate),
      anchor: input.trust.anchors.some((anchor) => equalBytes(anchor, input.certificate)),
    };
  } catch {
    const unparseable = (check: Check) => finding(check, 'error', 'certificate-unparseable', 'the certificate is not a DER X.509 certificate');
    return { checkPrefix: input.checkPrefix, path: [], chain: unparseable('chain'), keyUsage: unparseable('key-usage'), revocation: unparseable('revocation') };
  }

  let path: Candidate[] | undefined;
  const chain = guarded(finding, 'chain', () => {
    const pool = parseCandidates(input.trust.anchors, true).concat(
      parseCandidates([...input.trust.intermediates, ...input.extraCertificates], false),
    );
    path = buildPath(leaf, pool);
    if (!path) {
      return finding(
        'chain',
        'invalid',
        'chain-untrusted',
        `no path from ${describe(leaf.certificate)} to a trust anchor: its issuer "${leaf.certificate.issuer}" is unknown or did not sign it; add the issuing CA to the intermediates or its root to the anchors`,
      );
    }
    for (const entry of path) {
      const unknown = entry.certificate.extensions.find((extension) => extension.critical && !UNDERSTOOD_CRITICAL_EXTENSIONS.has(extension.oid));
      if (unknown) {
        return finding('chain', 'invalid', 'unsupported-critical-extension', `${describe(entry.certificate)} has a critical extension ${unknown.oid} this verifier does not process`);
      }
    }
    const root = path[path.length - 1];
    return finding('chain', 'valid', 'ok', `chains to trust anchor "${root?.certificate.subject}" through ${path.length - 1} issuer(s)`);
  });

  const revocation = pathRevocationOrFinding(path, input, finding);
  const keyUsage = guarded(finding, 'key-usage', () => keyUsageFinding(leaf.certificate, input.usage, finding));
  return { checkPrefix: input.checkPrefix, path: (path ?? [leaf]).map((entry) => entry.certificate), chain, keyUsage, revocation };
}

function pathRevocationOrFinding(path: Candidate[] | undefined, input: ExamineCertificateInput, finding: MakeFinding): PathRevocation | Finding {
  if (!path) return finding('revocation', 'skipped', 'chain-untrusted', 'revocation was not checked because the certificate does not chain to a trust anchor', false);
  try {
    return pathRevocation(path, input.trust.crls, input.evidence ?? { crls: [], ocsps: [] });
  } catch (error) {
    return failedCheck(finding, 'revocation', error);
  }
}

/**
 * The four findings of an examined certificate used at `at`. A certificate revoked after `at`
 * counts as not revoked only when `atIsProven` (a verified time-stamp, or the checker's own clock):
 * a time the signer merely claims could have been set back past the revocation.
 */
export function certificateFindingsAt(examination: CertificateExamination, at: Date, atIsProven: boolean): Finding[] {
  const finding = findingMaker(examination.checkPrefix);
  const validity =
    examination.path.length === 0
      ? finding('validity', 'error', 'certificate-unparseable', 'the certificate is not a DER X.509 certificate')
      : validityFinding(examination.path, at, finding);
  const crls = revocationOf(examination);
  const revocation = crls ? revocationFinding(crls, at, atIsProven, finding) : (examination.revocation as Finding);
  return [examination.chain, validity, revocation, examination.keyUsage];
}

/** What the CRLs say about an examined path; undefined when they could not be consulted (its revocation finding says why). */
export function revocationOf(examination: CertificateExamination): PathRevocation | undefined {
  return 'check' in examination.revocation ? undefined : examination.revocation;
}

/**
 * Certificate links checked once per pair: certificateOf gives one object per certificate content
 * (the trust material's, and the CA and TSA certificates every document of an archive carries), so
 * each link is checked once per process or worker, not once per signature of every PDF (CRLs and
 * OCSP responses: parsedOnce below). Weak: a certificate its content cache let go takes its links along.
 */
const links = new WeakMap<Certificate, Map<Certificate, boolean>>();

function remembered<K extends object, V extends object>(cache: WeakMap<K, Map<V, boolean>>, key: K, value: V, check: (key: K, value: V) => boolean): boolean {
  const byKey = cache.get(key) ?? new Map<V, boolean>();
  cache.set(key, byKey);
  const known = byKey.get(value);
  if (known !== undefined) return known;
  const checked = check(key, value);
  byKey.set(value, checked);
  return checked;
}

function parseCandidates(ders: Uint8Array[], anchor: boolean): Candidate[] {
  const parsed: Candidate[] = [];
  for (const der of ders) {
    let certificate: Certificate;
    try {
      certificate = certificateOf(der);
    } catch {
      continue; // A malformed extra certificate cannot be part of any path; ignoring it is safe.
    }
    parsed.push({ der, certificate, anchor });
  }
  return parsed;
}

type MakeFinding = (check: Check, status: Finding['status'], code: string, message: string, required?: boolean) => Finding;

function validityFinding(path: readonly Certificate[], at: Date, finding: MakeFinding): Finding {
  const when = at.toISOString();
  for (const certificate of path) {
    if (at.getTime() > certificate.notAfter.getTime()) {
      return finding('validity', 'invalid', 'certificate-expired', `${describe(certificate)} expired on ${certificate.notAfter.toISOString()}, before ${when}`);
    }
    if (at.getTime() < certificate.notBefore.getTime()) {
      return finding('validity', 'invalid', 'certificate-not-yet-valid', `${describe(certificate)} is valid only from ${certificate.notBefore.toISOString()}, after ${when}`);
    }
  }
  return finding('validity', 'valid', 'ok', `all ${path.length} certificate(s) on the path were valid at ${when}`);
}

/** When an entry takes effect: its invalidity date (RFC 5280 5.3.2), when that is earlier than the revocation date. */
function effectiveRevocation(entry: RevokedEntry): Date {
  const invalidity = entry.invalidity;
  return invalidity && invalidity.getTime() < entry.revocationDate.getTime() ? invalidity : entry.revocationDate;
}

/**
 * What the CRLs and OCSP responses say about each certificate below the anchor. A configured CRL
 * its issuer did not sign is reported (the configuration is wrong); one the document brought is
 * ignored, so that junk added to a DSS cannot turn a good signature bad.
 */
function pathRevocation(path: Candidate[], configuredCrls: Uint8Array[], evidence: RevocationEvidence): PathRevocation {
  const crls: { crl: CertificateList; fromDocument: boolean }[] = [];
  for (const [fromDocument, ders] of [[false, configuredCrls], [true, evidence.crls]] as const) {
    for (const der of ders) {
      // A DSS usually repeats the configured CRLs: each is read and checked once.
      if (fromDocument && configuredCrls.some((c) => equalBytes(c, der))) continue;
      const crl = parsedOnce(parsedCrls, der, (own) => new CertificateList(own));
      // An unreadable CRL is treated as absent: if it was the issuer's only CRL the result is `no-crl`.
      if (crl) crls.push({ crl, fromDocument });
    }
  }
  const ocsps = evidence.ocsps.map((der) => parsedOnce(parsedOcsps, der, (own) => parseOcspResponse(own))).filter((o): o is ParsedOcspResponse => o !== undefined);
  const result: PathRevocation = { badSignature: [], unchecked: [], sources: [] };
  const noteSource = (source: string): void => {
    if (!result.sources.includes(source)) result.sources.push(source);
  };
  // Anchors are trusted as configured; every certificate below one needs its issuer's CRL.
  for (let i = 0; i + 1 < path.length; i++) {
    const subject = path[i]!.certificate;
    const issuer = path[i + 1]!.certificate;
    let checked = false;
    for (const { crl, fromDocument } of crls.filter((candidate) => candidate.crl.issuer === issuer.subject)) {
      if (!checkedOnce(crlSignatures, crl, issuer, () => crl.signedBy(issuer))) {
        if (!fromDocument) result.badSignature.push(`a CRL naming "${issuer.subject}" as issuer`);
        continue;
      }
      checked = true;
      const source = `CRL of "${issuer.subject}", ${crl.thisUpdate.toISOString()}`;
      noteSource(source);
      const entry = crl.findRevoked(subject);
      noteRevoked(result, subject, entry ? effectiveRevocation(entry) : undefined, source);
    }
    const certId = ocsps.length > 0 ? certIdOf(path[i]!.der, path[i + 1]!.der) : undefined;
    for (const ocsp of ocsps) {
      const single = certId && singleResponseFor(ocsp, certId);
      if (!single) continue;
      const responder = checkedOnce(ocspResponders, ocsp, issuer, () => authorisedResponder(ocsp, issuer));
      if (!responder) continue;
      const status = statusOf(single);
      if (status.status === 'unknown') continue;
      checked = true;
      const source = `OCSP response of "${responder.subject}", ${ocsp.producedAt.toISOString()}`;
      noteSource(source);
      noteRevoked(result, subject, status.status === 'revoked' ? status.revokedAt : undefined, source);
    }
    if (!checked) result.unchecked.push(describe(subject));
  }
  return result;
}

// The same CRLs and OCSP responses come up for every certificate of every signature (and the
// configured CRLs for every file): each is parsed, and its signature checked per issuer, once.
const parsedCrls = new ByContent<CertificateList | null>();
const parsedOcsps = new ByContent<ParsedOcspResponse | null>();
const crlSignatures = new WeakMap<object, Map<string, boolean>>();
const ocspResponders = new WeakMap<object, Map<string, Certificate | undefined>>();

function parsedOnce<T>(cache: ByContent<T | null>, der: Uint8Array, parse: (own: Uint8Array) => T): T | undefined {
  const parsed = cache.get(der, (own) => {
    try {
      return parse(own);
    } catch {
      return null;
    }
  });
  return parsed ?? undefined;
}

function checkedOnce<T>(cache: WeakMap<object, Map<string, T>>, item: object, issuer: Certificate, check: () => T): T {
  const byIssuer = cache.get(item) ?? new Map<string, T>();
  cache.set(item, byIssuer);
  const key = Buffer.from(issuer.der).toString('base64');
  if (byIssuer.has(key)) return byIssuer.get(key) as T;
  const result = check();
  byIssuer.set(key, result);
  return result;
}

/** Keeps the earliest revocation on the path. */
function noteRevoked(result: PathRevocation, subject: Certificate, revokedAt: Date | undefined, source: string): void {
  if (revokedAt && (!result.revoked || revokedAt.getTime() < result.revoked.revokedAt.getTime())) {
    result.revoked = { certificate: describe(subject), revokedAt, source };
  }
}

function revocationFinding(revocation: PathRevocation, at: Date, atIsProven: boolean, finding: MakeFinding): Finding {
  const { revoked } = revocation;
  if (revoked && !(atIsProven && at.getTime() < revoked.revokedAt.getTime())) {
    const why = atIsProven
      ? `, before it was used at ${at.toISOString()}`
      : `, and no trusted time-stamp proves it was used before then (it claims ${at.toISOString()})`;
    return finding('revocation', 'invalid', 'certificate-revoked', `${revoked.certificate} was revoked on ${revoked.revokedAt.toISOString()}${why} (${revoked.source})`);
  }
  if (revocation.badSignature.length > 0) {
    return finding('revocation', 'invalid', 'crl-signature-invalid', `${revocation.badSignature.join(', ')} is not signed by that issuer's key; obtain the CRL from the CA again`);
  }
  if (revoked) {
    return finding(
      'revocation',
      'valid',
      'revoked-after-signing',
      `${revoked.certificate} was revoked on ${revoked.revokedAt.toISOString()}, after ${at.toISOString()}, the proven time it was used (${revoked.source})`,
    );
  }
  if (revocation.unchecked.length > 0) {
    return finding('revocation', 'skipped', 'no-crl', `no CRL from the issuer of ${revocation.unchecked.join(', ')} is available, so revocation was not checked`, false);
  }
  return finding('revocation', 'valid', 'ok', `no certificate on the path is revoked (${revocation.sources.join('; ')})`);
}

function keyUsageFinding(certificate: Certificate, usage: CertificateUsage, finding: MakeFinding): Finding {
  const keyUsage = certificate.keyUsage();
  const signingBits = KEY_USAGE.digitalSignature | KEY_USAGE.nonRepudiation;
  if (keyUsage !== undefined && (keyUsage & signingBits) === 0) {
    return finding('key-usage', 'invalid', 'key-usage-not-allowed', `${describe(certificate)} has neither digitalSignature nor nonRepudiation in its key usage`);
  }
  const eku = certificate.extendedKeyUsages();
  if (usage === 'timestamping') {
    if (!eku?.includes(ID_KP_TIME_STAMPING)) {
      return finding('key-usage', 'invalid', 'key-usage-not-allowed', `${describe(certificate)} is not a time-stamping certificate (no id-kp-timeStamping extended key usage)`);
    }
  } else if (eku && !eku.some((purpose) => DOCUMENT_SIGNING_EKUS.includes(purpose))) {
    return finding('key-usage', 'invalid', 'key-usage-not-allowed', `${describe(certificate)} is not for signing documents: its extended key usages are ${eku.join(', ')}`);
  }
  return finding('key-usage', 'valid', 'ok', `key usage allows ${usage}`);
}
