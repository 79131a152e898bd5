import { createHash } from 'node:crypto';
import { isDocumentKind, type DocumentKind } from '../../../domain/document/document';
import { ownNumberOf } from '../../../domain/document/business-keys';
import { facilityOperatorOf, signersNamedIn, type SignatureSlot } from '../../../domain/document/document-signers';
import type { PartyId } from '../../../domain/party/party';
import type { Finding } from '../../../domain/verification/finding';
import { finish, NO_DOCUMENT, type DocumentSummary, type LedgerStanding, type PdfVerificationReport, type SignatureSummary } from '../../../domain/verification/pdf-report';
import { validateCertificate, type RevocationEvidence, type TrustMaterial } from '../../pki/certificate-validation';
import { readDss } from './dss-reader';
import { partyIdentityOf } from '../../pki/party-identity';
import { certificateOf } from '../../pki/certificate-der';
import { equalBytes } from '../../../domain/shared/bytes';
import { analyseChanges, isSignatureField } from './changes-after-signature';
import {
  findSignerCertificate,
  hash,
  hashNameOf,
  messageDigestOf,
  OID,
  parseCms,
  parseTimestampToken,
  signatureTimestampToken,
  signingCertificateReference,
  signingTimeOf,
  subjectOf,
  verifySignerSignature,
  type ParsedCms,
} from './cms-signature';
import { readTlv } from './der-reader';
import {
  DocumentView,
  findRevisionBoundaries,
  findSignatureDictionaries,
  revisionEndingAt,
  type RawSignatureDictionary,
  type RevisionBoundary,
} from './pdf-revisions';
import { decodeStream, dictOf, isWhitespace, latin1, nameOf, numberOf, textOf, type PdfDict, type PdfValue } from './pdf-syntax';
import { DOCUMENT_ID_INFO_KEY, ISSUER_INFO_KEY, KIND_INFO_KEY, PAYLOAD_FILE_NAME, PAYLOAD_HASH_INFO_KEY, SIGNATURE_FIELDS } from '../sdx-pdf-format';
import { checkSdxStep } from './sdx-change-profile';
import { isPdfLimitError, VERIFY_LIMITS } from './verify-limits';

/** What the ledger recorded of a document: one entry per event that produced a PDF revision. */
export interface LedgerRecord {
  payloadHash: string;
  /** The document's status in the ledger now (voided, released, ...); absent when unknown. */
  status?: string | undefined;
  /** Informational and inclusion findings (status, audit-log inclusion) the report carries. */
  findings: Finding[];
  revisions: { pdfSha256: string; actorPartyId: string; eventType: string; seq: number }[];
}

export interface PdfVerificationOptions {
  trust: TrustMaterial;
  now: Date;
  /** Expected payload hash from the ledger, if known; compared with `SDXPayloadSHA256` in the first signed revision's /Info. */
  expectedPayloadHash?: string;
  /**
   * Looks up the document the PDF names (`SDXDocumentId` in the first signed revision's /Info) in the
   * ledger: every signed revision must then be one an event recorded, signed by that event's actor.
   * Undefined: the ledger does not know the document.
   */
  ledger?: (documentId: string) => Promise<LedgerRecord | undefined>;
}

/** The options with the document's own validation data (its DSS) added, for the certificate checks. */
type CheckOptions = PdfVerificationOptions & { evidence: RevocationEvidence };

export type { PdfVerificationReport, SignatureSummary } from '../../../domain/verification/pdf-report';
export { finish } from '../../../domain/verification/pdf-report';

/** A timestamp this far after the verifier's clock is not a time anyone could have witnessed. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;
const SIGNATURE_SUBFILTERS = new Set(['adbe.pkcs7.detached', 'ETSI.CAdES.detached']);

const TRUST_CHECK_SUFFIXES = ['.chain', '.validity', '.revocation', '.key-usage'];

/** True for findings about certificate trust rather than about the document or its signatures. */
export function isTrustFinding(finding: Finding): boolean {
  return finding.check.includes('.timestamp-authority') || TRUST_CHECK_SUFFIXES.some((s) => finding.check.endsWith(s));
}

/** An SDX document as its first signed revision describes it. */
interface SdxDocument {
  kind: DocumentKind | null;
  payload: unknown;
  /** Who may sign each reserved field, from the embedded payload; null when the payload is unusable. */
  signers: Record<SignatureSlot, PartyId[]> | null;
  /** Reserved field widget object number → field name, in signing order. */
  reservedFields: Map<number, string>;
}

interface SignatureContext {
  sig: RawSignatureDictionary;
  isTimestamp: boolean;
  summary: SignatureSummary;
}

/**
 * Verifies every signature in a PDF at the byte level and reports what changed after each. Never
 * throws for a bad document: problems are findings, and an unexpected failure inside a check is an
 * `error` finding for that check.
 *
 * Pipeline: structure → what the first signed revision says the document is (SDX profile or
 * foreign) → per signature (format → byte range → CMS digest and signature → signing certificate →
 * timestamp → certificate at the proven time or now → who signed against who may) → changes after
 * each signature (strict for SDX documents, DocMDP for others) → embedded payload → ledger.
 */
export async function verifyPdf(bytes: Uint8Array, options: PdfVerificationOptions): Promise<PdfVerificationReport> {
  const checked = checkPdf(bytes, options);
  return reportOf(checked, checked.readable ? await guardLedger(bytes, checked.contexts, checked.first, options) : undefined);
}

/** The options of a verification that does not consult the ledger. */
export type OfflineVerificationOptions = Omit<PdfVerificationOptions, 'ledger'>;

/**
 * verifyPdf without the ledger, in one synchronous call: the same report verifyPdf gives without a
 * ledger, for a caller that bounds the call in time on its own thread (in-thread-verifier.ts).
 */
export function verifyPdfOffline(bytes: Uint8Array, options: OfflineVerificationOptions): PdfVerificationReport {
  const checked = checkPdf(bytes, options);
  return reportOf(checked, checked.readable ? offlineLedger(checked.first, options.expectedPayloadHash) : undefined);
}

/** Everything a verification finds before it asks the ledger. */
interface CheckedPdf {
  /** False when the file's structure could not be read: nothing was checked and there is nothing to ask the ledger. */
  readable: boolean;
  findings: Finding[];
  signatures: SignatureSummary[];
  document: DocumentSummary;
  contexts: SignatureContext[];
  first: FirstRevision;
}

function reportOf(checked: CheckedPdf, ledger: LedgerResult | undefined): PdfVerificationReport {
  if (!ledger) return finish(checked.findings, checked.signatures, checked.document, 'not-checked');
  return finish([...checked.findings, ...ledger.findings], checked.signatures, checked.document, ledger.standing, ledger.status);
}

