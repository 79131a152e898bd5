import { z } from 'zod';
import type { DeliveryOrderPayload } from '../../domain/delivery-order/delivery-order.schema';
import { SdxError } from '../../domain/shared/errors';
import { dcsaDateTime, dcsaLimits, fitText, headOfNumber } from './dcsa-fields';

/**
 * A D/O with the field names of DCSA's `deliveryOrder` (Documentation domain 3.0.0, used by DEO
 * 1.0.0-Beta-1), its values fitted to DCSA's limits by the rules in dcsa-fields.ts. An SDX D/O
 * records no container tare (so no `totalContainerWeight`) and no SMDG/BIC facility codes (so
 * locations are UN/LOCODE locations). It records no requested release time either: DCSA requires
 * one, and SDX gives the D/O's issue time, from which the cargo may be released on it.
 */

export const deoVersion = '1.0.0-Beta-1';

const unLocationLocation = z.strictObject({
  locationType: z.literal('UNLO'),
  locationName: z.string().max(dcsaLimits.locationName).describe('The facility name, cut to 100 characters (ending in …) when longer.'),
  UNLocationCode: z.string(),
});

export const deoDeliveryOrder = z.strictObject({
  deliveryOrderReference: z.string().describe('The D/O number.'),
  transportDocumentReference: z
    .string()
    .max(dcsaLimits.transportDocumentReference)
    .describe('The B/L number; one over 20 characters keeps its first 20 and is given whole in `additionalInformation`.'),
  carrierCode: z
    .string()
    .describe('The carrier\'s SCAC, from the D/O or else the carrier\'s party record; with neither the route answers 409 `dcsa-carrier-code-missing`.'),
  carrierCodeListProvider: z.literal('NMFTA').describe('NMFTA issues SCACs.'),
  utilizedTransportEquipments: z.array(z.strictObject({ equipmentReference: z.string() })),
  pickupLocation: unLocationLocation.describe('The pickup terminal.'),
  returnLocation: unLocationLocation.describe('The empty-return depot.'),
  repleaseParty: z
    .strictObject({ partyName: z.string().max(dcsaLimits.partyName) })
    .describe('DCSA\'s spelling of the party the cargo is released to: the consignee named on the D/O, cut to 100 characters (ending in …) when longer.'),
  additionalInformation: z
    .string()
    .max(dcsaLimits.additionalInformation)
    .optional()
    .describe('A line `B/L <number>` when the B/L number was cut, then the D/O remarks; cut to 500 characters (ending in …) when longer.'),
  requestedReleaseDateTime: z.iso.datetime({ offset: true }).describe('When the D/O was issued: SDX records no requested release time, and the cargo may be released from then on.'),
  deliveryOrderExpiryDateTime: z.iso.datetime({ offset: true }).describe('The D/O\'s validUntil.'),
});

export type DeoDeliveryOrder = z.output<typeof deoDeliveryOrder>;

/** SCACs are issued by NMFTA, which is how DCSA names their code list. */
const SCAC_PROVIDER = 'NMFTA';

/** What the DEO view needs beside the payload. */
export interface DeliveryOrderFacts {
  /** When the D/O was issued (its first event). */
  issuedAt: string;
  /** Stands in when the payload's carrier names no SCAC but the carrier's party record does. */
  carrierScac?: string;
}

/** The DCSA DEO view of a D/O payload. Pure. DCSA requires a carrier code, which SDX cannot invent. */
export function deliveryOrderOf(payload: DeliveryOrderPayload, facts: DeliveryOrderFacts): DeoDeliveryOrder {
  const scac = payload.carrier.scac ?? facts.carrierScac;
  if (!scac) {
    throw new SdxError('dcsa-carrier-code-missing', `neither the D/O nor the party record of its carrier ${payload.carrier.partyId} names a SCAC, which a DCSA delivery order requires`);
  }
  const billOfLading = headOfNumber(payload.billOfLadingNumber, dcsaLimits.transportDocumentReference);
  const information = [...(billOfLading.cut ? [`B/L ${payload.billOfLadingNumber}`] : []), ...(payload.remarks ? [payload.remarks] : [])].join('\n');
  const place = (facility: { name: string; unLocode: string }) =>
    ({ locationType: 'UNLO', locationName: fitText(facility.name, dcsaLimits.locationName), UNLocationCode: facility.unLocode }) as const;
  return {
    deliveryOrderReference: payload.deliveryOrderNumber,
    transportDocumentReference: billOfLading.value,
    carrierCode: scac,
    carrierCodeListProvider: SCAC_PROVIDER,
    utilizedTransportEquipments: payload.containers.map((container) => ({ equipmentReference: container.number })),
    pickupLocation: place(payload.pickupTerminal),
    returnLocation: place(payload.emptyReturnDepot),
    repleaseParty: { partyName: fitText(payload.consignee.name, dcsaLimits.partyName) },
    ...(information ? { additionalInformation: fitText(information, dcsaLimits.additionalInformation) } : {}),
    requestedReleaseDateTime: dcsaDateTime(facts.issuedAt),
    deliveryOrderExpiryDateTime: payload.validUntil,
  };
}
