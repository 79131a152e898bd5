import { createHash } from 'node:crypto';
import type { PartySigner, TimestampAuthority } from '../../../application/ports/key-store.port';
import { buildCmsSignedData } from './cms-signed-data';
import { formatBeijingTime } from '../../../domain/shared/beijing-time';
import { appendSignaturePlaceholder, embedSignature, signedRanges, type SignatureRect } from './incremental-update';
import type { AppearanceFont } from './signature-appearance';

/** Room for a B-T CMS with a three-certificate RSA chain and a timestamp token with its own chain. */
export const DEFAULT_CONTENTS_SIZE = 16384;

export interface SignPdfOptions {
  signer: PartySigner;
  /**
   * An empty signature field to fill (SDX documents reserve `sdx-issuer` and `sdx-counter`), or a
   * name not yet in the document for a new field. A field already signed is refused.
   */
  fieldName: string;
  /** For a new field: `last` (default) or a 0-based page index. */
  page?: 'last' | number;
  /**
   * For a new field: the widget rectangle in page user space; omitted or [0, 0, 0, 0] means an
   * invisible signature. A filled field keeps its own rectangle.
   */
  rect?: SignatureRect;
  reason?: string;
  location?: string;
  signerName: string;
  /**
   * The font a visible signature is drawn in (a subset embedded with the signature): the signer's
   * Chinese and English names, role and Beijing time beside a seal mark. SDX passes the document font.
   */
  appearanceFont: AppearanceFont;
  signerNameZh?: string;
  role?: { zh: string; en: string };
  /** Written to /M; PAdES keeps the claimed signing time out of the CMS. */
  signingTime: Date;
  /** Given: PAdES B-T (RFC 3161 token over the signature value). Omitted: B-B. */
  timestampAuthority?: TimestampAuthority;
  /** Bytes reserved for the DER CMS (default 16384). */
  contentsSize?: number;
}

/**
 * Signs `pdf` by appending an incremental update; the input bytes stay untouched, so calling this
 * again on its own output (with the next field) adds a countersignature and leaves the earlier one valid.
 */
export async function signPdf(pdf: Uint8Array, options: SignPdfOptions): Promise<Uint8Array> {
  const prepared = await appendSignaturePlaceholder(pdf, {
    fieldName: options.fieldName,
    page: options.page ?? 'last',
    rect: options.rect ?? [0, 0, 0, 0],
    appearance: {
      font: options.appearanceFont,
      lines: [
        ...(options.signerNameZh ? [options.signerNameZh] : []),
        options.signerName,
        ...(options.role ? [`${options.role.zh} ${options.role.en}`] : []),
        formatBeijingTime(options.signingTime) ?? options.signingTime.toISOString(),
        '已数字签名 Digitally signed',
      ],
      sealText: '电子签章',
    },
    signingTime: options.signingTime,
    signerName: options.signerName,
    ...(options.reason ? { reason: options.reason } : {}),
    ...(options.location ? { location: options.location } : {}),
    contentsSize: options.contentsSize ?? DEFAULT_CONTENTS_SIZE,
  });
  const hash = createHash('sha256');
  for (const range of signedRanges(prepared)) hash.update(range);
  const cms = await buildCmsSignedData({
    signer: options.signer,
    contentDigest: hash.digest(),
    ...(options.timestampAuthority ? { timestampAuthority: options.timestampAuthority } : {}),
  });
  return embedSignature(prepared, cms);
}