function checkPdf(bytes: Uint8Array, options: OfflineVerificationOptions): CheckedPdf {
  const findings: Finding[] = [];
  const signatures: SignatureSummary[] = [];
  const structure = readStructure(bytes);
  findings.push(structure.finding);
  if (!structure.ok) return { readable: false, findings, signatures, document: NO_DOCUMENT, contexts: [], first: undefined };
  const { boundaries, final, signatureDictionaries } = structure;
  // PAdES B-LT: the certificates and revocation data the document carries stand in for CAs'
  // services that may be long gone; each item counts only once its issuer's signature checks out.
  const dss = safe(() => readDss(final));
  const withEvidence: CheckOptions = {
    ...options,
    trust: dss ? { ...options.trust, intermediates: [...options.trust.intermediates, ...dss.certs] } : options.trust,
    evidence: { crls: dss?.crls ?? [], ocsps: dss?.ocsps ?? [] },
  };

  if (signatureDictionaries.length === 0) {
    findings.push(invalid('document.signatures', 'no-signatures', 'the document carries no signature dictionary that its cross-reference data names'));
  }
  const fieldNames = signatureFieldNames(final);
  const lastEnd = Math.max(0, ...signatureDictionaries.map((s) => signedEnd(s.byteRange) ?? 0));
  const firstEnd = signatureDictionaries.map((s) => signedEnd(s.byteRange)).find((e): e is number => e !== undefined && e <= bytes.length);
  const described = firstEnd === undefined ? undefined : safe(() => describeDocument(bytes, firstEnd));
  const document = described?.summary ?? NO_DOCUMENT;
  const sdx = described?.sdx;

  const contexts: SignatureContext[] = [];
  let signedSoFar = 0;
  // Where each document timestamp ends: one later in the file is proof of existence (ETSI's POE)
  // for everything before it, so what it covers may be judged at its own time, not now.
  const archiveEnds = signatureDictionaries.filter((s) => nameOf(s.dict.get('Type')) === 'DocTimeStamp').map((s) => signedEnd(s.byteRange) ?? 0);
  const coveredLater = (end: number | undefined): boolean => end !== undefined && archiveEnds.some((e) => e > end);
  for (const [index, sig] of signatureDictionaries.entries()) {
    const prefix = `signature[${index}]`;
    const end = signedEnd(sig.byteRange);
    const isTimestamp = nameOf(sig.dict.get('Type')) === 'DocTimeStamp';
    const fieldName = fieldNames.get(sig.objectNumber) ?? null;
    const summary: SignatureSummary = {
      index,
      fieldName,
      subFilter: nameOf(sig.dict.get('SubFilter')) ?? null,
      signerSubject: null,
      signerPartyId: null,
      signerName: null,
      signerLegalId: null,
      role: isTimestamp ? 'timestamp' : null,
      signingTime: null,
      trustedTime: null,
      coversWholeDocument: end === bytes.length,
      revision: end === undefined ? null : revisionEndingAt(boundaries, end),
    };
    signatures.push(summary);
    contexts.push({ sig, isTimestamp, summary });
    const revision = summary.revision ?? undefined;
    const at = (list: Finding[]): Finding[] => list.map((f) => (revision === undefined || f.revision !== undefined ? f : { ...f, revision }));
    findings.push(...at(checkFormat(prefix, sig, isTimestamp)));
    findings.push(...at(guard(`${prefix}.byte-range`, () => checkByteRange(prefix, bytes, sig, boundaries))));
    findings.push(...at(guard(`${prefix}.form-field`, () => checkFormField(prefix, final, sig, fieldNames))));

    let cms: ParsedCms | undefined;
    let cmsProblem = 'the signature has no /Contents';
    try {
      if (sig.contents) cms = parseCms(sig.contents.bytes);
    } catch (error) {
      cmsProblem = `/Contents is not a readable CMS SignedData (${message(error)})`;
    }
    if (!cms) {
      for (const check of ['digest', 'signature', 'signing-certificate', 'timestamp', 'chain']) {
        findings.push(...at([{ check: `${prefix}.${check}`, status: 'skipped', code: 'cms-unreadable', message: cmsProblem, required: true }]));
      }
    } else if (isTimestamp && cms.eContentType === OID.tstInfo) {
      findings.push(...at(guard(`${prefix}.timestamp`, () => checkDocumentTimestamp(prefix, bytes, sig, cms as ParsedCms, withEvidence, summary, coveredLater(end)))));
    } else {
      const parsed = cms;
      if (isTimestamp) findings.push(...at([invalid(`${prefix}.format`, 'unsupported-signature-format', 'a /DocTimeStamp whose /Contents is a CMS signature, not an RFC 3161 timestamp token')]));
      findings.push(...at(checkSignerInfos(prefix, parsed)));
      const signerCert = findSignerCertificate(parsed.signerInfo, parsed.certificates);
      const claimed = pdfDate(textOf(sig.dict.get('M'))) ?? signingTimeOf(parsed.signerInfo);
      summary.signingTime = claimed?.toISOString() ?? null;
      if (signerCert) {
        summary.signerSubject = safe(() => subjectOf(signerCert)) ?? null;
        const identity = safe(() => partyIdentityOf(signerCert));
        summary.signerPartyId = identity?.partyId ?? null;
        summary.signerName = identity?.name ?? null;
        summary.signerLegalId = identity?.legalId ?? null;
      }
      findings.push(...at(guard(`${prefix}.digest`, () => checkDigest(prefix, bytes, sig, parsed))));
      findings.push(...at(guard(`${prefix}.signature`, () => checkSignature(prefix, bytes, sig, parsed, signerCert))));
      findings.push(...at(guard(`${prefix}.signing-certificate`, () => checkSigningCertificate(prefix, sig, parsed, signerCert))));
      let proven: Date | undefined;
      findings.push(
        ...at(
          guard(`${prefix}.timestamp`, () => {
            const result = checkTimestamp(prefix, parsed, withEvidence);
            if (result.time) summary.timestampTime = result.time.toISOString();
            // Only a time-stamp from a trusted, unrevoked TSA proves when the signature existed.
            if (result.time && result.findings.every((f) => !f.required || f.status === 'valid')) proven = result.time;
            return [...result.findings, ...timestampOutOfBounds(prefix, result.tsaNotAfter, coveredLater(end), options.now)];
          }),
        ),
      );
      summary.trustedTime = proven?.toISOString() ?? null;
      findings.push(
        ...at(
          guard(`${prefix}.chain`, () => {
            if (!signerCert) return [skippedRequired(`${prefix}.chain`, 'signer-certificate-missing', 'no signer certificate to validate')];
            // A claimed time (/M, signing-time) is never evidence: without a proven time, the certificate must hold now.
            return validateCertificate({
              certificate: signerCert,
              extraCertificates: parsed.certificates.filter((c) => c !== signerCert),
              trust: withEvidence.trust,
              evidence: withEvidence.evidence,
              at: proven ?? options.now,
              // Without a proven time any revocation counts, whenever it took effect.
              atIsProven: proven !== undefined,
              checkPrefix: prefix,
              usage: 'document-signing',
            });
          }),
        ),
      );
      if (sdx) {
        const slot = fieldName === SIGNATURE_FIELDS.issuer ? 'issuer' : fieldName === SIGNATURE_FIELDS.counter ? 'counter' : null;
        findings.push(...at(checkSigner(prefix, summary, slot, signedSoFar === 0 ? 'issuer' : 'counter', sdx, document)));
        signedSoFar++;
      }
    }
  }

  for (const [index, context] of contexts.entries()) {
    const check = `document.changes-after-signature[${index}]`;
    const end = signedEnd(context.sig.byteRange);
    const changeFindings = guard(check, () =>
      sdx ? checkSdxChangesAfter(check, bytes, contexts, index, sdx, boundaries) : checkChangesAfter(check, bytes, context.sig, final, end === lastEnd),
    );
    // A change after a signature came in a later revision: name the first one after it.
    findings.push(...changeFindings.map((f) => (f.revision === undefined && context.summary.revision !== null && f.status !== 'valid' ? { ...f, revision: context.summary.revision + 1 } : f)));
  }

  if (sdx) findings.push(...checkEmbeddedPayload(described));
  return { readable: true, findings, signatures, document, contexts, first: firstEnd === undefined ? undefined : described ?? 'unreadable' };
}


// ---------------------------------------------------------------------------------------------
// What the first signed revision says the document is

interface DescribedDocument {
  summary: DocumentSummary;
  sdx?: SdxDocument;
  /** The embedded payload file's bytes, or why there are none. */
  payloadFile: { bytes: Uint8Array } | { problem: 'payload-missing' | 'payload-unreadable'; message: string };
  shownPayloadHash: string | null;
}

/**
 * Reads the first signed revision: an /Info naming an SDX document makes it an SDX document, held
 * to the strict profile whatever else it carries (stripping the embedded payload does not buy the
 * looser rules of foreign PDFs).
 */
