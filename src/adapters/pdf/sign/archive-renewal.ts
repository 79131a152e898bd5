import type { ArchiveRenewer } from '../../../application/ports/archive-renewer.port';
import { x509 } from '../../pki/x509';
import { findSignerCertificate, parseCms, parseTimestampToken, signatureTimestampToken } from '../verify/cms-signature';
import { findSignatureDictionaries, type RawSignatureDictionary } from '../verify/pdf-revisions';
import { nameOf } from '../verify/pdf-syntax';
import { SdxError } from '../../../domain/shared/errors';
import { vriKeyOf } from '../sdx-pdf-format';
import { appendDss } from './document-security-store';
import { addDocumentTimestamp, type LongTermOptions } from './pades-ltv';
import { gatherValidationMaterial } from './validation-data';

/**
 * When the newest timestamp of a PDF stops proving anything: the notAfter of the TSA certificate of
 * its last document timestamp, or, without one, of the last signature's timestamp. Undefined when
 * the file carries no readable timestamp.
 */
export function newestTimestampExpiry(pdf: Uint8Array): Date | undefined {
  const last = newestSignature(pdf);
  if (!last?.contents) return undefined;
  try {
    const tokenDer = nameOf(last.dict.get('Type')) === 'DocTimeStamp' ? last.contents.bytes : signatureTimestampToken(parseCms(last.contents.bytes).signerInfo);
    if (!tokenDer) return undefined;
    const token = parseTimestampToken(tokenDer);
    const tsa = findSignerCertificate(token.cms.signerInfo, token.cms.certificates);
    return tsa ? new x509.X509Certificate(tsa).notAfter : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The signature or document timestamp signed last (its byte range ends last). In a B-LT or renewed
 * file it need not cover the whole file: validation data follows it.
 */
function newestSignature(pdf: Uint8Array): RawSignatureDictionary | undefined {
  const signatures = findSignatureDictionaries(pdf).filter((s) => s.contents && s.byteRange?.length === 4);
  const end = (s: RawSignatureDictionary) => (s.byteRange?.[2] ?? 0) + (s.byteRange?.[3] ?? 0);
  return signatures.sort((a, b) => end(a) - end(b)).at(-1);
}

/**
 * One renewal: a DSS with the validation data of the newest signature or timestamp (its signer's
 * and TSA's paths and fresh revocation data), then a document timestamp over the whole file. Works
 * on B-T, B-LT and B-LTA files alike, whatever follows the newest signature. Unlike signing, a
 * signer revoked since is no reason to stop: its signature's time is proven by the timestamps.
 */
export async function renewArchive(pdf: Uint8Array, options: Omit<LongTermOptions, 'level'>): Promise<Uint8Array> {
  const newest = newestSignature(pdf);
  if (!newest?.contents) throw new SdxError('unsupported-pdf-structure', 'the document carries no signature or timestamp to renew');
  const contents = newest.contents.bytes;
  const at = options.clock();
  const { material } = await gatherValidationMaterial(contents, options.sources);
  const withData = await appendDss(pdf, [{ vriKey: vriKeyOf(contents), material, at }]);
  return addDocumentTimestamp(withData, options.timestampAuthority, at);
}

export type RenewalOutcome = { renewed: true; pdf: Uint8Array; expiry: Date } | { renewed: false; expiry: Date | undefined };

/**
 * Renews an archive whose newest timestamp's TSA certificate expires within `withinMs` of the
 * clock: a DSS with that timestamp's validation data and a new document timestamp (B-LTA), as one
 * more incremental update. A file with no readable timestamp is left alone.
 */
export async function renewArchiveIfDue(pdf: Uint8Array, options: Omit<LongTermOptions, 'level'>, withinMs: number): Promise<RenewalOutcome> {
  const expiry = newestTimestampExpiry(pdf);
  if (!expiry || expiry.getTime() - options.clock().getTime() > withinMs) return { renewed: false, expiry };
  return { renewed: true, pdf: await renewArchive(pdf, options), expiry };
}

/** Renewal of stored documents with the service's TSA, revocation sources and clock. */
export function padesArchiveRenewer(options: Omit<LongTermOptions, 'level'>): ArchiveRenewer {
  return { newestTimestampExpiry, renew: (pdf) => renewArchive(pdf, options) };
}
