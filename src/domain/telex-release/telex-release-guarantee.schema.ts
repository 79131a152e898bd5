import { z } from 'zod';
import { cargo, containerNumber, identifier, location, participantRef, partyRef, sizeType, text, vesselVoyage } from '../shared/schema';

export const telexReleaseGuaranteePayload = z
  .strictObject({
    guaranteeNumber: identifier(35),
    billOfLadingNumber: identifier(35),
    shipper: participantRef,
    /** A forwarder submitting on the shipper's behalf. */
    forwarder: participantRef.optional(),
    consignee: partyRef,
    carrier: partyRef,
    /** The carrier's agent at the port of loading, who accepts or rejects the guarantee. */
    carrierAgent: participantRef,
    /** The carrier's agent at the port of discharge, who is told of the release and issues the D/O. */
    destinationAgent: participantRef,
    vessel: vesselVoyage,
    portOfLoading: location,
    portOfDischarge: location,
    cargo,
    containers: z
      .array(z.strictObject({ number: containerNumber, sizeType, sealNumbers: z.array(identifier(30)).max(10) }))
      .min(1)
      .max(200),
    originals: z.strictObject({
      issued: z.number().int().min(1).max(10),
      surrendered: z.number().int().min(1).max(10),
    }),
    indemnityText: text(10_000, 'lines').pipe(z.string().min(20, 'the indemnity must be spelt out (at least 20 characters)')),
    signatory: z.strictObject({ name: text(100), title: text(100) }),
  })
  .superRefine((payload, ctx) => {
    if (payload.originals.surrendered !== payload.originals.issued) {
      ctx.addIssue({
        code: 'custom',
        path: ['originals', 'surrendered'],
        message: `a telex release needs the full set surrendered (${payload.originals.issued}/${payload.originals.issued})`,
        params: { code: 'originals-not-surrendered' },
      });
    }
    if (payload.carrierAgent.partyId === payload.destinationAgent.partyId) {
      ctx.addIssue({
        code: 'custom',
        path: ['destinationAgent', 'partyId'],
        message: 'the destination agent must differ from the agent at the port of loading',
        params: { code: 'same-agent' },
      });
    }
  });

export type TelexReleaseGuaranteePayload = z.infer<typeof telexReleaseGuaranteePayload>;
