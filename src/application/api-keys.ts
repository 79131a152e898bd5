import { createHash, randomBytes } from 'node:crypto';

/** Keys are stored and looked up by this digest only; the secret itself is never kept. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** A new random key; shown once to its owner. */
export function generateApiKey(): string {
  return `sdx_${randomBytes(24).toString('base64url')}`;
}
