import { z } from 'zod';
import {
  cargo,
  containerNumber,
  identifier,
  isoDateTime,
  location,
  participantRef,
  partyRef,
  sizeType,
  text,
  vesselVoyage,
  weightKg,
} from '../shared/schema';

export const releaseBasisTypes = ['original-bl-surrendered', 'telex-release', 'sea-waybill'] as const;

/** Why the carrier may release the cargo: the originals came back, a telex release, or a waybill. */
export const releaseBasis = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('original-bl-surrendered'),
    originalsSurrendered: z.number().int().min(1).max(10).optional(),
  }),
  z.strictObject({
    type: z.literal('telex-release'),
    /** The SDX id of the accepted telex-release guarantee for the same B/L. */
    guaranteeId: identifier(64),
  }),
  z.strictObject({ type: z.literal('sea-waybill') }),
]);

export const deliveryOrderContainer = z.strictObject({
  number: containerNumber,
  sizeType,
  sealNumbers: z.array(identifier(30)).max(10),
  grossWeightKg: weightKg,
});

const facility = z.strictObject({
  partyId: participantRef.shape.partyId,
  name: text(),
  unLocode: location.shape.unLocode,
});

export const deliveryOrderPayload = z
  .strictObject({
    deliveryOrderNumber: identifier(35),
    billOfLadingNumber: identifier(35),
    carrier: participantRef,
    /** The carrier's agent at the port of discharge, when it issues the D/O for the carrier. */
    carrierAgent: participantRef.optional(),
    consignee: participantRef,
    notifyParty: partyRef.optional(),
    vessel: vesselVoyage,
    portOfDischarge: location,
    placeOfDelivery: location.optional(),
    containers: z.array(deliveryOrderContainer).min(1).max(200),
    cargo,
    /** The terminal the D/O is presented to and which releases the containers. */
    pickupTerminal: facility,
    emptyReturnDepot: facility.extend({ partyId: facility.shape.partyId.optional() }),
    freeTimeUntil: isoDateTime,
    validUntil: isoDateTime,
    chargesPaid: z.boolean(),
    customsReleaseReference: identifier(50).optional(),
    releaseBasis,
    remarks: text(2000, 'lines').optional(),
  })
  .superRefine((payload, ctx) => {
    const seen = new Set<string>();
    payload.containers.forEach((container, index) => {
      if (seen.has(container.number)) {
        ctx.addIssue({
          code: 'custom',
          path: ['containers', index, 'number'],
          message: `container ${container.number} is listed twice`,
          params: { code: 'duplicate-container' },
        });
      }
      seen.add(container.number);
    });
  });

export type DeliveryOrderPayload = z.infer<typeof deliveryOrderPayload>;
export type ReleaseBasis = z.infer<typeof releaseBasis>;
