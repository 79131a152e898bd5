import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Deliveries carry `SDX-Signature: t=<unix seconds>,v1=<hex HMAC-SHA-256(secret, "<t>.<body>")>`.
 * A receiver recomputes the MAC over the raw body, compares in constant time, and refuses a `t`
 * further than its tolerance from its clock, so a captured delivery cannot be replayed later; the
 * `SDX-Event-Id` header (stable across retries) lets it drop duplicates.
 */
export const SIGNATURE_HEADER = 'SDX-Signature';
export const EVENT_ID_HEADER = 'SDX-Event-Id';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signDelivery(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export type SignatureCheck = 'valid' | 'malformed' | 'mismatch' | 'stale';

/** What a receiver runs; published here so our tests and docs use the same rule. */
export function checkDeliverySignature(secret: string, body: string, header: string | undefined, nowSeconds: number, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): SignatureCheck {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return 'malformed';
  const timestamp = Number(match[1]);
  const expected = Buffer.from(signDelivery(secret, body, timestamp).split('v1=')[1] ?? '', 'hex');
  const given = Buffer.from(match[2] ?? '', 'hex');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'mismatch';
  return Math.abs(nowSeconds - timestamp) > toleranceSeconds ? 'stale' : 'valid';
}
