import type { DocumentChange, DocumentQuery, KeySearch, Store } from '../../src/application/ports/store.port';
import { normaliseKeyValue, type BusinessKeyName } from '../../src/domain/document/business-keys';
import type { DocumentState } from '../../src/domain/document/document';
import { cast, deliveryOrderState, eirState, issuing, signedEvent, transferredTo, appending } from '../support/document-fixtures';
import type { StoreFactory } from './store.contract';

/** Payload parts the business keys come from; the store takes payloads as given. */
function deliveryOrderPayload(number: string, bl: string, containers: string[], consignee = { name: 'ACME Imports Ltd.', nameZh: '上海艾克美进口有限公司' }) {
  return { deliveryOrderNumber: number, billOfLadingNumber: bl, containers: containers.map((c) => ({ number: c })), consignee };
}

function eirPayload(number: string, container: string, plate: string, bl?: string) {
  return { eirNumber: number, container: { number: container }, truckPlate: plate, ...(bl ? { billOfLadingNumber: bl } : {}) };
}

function guaranteePayload(number: string, bl: string, containers: string[]) {
  return { guaranteeNumber: number, billOfLadingNumber: bl, containers: containers.map((c) => ({ number: c })), consignee: { name: 'Nordic Trading AB' } };
}

const anyNumber: readonly BusinessKeyName[] = ['do-number', 'eir-number', 'guarantee-number'];
const search = (keys: readonly BusinessKeyName[], typed: string): KeySearch => ({ keys, value: normaliseKeyValue(typed) });

/** ISO instants one minute apart from a fixed start, as the service's clock writes them. */
const minute = (n: number): string => new Date(Date.UTC(2026, 11, 1, 0, n)).toISOString();

/**
 * The search half of the Store contract: every filter, business keys as `businessKeysOf` extracts
 * them, newest-first keyset paging and counts. Run against each adapter beside `describeStoreContract`.
 */
