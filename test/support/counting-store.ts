import type { Store } from '../../src/application/ports/store.port';
import type { NodeAddress } from '../../src/domain/audit-log/merkle-tree';

/**
 * The store, with the node addresses proofs ask it for counted; every other call goes to the
 * store itself. `take` returns the count since the last take.
 */
export function countingReads(inner: Store): { store: Store; take: () => number } {
  let reads = 0;
  const store = new Proxy(inner, {
    get(target, property) {
      if (property === 'logNodes') {
        return (addresses: readonly NodeAddress[]) => {
          reads += addresses.length;
          return target.logNodes(addresses);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    store,
    take: () => {
      const counted = reads;
      reads = 0;
      return counted;
    },
  };
}
