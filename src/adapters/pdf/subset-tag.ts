import { createHash } from 'node:crypto';

/**
 * Six capital letters naming a font subset (ISO 32000 9.6.4), stable for a given identity so that
 * output is reproducible. `scope` keeps the document body's subsets and the signature appearances'
 * apart (their texts, and so their subsets, differ for the same identity).
 */
export function subsetTag(scope: 'subset' | 'appearance', identity: string): string {
  const digest = createHash('sha256').update(`${scope}\n${identity}`).digest();
  return Array.from(digest.subarray(0, 6), (byte) => String.fromCharCode(65 + (byte % 26))).join('');
}
