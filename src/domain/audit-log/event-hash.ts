import { createHash } from 'node:crypto';

/**
 * The hash of a signed event: SHA-256 (hex) of its envelope's UTF-8 bytes. The one definition
 * behind an event's `prev` link, the stored event hash and the audit's chain check.
 */
export function eventHash(envelope: string): string {
  return createHash('sha256').update(envelope, 'utf8').digest('hex');
}

/** A blob's key: SHA-256 (hex) of its bytes. */
export function blobHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