export function describeStoreSearchContract(name: string, factory: StoreFactory): void {
  describe(`${name} meets the Store search contract`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await factory.open();
    });

    afterEach(async () => {
      await store.close();
      await factory.cleanup?.();
    });

    async function ids(query: Omit<DocumentQuery, 'limit'> & { limit?: number }): Promise<string[]> {
      const page = await store.listDocuments({ limit: 100, ...query });
      return page.items.map((item) => item.state.id);
    }

    async function allPages(query: Omit<DocumentQuery, 'after'>, between?: () => Promise<void>): Promise<string[]> {
      const seen: string[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 1_000; pages++) {
        const page = await store.listDocuments(after === undefined ? query : { ...query, after });
        seen.push(...page.items.map((item) => item.state.id));
        if (page.nextCursor === null) return seen;
        after = page.nextCursor;
        await between?.();
      }
      throw new Error('paging does not end');
    }

    /** Three D/Os, two EIRs and a guarantee, one minute apart, d1 oldest. */
    async function portDay(): Promise<void> {
      const changes: DocumentChange[] = [
        issuing(deliveryOrderState('d1'), { at: minute(1), payload: deliveryOrderPayload('DO-2026-0001', 'COSU6123456780', ['MSCU1234565', 'TGHU9876543']) }),
        issuing(deliveryOrderState('d2', { holder: cast.forwarder, participants: [{ partyId: cast.carrier, role: 'issuer' }, { partyId: cast.forwarder, role: 'consignee' }] }), {
          at: minute(2),
          payload: deliveryOrderPayload('DO-2026-0002', 'COSU6123456999', ['MSCU7654321'], { name: 'Swift Forwarding', nameZh: '迅捷货代' }),
        }),
        issuing(deliveryOrderState('d3', { issuer: cast.terminal, status: 'released' }), { at: minute(3), payload: deliveryOrderPayload('DO-2026-0003', 'EGLV1410000001', ['CSQU3054383']) }),
        issuing(eirState('e1'), { at: minute(4), payload: eirPayload('EIR-YS-000101', 'MSCU1234565', '沪A·12345', 'COSU6123456780') }),
        issuing(eirState('e2', { status: 'gate-recorded' }), { at: minute(5), payload: eirPayload('EIR-YS-000102', 'CSQU3054383', '沪B-67890') }),
        issuing(deliveryOrderState('g1', { kind: 'telex-release-guarantee', status: 'submitted' }), { at: minute(6), payload: guaranteePayload('LOI 2026/77', 'COSU6123456780', ['MSCU1234565']) }),
      ];
      await expect(store.commit(changes)).resolves.toEqual({ outcome: 'committed' });
    }

    describe('business keys', () => {
      beforeEach(portDay);

      it('when a D/O, EIR or guarantee number is searched, then it matches exactly, whatever the case and separators typed', async () => {
        await expect(ids({ keys: [search(['do-number'], 'do 2026 0002')] })).resolves.toEqual(['d2']);
        await expect(ids({ keys: [search(['eir-number'], 'eir-ys-000101')] })).resolves.toEqual(['e1']);
        await expect(ids({ keys: [search(['guarantee-number'], 'LOI-2026-77')] })).resolves.toEqual(['g1']);
        await expect(ids({ keys: [search(anyNumber, 'EIR-YS-000102')] })).resolves.toEqual(['e2']);
        // No prefix match on numbers: "DO-2026-000" is not a number anybody was given.
        await expect(ids({ keys: [search(['do-number'], 'DO-2026-000')] })).resolves.toEqual([]);
      });

      it('when a B/L or container number is searched, then exact and prefix matches are found, newest first', async () => {
        await expect(ids({ keys: [search(['bl-number'], 'COSU6123456780')], newestFirst: true })).resolves.toEqual(['g1', 'e1', 'd1']);
        await expect(ids({ keys: [search(['bl-number'], 'cosu 6123456')], newestFirst: true })).resolves.toEqual(['g1', 'e1', 'd2', 'd1']);
        await expect(ids({ keys: [search(['container'], 'MSCU1234565')], newestFirst: true })).resolves.toEqual(['g1', 'e1', 'd1']);
        await expect(ids({ keys: [search(['container'], 'mscu')] })).resolves.toEqual(['d1', 'd2', 'e1', 'g1']);
        await expect(ids({ keys: [search(['container'], 'ＣＳＱＵ３０５４３８３')] })).resolves.toEqual(['d3', 'e2']);
      });

      it('when a plate or consignee is searched, then the normalised value matches, in Chinese or English', async () => {
        await expect(ids({ keys: [search(['plate'], '沪A12345')] })).resolves.toEqual(['e1']);
        await expect(ids({ keys: [search(['plate'], '沪b 67890')] })).resolves.toEqual(['e2']);
        await expect(ids({ keys: [search(['consignee'], '迅捷货代')] })).resolves.toEqual(['d2']);
        await expect(ids({ keys: [search(['consignee'], 'acme imports ltd')] })).resolves.toEqual(['d1', 'd3']);
        await expect(ids({ keys: [search(['consignee'], 'acme')] })).resolves.toEqual([]);
      });

      it('when several searches and filters are given, then a document must meet them all', async () => {
        const both = [search(['container'], 'MSCU1234565'), search(['bl-number'], 'COSU6123456780')];
        await expect(ids({ keys: both })).resolves.toEqual(['d1', 'e1', 'g1']);
        await expect(ids({ keys: both, kind: 'eir' })).resolves.toEqual(['e1']);
        await expect(ids({ keys: [search(['container'], 'CSQU')], status: ['released', 'gate-recorded'] })).resolves.toEqual(['d3', 'e2']);
        await expect(ids({ keys: [search(['container'], 'CSQU')], status: 'issued' })).resolves.toEqual([]);
        // Searching never widens what a party may see.
        await expect(ids({ keys: [search(['container'], 'M')], partyId: cast.haulier })).resolves.toEqual(['e1']);
        await expect(ids({ keys: [search(['container'], 'M')], partyId: cast.outsider })).resolves.toEqual([]);
      });

      it('when a document is updated, then its keys stay those of its payload at creation', async () => {
        const d1 = (await store.getDocument('d1'))?.state as DocumentState;
        await store.commit([appending(transferredTo(d1, cast.forwarder), 1, { at: minute(30) })]);
        await expect(ids({ keys: [search(['do-number'], 'DO-2026-0001')], holder: cast.forwarder })).resolves.toEqual(['d1']);
      });
    });

    describe('filters', () => {
      beforeEach(portDay);

      it('when holder, issuer, kind or status is given, then only documents with it are listed', async () => {
        await expect(ids({ holder: cast.forwarder })).resolves.toEqual(['d2']);
        await expect(ids({ issuer: cast.terminal })).resolves.toEqual(['d3']);
        await expect(ids({ kind: 'telex-release-guarantee' })).resolves.toEqual(['g1']);
        await expect(ids({ status: [] })).resolves.toEqual([]);
        await expect(ids({ status: ['issued'], kind: 'delivery-order', newestFirst: true })).resolves.toEqual(['d2', 'd1']);
      });

      it('when a creation or change time range is given, then from is inclusive and before exclusive', async () => {
        await expect(ids({ createdFrom: minute(2), createdBefore: minute(4) })).resolves.toEqual(['d2', 'd3']);
        await expect(ids({ createdFrom: minute(6) })).resolves.toEqual(['g1']);
        const d1 = (await store.getDocument('d1'))?.state as DocumentState;
        await store.commit([appending(transferredTo(d1, cast.forwarder), 1, { at: minute(40) })]);
        await expect(ids({ updatedFrom: minute(10) })).resolves.toEqual(['d1']);
        await expect(ids({ updatedBefore: minute(3) })).resolves.toEqual(['d2']);
      });

      it('when several roles are given, then a document where the party holds any of them is listed once', async () => {
        // r1: the carrier runs the depot too, so it is both issuer and facility operator.
        await store.commit([
          issuing(eirState('r1', { participants: [{ partyId: cast.carrier, role: 'issuer' }, { partyId: cast.carrier, role: 'facility-operator' }] }), {
            at: minute(7),
            payload: eirPayload('EIR-R1', 'MSCU0000045', '沪D1'),
          }),
        ]);
        await expect(ids({ partyId: cast.carrier, role: ['facility-operator', 'haulier'] })).resolves.toEqual(['r1']);
        await expect(ids({ partyId: cast.carrier, role: ['issuer', 'facility-operator'], kind: 'eir' })).resolves.toEqual(['e1', 'e2', 'r1']);
        await expect(ids({ partyId: cast.consignee, role: ['consignee', 'haulier'] })).resolves.toEqual(['d1', 'd3', 'g1']);
        await expect(ids({ role: ['facility-operator', 'transferee'] })).resolves.toEqual(['e1', 'e2', 'r1']);
        await expect(ids({ partyId: cast.haulier, role: [] })).resolves.toEqual([]);
        await expect(store.countDocuments({ partyId: cast.carrier, role: ['issuer', 'facility-operator'], kind: 'eir' }, 10_000)).resolves.toEqual({ count: 3, capped: false });
      });

      it('when presentedTo is given, then only D/Os presented to that terminal now are listed', async () => {
        await store.commit([
          issuing(deliveryOrderState('p1', { status: 'presented', presentedTo: cast.terminal }), { at: minute(7), payload: deliveryOrderPayload('DO-P1', 'BLP', ['MSCU0000015']) }),
          // Presented once to the terminal, refused, now presented to another: a participant still, but not the presentee.
          issuing(
            deliveryOrderState('p2', {
              status: 'presented',
              presentedTo: cast.forwarder,
              participants: [{ partyId: cast.carrier, role: 'issuer' }, { partyId: cast.terminal, role: 'presentee' }, { partyId: cast.forwarder, role: 'presentee' }],
            }),
            { at: minute(8), payload: deliveryOrderPayload('DO-P2', 'BLP', ['MSCU0000025']) },
          ),
        ]);
        await expect(ids({ presentedTo: cast.terminal })).resolves.toEqual(['p1']);
        await expect(ids({ presentedTo: cast.forwarder, partyId: cast.terminal, role: 'presentee' })).resolves.toEqual(['p2']);
        await expect(store.countDocuments({ presentedTo: cast.terminal, status: 'presented' }, 10_000)).resolves.toEqual({ count: 1, capped: false });
      });

      it('when a Beijing day is searched as valid-day, then EIRs whose validity window touches it are listed', async () => {
        const window = (validFrom: string, validUntil: string) => ({ ...eirPayload('EIR-W', 'MSCU0000035', '沪C1'), validFrom, validUntil });
        await store.commit([
          issuing(eirState('w1'), { at: minute(9), payload: window('2026-12-02T08:00:00+08:00', '2026-12-04T08:00:00+08:00') }),
          issuing(eirState('w2'), { at: minute(10), payload: window('2026-12-04T00:30:00+08:00', '2026-12-04T23:00:00+08:00') }),
        ]);
        const day = (d: string): KeySearch => ({ keys: ['valid-day'], value: d });
        await expect(ids({ keys: [day('20261203')] })).resolves.toEqual(['w1']);
        await expect(ids({ keys: [day('20261204')], newestFirst: true })).resolves.toEqual(['w2', 'w1']);
        await expect(ids({ keys: [day('20261205')] })).resolves.toEqual([]);
        // A day is no number: "any number" never matches it.
        await expect(ids({ keys: [search(anyNumber, '20261203')] })).resolves.toEqual([]);
      });

      it('when matches are counted, then the count is exact up to the cap and says when there are more', async () => {
        await expect(store.countDocuments({}, 10_000)).resolves.toEqual({ count: 6, capped: false });
        await expect(store.countDocuments({ keys: [search(['container'], 'MSCU')] }, 10_000)).resolves.toEqual({ count: 4, capped: false });
        await expect(store.countDocuments({ kind: 'delivery-order' }, 3)).resolves.toEqual({ count: 3, capped: false });
        await expect(store.countDocuments({ kind: 'delivery-order' }, 2)).resolves.toEqual({ count: 2, capped: true });
        await expect(store.countDocuments({ partyId: cast.outsider }, 10_000)).resolves.toEqual({ count: 0, capped: false });
      });
    });

    describe('paging at volume', () => {
      const volume = 1_000;

      /** `volume` D/Os committed with one timestamp, so that only creation order tells them apart. */
      async function sameSecond(prefix: string, count: number): Promise<string[]> {
        const made = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
        const at = minute(0);
        const changes = made.map((id, i) =>
          issuing(deliveryOrderState(id), { at, events: [signedEvent(id, 1, { recordedAt: at })], payload: deliveryOrderPayload(`DO-${id}`, `BL${i % 7}`, [`MSCU${String(i).padStart(6, '0')}5`]) }),
        );
        for (let i = 0; i < changes.length; i += 250) await store.commit(changes.slice(i, i + 250));
        return made;
      }

      it(`when ${volume} documents share one timestamp, then paging newest first visits each once, in reverse creation order`, async () => {
        const made = await sameSecond('v', volume);
        const seen = await allPages({ limit: 37, newestFirst: true });
        expect(seen).toEqual([...made].reverse());
        const filtered = await allPages({ limit: 20, newestFirst: true, keys: [search(['bl-number'], 'BL3')] });
        expect(filtered).toEqual(made.filter((_, i) => i % 7 === 3).reverse());
        await expect(store.countDocuments({ keys: [search(['bl-number'], 'BL3')] }, 10_000)).resolves.toEqual({ count: filtered.length, capped: false });
      }, 60_000);

      it('when documents are issued while a reader pages newest first, then the reader sees each earlier document exactly once', async () => {
        const made = await sameSecond('w', 300);
        let added = 0;
        const seen = await allPages({ limit: 25, newestFirst: true }, async () => {
          const id = `late${added++}`;
          await store.commit([issuing(deliveryOrderState(id), { at: minute(0), payload: deliveryOrderPayload(`DO-${id}`, 'BLX', ['MSCU0000005']) })]);
        });
        expect(seen).toEqual([...made].reverse());
        expect(added).toBeGreaterThan(5);
      }, 60_000);

      it('when a cursor is used with the other order, then it is refused as invalid', async () => {
        await sameSecond('c', 5);
        const oldestFirst = await store.listDocuments({ limit: 2 });
        const newestFirst = await store.listDocuments({ limit: 2, newestFirst: true });
        expect(oldestFirst.nextCursor).not.toBeNull();
        await expect(store.listDocuments({ limit: 2, newestFirst: true, after: oldestFirst.nextCursor as string })).rejects.toMatchObject({ code: 'validation-failed' });
        await expect(store.listDocuments({ limit: 2, after: newestFirst.nextCursor as string })).rejects.toMatchObject({ code: 'validation-failed' });
      });
    });
  });
}
