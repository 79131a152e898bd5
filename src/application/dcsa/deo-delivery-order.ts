import { z } from 'zod';
import type { DeliveryOrderPayload } from '../../domain/delivery-order/delivery-order.schema';

/**
 * A D/O with the field names of DCSA's `deliveryOrder` (Documentation domain 3.0.0, used by DEO
 * 1.0.0-Beta-1). Only what an SDX D/O says is filled: it records no requested release time
 * (`requestedReleaseDateTime`, which DCSA requires), no container tare (so no
 * `totalContainerWeight`) and no SMDG/BIC facility codes (so locations are UN/LOCODE locations).
 */

export const deoVersion = '1.0.0-Beta-1';

const unLocationLocation = z.strictObject({
  locationType: z.literal('UNLO'),
  locationName: z.string(),
  UNLocationCode: z.string(),
});

export const deoDeliveryOrder = z.strictObject({
  deliveryOrderReference: z.string().describe('The D/O number.'),
  transportDocumentReference: z.string().describe('The B/L number.'),
  carrierCode: z.string().optional().describe('The carrier\'s SCAC, when the D/O or the carrier\'s party record names one.'),
  carrierCodeListProvider: z.literal('NMFTA').optional().describe('NMFTA issues SCACs; present with `carrierCode`.'),
  utilizedTransportEquipments: z.array(z.strictObject({ equipmentReference: z.string() })),
  pickupLocation: unLocationLocation.describe('The pickup terminal.'),
  returnLocation: unLocationLocation.describe('The empty-return depot.'),
  repleaseParty: z
    .strictObject({ partyName: z.string() })
    .describe('DCSA\'s spelling of the party the cargo is released to: the consignee named on the D/O.'),
  additionalInformation: z.string().optional().describe('The D/O remarks.'),
  deliveryOrderExpiryDateTime: z.iso.datetime({ offset: true }).describe('The D/O\'s validUntil.'),
});

export type DeoDeliveryOrder = z.output<typeof deoDeliveryOrder>;

/** SCACs are issued by NMFTA, which is how DCSA names their code list. */
const SCAC_PROVIDER = 'NMFTA';

/**
 * The DCSA DEO view of a D/O payload. Pure. `carrierScac` stands in when the payload's carrier
 * names no SCAC but the carrier's party record does.
 */
export function deliveryOrderOf(payload: DeliveryOrderPayload, carrierScac?: string): DeoDeliveryOrder {
  const scac = payload.carrier.scac ?? carrierScac;
  return {
    deliveryOrderReference: payload.deliveryOrderNumber,
    transportDocumentReference: payload.billOfLadingNumber,
    ...(scac ? { carrierCode: scac, carrierCodeListProvider: SCAC_PROVIDER } : {}),
    utilizedTransportEquipments: payload.containers.map((container) => ({ equipmentReference: container.number })),
    pickupLocation: { locationType: 'UNLO', locationName: payload.pickupTerminal.name, UNLocationCode: payload.pickupTerminal.unLocode },
    returnLocation: { locationType: 'UNLO', locationName: payload.emptyReturnDepot.name, UNLocationCode: payload.emptyReturnDepot.unLocode },
    repleaseParty: { partyName: payload.consignee.name },
    ...(payload.remarks ? { additionalInformation: payload.remarks } : {}),
    deliveryOrderExpiryDateTime: payload.validUntil,
  };
}
