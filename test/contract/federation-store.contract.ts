// What every store with federation records must do (see federation-store.port.ts): the peer
// outbox rows written in the commit that causes them (or not at all), one claimant per row until
// its lease ends, and records stored once until they expire.
import type { FederationStore } from '../../src/application/ports/federation-store.port';
import { StoreConflictError, type Store } from '../../src/application/ports/store.port';
import { appending, deliveryOrderState, issuing, signedEvent } from '../support/document-fixtures';

export function describeFederationStoreContract(name: string, open: () => Promise<Store & { federation: FederationStore }>): void {
  describe(`${name} federation records`, () => {
    let store: Store & { federation: FederationStore };
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const send = (id: string) => ({ id, peer: 'PORT', kind: 'envelope' as const, body: JSON.stringify({ id }) });

    it('writes a peer send with the commit that causes it, and none when the commit is refused', async () => {
      const state = deliveryOrderState('do-fed-1');
      await store.commit([issuing(state)]);
      await store.commit([{ ...appending(state, 1), peerSends: [send('snd-1')] }]);
      // A repeat of the commit writes nothing, its peer send included; a conflicting one is refused whole.
      await expect(store.commit([{ ...appending(state, 1), peerSends: [send('snd-2')] }])).resolves.toEqual({ outcome: 'duplicate' });
      const other = appending(state, 1, { events: [signedEvent(state.id, 2, { variant: 'other' })] });
      await expect(store.commit([{ ...other, peerSends: [send('snd-c')] }])).rejects.toBeInstanceOf(StoreConflictError);
      const sends = await store.federation.listPeerSends('do-fed-1');
      expect(sends.map((s) => [s.id, s.peer, s.kind, s.status, s.attempts, s.body])).toEqual([['snd-1', 'PORT', 'envelope', 'pending', 0, '{"id":"snd-1"}']]);
    });

    it('hands a due send to one claimant until its lease ends; an attempt sets when it is due again, done takes it off', async () => {
      const state = deliveryOrderState('do-fed-2');
      await store.commit([{ ...issuing(state, { at: '2026-12-01T00:00:00.000Z' }), peerSends: [send('snd-3')] }]);
      const now = '2026-12-01T00:00:01.000Z';
      expect((await store.federation.claimPeerSends(now, '2026-12-01T00:01:01.000Z', 10)).map((s) => s.id)).toEqual(['snd-3']);
      expect(await store.federation.claimPeerSends(now, '2026-12-01T00:01:01.000Z', 10)).toEqual([]);
      await store.federation.recordPeerSendAttempt('snd-3', { at: now, done: false, error: 'no signed answer', nextAttemptAt: '2026-12-01T00:00:05.000Z' });
      expect(await store.federation.claimPeerSends('2026-12-01T00:00:04.000Z', '2026-12-01T00:01:04.000Z', 10)).toEqual([]);
      // The operator's view lists it, claimed or not, with its attempts and next try.
      expect((await store.federation.listPendingPeerSends(10)).map((s) => [s.id, s.attempts, s.nextAttemptAt, s.lastError])).toEqual([['snd-3', 1, '2026-12-01T00:00:05.000Z', 'no signed answer']]);
      const again = await store.federation.claimPeerSends('2026-12-01T00:00:05.000Z', '2026-12-01T00:01:05.000Z', 10);
      expect(again.map((s) => [s.id, s.attempts, s.lastError])).toEqual([['snd-3', 1, 'no signed answer']]);
      await store.federation.recordPeerSendAttempt('snd-3', { at: '2026-12-01T00:00:06.000Z', done: true, error: null, nextAttemptAt: null });
      expect(await store.federation.claimPeerSends('2026-12-01T01:00:00.000Z', '2026-12-01T01:01:00.000Z', 10)).toEqual([]);
      expect(await store.federation.listPendingPeerSends(10)).toEqual([]);
      expect((await store.federation.listPeerSends('do-fed-2')).map((s) => [s.status, s.attempts, s.doneAt])).toEqual([['done', 2, '2026-12-01T00:00:06.000Z']]);
      await expect(store.federation.recordPeerSendAttempt('snd-none', { at: now, done: true, error: null, nextAttemptAt: null })).rejects.toMatchObject({ code: 'not-found' });
    });

    it('hands each due send to exactly one of several concurrent claimants', async () => {
      const state = deliveryOrderState('do-fed-3');
      const ids = ['snd-a', 'snd-b', 'snd-c', 'snd-d', 'snd-e'];
      await store.commit([{ ...issuing(state, { at: '2026-12-01T00:00:00.000Z' }), peerSends: ids.map(send) }]);
      const claims = await Promise.all(Array.from({ length: 4 }, () => store.federation.claimPeerSends('2026-12-01T00:00:01.000Z', '2026-12-01T00:01:01.000Z', 3)));
      expect(claims.flat().map((s) => s.id).sort()).toEqual(ids);
    });

    it('remembers a record once until it expires; a record without expiry stays', async () => {
      const { federation } = store;
      expect(await federation.remember('jti', 'CAR1\nabc', '', '2026-12-01T00:02:00.000Z', '2026-12-01T00:00:00.000Z')).toBe(true);
      expect(await federation.remember('jti', 'CAR1\nabc', '', '2026-12-01T00:03:00.000Z', '2026-12-01T00:01:00.000Z')).toBe(false);
      expect(await federation.remember('jti', 'CAR1\nabc', '', '2026-12-01T00:04:00.000Z', '2026-12-01T00:02:00.000Z')).toBe(true);
      expect(await federation.recall('jti', 'CAR1\nabc', '2026-12-01T00:03:00.000Z')).toBe('');
      expect(await federation.recall('jti', 'CAR1\nabc', '2026-12-01T00:04:00.000Z')).toBeUndefined();
      expect(await federation.remember('sent', 'ab'.repeat(32), 'doc-1', null, '2026-12-01T00:00:00.000Z')).toBe(true);
      expect(await federation.recall('sent', 'ab'.repeat(32), '2099-01-01T00:00:00.000Z')).toBe('doc-1');
      expect(await federation.recall('sent', 'cd'.repeat(32), '2026-12-01T00:00:00.000Z')).toBeUndefined();
    });

    it('lets one of many concurrent rememberers of the same record win', async () => {
      const tries = await Promise.all(Array.from({ length: 8 }, () => store.federation.remember('jti', 'PORT\nsame', '', '2026-12-01T00:02:00.000Z', '2026-12-01T00:00:00.000Z')));
      expect(tries.filter(Boolean)).toHaveLength(1);
    });
  });
}
