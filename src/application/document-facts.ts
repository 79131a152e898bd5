import type { DeliveryOrderPayload } from '../domain/delivery-order/delivery-order.schema';
import type { EirPayload } from '../domain/eir/eir.schema';
import type { TelexReleaseGuaranteePayload } from '../domain/telex-release/telex-release-guarantee.schema';
import type { StoredDocument } from './ports/store.port';

/** What a person at the gate looks for on a document: its number, the boxes, the truck, the dates. */
export interface DocumentFacts {
  number: string;
  billOfLading: string | null;
  containers: string[];
  truckPlate: string | null;
  validFrom: string | null;
  validUntil: string | null;
  direction: 'IN' | 'OUT' | null;
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
        truckPlate: eir.truckPlate ?? null,
        validFrom: eir.validFrom ?? null,
        validUntil: eir.validUntil ?? null,
        direction: eir.direction,
      };
    }
    case 'delivery-order': {
      const order = stored.payload as DeliveryOrderPayload;
      return {
        number: order.deliveryOrderNumber,
        billOfLading: order.billOfLadingNumber,
        containers: order.containers.map((c) => c.number),
        truckPlate: null,
        validFrom: null,
        validUntil: order.validUntil,
        direction: null,
      };
    }
    case 'telex-release-guarantee': {
      const guarantee = stored.payload as TelexReleaseGuaranteePayload;
      return {
        number: guarantee.guaranteeNumber,
        billOfLading: guarantee.billOfLadingNumber,
        containers: guarantee.containers.map((c) => (typeof c === 'string' ? c : c.number)),
        truckPlate: null,
        validFrom: null,
        validUntil: null,
        direction: null,
      };
    }
  }
}
