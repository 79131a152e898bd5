import type { DeliveryOrderPayload } from '../../../domain/delivery-order/delivery-order.schema';
import type { Party } from '../../../domain/party/party';
import { parseContainerList } from '../../../domain/shared/container-list';
import type { TelexReleaseGuaranteePayload } from '../../../domain/telex-release/telex-release-guarantee.schema';
import {
  compact,
  endOfDayInput,
  isoFromLocalInput,
  listOf,
  localInputFromIso,
  numberOf,
  textOf,
  type FormValues,
} from './form-values';
import type { PartyBook } from './party-book';

/**
 * Desk forms → payloads for the exchange, and back. The payload is handed to the same validation
 * and issuing code as the API, so a form says exactly what the API would; these functions only
 * move typed text into the payload's shape.
 */

export const CONTAINER_ROWS = 'containers';
export const DELIVERY_ORDER_ROW_FIELDS = ['number', 'sizeType', 'sealNumbers', 'grossWeightKg'] as const;
export const GUARANTEE_ROW_FIELDS = ['number', 'sizeType', 'sealNumbers'] as const;
/** The EIR form's seal rows; a row counts once it has a number or a container (the type always has one). */
export const SEAL_ROWS = 'seals';
export const SEAL_ROW_FIELDS = ['number', 'type', 'container'] as const;
export const SEAL_ROW_SIGNIFICANT = ['number', 'container'] as const;

const upper = (value: string | undefined) => textOf(value)?.toUpperCase().replace(/\s+/g, '');

/**
 * Drops undefined members, so a missing field reads as missing to the schema. Used for the objects
 * a payload must have: an empty one still says which of its fields are missing, each at its field.
 */
function shape(members: Record<string, unknown>): Record<string, unknown> {
  return compact(members) ?? {};
}

const isAgent = (issuer: Party) => issuer.roles.includes('carrier-agent');

export function deliveryOrderPayloadFrom(form: FormValues, issuer: Party, book: PartyBook): Record<string, unknown> {
  const f = form.fields;
  const basis = f['releaseBasis.type'];
  const releaseBasis =
    basis === 'telex-release'
      ? shape({ type: basis, guaranteeId: textOf(f['releaseBasis.guaranteeId']) })
      : basis === 'original-bl-surrendered'
        ? shape({ type: basis, originalsSurrendered: numberOf(f['releaseBasis.originalsSurrendered']) })
        : basis === 'sea-waybill'
          ? { type: basis }
          : undefined;
  // A facility's location is what the clerk typed, or else the one the exchange has for the facility chosen.
  const facility = (key: string) =>
    shape({
      partyId: textOf(f[key]),
      name: book.get(textOf(f[key]))?.name.en,
      unLocode: upper(f[`${key}.unLocode`]) ?? book.get(textOf(f[key]))?.identifiers.unLocode,
    });
  return shape({
    deliveryOrderNumber: textOf(f['deliveryOrderNumber']),
    billOfLadingNumber: upper(f['billOfLadingNumber']),
    carrier: book.reference(isAgent(issuer) ? textOf(f['carrier']) : issuer.id),
    carrierAgent: isAgent(issuer) ? book.reference(issuer.id) : undefined,
    consignee: book.reference(textOf(f['consignee'])),
    notifyParty: compact({ name: textOf(f['notifyParty.name']) }),
    vessel: shape(vesselOf(f) ?? {}),
    portOfDischarge: shape({ unLocode: upper(f['portOfDischarge.unLocode']), name: textOf(f['portOfDischarge.name']) }),
    placeOfDelivery: compact({ unLocode: upper(f['placeOfDelivery.unLocode']), name: textOf(f['placeOfDelivery.name']) }),
    containers: form.rows.map((row) =>
      shape({
        number: upper(row['number']),
        sizeType: upper(row['sizeType']),
        sealNumbers: listOf(row['sealNumbers']),
        grossWeightKg: numberOf(row['grossWeightKg']),
      }),
    ),
    cargo: shape({
      description: textOf(f['cargo.description']),
      packageCount: numberOf(f['cargo.packageCount']),
      packageType: textOf(f['cargo.packageType']),
      grossWeightKg: numberOf(f['cargo.grossWeightKg']),
      volumeM3: numberOf(f['cargo.volumeM3']),
      marksAndNumbers: textOf(f['cargo.marksAndNumbers']),
    }),
    pickupTerminal: facility('pickupTerminal'),
    emptyReturnDepot: facility('emptyReturnDepot'),
    freeTimeUntil: isoFromLocalInput(f['freeTimeUntil']),
    validUntil: isoFromLocalInput(f['validUntil']),
    chargesPaid: f['chargesPaid'] === 'yes',
    customsReleaseReference: textOf(f['customsReleaseReference']),
    releaseBasis,
    remarks: textOf(f['remarks']),
  });
}

