import type { Caller, DocumentService } from '../../../application/document-service';
import type { Party } from '../../../domain/party/party';

/** The issuer's newest D/Os read for the last number used. */
const RECENT = 20;
/** Numbers tried past it before proposing one unchecked (the clerk sees a refusal then, not a crash). */
const MAX_TRIES = 50;
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

/**
 * The start of an issuer's D/O numbers: its SCAC when it has one (a carrier), else the last part of
 * its party id (`demo-agent-sha` → `SHA`), letters and digits only, in capitals.
 */
export function deliveryOrderPrefix(party: Pick<Party, 'id' | 'identifiers'>): string {
  const scac = party.identifiers.scac;
  if (scac) return scac;
  const last = party.id.split('-').filter(Boolean).pop() ?? party.id;
  return (last.toUpperCase().replace(/[^A-Z0-9]/g, '') || 'DO').slice(0, 8);
}

/** `SHA-DO-2026-00042`: prefix, year in China, running number. */
export function deliveryOrderNumber(prefix: string, year: number, running: number): string {
  return `${prefix}-DO-${year}-${String(running).padStart(5, '0')}`;
}

/**
 * The number a new D/O of this issuer is proposed: one more than the highest running number of
 * this year among the issuer's newest D/Os, moved on past any number already used (amended, voided
 * or typed by hand), so it is free when proposed. Index lookups only, however many D/Os the issuer
 * has. The clerk may change it; two forms opened at once are proposed the same number, and the
 * second clerk to issue sees the next one on the next form.
 */
export async function nextDeliveryOrderNumber(documents: DocumentService, caller: Caller, issuer: Party, now: Date): Promise<string> {
  const prefix = deliveryOrderPrefix(issuer);
  const year = new Date(now.getTime() + SHANGHAI_OFFSET_MS).getUTCFullYear();
  const pattern = new RegExp(`^${prefix}-DO-${year}-(\\d{1,9})$`);
  const within = { kind: 'delivery-order', role: 'issuer' } as const;
  const { items } = await documents.search(caller, {}, { limit: RECENT, within });
  let running = 1;
  for (const stored of items) {
    const number = (stored.payload as { deliveryOrderNumber?: unknown }).deliveryOrderNumber;
    const match = typeof number === 'string' ? pattern.exec(number) : null;
    if (match) running = Math.max(running, Number(match[1]) + 1);
  }
  for (let tries = 0; tries < MAX_TRIES; tries += 1, running += 1) {
    const candidate = deliveryOrderNumber(prefix, year, running);
    const used = await documents.search(caller, { number: candidate }, { limit: 1, within });
    if (used.total.count === 0) return candidate;
  }
  return deliveryOrderNumber(prefix, year, running);
}
