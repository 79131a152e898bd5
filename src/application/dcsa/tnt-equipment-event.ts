import { z } from 'zod';
import type { EirPayload, GateRecord, sealTypes } from '../../domain/eir/eir.schema';
import { dcsaDateTime, dcsaLimits, fitNumber, fitText } from './dcsa-fields';

/**
 * An EIR's gate move as a DCSA Track & Trace 3.0.0 `Event` (eventTypeCode EQUIPMENT, GTOT/GTIN).
 * The schema below is the part of DCSA's `Event` that SDX fills, with DCSA's own field names; it
 * describes the responses in our OpenAPI document, with DCSA's length limits; values longer than
 * DCSA allows are fitted by the rules in dcsa-fields.ts (names cut with `…`, a seal number or plate
 * that does not fit left out).
 */

export const tntVersion = '3.0.0';

/** DCSA TNT 3.0.0 `eventTypeCode` values; SDX produces EQUIPMENT events only. */
export const tntEventTypes = ['SHIPMENT', 'TRANSPORT', 'EQUIPMENT', 'IOT', 'REEFER'] as const;
export type TntEventType = (typeof tntEventTypes)[number];

/** DCSA TNT 3.0.0 `equipmentEventTypeCode` values; SDX produces GTIN and GTOT. */
export const equipmentEventTypeCodes = [
  'AVDO', 'AVPU', 'CROS', 'CUSI', 'CUSR', 'CUSS', 'DISC', 'DROP', 'GTIN', 'GTOT', 'INSP', 'LOAD', 'PICK', 'RMVD', 'RSEA', 'STRP', 'STUF',
] as const;
export type EquipmentEventTypeCode = (typeof equipmentEventTypeCodes)[number];

/** DCSA's document reference type for SDX's EIR number: DCSA's code list has none for an EIR. */
export const EIR_DOCUMENT_TYPE = 'EIR';

const dateTime = z.iso.datetime({ offset: true });

const documentReference = z.strictObject({
  typeCode: z.string().describe('`TRD` (B/L), `BKG` (booking) or, not in DCSA\'s list, `EIR` (the EIR number).'),
  reference: z.string(),
});

/** DCSA seal `source` codes for SDX's seal types (who affixed the seal). */
const sealSourceCodes = ['CAR', 'SHI', 'CUS', 'TER', 'VET'] as const;
const sealSources = { carrier: 'CAR', shipper: 'SHI', customs: 'CUS', terminal: 'TER', veterinary: 'VET' } as const satisfies Record<
  (typeof sealTypes)[number],
  (typeof sealSourceCodes)[number]
>;

export const tntEquipmentEvent = z.strictObject({
  eventID: z.string().describe('SHA-256 of the signed SDX gate-record event (see the document\'s events and the audit log).'),
  isRetracted: z.boolean().describe('True when the issuer voided the EIR after the gate move.'),
  eventRouting: z.strictObject({
    originatingParty: z.strictObject({
      partyCode: z.string().describe('The SDX party id of the facility operator that recorded the gate move.'),
      codeListProvider: z.literal('ZZZ'),
      codeListName: z.literal('SDX'),
    }),
  }),
  eventDateTime: dateTime.describe('When the container passed the gate (gateRecord.passedAt).'),
  eventUpdatedDateTime: dateTime.describe('When the gate record (or the void that retracts it) was signed.'),
  eventClassification: z.strictObject({
    eventTypeCode: z.literal('EQUIPMENT'),
    eventClassifierCode: z.literal('ACT'),
    equipmentEventTypeCode: z.enum(['GTOT', 'GTIN']).describe('GTOT for an EIR OUT, GTIN for an EIR IN.'),
  }),
  eventLocation: z.strictObject({
    locationName: z.string().max(dcsaLimits.locationName).describe('The facility name, cut to 100 characters (ending in …) when longer.'),
    facilityTypeCode: z.enum(['POTE', 'DEPO']).optional().describe('POTE when a terminal operates the facility, DEPO for a depot.'),
    UNLocationCode: z.string(),
    facility: z.strictObject({ facilityName: z.string().max(dcsaLimits.facilityName).describe('As `locationName`.') }),
  }),
  equipmentDetails: z.strictObject({
    equipmentReference: z.string(),
    ISOEquipmentCode: z.string(),
    emptyIndicatorCode: z.enum(['EMPTY', 'LADEN']),
    movementType: z.enum(['IMPORT', 'EXPORT']).optional().describe('Only where the EIR purpose says it: laden pick-up (IMPORT), export delivery (EXPORT).'),
    seals: z
      .array(z.strictObject({ number: z.string().max(dcsaLimits.sealNumber), source: z.enum(sealSourceCodes) }))
      .describe('As recorded at the gate; a seal number over 15 characters is left out (the EIR names it whole).'),
  }),
  transportDetails: z.strictObject({
    transportCall: z.strictObject({
      modeOfTransport: z.literal('TRUCK'),
      truckTransport: z
        .strictObject({ tractorDetails: z.strictObject({ licensePlate: z.string().max(dcsaLimits.licensePlate) }) })
        .optional()
        .describe('The EIR\'s truck plate; left out when over 15 characters (the EIR names it whole).'),
    }),
  }),
  shipmentDetails: z.strictObject({
    documentReference,
    additionalDocumentReferences: z.array(documentReference),
  }),
});

export type TntEquipmentEvent = z.output<typeof tntEquipmentEvent>;

export const tntEventsResponse = z.strictObject({ events: z.array(tntEquipmentEvent) });

