import { report, type Finding, type VerificationReport } from './finding';

/**
 * The part a signer plays in an SDX document's lifecycle: `issuer` signs first (the issuer, or for
 * an EIR's gate record the facility's operator); `countersigner` is the EIR's haulier or the
 * guarantee's carrier agent accepting it; `timestamp` a document timestamp. Null: not an SDX
 * document, or a signer the lifecycle does not allow.
 */
export type SignerRole = 'issuer' | 'countersigner' | 'timestamp';

/** Per signature, for `--json` output and for display. */
export interface SignatureSummary {
  index: number;
  fieldName: string | null;
  subFilter: string | null;
  signerSubject: string | null;
  /** The SDX party the signer certificate names (`urn:sdx:party:<id>` SAN), if any. */
  signerPartyId: string | null;
  /** The signer's name as its certificate gives it (common name). */
  signerName: string | null;
  /** The signer's legal identifier (USCC) from the certificate's organizationIdentifier, if any. */
  signerLegalId: string | null;
  role: SignerRole | null;
  /** ISO 8601: the /M time, else the CMS signing-time attribute. A claim, never evidence. */
  signingTime: string | null;
  /** ISO 8601 genTime of a signature timestamp whose imprint and signature verified. */
  timestampTime?: string;
  /** ISO 8601: the timestamp's time when its authority is trusted; null without such a timestamp. */
  trustedTime: string | null;
  /** The signed ranges reach the end of the file. */
  coversWholeDocument: boolean;
  /** Index of the revision (counted by `%%EOF` markers, from 0) the signature ends at, or null. */
  revision: number | null;
}

/** What the signed first revision says the document is. */
export interface DocumentSummary {
  /** `sdx`: the strict change profile of SDX documents applies; `foreign`: any other PDF. */
  profile: 'sdx' | 'foreign';
  documentId: string | null;
  kind: string | null;
  /**
   * The number people know the document by (D/O, EIR or guarantee number), from the embedded
   * payload when it is a valid payload of `kind`; null otherwise. What the document claims.
   */
  number: string | null;
  /** The issuer the signed /Info names (checked against the parties the embedded payload allows). */
  issuerPartyId: string | null;
  /** SHA-256 of the canonical payload JSON embedded in the first revision, if one is. */
  payloadHash: string | null;
}

/** What a report says of a document it could not read or describe. */
export const NO_DOCUMENT: DocumentSummary = { profile: 'foreign', documentId: null, kind: null, number: null, issuerPartyId: null, payloadHash: null };

/**
 * Where the document stands against this exchange's ledger: `recorded` (every signed revision is
 * the one an event recorded, signed by that event's actor), `not-the-issued-document` (it names a
 * document the ledger holds, but is not what the ledger recorded), `unknown-document` (the ledger
 * holds no such document, or the PDF names none), `not-checked` (verified offline).
 */
export type LedgerStanding = 'recorded' | 'not-the-issued-document' | 'unknown-document' | 'not-checked';

/** The one line a person reads first. */
export type Outcome =
  /** Valid and recorded in this exchange's ledger. */
  | 'genuine'
  /** Signatures valid, but this exchange did not issue it (or the ledger was not consulted). */
  | 'valid-not-recorded'
  /** Nothing is broken, but a person must look at what `finding` names. */
  | 'indeterminate'
  /** Forged or changed: `finding` says what, in which revision, by whom. */
  | 'forged';

export interface PdfVerificationReport extends VerificationReport {
  signatures: SignatureSummary[];
  document: DocumentSummary;
  ledger: LedgerStanding;
  /** With a `recorded` standing: the document's status in the ledger now (it may be voided or released since); else null. */
  ledgerStatus: string | null;
  summary: { outcome: Outcome; finding?: Finding; signerName?: string | null };
}

/** The line a person reads first, from the verdict, the ledger standing and the first finding that decided it. */
export function summarise(
  verification: VerificationReport & { signatures: SignatureSummary[]; ledger: LedgerStanding },
): PdfVerificationReport['summary'] {
  if (verification.verdict === 'invalid') {
    const finding = verification.findings.find((f) => f.required && f.status !== 'valid' && f.status !== 'indeterminate');
    return { outcome: 'forged', ...(finding ? { finding, signerName: signerOf(verification.signatures, finding) } : {}) };
  }
  if (verification.verdict === 'indeterminate') {
    const finding = verification.findings.find((f) => f.status === 'indeterminate');
    return { outcome: 'indeterminate', ...(finding ? { finding, signerName: signerOf(verification.signatures, finding) } : {}) };
  }
  return { outcome: verification.ledger === 'recorded' ? 'genuine' : 'valid-not-recorded' };
}

function signerOf(signatures: readonly SignatureSummary[], finding: Finding): string | null {
  const signature = signatureOf(signatures, finding);
  return signature ? (signature.signerName ?? signature.signerSubject) : null;
}

/** The signature whose signer is answerable for a finding: the signature it checks, else the first one at or after its revision. */
export function signatureOf(signatures: readonly SignatureSummary[], finding: Finding): SignatureSummary | undefined {
  const indexed = /^(?:signature|document\.changes-after-signature)\[(\d+)\]/.exec(finding.check);
  if (indexed && finding.revision === undefined) return signatures[Number(indexed[1])];
  if (finding.revision === undefined) return undefined;
  const revision = finding.revision;
  return signatures.filter((s) => s.revision !== null && s.revision >= revision).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))[0];
}

/** The report: the verdict folded from the findings, and the line a person reads first. */
export function finish(
  findings: Finding[],
  signatures: SignatureSummary[],
  document: DocumentSummary,
  ledger: LedgerStanding,
  ledgerStatus: string | null = null,
): PdfVerificationReport {
  const folded = { ...report(findings), signatures, ledger };
  return { ...folded, document, ledgerStatus: ledger === 'recorded' ? ledgerStatus : null, summary: summarise(folded) };
}
