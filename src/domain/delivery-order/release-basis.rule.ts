import type { DocumentState } from '../document/document';
import type { PartyId } from '../party/party';
import type { Refusal } from '../shared/errors';
import type { TelexReleaseGuaranteePayload } from '../telex-release/telex-release-guarantee.schema';
import type { DeliveryOrderPayload } from './delivery-order.schema';

export interface GuaranteeView {
  state: DocumentState;
  payload: TelexReleaseGuaranteePayload;
}

const liveStatuses = new Set(['issued', 'transferred', 'presented', 'presentation-rejected', 'released']);

/**
 * The cross-document rule: a D/O released by telex must rest on an accepted guarantee for the same
 * B/L, issued by the agent that guarantee names at destination (or the carrier), and one guarantee
 * backs at most one live D/O. `backedDeliveryOrder` is the D/O the guarantee backs now, if any;
 * `replacing` is the D/O being amended, which may pass its guarantee on to its new version.
 */
export function checkTelexReleaseBacking(input: {
  payload: DeliveryOrderPayload;
  issuer: PartyId;
  guarantee: GuaranteeView | undefined;
  backedDeliveryOrder: Pick<DocumentState, 'id' | 'status'> | undefined;
  replacing?: string;
}): Refusal | undefined {
  const basis = input.payload.releaseBasis;
  if (basis.type !== 'telex-release') return undefined;
  const { guarantee } = input;
  if (!guarantee || guarantee.state.kind !== 'telex-release-guarantee') {
    return {
      code: 'guarantee-not-found',
      category: 'invalid',
      message: `no telex-release guarantee ${basis.guaranteeId}`,
      params: { guaranteeId: basis.guaranteeId },
    };
  }
  if (guarantee.state.status !== 'accepted') {
    return {
      code: 'guarantee-not-accepted',
      category: 'invalid',
      message: `guarantee ${basis.guaranteeId} is ${guarantee.state.status}; only an accepted guarantee backs a telex release`,
    };
  }
  if (guarantee.payload.billOfLadingNumber !== input.payload.billOfLadingNumber) {
    return {
      code: 'guarantee-bl-mismatch',
      category: 'invalid',
      message: `guarantee ${basis.guaranteeId} is for B/L ${guarantee.payload.billOfLadingNumber}, not ${input.payload.billOfLadingNumber}`,
    };
  }
  const mayIssue = [guarantee.payload.destinationAgent.partyId, guarantee.payload.carrier.partyId];
  if (!mayIssue.includes(input.issuer)) {
    return {
      code: 'guarantee-wrong-agent',
      category: 'invalid',
      message: `guarantee ${basis.guaranteeId} names ${guarantee.payload.destinationAgent.partyId} as the agent who may release`,
    };
  }
  const backed = input.backedDeliveryOrder;
  if (backed && backed.id !== input.replacing && liveStatuses.has(backed.status)) {
    return {
      code: 'guarantee-already-used',
      category: 'invalid',
      message: `guarantee ${basis.guaranteeId} already backs delivery order ${backed.id}`,
    };
  }
  return undefined;
}
