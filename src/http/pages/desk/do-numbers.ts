import type { Caller, DocumentService } from '../../../application/document-service';
import type { Party } from '../../../domain/party/party';

/** Documents read per page while looking for the highest number used. */
const PAGE_SIZE = 500;
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
 * this year the issuer has used on any of its D/Os (amended, voided or not), so it is free when
 * proposed. The clerk may change it; two forms opened at once are proposed the same number, and the
 * second clerk to issue sees the next one on the next form.
 */
export async function nextDeliveryOrderNumber(documents: DocumentService, caller: Caller, issuer: Party, now: Date): Promise<string> {
  const prefix = deliveryOrderPrefix(issuer);
  const year = new Date(now.getTime() + SHANGHAI_OFFSET_MS).getUTCFullYear();
  const pattern = new RegExp(`^${prefix}-DO-${year}-(\\d{1,9})$`);
  let highest = 0;
  let after: string | undefined;
  for (;;) {
    const { items, nextCursor } = await documents.list(caller, { kind: 'delivery-order', role: 'issuer', limit: PAGE_SIZE, ...(after ? { after } : {}) });
    for (const stored of items) {
      const number = (stored.payload as { deliveryOrderNumber?: unknown }).deliveryOrderNumber;
      const match = typeof number === 'string' ? pattern.exec(number) : null;
      if (match) highest = Math.max(highest, Number(match[1]));
    }
    if (!nextCursor) break;
    after = nextCursor;
  }
  return deliveryOrderNumber(prefix, year, highest + 1);
}
