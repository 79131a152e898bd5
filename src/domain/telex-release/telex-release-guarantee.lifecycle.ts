import { participantsOf, type GuaranteeStatus } from '../document/document';
import { toAddresseeElsewhere, type LifecycleDefinition } from '../document/lifecycle';

/**
 * submitted (holder = the carrier's agent) → accepted (holder = destination agent, who is sent a
 * release notice) | rejected (back to the submitter) | withdrawn by the submitter before a decision.
 * An agent on another platform is sent the guarantee by its submitter (`transfer` to
 * `<platform>:<agent>`): it stays submitted, decided there, and the decision comes back in a notice.
 */
export const guaranteeLifecycle: LifecycleDefinition<GuaranteeStatus> = {
  kind: 'telex-release-guarantee',
  final: ['accepted', 'rejected', 'withdrawn'],
  relationOf: { 'carrier-agent': 'addressee', 'destination-agent': 'destination-agent' },
  closed: (status) => ({
    code: 'document-closed',
    category: 'conflict',
    message: `this guarantee is already ${status}`,
  }),
  rules: [
    {
      action: 'accept',
      from: ['submitted'],
      by: ['addressee'],
      refusedAs: 'not-addressee',
      to: 'accepted',
      holder: 'destination-agent',
      effects: (state) => participantsOf(state, 'destination-agent').map((to) => ({ type: 'release-notice', to })),
    },
    {
      action: 'transfer',
      from: ['submitted'],
      by: ['issuer'],
      refusedAs: 'not-issuer',
      to: 'submitted',
      holder: 'target',
      guard: toAddresseeElsewhere('carrier-agent', 'guarantee-wrong-agent'),
    },
    { action: 'reject', from: ['submitted'], by: ['addressee'], refusedAs: 'not-addressee', to: 'rejected', holder: 'issuer' },
    { action: 'withdraw', from: ['submitted'], by: ['issuer'], refusedAs: 'not-issuer', to: 'withdrawn', holder: 'issuer' },
  ],
};
