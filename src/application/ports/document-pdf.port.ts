import type { DocumentKind } from '../../domain/document/document';
import type { GateRecord } from '../../domain/eir/eir.schema';
import type { PartyId } from '../../domain/party/party';

/** What a document's PDF shows. */
export interface PdfContent {
  kind: DocumentKind;
  /** Already validated against the kind's schema. */
  payload: unknown;
  documentId: string;
  version: number;
  payloadHash: string;
  /** Where the QR code points. */
  verifyUrl: string;
  /** ISO 8601; also the PDF's creation and modification date. */
  issuedAt: string;
  issuerName: string;
  /** The issuing party's id, written to the PDF's /Info as SDXIssuer. */
  issuerPartyId: PartyId;
  /** EIR only, once the terminal has recorded the gate event. */
  gateRecord?: GateRecord;
  photos?: { sha256: string; mediaType: 'image/jpeg' | 'image/png'; bytes: Uint8Array }[];
}

export interface SignatureRequest {
  /** The signing party's English (or only) name. */
  signerName: string;
  /** The signing party's Chinese name, shown with the English one in the signature appearance. */
  signerNameZh?: string;
  /** In what capacity the party signs (签发方 Issuer, 场站 Facility, ...), shown in the appearance. */
  role?: { zh: string; en: string };
  reason: string;
  location?: string;
  at: Date;
  /** Where the visible signature goes: the issuer's box or the counter-signatory's. */
  box: 'issuer' | 'counter';
}

/**
 * Renders documents to PDF and signs them as a party whose key the implementation holds (so that
 * the work, keys included, may run on other threads); every signature after the first is an
 * incremental update.
 */
export interface DocumentPdfs {
  renderSigned(content: PdfContent, signerPartyId: PartyId, signature: SignatureRequest): Promise<Uint8Array>;
  countersign(pdf: Uint8Array, signerPartyId: PartyId, signature: SignatureRequest): Promise<Uint8Array>;
}
