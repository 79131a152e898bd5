/**
 * How SDX values fit DCSA's field limits. SDX accepts longer names, numbers and remarks than DCSA's
 * schemas allow, and the signed document keeps them whole; the DCSA views are shaped to validate.
 * One rule per kind of field:
 *
 * - Names and free text (location, facility and party names, remarks) are cut to the limit, the
 *   last character kept for `…` so a reader sees the value was shortened.
 * - Numbers in optional places (seal numbers, licence plates) are left out when too long: a cut
 *   number would name another seal or truck. The EIR the event names carries them whole.
 * - A required number that does not fit (a B/L number over 20 characters) keeps its first
 *   characters and is repeated whole in the view's free text (see the DEO view).
 *
 * Lengths are counted in code points, as JSON Schema's `maxLength` counts them.
 */

export const dcsaLimits = {
  /** TNT 3.0.0 `Location.locationName`, DCSA domain `locationName`. */
  locationName: 100,
  /** TNT 3.0.0 `Facility.facilityName`. */
  facilityName: 100,
  /** TNT 3.0.0 `VehicleDetails.licensePlate`. */
  licensePlate: 15,
  /** TNT 3.0.0 `Seal.number`. */
  sealNumber: 15,
  /** DCSA domain `partyName`. */
  partyName: 100,
  /** DCSA domain `transportDocumentReference`. */
  transportDocumentReference: 20,
  /** Documentation domain `deliveryOrder.additionalInformation`. */
  additionalInformation: 500,
  /** TNT 3.0.0 `eventDateTime`, `eventUpdatedDateTime`. */
  dateTime: 30,
} as const;

const ELLIPSIS = '…';

/** A name or free text cut to `max` code points, ending in `…` when cut. */
export function fitText(value: string, max: number): string {
  const characters = Array.from(value);
  if (characters.length <= max) return value;
  return characters.slice(0, max - 1).join('').trimEnd() + ELLIPSIS;
}

/** A number as it is when it fits, else nothing (a cut number names something else). */
export function fitNumber(value: string, max: number): string | undefined {
  return Array.from(value).length <= max ? value : undefined;
}

/** The first `max` code points of a required number, and whether it was cut. */
export function headOfNumber(value: string, max: number): { value: string; cut: boolean } {
  const characters = Array.from(value);
  return characters.length <= max ? { value, cut: false } : { value: characters.slice(0, max).join('').trimEnd(), cut: true };
}

/** DCSA caps date-times at 30 characters; a longer (sub-millisecond) one becomes its UTC millisecond form. */
export function dcsaDateTime(value: string): string {
  return value.length <= dcsaLimits.dateTime ? value : new Date(value).toISOString();
}
