import type { ArchiveRenewer } from '../../../application/ports/archive-renewer.port';
import { x509 } from '../../pki/x509';
import { findSignerCertificate, parseCms, parseTimestampToken, signatureTimestampToken } from '../verify/cms-signature';
import { findSignatureDictionaries } from '../verify/pdf-revisions';
import { nameOf } from '../verify/pdf-syntax';
import { extendToLevel, type LongTermOptions } from './pades-ltv';

/**
 * When the newest timestamp of a PDF stops proving anything: the notAfter of the TSA certificate of
 * its last document timestamp, or, without one, of the last signature's timestamp. Undefined when
 * the file carries no readable timestamp.
 */
export function newestTimestampExpiry(pdf: Uint8Array): Date | undefined {
  const signatures = findSignatureDictionaries(pdf).filter((s) => s.contents && s.byteRange?.length === 4);
  const end = (s: (typeof signatures)[number]) => (s.byteRange?.[2] ?? 0) + (s.byteRange?.[3] ?? 0);
  const last = signatures.sort((a, b) => end(a) - end(b)).at(-1);
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

export type RenewalOutcome = { renewed: true; pdf: Uint8Array; expiry: Date } | { renewed: false; expiry: Date | undefined };

/**
 * Renews an archive whose newest timestamp's TSA certificate expires within `withinMs` of the
 * clock: a DSS with that timestamp's validation data and a new document timestamp (B-LTA), as one
 * more incremental update. A file with no readable timestamp is left alone.
 */
export async function renewArchiveIfDue(pdf: Uint8Array, options: Omit<LongTermOptions, 'level'>, withinMs: number): Promise<RenewalOutcome> {
  const expiry = newestTimestampExpiry(pdf);
  if (!expiry || expiry.getTime() - options.clock().getTime() > withinMs) return { renewed: false, expiry };
  return { renewed: true, pdf: await extendToLevel(pdf, { ...options, level: 'B-LTA' }), expiry };
}

/** Renewal of stored documents with the service's TSA, revocation sources and clock. */
export function padesArchiveRenewer(options: Omit<LongTermOptions, 'level'>): ArchiveRenewer {
  return { newestTimestampExpiry, renew: (pdf) => extendToLevel(pdf, { ...options, level: 'B-LTA' }) };
}