function vesselOf(f: Record<string, string>) {
  return compact({
    vesselName: textOf(f['vessel.vesselName'])?.toUpperCase(),
    voyageNumber: upper(f['vessel.voyageNumber']),
    imoNumber: textOf(f['vessel.imoNumber']),
  });
}

/**
 * A new D/O: the number proposed from the issuer's sequence, deadlines a week and a fortnight out,
 * and the only terminal (with its location) when there is one.
 */
export function newDeliveryOrderForm(now: Date, book: PartyBook, number = ''): FormValues {
  const terminals = book.withRole('terminal');
  const terminal = terminals.length === 1 ? terminals[0] : undefined;
  return {
    fields: {
      ...(number ? { deliveryOrderNumber: number } : {}),
      freeTimeUntil: endOfDayInput(now, 7),
      validUntil: endOfDayInput(now, 14),
      'releaseBasis.type': 'original-bl-surrendered',
      ...(terminal ? { pickupTerminal: terminal.id, 'pickupTerminal.unLocode': terminal.identifiers.unLocode ?? '' } : {}),
    },
    rows: [],
  };
}

/** A D/O released on a guarantee starts from what the guarantee already says. */
export function deliveryOrderFormFromGuarantee(
  now: Date,
  book: PartyBook,
  guaranteeId: string,
  g: TelexReleaseGuaranteePayload,
  number = '',
): FormValues {
  const base = newDeliveryOrderForm(now, book, number);
  const consignee = book
    .withRole('consignee')
    .find(
      (party) =>
        (g.consignee.unifiedSocialCreditCode && party.identifiers.unifiedSocialCreditCode === g.consignee.unifiedSocialCreditCode) ||
        party.name.en === g.consignee.name,
    );
  return {
    fields: {
      ...base.fields,
      billOfLadingNumber: g.billOfLadingNumber,
      ...(g.carrier.partyId ? { carrier: g.carrier.partyId } : {}),
      ...(consignee ? { consignee: consignee.id } : {}),
      'vessel.vesselName': g.vessel.vesselName,
      'vessel.voyageNumber': g.vessel.voyageNumber,
      'vessel.imoNumber': g.vessel.imoNumber ?? '',
      'portOfDischarge.unLocode': g.portOfDischarge.unLocode,
      'portOfDischarge.name': g.portOfDischarge.name ?? '',
      'cargo.description': g.cargo.description,
      'cargo.packageCount': String(g.cargo.packageCount),
      'cargo.packageType': g.cargo.packageType,
      'cargo.grossWeightKg': String(g.cargo.grossWeightKg),
      'cargo.volumeM3': g.cargo.volumeM3 === undefined ? '' : String(g.cargo.volumeM3),
      'cargo.marksAndNumbers': g.cargo.marksAndNumbers ?? '',
      'releaseBasis.type': 'telex-release',
      'releaseBasis.guaranteeId': guaranteeId,
    },
    rows: g.containers.map((c) => ({ number: c.number, sizeType: c.sizeType, sealNumbers: c.sealNumbers.join(', '), grossWeightKg: '' })),
  };
}