function describeDocument(bytes: Uint8Array, firstEnd: number): DescribedDocument {
  const view = openView(bytes, firstEnd).view;
  const info = dictOf(safe(() => view.resolve(view.trailer.get('Info'))));
  const documentId = textOf(info?.get(DOCUMENT_ID_INFO_KEY))?.trim() || null;
  const kindText = textOf(info?.get(KIND_INFO_KEY))?.trim() ?? null;
  const kind = kindText && isDocumentKind(kindText) ? kindText : null;
  const issuerPartyId = textOf(info?.get(ISSUER_INFO_KEY))?.trim() || null;
  const shownPayloadHash = textOf(info?.get(PAYLOAD_HASH_INFO_KEY))?.trim() || null;
  const payloadFile = embeddedPayload(view);
  const payloadHash = 'bytes' in payloadFile ? createHash('sha256').update(payloadFile.bytes).digest('hex') : null;
  const summary: DocumentSummary = { profile: documentId ? 'sdx' : 'foreign', documentId, kind, number: null, issuerPartyId, payloadHash };
  if (!documentId) return { summary, payloadFile, shownPayloadHash };

  let payload: unknown;
  let signers: SdxDocument['signers'] = null;
  if ('bytes' in payloadFile && kind) {
    payload = safe(() => JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadFile.bytes)) as unknown);
    // Read without the payload schemas: only who may sign (and the number shown) matter here.
    signers = payload === undefined ? null : signersNamedIn(kind, payload);
    if (signers) summary.number = ownNumberOf(kind, payload) ?? null;
  }
  const reservedFields = new Map<number, string>();
  for (const name of [SIGNATURE_FIELDS.issuer, SIGNATURE_FIELDS.counter]) {
    const num = topLevelFieldNamed(view, name);
    if (num !== undefined) reservedFields.set(num, name);
  }
  return { summary, sdx: { kind, payload, signers, reservedFields }, payloadFile, shownPayloadHash };
}

/** The `sdx-payload.json` associated file: listed in the catalog's /AF and named in /EmbeddedFiles. */
function embeddedPayload(view: DocumentView): DescribedDocument['payloadFile'] {
  const catalog = view.catalog();
  const names = view.dict(view.dict(catalog?.get('Names'))?.get('EmbeddedFiles'))?.get('Names');
  const list = view.resolve(names);
  let spec: PdfDict | undefined;
  let specRef: PdfValue | undefined;
  if (list?.kind === 'array') {
    for (let i = 0; i + 1 < list.items.length; i += 2) {
      if (textOf(view.resolve(list.items[i])) === PAYLOAD_FILE_NAME) {
        specRef = list.items[i + 1];
        spec = view.dict(specRef);
        break;
      }
    }
  }
  if (!spec) return { problem: 'payload-missing', message: `the first signed revision embeds no ${PAYLOAD_FILE_NAME}` };
  const associated = view.resolve(catalog?.get('AF'));
  const listedAsAssociated = associated?.kind === 'array' && associated.items.some((item) => specRef?.kind === 'ref' && item.kind === 'ref' && item.num === specRef.num);
  if (!listedAsAssociated || nameOf(spec.get('AFRelationship')) !== 'Data') {
    return { problem: 'payload-missing', message: `${PAYLOAD_FILE_NAME} is not an associated file (/AF, /AFRelationship /Data) of the document` };
  }
  const stream = view.resolve(view.dict(spec.get('EF'))?.get('F'));
  if (stream?.kind !== 'stream') return { problem: 'payload-unreadable', message: `${PAYLOAD_FILE_NAME} has no embedded file stream` };
  try {
    return { bytes: decodeStream(stream) };
  } catch (error) {
    return { problem: 'payload-unreadable', message: `${PAYLOAD_FILE_NAME} cannot be decoded (${message(error)})` };
  }
}

function topLevelFieldNamed(view: DocumentView, name: string): number | undefined {
  const fields = safe(() => view.resolve(view.dict(view.catalog()?.get('AcroForm'))?.get('Fields')));
  if (fields?.kind !== 'array') return undefined;
  for (const item of fields.items) {
    if (item.kind !== 'ref') continue;
    const field = safe(() => view.dict(item));
    if (field && textOf(field.get('T')) === name && isSignatureField(view, field)) return item.num;
  }
  return undefined;
}

function checkEmbeddedPayload(described: DescribedDocument | undefined): Finding[] {
  const check = 'document.payload';
  if (!described) return [invalid(check, 'payload-missing', 'no signed revision to read the payload from')];
  const file = described.payloadFile;
  if (!('bytes' in file)) return [invalid(check, file.problem, file.message)];
  if (!described.sdx?.kind) return [invalid(check, 'payload-unreadable', `the signed /Info names no known document kind (/${KIND_INFO_KEY})`)];
  if (described.sdx.payload === undefined) return [invalid(check, 'payload-unreadable', `${PAYLOAD_FILE_NAME} is not UTF-8 JSON`)];
  const shown = described.shownPayloadHash?.toLowerCase() ?? null;
  if (described.summary.payloadHash !== shown) {
    return [invalid(check, 'payload-hash-mismatch', `the embedded payload hashes to ${String(described.summary.payloadHash)}, but the document shows ${String(shown)}`)];
  }
  if (!described.sdx.signers) return [invalid(check, 'payload-unreadable', `${PAYLOAD_FILE_NAME} does not name the parties a ${described.sdx.kind} payload names`)];
  const issuer = described.summary.issuerPartyId;
  return [valid(check, `the embedded ${described.sdx.kind} payload matches the hash the document shows${issuer ? `; issued by ${issuer}` : ''}`)];
}

// ---------------------------------------------------------------------------------------------
// Who signed

/**
 * The offline rule: the signature in the issuer's reserved field is the first and comes from a
 * party the payload allows to issue (the /Info issuer; for an EIR also the facility that records
 * the gate move); the one in the counter field from the party the lifecycle names.
 */
function checkSigner(
  prefix: string,
  summary: SignatureSummary,
  slot: SignatureSlot | null,
  expectedSlot: SignatureSlot,
  sdx: SdxDocument,
  document: DocumentSummary,
): Finding[] {
  const check = `${prefix}.signer`;
  const who = summary.signerPartyId;
  if (!who) {
    return [invalid(check, 'signer-not-identified', `the signer certificate (${summary.signerSubject ?? 'unreadable'}) names no SDX party, so it cannot be the party this document needs`)];
  }
  if (!sdx.signers) return [skippedRequired(check, 'payload-unreadable', 'without a readable embedded payload, who may sign is unknown')];
  // The first signature is the issuer's wherever it sits; later ones are judged as countersignatures.
  if (expectedSlot === 'issuer') {
    let allowed = sdx.signers.issuer;
    if (document.issuerPartyId) {
      const facility = sdx.kind === 'eir' ? facilityOperatorOf(sdx.payload) : undefined;
      allowed = allowed.filter((party) => party === document.issuerPartyId || party === facility);
    }
    if (slot !== 'issuer' || !allowed.includes(who)) {
      return [invalid(check, 'signer-not-issuer', `signature by ${who} ${slot === 'issuer' ? 'in the issuer field' : `in field ${summary.fieldName ?? '(none)'}`}; the first signature must be the issuer's (${allowed.join(' or ') || 'none allowed'}) in field ${SIGNATURE_FIELDS.issuer}`)];
    }
    summary.role = 'issuer';
    return [valid(check, `signed by ${who}, the issuer the payload names`)];
  }
  if (slot !== 'counter' || !sdx.signers.counter.includes(who)) {
    return [invalid(check, 'signer-not-allowed', `signature by ${who} in field ${summary.fieldName ?? '(none)'}; the lifecycle allows ${sdx.signers.counter.join(' or ') || 'no one'} to countersign, in field ${SIGNATURE_FIELDS.counter}`)];
  }
  summary.role = 'countersigner';
  return [valid(check, `countersigned by ${who}, as the lifecycle allows`)];
}

// ---------------------------------------------------------------------------------------------
// Against the ledger

