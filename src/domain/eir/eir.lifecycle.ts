import type { DocumentState, EirStatus } from '../document/document';
import { toAddresseeElsewhere, type ActionRequest, type LifecycleDefinition } from '../document/lifecycle';
import type { Refusal } from '../shared/errors';

/** A gate move is recorded only within the EIR's validity window, by the service's clock. */
function withinWindow(state: DocumentState, request: ActionRequest): Refusal | undefined {
  const now = Date.parse(request.now);
  if (state.validFrom && now < Date.parse(state.validFrom)) {
    return { code: 'eir-not-yet-valid', category: 'conflict', message: `this EIR is valid from ${state.validFrom}`, params: { validFrom: state.validFrom } };
  }
  if (state.validUntil && now > Date.parse(state.validUntil)) {
    return { code: 'eir-validity-ended', category: 'conflict', message: `this EIR was valid until ${state.validUntil}`, params: { validUntil: state.validUntil } };
  }
  return undefined;
}

/**
 * issued (holder = haulier) → gate-recorded (by the facility's operator) → countersigned (by the
 * haulier), final. The issuer may void before the countersignature; an unused EIR expires. A
 * facility on another platform is sent the EIR by its issuer (`transfer` to `<platform>:<operator>`):
 * its gate move is recorded there and comes back in a notice.
 */
export const eirLifecycle: LifecycleDefinition<EirStatus> = {
  kind: 'eir',
  final: ['countersigned', 'voided', 'expired'],
  relationOf: { 'facility-operator': 'facility-operator', haulier: 'haulier' },
  closed: (status) => ({
    code: 'document-closed',
    category: 'conflict',
    message: `this EIR is ${status}; nothing more can happen to it`,
  }),
  rules: [
    {
      action: 'gate-record',
      from: ['issued'],
      by: ['facility-operator'],
      refusedAs: 'not-facility-operator',
      to: 'gate-recorded',
      holder: 'keep',
      guard: withinWindow,
    },
    {
      action: 'transfer',
      from: ['issued'],
      by: ['issuer'],
      refusedAs: 'not-issuer',
      to: 'issued',
      holder: 'target',
      guard: toAddresseeElsewhere('facility-operator', 'wrong-terminal'),
    },
    {
      action: 'countersign',
      from: ['gate-recorded'],
      by: ['haulier'],
      refusedAs: 'not-haulier',
      to: 'countersigned',
      holder: 'keep',
    },
    { action: 'void', from: ['issued', 'gate-recorded'], by: ['issuer'], refusedAs: 'not-issuer', to: 'voided', holder: 'none' },
    {
      action: 'expire',
      from: ['issued'],
      by: ['issuer', 'system'],
      refusedAs: 'not-issuer',
      to: 'expired',
      holder: 'none',
      guard: (state, request) =>
        state.validUntil !== null && Date.parse(request.now) > Date.parse(state.validUntil)
          ? undefined
          : { code: 'not-yet-expired', category: 'conflict', message: `this EIR is valid until ${state.validUntil ?? 'further notice'}` },
    },
  ],
};
