import type { TimestampAuthority } from '../../../application/ports/key-store.port';
import { SdxError } from '../../../domain/shared/errors';
import { findSignatureDictionaries, type RawSignatureDictionary } from '../verify/pdf-revisions';
import { appendDss, vriKeyOf } from './document-security-store';
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

/** Adds what `level` asks for after a fresh signature: its validation data (B-LT). */
export async function extendToLevel(pdf: Uint8Array, options: LongTermOptions): Promise<Uint8Array> {
  return addValidationData(pdf, options.sources, options.clock());
}
