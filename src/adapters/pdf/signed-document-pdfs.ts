import type { DocumentPdfs, PdfContent, SignatureRequest } from '../../application/ports/document-pdf.port';
import type { KeyStore, TimestampAuthority } from '../../application/ports/key-store.port';
import type { PartyId } from '../../domain/party/party';
import { signPdf } from './sign/pades-signer';
import { extendToLevel, type LongTermOptions } from './sign/pades-ltv';
import { signatureBoxes, type DocumentRenderer, type SignatureBox } from './render/render-document';
import { SIGNATURE_FIELDS } from './sdx-pdf-format';

/**
 * The document PDF pipeline: render, then sign with the one signing routine. The first signature
 * and every countersignature are incremental updates, each filling the field the renderer reserved
 * for it (`sdx-issuer`, `sdx-counter`).
 */
export class SignedDocumentPdfs implements DocumentPdfs {
  constructor(
    private readonly renderer: DocumentRenderer,
    private readonly keys: KeyStore,
    /** With a TSA, signatures are PAdES B-T; without, B-B. */
    private readonly timestampAuthority?: TimestampAuthority,
    /** Given: each signature is followed by its validation data (B-LT) and, for B-LTA, a document timestamp. */
    private readonly longTerm?: LongTermOptions,
  ) {}

  async renderSigned(content: PdfContent, signerPartyId: PartyId, signature: SignatureRequest): Promise<Uint8Array> {
    return this.sign(await this.renderer.render(content), signerPartyId, signature);
  }

  countersign(pdf: Uint8Array, signerPartyId: PartyId, signature: SignatureRequest): Promise<Uint8Array> {
    return this.sign(pdf, signerPartyId, signature);
  }

  private async sign(pdf: Uint8Array, signerPartyId: PartyId, request: SignatureRequest): Promise<Uint8Array> {
    const signed = await this.signOnly(pdf, signerPartyId, request);
    return this.longTerm ? extendToLevel(signed, this.longTerm) : signed;
  }

  private async signOnly(pdf: Uint8Array, signerPartyId: PartyId, request: SignatureRequest): Promise<Uint8Array> {
    const box: SignatureBox = signatureBoxes[request.box];
    return signPdf(pdf, {
      signer: await this.keys.signerFor(signerPartyId),
      fieldName: SIGNATURE_FIELDS[request.box],
      // Used only for a PDF without the reserved field (one rendered before fields were reserved).
      page: 'last',
      rect: [box.x, box.y, box.x + box.width, box.y + box.height],
      signerName: request.signerName,
      ...(request.signerNameZh ? { signerNameZh: request.signerNameZh } : {}),
      ...(request.role ? { role: request.role } : {}),
      appearanceFont: this.renderer.appearanceFont(),
      reason: request.reason,
      ...(request.location ? { location: request.location } : {}),
      signingTime: request.at,
      ...(this.timestampAuthority ? { timestampAuthority: this.timestampAuthority } : {}),
    });
  }
}