/** An amendment starts from the D/O as issued. */
export function deliveryOrderFormOf(p: DeliveryOrderPayload): FormValues {
  const basis = p.releaseBasis;
  return {
    fields: {
      deliveryOrderNumber: p.deliveryOrderNumber,
      billOfLadingNumber: p.billOfLadingNumber,
      carrier: p.carrier.partyId,
      consignee: p.consignee.partyId,
      'notifyParty.name': p.notifyParty?.name ?? '',
      'vessel.vesselName': p.vessel.vesselName,
      'vessel.voyageNumber': p.vessel.voyageNumber,
      'vessel.imoNumber': p.vessel.imoNumber ?? '',
      'portOfDischarge.unLocode': p.portOfDischarge.unLocode,
      'portOfDischarge.name': p.portOfDischarge.name ?? '',
      'placeOfDelivery.unLocode': p.placeOfDelivery?.unLocode ?? '',
      'placeOfDelivery.name': p.placeOfDelivery?.name ?? '',
      'cargo.description': p.cargo.description,
      'cargo.packageCount': String(p.cargo.packageCount),
      'cargo.packageType': p.cargo.packageType,
      'cargo.grossWeightKg': String(p.cargo.grossWeightKg),
      'cargo.volumeM3': p.cargo.volumeM3 === undefined ? '' : String(p.cargo.volumeM3),
      'cargo.marksAndNumbers': p.cargo.marksAndNumbers ?? '',
      pickupTerminal: p.pickupTerminal.partyId,
      'pickupTerminal.unLocode': p.pickupTerminal.unLocode,
      emptyReturnDepot: p.emptyReturnDepot.partyId ?? '',
      'emptyReturnDepot.unLocode': p.emptyReturnDepot.unLocode,
      freeTimeUntil: localInputFromIso(p.freeTimeUntil),
      validUntil: localInputFromIso(p.validUntil),
      chargesPaid: p.chargesPaid ? 'yes' : '',
      customsReleaseReference: p.customsReleaseReference ?? '',
      'releaseBasis.type': basis.type,
      'releaseBasis.originalsSurrendered': basis.type === 'original-bl-surrendered' ? String(basis.originalsSurrendered ?? '') : '',
      'releaseBasis.guaranteeId': basis.type === 'telex-release' ? basis.guaranteeId : '',
      remarks: p.remarks ?? '',
    },
    rows: p.containers.map((c) => ({
      number: c.number,
      sizeType: c.sizeType,
      sealNumbers: c.sealNumbers.join(', '),
      grossWeightKg: String(c.grossWeightKg),
    })),
  };
}

/** The submitting party is the shipper, or the forwarder acting for the shipper it picks. */
export function guaranteePayloadFrom(form: FormValues, issuer: Party, book: PartyBook): Record<string, unknown> {
  const f = form.fields;
  const isShipper = issuer.roles.includes('shipper');
  return shape({
    guaranteeNumber: textOf(f['guaranteeNumber']),
    billOfLadingNumber: upper(f['billOfLadingNumber']),
    shipper: book.reference(isShipper ? issuer.id : textOf(f['shipper'])),
    forwarder: isShipper ? undefined : book.reference(issuer.id),
    consignee: shape({
      name: textOf(f['consignee.name']),
      nameZh: textOf(f['consignee.nameZh']),
      unifiedSocialCreditCode: upper(f['consignee.unifiedSocialCreditCode']),
    }),
    carrier: book.reference(textOf(f['carrier'])),
    carrierAgent: book.reference(textOf(f['carrierAgent'])),
    destinationAgent: book.reference(textOf(f['destinationAgent'])),
    vessel: shape(vesselOf(f) ?? {}),
    portOfLoading: shape({ unLocode: upper(f['portOfLoading.unLocode']), name: textOf(f['portOfLoading.name']) }),
    portOfDischarge: shape({ unLocode: upper(f['portOfDischarge.unLocode']), name: textOf(f['portOfDischarge.name']) }),
    cargo: shape({
      description: textOf(f['cargo.description']),
      packageCount: numberOf(f['cargo.packageCount']),
      packageType: textOf(f['cargo.packageType']),
      grossWeightKg: numberOf(f['cargo.grossWeightKg']),
    }),
    containers: form.rows.map((row) => shape({ number: upper(row['number']), sizeType: upper(row['sizeType']), sealNumbers: listOf(row['sealNumbers']) })),
    originals: shape({ issued: numberOf(f['originals.issued']), surrendered: numberOf(f['originals.surrendered']) }),
    indemnityText: textOf(f['indemnityText']),
    signatory: shape({ name: textOf(f['signatory.name']), title: textOf(f['signatory.title']) }),
  });
}

