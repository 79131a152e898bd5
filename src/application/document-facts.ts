import type { DeliveryOrderPayload } from '../domain/delivery-order/delivery-order.schema';
import type { EirPayload } from '../domain/eir/eir.schema';
import type { TelexReleaseGuaranteePayload } from '../domain/telex-release/telex-release-guarantee.schema';
import type { StoredDocument } from './ports/store.port';

/** A name as a document gives it: in English, and in Chinese where the document says. */
export interface Named {
  en: string;
  zh: string | null;
}

/** What a person at the gate looks for on a document: its number, the boxes, the truck, the dates. */
export interface DocumentFacts {
  number: string;
  billOfLading: string | null;
  containers: string[];
  /** Each container's ISO size/type, in the order of `containers`. */
  sizeTypes: string[];
  /** Every seal number the document names. */
  seals: string[];
  truckPlate: string | null;
  validFrom: string | null;
  validUntil: string | null;
  direction: 'IN' | 'OUT' | null;
  /** Where the truck goes: an EIR's terminal or depot, a D/O's pick-up terminal. */
  facility: Named | null;
  /** The haulier an EIR names. */
  haulier: Named | null;
}

/**
 * An EIR's facility by name. The desk writes it as "<English> <中文>" from the operator's two names;
 * then each language gets its own half. Any other name is shown as written.
 */
function facilityName(facility: EirPayload['facility']): Named {
  const { name, operator } = facility;
  if (operator.nameZh && name === `${operator.name} ${operator.nameZh}`) return { en: operator.name, zh: operator.nameZh };
  return { en: name, zh: null };
}

/** Stored payloads were validated against their kind's schema when issued, so the kind tells the shape. */
export function documentFacts(stored: StoredDocument): DocumentFacts {
  switch (stored.state.kind) {
    case 'eir': {
      const eir = stored.payload as EirPayload;
      return {
        number: eir.eirNumber,
        billOfLading: eir.billOfLadingNumber ?? null,
        containers: [eir.container.number],
        sizeTypes: [eir.container.sizeType],
        seals: eir.seals.map((seal) => seal.number),
        truckPlate: eir.truckPlate ?? null,
        validFrom: eir.validFrom ?? null,
        validUntil: eir.validUntil ?? null,
        direction: eir.direction,
        facility: facilityName(eir.facility),
        haulier: { en: eir.haulier.name, zh: eir.haulier.nameZh ?? null },
      };
    }
    case 'delivery-order': {
      const order = stored.payload as DeliveryOrderPayload;
      return {
        number: order.deliveryOrderNumber,
        billOfLading: order.billOfLadingNumber,
        containers: order.containers.map((c) => c.number),
        sizeTypes: order.containers.map((c) => c.sizeType),
        seals: order.containers.flatMap((c) => c.sealNumbers),
        truckPlate: null,
        validFrom: null,
        validUntil: order.validUntil,
        direction: null,
        facility: { en: order.pickupTerminal.name, zh: null },
        haulier: null,
      };
    }
    case 'telex-release-guarantee': {
      const guarantee = stored.payload as TelexReleaseGuaranteePayload;
      // Read defensively, as before: a container given as a bare number has no size/type or seals.
      const containers = guarantee.containers.map((c): { number: string; sizeType?: string; sealNumbers: string[] } =>
        typeof c === 'string' ? { number: c, sealNumbers: [] } : c,
      );
      return {
        number: guarantee.guaranteeNumber,
        billOfLading: guarantee.billOfLadingNumber,
        containers: containers.map((c) => c.number),
        sizeTypes: containers.flatMap((c) => (c.sizeType ? [c.sizeType] : [])),
        seals: containers.flatMap((c) => c.sealNumbers),
        truckPlate: null,
        validFrom: null,
        validUntil: null,
        direction: null,
        facility: null,
        haulier: null,
      };
    }
  }
}