/** The first signed revision as read; `unreadable` when it could not be; undefined when nothing is signed. */
type FirstRevision = DescribedDocument | 'unreadable' | undefined;

interface LedgerResult {
  findings: Finding[];
  standing: LedgerStanding;
  status?: string | null;
}

async function guardLedger(bytes: Uint8Array, contexts: readonly SignatureContext[], first: FirstRevision, options: PdfVerificationOptions): Promise<LedgerResult> {
  try {
    return await checkLedger(bytes, contexts, first, options);
  } catch (error) {
    return ledgerFailed(error);
  }
}

function ledgerFailed(error: unknown): LedgerResult {
  return { standing: 'not-checked', findings: [{ check: 'document.ledger', status: 'error', code: 'check-failed', message: `the ledger could not be consulted: ${message(error)}`, required: true }] };
}

/** The ledger step when there is no ledger to ask: only an expected payload hash, if the caller knows one. */
function offlineLedger(first: FirstRevision, expectedPayloadHash: string | undefined): LedgerResult {
  return { standing: 'not-checked', findings: expectedPayloadHash === undefined ? [] : checkPayloadHash(first, expectedPayloadHash) };
}

/**
 * The ledger's record of the revision a party signature ends: the PDF an event stored is that
 * revision, or (PAdES B-LT/B-LTA) that revision followed by the validation data and document
 * timestamps the service appended before storing it, so any revision boundary from the signature's
 * end up to the next party signature's may be the recorded one. What those later revisions may
 * change is the changes-after-signature check's concern.
 */
function recordedRevision(
  bytes: Uint8Array,
  end: number,
  boundaries: readonly RevisionBoundary[],
  partyEnds: readonly number[],
  revisions: LedgerRecord['revisions'],
): LedgerRecord['revisions'][number] | undefined {
  const later = partyEnds.filter((e) => e > end);
  // Boundaries inside the next party signature's own revision are not candidates: it ends that revision.
  const limit = later.length > 0 ? Math.min(...later) - 1 : bytes.length;
  const candidates = [end, ...boundaries.flatMap((b) => [b.endWithoutEol, b.end]).filter((at) => at > end && at <= limit)];
  // One pass over the file: each longer prefix's hash goes on from the shorter one's.
  const running = createHash('sha256');
  let hashed = 0;
  for (const at of [...new Set(candidates)].sort((a, b) => a - b)) {
    running.update(bytes.subarray(hashed, at));
    hashed = at;
    const sha = running.copy().digest('hex');
    const recorded = revisions.find((r) => r.pdfSha256 === sha);
    if (recorded) return recorded;
  }
  return undefined;
}

async function checkLedger(
  bytes: Uint8Array,
  contexts: readonly SignatureContext[],
  first: FirstRevision,
  options: PdfVerificationOptions,
): Promise<LedgerResult> {
  const check = 'document.ledger';
  if (options.expectedPayloadHash !== undefined || !options.ledger) return offlineLedger(first, options.expectedPayloadHash);
  const document = typeof first === 'object' ? first.summary : NO_DOCUMENT;
  if (!document.documentId) {
    return { standing: 'unknown-document', findings: [skippedInfo(check, 'document-id-missing', `the first signed revision's /Info names no SDX document (/${DOCUMENT_ID_INFO_KEY}): this exchange did not issue it`)] };
  }
  const entry = await options.ledger(document.documentId);
  if (!entry) {
    return { standing: 'unknown-document', findings: [skippedInfo(check, 'document-not-in-ledger', `this exchange's ledger holds no document ${document.documentId}`)] };
  }
  const findings: Finding[] = [...checkPayloadHash(first, entry.payloadHash)];
  const problems: Finding[] = [];
  const partyEnds = contexts
    .filter((c) => !c.isTimestamp)
    .map((c) => signedEnd(c.sig.byteRange))
    .filter((end): end is number => end !== undefined);
  const boundaries = findRevisionBoundaries(bytes);
  for (const [index, { sig, isTimestamp, summary }] of contexts.entries()) {
    const end = signedEnd(sig.byteRange);
    if (isTimestamp || end === undefined || end > bytes.length) continue;
    const recorded = recordedRevision(bytes, end, boundaries, partyEnds, entry.revisions);
    const revision = summary.revision ?? undefined;
    if (!recorded) {
      problems.push({
        ...invalid(check, 'not-the-issued-document', `signature ${index + 1} (${summary.signerName ?? summary.signerSubject ?? 'unknown signer'}) signed a revision of document ${document.documentId} that the ledger never recorded: the PDF is not the one this exchange issued`),
        ...(revision === undefined ? {} : { revision }),
      });
    } else if (recorded.actorPartyId !== summary.signerPartyId) {
      problems.push({
        ...invalid(check, 'signer-not-event-actor', `signature ${index + 1} is by ${summary.signerPartyId ?? summary.signerSubject ?? 'an unidentified signer'}, but the ledger's ${recorded.eventType} event (#${recorded.seq}) that produced this revision was by ${recorded.actorPartyId}`),
        ...(revision === undefined ? {} : { revision }),
      });
    }
  }
  if (entry.payloadHash.toLowerCase() !== (document.payloadHash ?? '').toLowerCase() && document.payloadHash !== null) {
    problems.push(invalid(check, 'not-the-issued-document', `the embedded payload hashes to ${document.payloadHash}, the ledger recorded ${entry.payloadHash}`));
  }
  if (problems.length > 0) return { standing: 'not-the-issued-document', findings: [...findings, ...problems, ...entry.findings] };
  const signed = contexts.filter((c) => !c.isTimestamp).length;
  return {
    standing: 'recorded',
    status: entry.status ?? null,
    findings: [...findings, valid(check, `each of the ${signed} signed revisions is the one the ledger recorded, signed by the event's actor`), ...entry.findings],
  };
}

// ---------------------------------------------------------------------------------------------
// Structure

type Structure =
  | { ok: false; finding: Finding }
  | { ok: true; finding: Finding; boundaries: RevisionBoundary[]; final: DocumentView; signatureDictionaries: RawSignatureDictionary[] };

/** The signatures verifyPdf checks, in its order (report index i is entry i), and the final revision; undefined when the file cannot be read. */
export function signaturesOf(bytes: Uint8Array): { final: DocumentView; signatureDictionaries: RawSignatureDictionary[] } | undefined {
  const structure = readStructure(bytes);
  return structure.ok ? structure : undefined;
}

function readStructure(bytes: Uint8Array): Structure {
  const check = 'document.parse';
  if (bytes.length > VERIFY_LIMITS.maxPdfBytes) {
    return { ok: false, finding: invalid(check, 'pdf-too-large', `the document has ${bytes.length} bytes; the verifier reads at most ${VERIFY_LIMITS.maxPdfBytes}`) };
  }
  const head = latin1(bytes.subarray(0, 1024));
  if (!head.includes('%PDF-')) {
    return { ok: false, finding: invalid(check, 'not-a-pdf', 'the input has no %PDF- header; it is not a PDF document') };
  }
  try {
    const boundaries = findRevisionBoundaries(bytes);
    if (boundaries.length === 0) {
      return { ok: false, finding: invalid(check, 'malformed-pdf', 'the document has no %%EOF marker; it is truncated or not a PDF') };
    }
    const opened = openView(bytes, bytes.length);
    const referenced = referencedOffsets(bytes, boundaries, opened.view);
    // Only objects some revision's cross-reference data names are signatures: text in a stream that
    // looks like a signature dictionary is not one.
    const signatureDictionaries = findSignatureDictionaries(bytes)
      .filter((s) => s.byteRange !== null && isReferenced(bytes, referenced, s.objectOffset))
      .sort((a, b) => (signedEnd(a.byteRange) ?? 0) - (signedEnd(b.byteRange) ?? 0) || a.objectOffset - b.objectOffset);
    const finding = opened.damaged
      ? invalid(check, 'xref-damaged', `the cross-reference data of the final revision is damaged (${opened.damaged}); viewers repair it in different ways, so what they show may not be what was signed`)
      : valid(check, `${boundaries.length} revision(s), ${signatureDictionaries.length} signature dictionar${signatureDictionaries.length === 1 ? 'y' : 'ies'}`);
    return { ok: true, finding, boundaries, final: opened.view, signatureDictionaries };
  } catch (error) {
    if (isPdfLimitError(error)) return { ok: false, finding: invalid(check, error.code, `the document exceeds what the verifier reads: ${error.message}`) };
    return { ok: false, finding: invalid(check, 'malformed-pdf', `the PDF structure cannot be read: ${message(error)}`) };
  }
}

