import { z } from 'zod';
import {
  containerNumber,
  identifier,
  isoDateTime,
  participantRef,
  partyRef,
  plainString,
  sizeType,
  text,
  unLocode,
  vesselVoyage,
} from '../shared/schema';

export const eirPurposes = [
  'empty-pickup',
  'laden-pickup',
  'export-delivery',
  'empty-return',
  'repositioning',
  'repair',
] as const;

export const sealTypes = ['carrier', 'shipper', 'customs', 'terminal', 'veterinary'] as const;

export const seal = z.strictObject({
  number: identifier(30),
  type: z.enum(sealTypes),
});

export const eirPayload = z
  .strictObject({
    eirNumber: identifier(35),
    direction: z.enum(['OUT', 'IN']),
    purpose: z.enum(eirPurposes),
    container: z.strictObject({
      number: containerNumber,
      sizeType,
      fullEmpty: z.enum(['EMPTY', 'LADEN']),
      operator: partyRef,
      grossWeightKg: z.number().positive().max(100_000).optional(),
    }),
    seals: z.array(seal).max(10),
    billOfLadingNumber: identifier(35).optional(),
    bookingNumber: identifier(35).optional(),
    vessel: vesselVoyage.optional(),
    /** The terminal or depot where the container passes the gate; its operator records the gate event. */
    facility: z.strictObject({
      unLocode,
      name: text(),
      operator: participantRef,
    }),
    haulier: participantRef,
    driver: z.strictObject({
      name: text(100),
      licenseNumber: identifier(30).optional(),
      mobile: plainString().regex(/^\+?[0-9 -]{6,20}$/, 'must be a phone number').optional(),
    }),
    truckPlate: identifier(16),
    validFrom: isoDateTime,
    validUntil: isoDateTime,
    remarks: text(2000, 'lines').optional(),
  })
  .superRefine((payload, ctx) => {
    if (!payload.billOfLadingNumber && !payload.bookingNumber) {
      ctx.addIssue({
        code: 'custom',
        path: ['bookingNumber'],
        message: 'an EIR names a booking number or a B/L number',
        params: { code: 'required' },
      });
    }
    if (Date.parse(payload.validUntil) <= Date.parse(payload.validFrom)) {
      ctx.addIssue({
        code: 'custom',
        path: ['validUntil'],
        message: 'must be later than validFrom',
        params: { code: 'invalid-window' },
      });
    }
  });

export type EirPayload = z.infer<typeof eirPayload>;

export const damageLine = z.strictObject({
  component: text(50),
  location: text(50),
  damage: text(50),
  repair: text(50).optional(),
  photoSha256: z.array(plainString().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest')).max(10).optional(),
});

/** What the terminal records when the container passes the gate. */
export const gateRecord = z.strictObject({
  passedAt: isoDateTime,
  condition: z.enum(['sound', 'damaged']),
  damages: z.array(damageLine).max(50),
  seals: z.array(seal).max(10),
  photoSha256: z.array(plainString().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest')).max(20),
  remarks: text(2000, 'lines').optional(),
});

export type GateRecord = z.infer<typeof gateRecord>;
export type DamageLine = z.infer<typeof damageLine>;
