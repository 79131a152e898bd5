import { report, type Finding } from '../../../domain/verification/finding';
import { summarise, type DocumentSummary, type LedgerStanding, type PdfVerificationReport, type SignatureSummary } from '../../../domain/verification/pdf-report';
import { validateCertificate, type TrustMaterial } from '../../pki/certificate-validation';
import { analyseChanges, isSignatureField } from './changes-after-signature';
import {
  equalBytes,
  findSignerCertificate,
  hash,
  hashNameOf,
  messageDigestOf,
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
import { dictOf, isWhitespace, latin1, nameOf, numberOf, textOf, type PdfDict, type PdfValue } from './pdf-syntax';
import { isPdfLimitError, VERIFY_LIMITS } from './verify-limits';

export interface PdfVerificationOptions {
  trust: TrustMaterial;
  now: Date;
  /** Expected payload hash from the ledger, if known; compared with `SDXPayloadSHA256` in the last signed revision's /Info. */
  expectedPayloadHash?: string;
  /**
   * Looks up the document the PDF names (`SDXDocumentId` in the last signed revision's /Info) in the
   * ledger: its payload hash is then expected, and the ledger's own findings (such as the audit-log
   * inclusion of its events) join the report. Undefined: the ledger does not know the document.
   */
  ledger?: (documentId: string) => Promise<{ payloadHash: string; findings: Finding[] } | undefined>;
}

export type { PdfVerificationReport, SignatureSummary } from '../../../domain/verification/pdf-report';


/** The key an SDX-rendered PDF carries in its /Info dictionary. */
export const PAYLOAD_HASH_INFO_KEY = 'SDXPayloadSHA256';
export const DOCUMENT_ID_INFO_KEY = 'SDXDocumentId';

const TRUST_CHECK_SUFFIXES = ['.chain', '.validity', '.revocation', '.key-usage'];

/** True for findings about certificate trust rather than about the document or its signatures. */
export function isTrustFinding(finding: Finding): boolean {
  return finding.check.includes('.timestamp-authority') || TRUST_CHECK_SUFFIXES.some((s) => finding.check.endsWith(s));
}

/**
 * Verifies every signature in a PDF at the byte level and reports what changed after each. Never
 * throws for a bad document: problems are findings, and an unexpected failure inside a check is an
 * `error` finding for that check.
 *
 * Pipeline: structure → per signature (byte range → CMS digest and signature → signing certificate
 * → timestamp → certificate) → changes after each signature → payload hash.
 */
export async function verifyPdf(bytes: Uint8Array, options: PdfVerificationOptions): Promise<PdfVerificationReport> {
  const findings: Finding[] = [];
  const signatures: SignatureSummary[] = [];
  const structure = readStructure(bytes);
  findings.push(structure.finding);
  if (!structure.ok) return finish(findings, signatures, NO_DOCUMENT, 'not-checked');
  const { boundaries, final, signatureDictionaries } = structure;

  if (signatureDictionaries.length === 0) {
    findings.push(invalid('document.signatures', 'no-signatures', 'the document carries no signature dictionary with a /ByteRange'));
  }
  const fieldNames = signatureFieldNames(final);
  const lastEnd = Math.max(0, ...signatureDictionaries.map((s) => signedEnd(s.byteRange) ?? 0));

  for (const [index, sig] of signatureDictionaries.entries()) {
    const prefix = `signature[${index}]`;
    const end = signedEnd(sig.byteRange);
    const summary: SignatureSummary = {
      index,
      fieldName: fieldNames.get(sig.objectNumber) ?? null,
      subFilter: nameOf(sig.dict.get('SubFilter')) ?? null,
      signerSubject: null,
      signerPartyId: null,
      signerName: null,
      signerLegalId: null,
      role: null,
      signingTime: null,
      trustedTime: null,
      coversWholeDocument: end === bytes.length,
      revision: end === undefined ? null : revisionEndingAt(boundaries, end),
    };
    signatures.push(summary);
    findings.push(...(await guard(`${prefix}.byte-range`, () => checkByteRange(prefix, bytes, sig, boundaries))));
    findings.push(...(await guard(`${prefix}.form-field`, () => checkFormField(prefix, final, sig, fieldNames))));

    let cms: ParsedCms | undefined;
    let cmsProblem = 'the signature has no /Contents';
    try {
      if (sig.contents) cms = parseCms(sig.contents.bytes);
    } catch (error) {
      cmsProblem = `/Contents is not a readable CMS SignedData (${message(error)})`;
    }
    if (!cms) {
      for (const check of ['digest', 'signature', 'signing-certificate', 'timestamp', 'chain']) {
        findings.push({ check: `${prefix}.${check}`, status: 'skipped', code: 'cms-unreadable', message: cmsProblem, required: true });
      }
    } else {
      const parsed = cms;
      const signerCert = findSignerCertificate(parsed.signerInfo, parsed.certificates);
      const claimed = pdfDate(textOf(sig.dict.get('M'))) ?? signingTimeOf(parsed.signerInfo);
      summary.signingTime = claimed?.toISOString() ?? null;
      if (signerCert) summary.signerSubject = safe(() => subjectOf(signerCert)) ?? null;
      findings.push(...(await guard(`${prefix}.digest`, () => checkDigest(prefix, bytes, sig, parsed))));
      findings.push(...(await guard(`${prefix}.signature`, () => checkSignature(prefix, bytes, sig, parsed, signerCert))));
      findings.push(...(await guard(`${prefix}.signing-certificate`, () => checkSigningCertificate(prefix, sig, parsed, signerCert))));
      let timestampTime: Date | undefined;
      let timestampProven = false;
      findings.push(
        ...(await guard(`${prefix}.timestamp`, async () => {
          const result = await checkTimestamp(prefix, parsed, options);
          timestampTime = result.time;
          // Only a time-stamp from a trusted, unrevoked TSA proves when the signature existed.
          timestampProven = result.time !== undefined && result.findings.every((f) => !f.required || f.status === 'valid');
          return result.findings;
        })),
      );
      if (timestampTime) summary.timestampTime = timestampTime.toISOString();
      findings.push(
        ...(await guard(`${prefix}.chain`, async () => {
          if (!signerCert) return [skippedRequired(`${prefix}.chain`, 'signer-certificate-missing', 'no signer certificate to validate')];
          return validateCertificate({
            certificate: signerCert,
            extraCertificates: parsed.certificates.filter((c) => c !== signerCert),
            trust: options.trust,
            at: timestampTime ?? claimed ?? options.now,
            atIsProven: timestampProven,
            checkPrefix: prefix,
            usage: 'document-signing',
          });
        })),
      );
    }
    const check = `document.changes-after-signature[${index}]`;
    findings.push(...(await guard(check, () => checkChangesAfter(check, bytes, sig, final, end === lastEnd))));
  }

  findings.push(...(await guard('document.payload-hash', () => checkAgainstLedger(bytes, signatureDictionaries, options))));
  return finish(findings, signatures, NO_DOCUMENT, options.ledger ? 'unknown-document' : 'not-checked');
}

const NO_DOCUMENT: DocumentSummary = { profile: 'foreign', documentId: null, kind: null, issuerPartyId: null, payloadHash: null };

/** The report: the verdict folded from the findings, and the line a person reads first. */
export function finish(findings: Finding[], signatures: SignatureSummary[], document: DocumentSummary, ledger: LedgerStanding): PdfVerificationReport {
  const folded = { ...report(findings), signatures, ledger };
  return { ...folded, document, summary: summarise(folded) };
}

// ---------------------------------------------------------------------------------------------
// Structure

type Structure =
  | { ok: false; finding: Finding }
  | { ok: true; finding: Finding; boundaries: RevisionBoundary[]; final: DocumentView; signatureDictionaries: RawSignatureDictionary[] };

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
    const signatureDictionaries = findSignatureDictionaries(bytes)
      .filter((s) => s.byteRange !== null)
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

/** The view of the revision ending at `limit`, repaired by scanning when its cross-references are damaged. */
function openView(bytes: Uint8Array, limit: number): { view: DocumentView; damaged?: string } {
  try {
    const view = DocumentView.open(bytes, limit);
    const root = view.catalog();
    if (!root) throw new Error('the trailer /Root is not a dictionary');
    return { view };
  } catch (error) {
    return { view: DocumentView.reconstruct(bytes, limit), damaged: message(error) };
  }
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
  if (der.subarray(derLength).some((b) => b !== 0)) {
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

async function checkTimestamp(prefix: string, cms: ParsedCms, options: PdfVerificationOptions): Promise<{ findings: Finding[]; time?: Date }> {
  const check = `${prefix}.timestamp`;
  const tokenDer = signatureTimestampToken(cms.signerInfo);
  if (!tokenDer) {
    return { findings: [{ check, status: 'skipped', code: 'no-timestamp', message: 'the signature carries no signature timestamp', required: false }] };
  }
  const token = parseTimestampToken(tokenDer);
  const imprint = token.tstInfo.messageImprint;
  const imprintHash = hashNameOf(imprint.hashAlgorithm.algorithm);
  if (!imprintHash) return { findings: [invalid(check, 'unsupported-digest-algorithm', `imprint algorithm ${imprint.hashAlgorithm.algorithm} is not supported`)] };
  if (!equalBytes(hash(imprintHash, new Uint8Array(cms.signerInfo.signature.buffer)), imprint.hashedMessage.buffer)) {
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
  const authority = await validateCertificate({
    certificate: tsaCert,
    extraCertificates: token.cms.certificates.filter((c) => c !== tsaCert),
    trust: options.trust,
    at: genTime,
    checkPrefix: `${prefix}.timestamp-authority`,
    usage: 'timestamping',
  });
  return { findings: [valid(check, `timestamped at ${genTime.toISOString()}`), ...authority], time: genTime };
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
    const onlyDss = analysis.disallowed.length === 0 && analysis.allowed.length > 0 && analysis.allowed.every((a) => a.kind === 'dss' || a.kind === 'structure') && analysis.allowed.some((a) => a.kind === 'dss');
    if (onlyDss) return [valid(check, 'only validation data (DSS) was added after the last signature')];
    const detail = analysis.disallowed.length > 0 ? `: ${named(analysis.disallowed)}` : analysis.changedObjects.length > 0 ? ` (objects ${analysis.changedObjects.slice(0, 20).join(', ')})` : ' (bytes that change no object)';
    return [invalid(check, 'unsigned-update-after-signature', `an update no signature covers was appended after the last signature${detail}`)];
  }
  if (analysis.disallowed.length > 0) {
    return [invalid(check, 'modified-after-signature', `the document changed after this signature: ${named(analysis.disallowed)}`)];
  }
  return [valid(check, `later revisions only add signatures, signature fields or validation data (${analysis.allowed.length} object(s))`)];
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
// Payload hash

async function checkAgainstLedger(bytes: Uint8Array, sigs: RawSignatureDictionary[], options: PdfVerificationOptions): Promise<Finding[]> {
  if (options.ledger && options.expectedPayloadHash === undefined) {
    const info = signedInfo(bytes, sigs);
    const documentId = textOf(info?.get(DOCUMENT_ID_INFO_KEY))?.trim();
    if (!documentId) {
      return [invalid('document.ledger', 'document-id-missing', `the last signed revision's /Info has no /${DOCUMENT_ID_INFO_KEY}`)];
    }
    const entry = await options.ledger(documentId);
    if (!entry) return [invalid('document.ledger', 'document-not-in-ledger', `the ledger holds no document ${documentId}`)];
    return [...checkPayloadHash(bytes, sigs, entry.payloadHash), ...entry.findings];
  }
  return checkPayloadHash(bytes, sigs, options.expectedPayloadHash);
}

/** The /Info dictionary of the last signed revision: what the signatures vouch for. */
function signedInfo(bytes: Uint8Array, sigs: RawSignatureDictionary[]): PdfDict | undefined {
  const ends = sigs.map((s) => signedEnd(s.byteRange)).filter((e): e is number => e !== undefined && e <= bytes.length);
  if (ends.length === 0) return undefined;
  const view = openView(bytes, Math.max(...ends)).view;
  return dictOf(view.resolve(view.trailer.get('Info')));
}

function checkPayloadHash(bytes: Uint8Array, sigs: RawSignatureDictionary[], expected: string | undefined): Finding[] {
  const check = 'document.payload-hash';
  if (expected === undefined) {
    return [{ check, status: 'skipped', code: 'not-requested', message: 'no expected payload hash was given', required: false }];
  }
  const info = signedInfo(bytes, sigs);
  if (!info && !sigs.some((s) => signedEnd(s.byteRange) !== undefined)) {
    return [invalid(check, 'payload-hash-missing', 'no signed revision to read the payload hash from')];
  }
  const found = textOf(info?.get(PAYLOAD_HASH_INFO_KEY))?.trim();
  if (!found) return [invalid(check, 'payload-hash-missing', `the last signed revision's /Info has no /${PAYLOAD_HASH_INFO_KEY}`)];
  return [
    found.toLowerCase() === expected.trim().toLowerCase()
      ? valid(check, 'the embedded payload hash matches the ledger')
      : invalid(check, 'payload-hash-mismatch', `the PDF embeds payload hash ${found}, the ledger expects ${expected}`),
  ];
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Runs one check; an unexpected exception becomes an `error` finding for that check. */
async function guard(check: string, run: () => Finding[] | Promise<Finding[]>): Promise<Finding[]> {
  try {
    return await run();
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
