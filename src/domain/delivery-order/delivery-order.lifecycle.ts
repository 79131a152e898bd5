import type { DeliveryOrderStatus } from '../document/document';
import type { LifecycleDefinition } from '../document/lifecycle';

const inCirculation: readonly DeliveryOrderStatus[] = ['issued', 'transferred', 'presentation-rejected'];
const open: readonly DeliveryOrderStatus[] = [...inCirculation, 'presented'];

/**
 * issued (holder = consignee) → transferred* → presented (to the terminal) → released, once;
 * a rejected presentation returns control to the holder. The issuer may void or amend until release.
 */
export const deliveryOrderLifecycle: LifecycleDefinition<DeliveryOrderStatus> = {
  kind: 'delivery-order',
  final: ['released', 'voided', 'superseded'],
  relationOf: {},
  closed: (status) =>
    status === 'released'
      ? { code: 'already-released', category: 'conflict', message: 'this delivery order has already been released' }
      : { code: 'document-closed', category: 'conflict', message: `this delivery order is ${status}; nothing more can happen to it` },
  rules: [
    {
      action: 'transfer',
      from: inCirculation,
      by: ['holder'],
      refusedAs: 'not-holder',
      to: 'transferred',
      holder: 'target',
    },
    {
      action: 'present',
      from: inCirculation,
      by: ['holder'],
      refusedAs: 'not-holder',
      to: 'presented',
      holder: 'keep',
      presentedTo: 'target',
      targetRoles: ['terminal'],
      targetMustBe: 'pickup-terminal',
    },
    {
      action: 'release',
      from: ['presented'],
      by: ['presentee'],
      refusedAs: 'not-presentee',
      to: 'released',
      holder: 'presentee',
    },
    {
      action: 'reject-presentation',
      from: ['presented'],
      by: ['presentee'],
      refusedAs: 'not-presentee',
      to: 'presentation-rejected',
      holder: 'keep',
      presentedTo: 'clear',
    },
    { action: 'void', from: open, by: ['issuer'], refusedAs: 'not-issuer', to: 'voided', holder: 'none' },
    {
      action: 'amend',
      from: open,
      by: ['issuer'],
      refusedAs: 'not-issuer',
      to: 'superseded',
      holder: 'none',
      effects: () => [{ type: 'supersede' }],
    },
  ],
};
