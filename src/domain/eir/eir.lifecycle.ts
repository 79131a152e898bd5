import type { EirStatus } from '../document/document';
import type { LifecycleDefinition } from '../document/lifecycle';

/**
 * issued (holder = haulier) → gate-recorded (by the facility's operator) → countersigned (by the
 * haulier), final. The issuer may void before the countersignature; an unused EIR expires.
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
