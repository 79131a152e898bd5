import type { TimestampAuthority } from '../../../application/ports/key-store.port';
import { SdxError } from '../../../domain/shared/errors';
import { createHash } from 'node:crypto';
import { findSignatureDictionaries, type RawSignatureDictionary } from '../verify/pdf-revisions';
import { nameOf } from '../verify/pdf-syntax';
import { appendSignaturePlaceholder, embedSignature, signedRanges } from './incremental-update';
import { vriKeyOf } from '../sdx-pdf-format';
import { appendDss } from './document-security-store';
import { gatherValidationMaterial, type RevocationSources } from './validation-data';

/** PAdES baseline levels SDX writes: B-T (timestamped), B-LT (+ DSS), B-LTA (+ document timestamp). */
export type PadesLevel = 'B-T' | 'B-LT' | 'B-LTA';

/** The signature (or document timestamp) that covers the whole file: the one just made. */
export function lastSignature(pdf: Uint8Array): RawSignatureDictionary {
  const last = findSignatureDictionaries(pdf).find((sig) => {
    const range = sig.byteRange;
    return range?.length === 4 && (range[2] ?? 0) + (range[3] ?? 0) === pdf.length;
  });
  if (!last?.contents) throw new SdxError('unsupported-pdf-structure', 'the document has no signature covering the whole file to add validation data for');
  return last;
}

/**
 * PAdES B-LT: appends a DSS update with the validation data of the signature that ends the file
 * (its signer's path and revocation data, the same for its timestamp's TSA). A signer whose
 * certificate its CA reports revoked at `at` is refused with `signer-revoked`: the signature would
 * be worthless, so no document carrying it is handed out.
 */
export async function addValidationData(pdf: Uint8Array, sources: RevocationSources, at: Date): Promise<Uint8Array> {
  const signature = lastSignature(pdf);
  const contents = signature.contents?.bytes ?? new Uint8Array();
  const gathered = await gatherValidationMaterial(contents, sources);
  const signer = gathered.standings[0];
  if (signer?.revokedAt && signer.revokedAt.getTime() <= at.getTime()) {
    throw new SdxError(
      'signer-revoked',
      `"${signer.certificate.subject}" was revoked on ${signer.revokedAt.toISOString()} (its CA says so now); the party needs a new certificate (sdx keys rotate)`,
    );
  }
  return appendDss(pdf, [{ vriKey: vriKeyOf(contents), material: gathered.material, at }]);
}

export interface LongTermOptions {
  level: Exclude<PadesLevel, 'B-T'>;
  sources: RevocationSources;
  clock: () => Date;
  /** The TSA of document timestamps (B-LTA). */
  timestampAuthority: TimestampAuthority;
}

/**
 * Adds what `level` asks for after a fresh signature: its validation data (B-LT), then for B-LTA a
 * document timestamp over the whole file. Run on a file that ends with a document timestamp, the
 * same two steps renew the archive: the DSS gains that timestamp's validation data, and a new
 * timestamp covers it.
 */
export async function extendToLevel(pdf: Uint8Array, options: LongTermOptions): Promise<Uint8Array> {
  const withData = await addValidationData(pdf, options.sources, options.clock());
  return options.level === 'B-LTA' ? addDocumentTimestamp(withData, options.timestampAuthority, options.clock()) : withData;
}

/** Room for an RFC 3161 token with the TSA's chain. */
const DOCUMENT_TIMESTAMP_SIZE = 12288;

/**
 * PAdES B-LTA: appends a document timestamp (/Type /DocTimeStamp, ETSI.RFC3161) over the whole
 * file in a new invisible field `sdx-archive-<n>`: no appearance, so the strict SDX change profile
 * allows it after any signature.
 */
export async function addDocumentTimestamp(pdf: Uint8Array, tsa: TimestampAuthority, at: Date): Promise<Uint8Array> {
  const stamps = findSignatureDictionaries(pdf).filter((sig) => nameOf(sig.dict.get('Type')) === 'DocTimeStamp').length;
  const prepared = await appendSignaturePlaceholder(pdf, {
    fieldName: `sdx-archive-${stamps + 1}`,
    page: 'last',
    rect: [0, 0, 0, 0],
    signingTime: at,
    documentTimestamp: true,
    contentsSize: DOCUMENT_TIMESTAMP_SIZE,
  });
  const digest = createHash('sha256');
  for (const range of signedRanges(prepared)) digest.update(range);
  return embedSignature(prepared, await tsa.timestamp(digest.digest()));
}
