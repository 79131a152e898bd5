/**
 * Bounds on what the verifier reads, so that a hostile PDF costs bounded work however it is built.
 * Real documents stay far below each: an SDX document has ~60 objects, 1–3 signatures, nesting
 * under 10 and a CMS of ~5 certificates; the largest published PDFs have a few hundred thousand
 * objects. The hard stop for whatever slips past these is the time and memory limit of the worker
 * a verification runs on (bounded-verifier.ts).
 */
export const VERIFY_LIMITS = {
  /** Larger inputs are refused before parsing. */
  maxPdfBytes: 32 * 1024 * 1024,
  /** Cross-reference entries in one view of the document (all sections together). */
  maxObjects: 1_000_000,
  /** Signature dictionaries found by scanning the bytes (and twice as many objects that look like one). */
  maxSignatures: 32,
  /** Items in one array or dictionary (a CJK font's widths run to tens of thousands). */
  maxItems: 250_000,
  /** Arrays and dictionaries inside one another. */
  maxNesting: 100,
  /** Characters in one number token; PDF numbers need no more than 40. */
  maxNumberLength: 64,
  /** Output of one decoded (inflated) stream. */
  maxDecodedStreamBytes: 64 * 1024 * 1024,
  /** Filters applied to one stream (each may expand it up to the size above). */
  maxStreamFilters: 4,
  /** Decoded cross-reference and object streams held by one view of the document. */
  maxDecodedBytesPerView: 128 * 1024 * 1024,
  /** Times the damaged-file repair tries a candidate trailer or cross-reference stream. */
  maxRepairAttempts: 16,
  /** Depth of one BER/DER structure (an SDX CMS with its timestamp token nests 25 deep). */
  maxDerDepth: 64,
  /** Elements in one BER/DER structure. */
  maxDerElements: 100_000,
  /** Certificates in one CMS SignedData. */
  maxCmsCertificates: 32,
} as const;

/** Which bound a document hit; each is a finding code of its own. */
export const PDF_LIMIT_CODES = [
  'pdf-too-large',
  'too-many-objects',
  'too-many-items',
  'too-many-signatures',
  'nesting-too-deep',
  'number-too-long',
  'stream-too-large',
  'der-too-complex',
] as const;
export type PdfLimitCode = (typeof PDF_LIMIT_CODES)[number];

/** A document (or a CMS inside it) larger or more complex than the verifier reads. */
export class PdfLimitError extends Error {
  override readonly name = 'PdfLimitError';

  constructor(
    readonly code: PdfLimitCode,
    message: string,
  ) {
    super(message);
  }
}

export function isPdfLimitError(error: unknown): error is PdfLimitError {
  return error instanceof Error && error.name === 'PdfLimitError' && 'code' in error;
}