/** One gate move as SDX signed it: the EIR, the gate record and the event that carried it. */
export interface GateMove {
  payload: EirPayload;
  gateRecord: GateRecord;
  /** The signed gate-record event: its hash names the DCSA event; its signer and time say who and when. */
  recorded: { hash: string; at: string; by: string };
  /** Set when the issuer voided the EIR after the gate move: DCSA's way to say so is a retraction. */
  voidedAt?: string;
  /** What kind of party operates the facility, when known. */
  facilityKind?: 'terminal' | 'depot';
}

/** The DCSA TNT filters of `GET /events` that SDX supports, plus `equipmentEventTypeCodes` (DCSA event domain 3.x). */
export interface TntEventFilter {
  carrierBookingReference?: string;
  transportDocumentReference?: string;
  equipmentReference?: string;
  eventTypes?: readonly TntEventType[];
  equipmentEventTypeCodes?: readonly EquipmentEventTypeCode[];
  eventUpdatedDateTimeMin?: string;
  eventUpdatedDateTimeMax?: string;
}

export function equipmentEventTypeOf(direction: EirPayload['direction']): 'GTOT' | 'GTIN' {
  return direction === 'OUT' ? 'GTOT' : 'GTIN';
}

/** Purposes that name the cargo's direction; the others (empties, repositioning, repair) say nothing of it. */
const movementTypes: Partial<Record<EirPayload['purpose'], 'IMPORT' | 'EXPORT'>> = {
  'laden-pickup': 'IMPORT',
  'export-delivery': 'EXPORT',
};

type DocumentReference = z.output<typeof documentReference>;

/** The B/L leads (consumers track by transport document), then the booking, then the EIR itself. */
function references(payload: EirPayload): { primary: DocumentReference; additional: DocumentReference[] } {
  const eir = { typeCode: EIR_DOCUMENT_TYPE, reference: payload.eirNumber };
  const shipment: DocumentReference[] = [
    ...(payload.billOfLadingNumber ? [{ typeCode: 'TRD', reference: payload.billOfLadingNumber }] : []),
    ...(payload.bookingNumber ? [{ typeCode: 'BKG', reference: payload.bookingNumber }] : []),
  ];
  const primary = shipment[0] ?? eir;
  const additional = [...shipment.slice(1), ...(primary === eir ? [] : [eir])];
  return { primary, additional };
}

/** The DCSA TNT 3.0.0 equipment event for one gate move. Pure: everything comes in as arguments. */
export function equipmentEventOf(move: GateMove): TntEquipmentEvent {
  const { payload, gateRecord, recorded } = move;
  const { primary, additional } = references(payload);
  const movementType = movementTypes[payload.purpose];
  const facilityTypeCode = move.facilityKind === 'terminal' ? 'POTE' : move.facilityKind === 'depot' ? 'DEPO' : undefined;
  const licensePlate = fitNumber(payload.truckPlate, dcsaLimits.licensePlate);
  const seals = gateRecord.seals.flatMap((seal) => {
    const number = fitNumber(seal.number, dcsaLimits.sealNumber);
    return number === undefined ? [] : [{ number, source: sealSources[seal.type] }];
  });
  return {
    eventID: recorded.hash,
    isRetracted: move.voidedAt !== undefined,
    eventRouting: { originatingParty: { partyCode: recorded.by, codeListProvider: 'ZZZ', codeListName: 'SDX' } },
    eventDateTime: dcsaDateTime(gateRecord.passedAt),
    eventUpdatedDateTime: dcsaDateTime(move.voidedAt ?? recorded.at),
    eventClassification: {
      eventTypeCode: 'EQUIPMENT',
      eventClassifierCode: 'ACT',
      equipmentEventTypeCode: equipmentEventTypeOf(payload.direction),
    },
    eventLocation: {
      locationName: fitText(payload.facility.name, dcsaLimits.locationName),
      ...(facilityTypeCode ? { facilityTypeCode } : {}),
      UNLocationCode: payload.facility.unLocode,
      facility: { facilityName: fitText(payload.facility.name, dcsaLimits.facilityName) },
    },
    equipmentDetails: {
      equipmentReference: payload.container.number,
      ISOEquipmentCode: payload.container.sizeType,
      emptyIndicatorCode: payload.container.fullEmpty,
      ...(movementType ? { movementType } : {}),
      seals,
    },
    transportDetails: {
      transportCall: { modeOfTransport: 'TRUCK', ...(licensePlate === undefined ? {} : { truckTransport: { tractorDetails: { licensePlate } } }) },
    },
    shipmentDetails: { documentReference: primary, additionalDocumentReferences: additional },
  };
}

/** Whether an EIR can yield an event the filter keeps, judged on its payload alone (before reading its events). */
export function payloadMatches(payload: EirPayload, filter: TntEventFilter): boolean {
  return (
    (filter.equipmentReference === undefined || filter.equipmentReference === payload.container.number) &&
    (filter.transportDocumentReference === undefined || filter.transportDocumentReference === payload.billOfLadingNumber) &&
    (filter.carrierBookingReference === undefined || filter.carrierBookingReference === payload.bookingNumber) &&
    (filter.eventTypes === undefined || filter.eventTypes.includes('EQUIPMENT')) &&
    (filter.equipmentEventTypeCodes === undefined || filter.equipmentEventTypeCodes.includes(equipmentEventTypeOf(payload.direction)))
  );
}

/** DCSA's `eventUpdatedDateTimeMin`/`Max`, both inclusive, compared as instants. */
export function updatedWithin(event: TntEquipmentEvent, filter: TntEventFilter): boolean {
  const updated = Date.parse(event.eventUpdatedDateTime);
  return (
    (filter.eventUpdatedDateTimeMin === undefined || updated >= Date.parse(filter.eventUpdatedDateTimeMin)) &&
    (filter.eventUpdatedDateTimeMax === undefined || updated <= Date.parse(filter.eventUpdatedDateTimeMax))
  );
}
