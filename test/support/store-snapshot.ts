import type { Store } from '../../src/application/ports/store.port';

/** What a request could have added to a store: documents, and events (each one log leaf). */
export interface StoreSnapshot {
  documents: number;
  events: number;
  rootHash: string;
}

const PAGE = 200;
const MAX_PAGES = 1_000;

/** Counts every document (all parties) and the log's size and root, through the store port. */
export async function storeSnapshot(store: Store): Promise<StoreSnapshot> {
  let documents = 0;
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { items, nextCursor } = await store.listDocuments({ limit: PAGE, ...(after ? { after } : {}) });
    documents += items.length;
    if (!nextCursor) break;
    after = nextCursor;
  }
  const log = await store.logState();
  return { documents, events: log.size, rootHash: Buffer.from(log.rootHash).toString('hex') };
}

/** Runs `work` and expects the store to hold exactly what it held before. */
export async function expectNothingStored(store: Store, work: () => Promise<void>): Promise<void> {
  const before = await storeSnapshot(store);
  await work();
  expect(await storeSnapshot(store)).toEqual(before);
}