/** Every object offset that the cross-reference data of any revision names. */
function referencedOffsets(bytes: Uint8Array, boundaries: readonly RevisionBoundary[], final: DocumentView): Set<number> {
  const offsets = new Set(final.referencedOffsets);
  // A revision whose /Prev chain the final one no longer reaches still defined its objects.
  for (const boundary of boundaries.slice(-VERIFY_LIMITS.maxSignatures)) {
    const opened = safe(() => openView(bytes, boundary.end));
    if (opened && !opened.damaged) for (const offset of opened.view.referencedOffsets) offsets.add(offset);
  }
  return offsets;
}

/** Writers may point an entry at whitespace just before `N G obj`. */
function isReferenced(bytes: Uint8Array, offsets: ReadonlySet<number>, objectOffset: number): boolean {
  for (let at = objectOffset; at >= 0 && objectOffset - at <= 4; at--) {
    if (offsets.has(at)) return true;
    if (!isWhitespace(bytes[at - 1])) return false;
  }
  return false;
}

/** The view of the revision ending at `limit`, repaired by scanning when its cross-references are damaged. */
/** Views already opened for a file, by limit: the checks ask for the same revisions many times. */
const openedViews = new WeakMap<Uint8Array, Map<number, { view: DocumentView; damaged?: string }>>();

function openView(bytes: Uint8Array, limit: number): { view: DocumentView; damaged?: string } {
  let views = openedViews.get(bytes);
  if (!views) {
    views = new Map();
    openedViews.set(bytes, views);
  }
  const known = views.get(limit);
  if (known) return known;
  let opened: { view: DocumentView; damaged?: string };
  try {
    const view = DocumentView.open(bytes, limit);
    const root = view.catalog();
    if (!root) throw new Error('the trailer /Root is not a dictionary');
    opened = { view };
  } catch (error) {
    opened = { view: DocumentView.reconstruct(bytes, limit), damaged: message(error) };
  }
  views.set(limit, opened);
  return opened;
}

/** Fully qualified field name for each signature dictionary object a signature field's /V names. */
function signatureFieldNames(view: DocumentView): Map<number, string> {
  const names = new Map<number, string>();
  const seen = new Set<number>();
  const walk = (value: PdfValue | undefined, parentName: string, depth: number): void => {
    if (!value || depth > 32) return;
    if (value.kind === 'ref') {
      if (seen.has(value.num)) return;
      seen.add(value.num);
    }
    const field = safe(() => view.dict(value));
    if (!field) return;
    const partial = textOf(field.get('T'));
    const name = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
    const v = field.get('V');
    if (v?.kind === 'ref' && isSignatureField(view, field)) names.set(v.num, name);
    const kids = safe(() => view.resolve(field.get('Kids')));
    if (kids?.kind === 'array') for (const kid of kids.items) walk(kid, name, depth + 1);
  };
  const fields = safe(() => view.resolve(view.dict(view.catalog()?.get('AcroForm'))?.get('Fields')));
  if (fields?.kind === 'array') for (const field of fields.items) walk(field, '', 0);
  return names;
}

// ---------------------------------------------------------------------------------------------
// Per signature

