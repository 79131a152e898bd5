import { createHash } from 'node:crypto';
import type { SignatureSlot } from '../../domain/document/document-signers';

/**
 * The names an SDX PDF carries: written by the renderer and the signer, read by the verifier, so
 * one place spells them.
 */

/** Keys of the /Info dictionary of an SDX document's first revision. */
export const DOCUMENT_ID_INFO_KEY = 'SDXDocumentId';
export const VERSION_INFO_KEY = 'SDXVersion';
export const PAYLOAD_HASH_INFO_KEY = 'SDXPayloadSHA256';
export const KIND_INFO_KEY = 'SDXKind';
export const ISSUER_INFO_KEY = 'SDXIssuer';

/** The associated file holding the canonical payload JSON. */
export const PAYLOAD_FILE_NAME = 'sdx-payload.json';

/** The reserved signature fields, in the order the lifecycle signs them. */
export const SIGNATURE_FIELDS: Readonly<Record<SignatureSlot, string>> = Object.freeze({ issuer: 'sdx-issuer', counter: 'sdx-counter' });

/**
 * The DSS /VRI key of a signature whose /Contents holds `contents`: upper-case hex SHA-1 of the
 * value as stored, padding included (ETSI EN 319 142-1 5.4.2.2).
 */
export function vriKeyOf(contents: Uint8Array): string {
  return createHash('sha1').update(contents).digest('hex').toUpperCase();
}
