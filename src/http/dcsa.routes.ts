import { Router } from 'express';
import { z } from 'zod';
import type { DcsaReads } from '../application/dcsa/dcsa-reads';
import { deoVersion } from '../application/dcsa/deo-delivery-order';
import { equipmentEventTypeCodes, tntEventTypes, tntVersion } from '../application/dcsa/tnt-equipment-event';
import { parseOrThrow } from '../domain/shared/schema';
import { callerOf } from './auth';

/** DCSA's comma-separated list parameters (`explode: false`), checked value by value. */
function commaList<T extends string>(values: readonly [T, ...T[]]) {
  const one = values.join('|');
  return z
    .string()
    .regex(new RegExp(`^(${one})(,(${one}))*$`), `a comma-separated list of ${values.join(', ')}`)
    .transform((list) => list.split(',') as T[]);
}

const reference = z.string().min(1).max(100);

/** The query of DCSA TNT 3.0.0 `GET /events`; exported so the OpenAPI document derives its parameters from it. */
export const tntEventsQuery = z.strictObject({
  carrierBookingReference: reference.optional(),
  transportDocumentReference: reference.optional(),
  equipmentReference: reference.optional(),
  eventTypes: commaList(tntEventTypes).optional(),
  // Not in TNT 3.0.0's GET /events; DCSA's event domain 3.x names this filter so.
  equipmentEventTypeCodes: commaList(equipmentEventTypeCodes).optional(),
  eventUpdatedDateTimeMin: z.iso.datetime({ offset: true }).optional(),
  eventUpdatedDateTimeMax: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

/** SDX documents in DCSA shapes: Track & Trace 3.0.0 equipment events and DEO delivery orders. */
export function dcsaRouter(reads: DcsaReads): Router {
  const router = Router();

  router.get('/dcsa/tnt/v3/events', async (req, res) => {
    // DCSA: every response, errors included, names the standard's version.
    res.set('API-Version', tntVersion);
    const { limit, cursor, ...filter } = parseOrThrow(tntEventsQuery, req.query);
    const page = await reads.equipmentEvents(callerOf(req), filter, limit, cursor);
    if (page.nextCursor !== null) res.set('Next-Page-Cursor', page.nextCursor);
    res.json({ events: page.events });
  });

  router.get('/dcsa/deo/delivery-orders/:id', async (req, res) => {
    res.set('API-Version', deoVersion);
    res.json(await reads.deliveryOrder(callerOf(req), req.params.id));
  });

  return router;
}