function signedEnd(range: number[] | null): number | undefined {
  if (!range || range.length !== 4 || !range.every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  return (range[2] as number) + (range[3] as number);
}

function checkByteRange(prefix: string, bytes: Uint8Array, sig: RawSignatureDictionary, boundaries: RevisionBoundary[]): Finding[] {
  const check = `${prefix}.byte-range`;
  const range = sig.byteRange ?? [];
  if (range.length !== 4 || !range.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    return [invalid(check, 'byte-range-malformed', `/ByteRange must be four non-negative integers, found [${range.join(' ')}]`)];
  }
  const [start, length1, start2, length2] = range as [number, number, number, number];
  const end = start2 + length2;
  if (start !== 0) return [invalid(check, 'byte-range-not-at-start', `/ByteRange starts at ${start}, not at 0: the file's first bytes are not signed`)];
  if (start2 < length1 || end > bytes.length) {
    return [invalid(check, 'byte-range-out-of-bounds', `/ByteRange [${range.join(' ')}] is out of order or runs past the end of the file (${bytes.length} bytes)`)];
  }
  const contents = sig.contents;
  if (!contents || !contents.hex || contents.start !== length1 || contents.end !== start2 || bytes[length1] !== 0x3c || bytes[start2 - 1] !== 0x3e) {
    const where = contents ? `/Contents of object ${sig.objectNumber} spans [${contents.start}, ${contents.end})` : `object ${sig.objectNumber} has no /Contents`;
    return [invalid(check, 'byte-range-gap-not-contents', `the unsigned gap [${length1}, ${start2}) is not exactly this signature's /Contents hex string (${where}); other bytes are left unsigned`)];
  }
  if (sig.objectOffset < 0 || sig.objectEnd > end) {
    return [invalid(check, 'byte-range-out-of-bounds', `signature dictionary ${sig.objectNumber} lies outside the bytes it signs`)];
  }
  const revision = revisionEndingAt(boundaries, end);
  if (end !== bytes.length && revision === null) {
    return [invalid(check, 'byte-range-not-covering-file', `the signed bytes end at ${end}, which is neither the end of the file (${bytes.length}) nor the end of a revision`)];
  }
  const der = contents.bytes;
  let derLength: number;
  try {
    derLength = readTlv(der, 0).end;
  } catch (error) {
    return [invalid(check, 'contents-not-der', `/Contents does not start with a DER element: ${message(error)}`)];
  }
  const padding = der.subarray(derLength);
  if (Buffer.compare(padding, Buffer.alloc(padding.length)) !== 0) {
    return [invalid(check, 'contents-padding-not-zero', `/Contents has non-zero bytes after the ${derLength}-byte CMS structure`)];
  }
  const scope = end === bytes.length ? 'the whole file' : `revision ${String(revision)} (a later revision follows)`;
  return [valid(check, `/ByteRange covers ${scope} except exactly the /Contents value`)];
}

function checkFormField(prefix: string, final: DocumentView, sig: RawSignatureDictionary, names: Map<number, string>): Finding[] {
  const check = `${prefix}.form-field`;
  const entry = final.entries.get(sig.objectNumber);
  const live = entry?.type === 'offset' && entry.offset === sig.objectOffset;
  if (names.has(sig.objectNumber) && live) return [valid(check, `signature field '${String(names.get(sig.objectNumber))}' holds this signature`)];
  return [
    invalid(
      check,
      'signature-not-in-form',
      `signature dictionary ${sig.objectNumber} at offset ${sig.objectOffset} is not the value of any signature field in the final document: a later revision unlinked, replaced or wrapped it`,
    ),
  ];
}

function signedBytes(bytes: Uint8Array, range: number[]): Uint8Array[] | undefined {
  const end = signedEnd(range);
  if (end === undefined || end > bytes.length || (range[1] as number) > (range[2] as number)) return undefined;
  return [bytes.subarray(range[0], (range[0] as number) + (range[1] as number)), bytes.subarray(range[2], end)];
}

function checkDigest(prefix: string, bytes: Uint8Array, sig: RawSignatureDictionary, cms: ParsedCms): Finding[] {
  const check = `${prefix}.digest`;
  const hashName = hashNameOf(cms.signerInfo.digestAlgorithm.algorithm);
  if (!hashName) return [invalid(check, 'unsupported-digest-algorithm', `digest algorithm ${cms.signerInfo.digestAlgorithm.algorithm} is not supported`)];
  const parts = signedBytes(bytes, sig.byteRange ?? []);
  if (!parts) return [skippedRequired(check, 'byte-range-unusable', 'the /ByteRange does not name bytes of this file')];
  const findings: Finding[] = [];
  if (hashName === 'sha1') {
    findings.push(invalid(`${prefix}.digest-algorithm`, 'weak-digest-algorithm', 'the signature uses SHA-1, which no longer protects against forged documents'));
  }
  if (!cms.signedAttributesDer) {
    // Without signed attributes the signature itself covers the content; checkSignature decides.
    findings.push({ check, status: 'skipped', code: 'no-signed-attributes', message: 'no signed attributes: the signature covers the document digest directly', required: false });
    return findings;
  }
  const expected = messageDigestOf(cms.signerInfo);
  if (!expected) return [...findings, invalid(check, 'message-digest-missing', 'the CMS signed attributes carry no messageDigest')];
  const actual = hash(hashName, ...parts);
  findings.push(
    equalBytes(actual, expected)
      ? valid(check, `${hashName} over the signed ranges matches the messageDigest attribute`)
      : invalid(check, 'digest-mismatch', `the signed bytes' ${hashName} digest differs from the messageDigest attribute: the document was altered after signing`),
  );
  return findings;
}

function checkSignature(prefix: string, bytes: Uint8Array, sig: RawSignatureDictionary, cms: ParsedCms, signerCert: Uint8Array | undefined): Finding[] {
  const check = `${prefix}.signature`;
  if (!signerCert) return [invalid(check, 'signer-certificate-missing', 'no certificate in the CMS matches the SignerInfo sid')];
  let content = cms.signedAttributesDer;
  if (!content) {
    const parts = signedBytes(bytes, sig.byteRange ?? []);
    if (!parts) return [skippedRequired(check, 'byte-range-unusable', 'the /ByteRange does not name bytes of this file')];
    content = Buffer.concat(parts);
  }
  const result = verifySignerSignature(cms.signerInfo, signerCert, content);
  if (result.reason) return [invalid(check, 'unsupported-signature-algorithm', result.reason)];
  return [
    result.ok
      ? valid(check, 'the CMS signature verifies with the signer certificate')
      : invalid(check, 'signature-invalid', 'the CMS signature does not verify with the signer certificate'),
  ];
}

function checkSigningCertificate(prefix: string, sig: RawSignatureDictionary, cms: ParsedCms, signerCert: Uint8Array | undefined): Finding[] {
  const check = `${prefix}.signing-certificate`;
  const reference = signingCertificateReference(cms.signerInfo);
  const pades = nameOf(sig.dict.get('SubFilter')) === 'ETSI.CAdES.detached';
  if (!reference) {
    return pades
      ? [invalid(check, 'signing-certificate-missing', 'PAdES (ETSI.CAdES.detached) requires a signing-certificate-v2 attribute')]
      : [{ check, status: 'skipped', code: 'not-present', message: 'no signing-certificate attribute (not required for adbe.pkcs7.detached)', required: false }];
  }
  if (!signerCert) return [invalid(check, 'signer-certificate-missing', 'no signer certificate to compare with')];
  if (!reference.hash) return [invalid(check, 'unsupported-digest-algorithm', `certHash algorithm ${reference.hashAlgorithm} is not supported`)];
  return [
    equalBytes(hash(reference.hash, signerCert), reference.certHash)
      ? valid(check, 'the signing-certificate attribute names the signer certificate')
      : invalid(check, 'signing-certificate-mismatch', 'the signing-certificate attribute names a different certificate than the one that signed'),
  ];
}

function checkTimestamp(prefix: string, cms: ParsedCms, options: CheckOptions): { findings: Finding[]; time?: Date; tsaNotAfter?: Date } {
  const check = `${prefix}.timestamp`;
  const tokenDer = signatureTimestampToken(cms.signerInfo);
  if (!tokenDer) {
    return { findings: [{ check, status: 'skipped', code: 'no-timestamp', message: 'the signature carries no signature timestamp', required: false }] };
  }
  const token = parseTimestampToken(tokenDer);
  const imprint = token.tstInfo.messageImprint;
  const imprintHash = hashNameOf(imprint.hashAlgorithm.algorithm);
  if (!imprintHash) return { findings: [invalid(check, 'unsupported-digest-algorithm', `imprint algorithm ${imprint.hashAlgorithm.algorithm} is not supported`)] };
  if (!equalBytes(hash(imprintHash, cms.signerInfo.signature), imprint.hashedMessage)) {
    return { findings: [invalid(check, 'timestamp-imprint-mismatch', 'the timestamp was issued for a different signature value')] };
  }
  const tsaCert = findSignerCertificate(token.cms.signerInfo, token.cms.certificates);
  if (!tsaCert) return { findings: [invalid(check, 'timestamp-signature-invalid', 'the timestamp token does not contain its TSA certificate')] };
  const tokenHash = hashNameOf(token.cms.signerInfo.digestAlgorithm.algorithm);
  const tokenDigest = messageDigestOf(token.cms.signerInfo);
  const digestOk = !!tokenHash && !!tokenDigest && equalBytes(hash(tokenHash, token.tstInfoDer), tokenDigest);
  const signatureOk = !!token.cms.signedAttributesDer && verifySignerSignature(token.cms.signerInfo, tsaCert, token.cms.signedAttributesDer).ok;
  if (!digestOk || !signatureOk) {
    return { findings: [invalid(check, 'timestamp-signature-invalid', "the timestamp token's own signature does not verify")] };
  }
  const genTime = token.tstInfo.genTime;
  if (genTime.getTime() > options.now.getTime() + FUTURE_TOLERANCE_MS) {
    return { findings: [invalid(check, 'timestamp-in-future', `the timestamp claims ${genTime.toISOString()}, after the verifier's clock (${options.now.toISOString()}): no authority witnessed that time`)], time: genTime };
  }
  const authority = validateCertificate({
    certificate: tsaCert,
    extraCertificates: token.cms.certificates.filter((c) => c !== tsaCert),
    trust: options.trust,
    evidence: options.evidence,
    at: genTime,
    checkPrefix: `${prefix}.timestamp-authority`,
    usage: 'timestamping',
  });
  const tsaNotAfter = safe(() => certificateOf(tsaCert).notAfter);
  return { findings: [valid(check, `timestamped at ${genTime.toISOString()}`), ...authority], time: genTime, ...(tsaNotAfter ? { tsaNotAfter } : {}) };
}

/**
 * A signature timestamp proves when the signature existed only while its TSA's certificate can
 * still be trusted: after it expires, only a later document timestamp (B-LTA) keeps that proof.
 * Without one the signature's time is unproven: indeterminate (ETSI OUT_OF_BOUNDS_NO_POE), never valid.
 */
function timestampOutOfBounds(prefix: string, tsaNotAfter: Date | undefined, covered: boolean, now: Date): Finding[] {
  if (!tsaNotAfter || covered || tsaNotAfter.getTime() >= now.getTime()) return [];
  return [
    {
      check: `${prefix}.timestamp-poe`,
      status: 'indeterminate',
      code: 'out-of-bounds-no-poe',
      message: `the signature timestamp's TSA certificate expired on ${tsaNotAfter.toISOString()}, before ${now.toISOString()}, and no later document timestamp proves the signature existed while it was valid`,
      required: true,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Changes after each signature

function checkChangesAfter(check: string, bytes: Uint8Array, sig: RawSignatureDictionary, final: DocumentView, isLast: boolean): Finding[] {
  const end = signedEnd(sig.byteRange);
  if (end === undefined || end > bytes.length) return [skippedRequired(check, 'byte-range-unusable', 'the /ByteRange does not name bytes of this file')];
  const appended = bytes.subarray(end).some((b) => !isWhitespace(b));
  if (!appended) return [valid(check, 'nothing was appended after this signature')];
  let signedView: DocumentView;
  try {
    signedView = openView(bytes, end).view;
  } catch (error) {
    return [invalid(check, 'signed-revision-unreadable', `the revision this signature covers cannot be read (${message(error)}), so later changes cannot be told apart`)];
  }
  const analysis = analyseChanges(signedView, final);
  const docMdp = certificationLevel(sig.dict, signedView, sig.objectNumber);
  const named = (list: { num: number; reason: string }[]): string => list.slice(0, 8).map((d) => d.reason).join('; ') + (list.length > 8 ? `; and ${list.length - 8} more` : '');
  if (docMdp === 1) {
    return [invalid(check, 'not-permitted-by-certification', `this certification signature (DocMDP P=1) allows no changes, but objects ${analysis.changedObjects.slice(0, 20).join(', ') || '(none; bytes were appended)'} changed after it`)];
  }
  if (isLast) {
    const onlyDss = analysis.disallowed.length === 0 && analysis.visible.length === 0 && analysis.allowed.length > 0 && analysis.allowed.every((a) => a.kind === 'dss' || a.kind === 'structure') && analysis.allowed.some((a) => a.kind === 'dss');
    if (onlyDss) return [valid(check, 'only validation data (DSS) was added after the last signature')];
    const reasons = [...analysis.disallowed, ...analysis.visible];
    const detail = reasons.length > 0 ? `: ${named(reasons)}` : analysis.changedObjects.length > 0 ? ` (objects ${analysis.changedObjects.slice(0, 20).join(', ')})` : ' (bytes that change no object)';
    return [invalid(check, 'unsigned-update-after-signature', `an update no signature covers was appended after the last signature${detail}`)];
  }
  if (analysis.disallowed.length > 0) {
    return [invalid(check, 'modified-after-signature', `the document changed after this signature: ${named(analysis.disallowed)}`)];
  }
  const annotations = analysis.visible.filter((v) => v.kind === 'annotation');
  if (docMdp === 2 && annotations.length > 0) {
    return [invalid(check, 'not-permitted-by-certification', `this certification signature (DocMDP P=2) allows filling in and signing fields, not new annotations: ${named(annotations)}`)];
  }
  if (analysis.visible.length > 0) {
    return [
      {
        check,
        status: 'indeterminate',
        code: 'visible-change-after-signature',
        message: `something new was drawn on the pages after this signature; compare what each signer saw: ${named(analysis.visible)}`,
        required: true,
      },
    ];
  }
  return [valid(check, `later revisions only fill signature fields or add invisible signatures or validation data (${analysis.allowed.length} object(s))`)];
}

/**
 * SDX documents: between this signature and the next (or the end of the file), the only change
 * allowed is the next signature filling the next reserved field, plus /DSS and invisible document
 * timestamps. Each problem is its own finding, with the revision it came in.
 */
function checkSdxChangesAfter(
  check: string,
  bytes: Uint8Array,
  contexts: readonly SignatureContext[],
  index: number,
  sdx: SdxDocument,
  boundaries: readonly RevisionBoundary[],
): Finding[] {
  const current = contexts[index] as SignatureContext;
  const end = signedEnd(current.sig.byteRange);
  if (end === undefined || end > bytes.length) return [skippedRequired(check, 'byte-range-unusable', 'the /ByteRange does not name bytes of this file')];
  const next = contexts[index + 1];
  const nextEnd = next ? signedEnd(next.sig.byteRange) : undefined;
  const stepEnd = nextEnd !== undefined && nextEnd <= bytes.length ? nextEnd : bytes.length;
  // After the last signature the rule is the same for every PDF: nothing but validation data, and
  // bytes that no cross-reference names count as an update too.
  if (!next) return checkChangesAfter(check, bytes, current.sig, openView(bytes, bytes.length).view, true);
  const signedSoFar = contexts.slice(0, index + 1).filter((c) => !c.isTimestamp).length;
  const reserved = [...sdx.reservedFields.entries()];
  const expected = reserved[signedSoFar];
  // Revision by revision, so each problem names the revision it came in; only the last one may add
  // the next signature.
  const ends = [end, ...boundaries.map((b) => b.end).filter((e) => e > end && e < stepEnd), stepEnd];
  const findings: Finding[] = [];
  for (let i = 1; i < ends.length; i++) {
    const from = openView(bytes, ends[i - 1] as number);
    const to = openView(bytes, ends[i] as number);
    const revision = revisionEndingAt(boundaries, ends[i] as number) ?? undefined;
    const withRevision = (finding: Finding): Finding => (revision === undefined ? finding : { ...finding, revision });
    if (from.damaged || to.damaged) {
      findings.push(withRevision(invalid(check, 'signed-revision-unreadable', `the revisions after this signature cannot be read (${from.damaged ?? to.damaged ?? ''}), so later changes cannot be told apart`)));
      continue;
    }
    const last = i === ends.length - 1;
    const problems = checkSdxStep(from.view, to.view, {
      ...(last ? { nextSignature: { num: next.sig.objectNumber, isTimestamp: next.isTimestamp } } : {}),
      ...(expected ? { expectedField: { num: expected[0], name: expected[1] } } : {}),
      reservedFields: sdx.reservedFields,
    });
    const byCode = new Map<string, string[]>();
    for (const problem of problems) byCode.set(problem.code, [...(byCode.get(problem.code) ?? []), problem.reason]);
    const by = last ? `, signed by ${next.summary.signerName ?? next.summary.signerSubject ?? 'an unknown signer'}` : ', which no signature of its own covers';
    for (const [code, reasons] of byCode) {
      findings.push(withRevision(invalid(check, code, `revision ${String(revision ?? '?')}${by}: ${reasons.slice(0, 6).join('; ')}${reasons.length > 6 ? `; and ${reasons.length - 6} more` : ''}`)));
    }
  }
  if (findings.length > 0) return findings;
  return [valid(check, `the next revision only ${next.isTimestamp ? 'adds a document timestamp' : `fills the reserved field ${expected?.[1] ?? ''}`} (and validation data, if any)`)];
}

/** DocMDP /P of a certification signature, or undefined for an approval signature. */
function certificationLevel(sigDict: PdfDict, view: DocumentView, sigNum: number): number | undefined {
  const references = view.resolve(sigDict.get('Reference'));
  if (references?.kind === 'array') {
    for (const item of references.items) {
      const reference = view.dict(item);
      if (nameOf(reference?.get('TransformMethod')) === 'DocMDP') return numberOf(view.dict(reference?.get('TransformParams'))?.get('P')) ?? 2;
    }
  }
  const docMdp = safe(() => view.dict(view.catalog()?.get('Perms'))?.get('DocMDP'));
  if (docMdp?.kind === 'ref' && docMdp.num === sigNum) return 2;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Format, SignerInfos and document timestamps

/**
 * Only the formats this verifier checks completely: a signature is /Adobe.PPKLite with
 * adbe.pkcs7.detached or ETSI.CAdES.detached; a document timestamp ETSI.RFC3161. Anything else
 * (adbe.x509.rsa_sha1, a missing /Filter, a CMS under /DocTimeStamp) would be checked by rules it
 * was not made for.
 */
function checkFormat(prefix: string, sig: RawSignatureDictionary, isTimestamp: boolean): Finding[] {
  const check = `${prefix}.format`;
  const filter = nameOf(sig.dict.get('Filter'));
  const subFilter = nameOf(sig.dict.get('SubFilter'));
  const type = nameOf(sig.dict.get('Type'));
  const found = `/Type ${type ? `/${type}` : '(none)'} /Filter ${filter ? `/${filter}` : '(none)'} /SubFilter ${subFilter ? `/${subFilter}` : '(none)'}`;
  if (filter !== 'Adobe.PPKLite') return [invalid(check, 'unsupported-signature-format', `${found}: a signature needs /Filter /Adobe.PPKLite`)];
  if (isTimestamp) {
    return subFilter === 'ETSI.RFC3161'
      ? [valid(check, 'a document timestamp (ETSI.RFC3161)')]
      : [invalid(check, 'unsupported-signature-format', `${found}: a document timestamp needs /SubFilter /ETSI.RFC3161`)];
  }
  if (type !== undefined && type !== 'Sig') return [invalid(check, 'unsupported-signature-format', `${found}: not a signature dictionary type`)];
  if (!subFilter || !SIGNATURE_SUBFILTERS.has(subFilter)) {
    return [invalid(check, 'unsupported-signature-format', `${found}: only adbe.pkcs7.detached and ETSI.CAdES.detached signatures are verified`)];
  }
  return [valid(check, `${subFilter} signature`)];
}

function checkSignerInfos(prefix: string, cms: ParsedCms): Finding[] {
  const check = `${prefix}.signer-infos`;
  return cms.signerInfoCount === 1
    ? [valid(check, 'exactly one SignerInfo')]
    : [invalid(check, 'multiple-signer-infos', `the CMS carries ${cms.signerInfoCount} SignerInfos; a PDF signature has exactly one, and another would be checked by no one`)];
}

/**
 * A document timestamp (/Type /DocTimeStamp, ETSI.RFC3161): /Contents is an RFC 3161 token whose
 * imprint is the digest of the signed ranges, signed by a trusted TSA.
 */
function checkDocumentTimestamp(
  prefix: string,
  bytes: Uint8Array,
  sig: RawSignatureDictionary,
  cms: ParsedCms,
  options: CheckOptions,
  summary: SignatureSummary,
  /** A later document timestamp covers this one: its TSA is judged at this one's own time. */
  covered: boolean,
): Finding[] {
  const check = `${prefix}.timestamp`;
  const signerInfos = checkSignerInfos(prefix, cms);
  const token = parseTimestampToken(sig.contents?.bytes ?? new Uint8Array());
  const imprint = token.tstInfo.messageImprint;
  const imprintHash = hashNameOf(imprint.hashAlgorithm.algorithm);
  if (!imprintHash) return [...signerInfos, invalid(check, 'unsupported-digest-algorithm', `imprint algorithm ${imprint.hashAlgorithm.algorithm} is not supported`)];
  const parts = signedBytes(bytes, sig.byteRange ?? []);
  if (!parts) return [...signerInfos, skippedRequired(check, 'byte-range-unusable', 'the /ByteRange does not name bytes of this file')];
  if (!equalBytes(hash(imprintHash, ...parts), imprint.hashedMessage)) {
    return [...signerInfos, invalid(check, 'digest-mismatch', "the document timestamp's imprint differs from the signed bytes: the document was altered after it")];
  }
  const tsaCert = findSignerCertificate(token.cms.signerInfo, token.cms.certificates);
  if (!tsaCert) return [...signerInfos, invalid(check, 'timestamp-signature-invalid', 'the timestamp token does not contain its TSA certificate')];
  const tokenHash = hashNameOf(token.cms.signerInfo.digestAlgorithm.algorithm);
  const tokenDigest = messageDigestOf(token.cms.signerInfo);
  const digestOk = !!tokenHash && !!tokenDigest && equalBytes(hash(tokenHash, token.tstInfoDer), tokenDigest);
  const signatureOk = !!token.cms.signedAttributesDer && verifySignerSignature(token.cms.signerInfo, tsaCert, token.cms.signedAttributesDer).ok;
  if (!digestOk || !signatureOk) return [...signerInfos, invalid(check, 'timestamp-signature-invalid', "the timestamp token's own signature does not verify")];
  const genTime = token.tstInfo.genTime;
  summary.timestampTime = genTime.toISOString();
  summary.signerSubject = safe(() => subjectOf(tsaCert)) ?? null;
  summary.signerName = safe(() => partyIdentityOf(tsaCert).name) ?? null;
  if (genTime.getTime() > options.now.getTime() + FUTURE_TOLERANCE_MS) {
    return [...signerInfos, invalid(check, 'timestamp-in-future', `the document timestamp claims ${genTime.toISOString()}, after the verifier's clock (${options.now.toISOString()})`)];
  }
  const authority = validateCertificate({
    certificate: tsaCert,
    extraCertificates: token.cms.certificates.filter((c) => c !== tsaCert),
    trust: options.trust,
    evidence: options.evidence,
    at: covered ? genTime : options.now,
    atIsProven: true,
    checkPrefix: `${prefix}.timestamp-authority`,
    usage: 'timestamping',
  }).map((f) =>
    // The newest archive timestamp outliving its TSA certificate is not a forgery: it needed renewing (sdx archive renew).
    f.code === 'certificate-expired'
      ? { ...f, status: 'indeterminate' as const, code: 'out-of-bounds-no-poe', message: `${f.message}; the archive was not renewed (sdx archive renew) before its newest timestamp's TSA certificate expired` }
      : f,
  );
  if (authority.every((f) => !f.required || f.status === 'valid')) summary.trustedTime = genTime.toISOString();
  return [...signerInfos, valid(check, `document timestamp at ${genTime.toISOString()} over the signed bytes`), ...authority];
}

// ---------------------------------------------------------------------------------------------
// Payload hash against an expected one

/** The payload hash the first signed revision's /Info shows (what every signature vouches for) against an expected one. */
function checkPayloadHash(first: FirstRevision, expected: string): Finding[] {
  const check = 'document.payload-hash';
  if (first === undefined) return [invalid(check, 'payload-hash-missing', 'no signed revision to read the payload hash from')];
  if (first === 'unreadable') return [{ check, status: 'error', code: 'check-failed', message: 'the check could not run: the first signed revision cannot be read', required: true }];
  const found = first.shownPayloadHash;
  if (!found) return [invalid(check, 'payload-hash-missing', `the first signed revision's /Info has no /${PAYLOAD_HASH_INFO_KEY}`)];
  return [
    found.toLowerCase() === expected.trim().toLowerCase()
      ? valid(check, 'the payload hash the document shows matches the ledger')
      : invalid(check, 'payload-hash-mismatch', `the PDF shows payload hash ${found}, the ledger expects ${expected}`),
  ];
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Runs one check; an unexpected exception becomes an `error` finding for that check. */
function guard(check: string, run: () => Finding[]): Finding[] {
  try {
    return run();
  } catch (error) {
    if (isPdfLimitError(error)) return [invalid(check, error.code, `the check stopped at a verifier limit: ${error.message}`)];
    return [{ check, status: 'error', code: 'check-failed', message: `the check could not run: ${message(error)}`, required: true }];
  }
}

function valid(check: string, text: string): Finding {
  return { check, status: 'valid', code: 'ok', message: text, required: true };
}

function invalid(check: string, code: string, text: string): Finding {
  return { check, status: 'invalid', code, message: text, required: true };
}

function skippedInfo(check: string, code: string, text: string): Finding {
  return { check, status: 'skipped', code, message: text, required: false };
}

function skippedRequired(check: string, code: string, text: string): Finding {
  return { check, status: 'skipped', code, message: text, required: true };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function safe<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

/** A PDF date string `D:YYYYMMDDHHmmSSOHH'mm'`. */
function pdfDate(text: string | undefined): Date | undefined {
  const m = /^D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?'?/.exec(text ?? '');
  if (!m) return undefined;
  const utc = Date.UTC(Number(m[1]), Number(m[2] ?? 1) - 1, Number(m[3] ?? 1), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const sign = m[7] === '+' ? 1 : m[7] === '-' ? -1 : 0;
  const offsetMinutes = sign * (Number(m[8] ?? 0) * 60 + Number(m[9] ?? 0));
  const date = new Date(utc - offsetMinutes * 60_000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