export interface EirLine {
  line: number;
  container: string;
  payload: Record<string, unknown>;
  /** The form's seal row of each of the payload's seals, in order. */
  sealRows: number[];
}

/** A seal row as typed: its number, type and the container it is on (needed when several are listed). */
export interface SealRow {
  row: number;
  number: string | undefined;
  type: string | undefined;
  container: string | undefined;
}

export function sealRowsOf(form: FormValues): SealRow[] {
  return form.rows.map((row, index) => ({ row: index, number: textOf(row['number']), type: textOf(row['type']), container: upper(row['container']) }));
}

/**
 * One EIR per listed container, all for the same truck and window. With several, each EIR number
 * is the given one with `-1`, `-2`, … appended, and each seal goes on the container its row names.
 * With none, one payload without a container, so the other fields are still checked. The facility's
 * location is the one typed, or else the one the exchange has for the issuing facility.
 */
export function eirPayloadsFrom(form: FormValues, issuer: Party, book: PartyBook): EirLine[] {
  const f = form.fields;
  const listed = parseContainerList(f['containers'] ?? '');
  const prefix = textOf(f['eirNumber']);
  const seals = sealRowsOf(form);
  const sealsOn = (number: string | undefined) => (listed.length > 1 ? seals.filter((seal) => seal.container === number) : seals);
  const common = (n: number, onContainer: readonly SealRow[]) => ({
    eirNumber: prefix && listed.length > 1 ? `${prefix}-${n + 1}` : prefix,
    direction: textOf(f['direction']),
    purpose: textOf(f['purpose']),
    seals: onContainer.map((seal) => shape({ number: seal.number, type: seal.type })),
    billOfLadingNumber: upper(f['billOfLadingNumber']),
    bookingNumber: upper(f['bookingNumber']),
    vessel: vesselOf(f),
    facility: compact({
      unLocode: upper(f['facility.unLocode']) ?? issuer.identifiers.unLocode,
      name: issuer.name.zh ? `${issuer.name.en} ${issuer.name.zh}` : issuer.name.en,
      operator: book.reference(issuer.id),
    }),
    haulier: book.reference(textOf(f['haulier'])),
    driver: shape({ name: textOf(f['driver.name']), licenseNumber: textOf(f['driver.licenseNumber']), mobile: textOf(f['driver.mobile']) }),
    truckPlate: textOf(f['truckPlate'])?.toUpperCase(),
    validFrom: isoFromLocalInput(f['validFrom']),
    validUntil: isoFromLocalInput(f['validUntil']),
    remarks: textOf(f['remarks']),
  });
  const container = (number: string | undefined, sizeType: string | undefined) =>
    shape({
      number,
      sizeType: sizeType ?? upper(f['container.sizeType']),
      fullEmpty: textOf(f['container.fullEmpty']),
      operator: book.reference(textOf(f['container.operator'])),
    });
  if (listed.length === 0) {
    return [{ line: 0, container: '', payload: shape({ ...common(0, seals), container: container(undefined, undefined) }), sealRows: seals.map((s) => s.row) }];
  }
  return listed.map((entry, n) => {
    const onContainer = sealsOn(entry.number);
    return {
      line: entry.line,
      container: entry.number,
      payload: shape({ ...common(n, onContainer), container: container(entry.number, entry.sizeType) }),
      sealRows: onContainer.map((s) => s.row),
    };
  });
}

/** A new EIR batch: valid from now to the end of tomorrow, at the facility's own location. */
export function newEirForm(now: Date, issuer?: Party): FormValues {
  return {
    fields: {
      direction: 'OUT',
      purpose: 'empty-pickup',
      'container.fullEmpty': 'EMPTY',
      'container.sizeType': '22G1',
      ...(issuer?.identifiers.unLocode ? { 'facility.unLocode': issuer.identifiers.unLocode } : {}),
      validFrom: localInputFromIso(now.toISOString()),
      validUntil: endOfDayInput(now, 1),
    },
    rows: [],
  };
}

export function newGuaranteeForm(indemnity: (originals: number) => string): FormValues {
  return {
    fields: { 'originals.issued': '3', 'originals.surrendered': '3', indemnityText: indemnity(3) },
    rows: [],
  };
}
