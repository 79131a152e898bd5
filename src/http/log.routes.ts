import { Router } from 'express';
import { z } from 'zod';
import type { LogService } from '../application/audit/log-service';
import type { Store } from '../application/ports/store.port';
import { RefusalError, SdxError, ValidationError } from '../domain/shared/errors';
import { storeParties } from '../application/audit/audit-bundle';
import { parseWith } from '../domain/shared/schema';
import { callerOf } from './auth';

// Plain decimal digits only: coercion would read '', ' ', '0x2' and '1e1' as numbers.
const count = z.string().regex(/^\d{1,16}$/, 'a whole number in decimal digits').transform(Number).pipe(z.number().max(Number.MAX_SAFE_INTEGER));

function query<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = parseWith(schema, input);
  if (!result.ok) throw new ValidationError(result.issues);
  return result.value;
}

/** The audit log: signed tree heads, entries and proofs, for any authenticated party. */
export function logRouter(log: LogService, store: Store): Router {
  const router = Router();

  router.get('/log/tree-head', async (_req, res) => {
    res.json(await log.currentTreeHead());
  });

  router.get('/log/entries', async (req, res) => {
    const { start, end } = query(z.strictObject({ start: count, end: count }), req.query);
    const caller = callerOf(req);
    const party = await store.getParty(caller.partyId);
    if (!party) throw new SdxError('not-found', `no party ${caller.partyId}`);
    const entries = await log.entriesFor({ partyId: party.id, roles: party.roles }, start, end);
    // An auditor's issue and transfer-in entries carry the payload, so a bundle made from them replays the rules and re-checks received chains.
    const auditor = party.roles.includes('auditor');
    const rows = [];
    for (const e of entries) {
      const payload = auditor && (e.seq === 1 || e.type === 'transfer-in') ? (await store.getDocument(e.documentId))?.payload : undefined;
      rows.push({ logIndex: e.logIndex, documentId: e.documentId, seq: e.seq, envelope: e.envelope, ...(payload !== undefined ? { payload } : {}) });
    }
    res.json({ entries: rows });
  });

  router.get('/log/parties', async (req, res) => {
    const party = await store.getParty(callerOf(req).partyId);
    if (!party?.roles.includes('auditor')) {
      throw new RefusalError({ code: 'auditor-only', category: 'forbidden', message: 'only an auditor reads the party list' });
    }
    res.json({ parties: await storeParties(store) });
  });

  router.get('/log/proof/inclusion', async (req, res) => {
    const { index, size } = query(z.strictObject({ index: count, size: count }), req.query);
    res.json(await log.inclusionProof(index, size));
  });

  router.get('/log/proof/consistency', async (req, res) => {
    const { from, to } = query(z.strictObject({ from: count, to: count }), req.query);
    res.json(await log.consistencyProof(from, to));
  });

  return router;
}
