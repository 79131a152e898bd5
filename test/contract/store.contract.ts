import { countingReads } from '../support/counting-store';
import {
  consistencyProofFromStore,
  inclusionProofFromStore,
  rootAtSize,
} from '../../src/application/audit/log-proofs';
import type { SignedTreeHead } from '../../src/application/audit/tree-head';
import {
  MissingBlobError,
  StoreConflictError,
  type DocumentChange,
  type DocumentQuery,
  type Store,
  type StoredDocument,
} from '../../src/application/ports/store.port';
import type { WebSession } from '../../src/application/ports/session-store.port';
import { emptyRoot, leafHash } from '../../src/domain/audit-log/merkle-hash';
import { checkConsistency, checkInclusion } from '../../src/domain/audit-log/merkle-proofs';
import type { DocumentState } from '../../src/domain/document/document';
import { SdxError } from '../../src/domain/shared/errors';
import {
  appending,
  cast,
  deliveryOrderState,
  eirState,
  issuedAt,
  issuing,
  laterAt,
  sha256Hex,
  signedEvent,
  transferredTo,
} from '../support/document-fixtures';
import { referenceConsistencyProof, referenceInclusionProof, referenceRoot } from '../support/merkle-reference';
import { apiKey, party, user } from '../support/party-fixtures';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The audit-log leaf of an event: SHA-256(0x00 || envelope UTF-8). */
function leafOf(event: { envelope: string }): Uint8Array {
  return leafHash(new TextEncoder().encode(event.envelope));
}

/**
 * A head as the log service would publish it. The store keeps heads without checking their
 * signatures (the service signs them with the log key), so a stand-in signature is enough here.
 */
function treeHead(size: number, rootHash: Uint8Array, timestamp = issuedAt): SignedTreeHead {
  return { size, rootHash: hex(rootHash), timestamp, signature: `stand-in signature over ${size}.${hex(rootHash)}.${timestamp}` };
}

/**
 * How the contract suite gets stores. Each test calls `open()` once for a fresh, empty database,
 * and closes what it opened; `cleanup()` then runs after every test.
 */
export interface StoreFactory {
  open(): Promise<Store>;
  /** Opens the database of the latest `open()` again, after that store was closed. Omit to skip the durability tests. */
  reopen?(): Promise<Store>;
  cleanup?(): Promise<void>;
}

/**
 * The guarantees of the Store port (`src/application/ports/store.port.ts`), stated as tests and run
 * against one adapter. Uses nothing but the port.
 */
export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`${name} meets the Store contract`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await factory.open();
    });

    afterEach(async () => {
      await store.close();
      await factory.cleanup?.();
    });

    async function issued(state: DocumentState): Promise<DocumentState> {
      await expect(store.commit([issuing(state)])).resolves.toEqual({ outcome: 'committed' });
      return state;
    }

    async function snapshot(id: string): Promise<{ document: StoredDocument | undefined; events: unknown[] }> {
      return { document: await store.getDocument(id), events: await store.listEvents(id) };
    }

    async function conflictOf(promise: Promise<unknown>): Promise<StoreConflictError> {
      const error: unknown = await promise.then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(StoreConflictError);
      return error as StoreConflictError;
    }

    async function idsOf(query: DocumentQuery): Promise<string[]> {
      const page = await store.listDocuments(query);
      return page.items.map((item) => item.state.id);
    }

    async function allPages(query: Omit<DocumentQuery, 'after'>): Promise<{ ids: string[]; pages: number }> {
      const ids: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await store.listDocuments(after === undefined ? query : { ...query, after });
        pages += 1;
        ids.push(...page.items.map((item) => item.state.id));
        after = page.nextCursor ?? undefined;
        if (pages > 100) throw new Error('paging does not end');
      } while (after !== undefined);
      return { ids, pages };
    }

    it('when the store is open, then health reports ok and names its backend', async () => {
      const health = await store.health();
      expect(health.ok).toBe(true);
      expect(health.backend).toMatch(/\S/);
    });

    describe('parties', () => {
      it('when a party is upserted, then get and list return it as given', async () => {
        const carrier = party(cast.carrier, ['carrier'], { identifiers: { scac: 'COSU' }, name: { en: 'COSCO', zh: '中远海运' } });
        await store.upsertParty(carrier);
        await expect(store.getParty(cast.carrier)).resolves.toEqual(carrier);
        await expect(store.listParties()).resolves.toEqual([carrier]);
      });

      it('when a party is upserted again, then the new version replaces the old one', async () => {
        await store.upsertParty(party(cast.consignee, ['consignee']));
        const renamed = party(cast.consignee, ['consignee', 'shipper'], { name: { en: 'Acme Imports Group' } });
        await store.upsertParty(renamed);
        await expect(store.getParty(cast.consignee)).resolves.toEqual(renamed);
        await expect(store.listParties()).resolves.toEqual([renamed]);
      });

      it('when several parties are stored, then list returns each once', async () => {
        const stored = [party(cast.terminal, ['terminal']), party(cast.carrier, ['carrier']), party(cast.haulier, ['haulier'])];
        for (const p of stored) await store.upsertParty(p);
        const listed = await store.listParties();
        expect(listed).toHaveLength(3);
        expect(listed).toEqual(expect.arrayContaining(stored));
      });

      it('when a party was never stored, then get returns undefined', async () => {
        await expect(store.getParty(cast.outsider)).resolves.toBeUndefined();
      });
    });

    describe('users and API keys', () => {
      beforeEach(async () => {
        await store.upsertParty(party(cast.consignee, ['consignee']));
        await store.createUser(user('user-1', cast.consignee));
      });

      it('when a user is created, then get returns it and an unknown id returns undefined', async () => {
        await expect(store.getUser('user-1')).resolves.toEqual(user('user-1', cast.consignee));
        await expect(store.getUser('user-404')).resolves.toBeUndefined();
      });

      it('when a user gets a password hash, then get returns it, a new one replaces it, and an unknown user is not-found', async () => {
        await store.setUserPassword('user-1', '$scrypt$first');
        await expect(store.getUser('user-1')).resolves.toEqual({ ...user('user-1', cast.consignee), passwordHash: '$scrypt$first' });
        await store.setUserPassword('user-1', '$scrypt$second');
        await expect(store.getUser('user-1')).resolves.toMatchObject({ passwordHash: '$scrypt$second' });
        await expect(store.setUserPassword('user-404', '$scrypt$x')).rejects.toMatchObject({ code: 'not-found' });
      });

      it('when a user is created with a password hash, then it is kept', async () => {
        await store.createUser({ ...user('user-2', cast.consignee), passwordHash: '$scrypt$created' });
        await expect(store.getUser('user-2')).resolves.toMatchObject({ passwordHash: '$scrypt$created' });
      });

      it('when a key is looked up by its hash, then the key and its user are found', async () => {
        const key = apiKey('key-1', 'user-1', 'sdx_secret_one');
        await store.addApiKey(key);
        await expect(store.findActiveApiKey(sha256Hex('sdx_secret_one'))).resolves.toEqual({
          key,
          user: user('user-1', cast.consignee),
        });
      });

      it('when a hash matches no key, then nothing is found', async () => {
        await store.addApiKey(apiKey('key-1', 'user-1', 'sdx_secret_one'));
        await expect(store.findActiveApiKey(sha256Hex('sdx_secret_guess'))).resolves.toBeUndefined();
        await expect(store.findActiveApiKey('key-1')).resolves.toBeUndefined();
      });

      it('when a key is revoked, then its hash is no longer found and the user’s other keys still are', async () => {
        await store.addApiKey(apiKey('key-1', 'user-1', 'sdx_secret_one'));
        await store.addApiKey(apiKey('key-2', 'user-1', 'sdx_secret_two'));
        await store.revokeApiKey('key-1', laterAt);
        await expect(store.findActiveApiKey(sha256Hex('sdx_secret_one'))).resolves.toBeUndefined();
        await expect(store.findActiveApiKey(sha256Hex('sdx_secret_two'))).resolves.toMatchObject({ key: { id: 'key-2' } });
      });

      it('when a key is stored already revoked, then it is never found', async () => {
        await store.addApiKey({ ...apiKey('key-old', 'user-1', 'sdx_secret_old'), revokedAt: issuedAt });
        await expect(store.findActiveApiKey(sha256Hex('sdx_secret_old'))).resolves.toBeUndefined();
      });
    });

    describe('web sessions', () => {
      const session = (idHash: string, userId = 'user-1', kind: WebSession['kind'] = 'desk'): WebSession => ({
        idHash,
        userId,
        kind,
        createdAt: issuedAt,
        lastSeenAt: issuedAt,
        endedAt: null,
      });

      beforeEach(async () => {
        await store.upsertParty(party(cast.consignee, ['consignee']));
        await store.createUser(user('user-1', cast.consignee));
        await store.createUser(user('user-2', cast.consignee));
      });

      it('when a session is added, then get returns it as given and an unknown id hash returns undefined', async () => {
        await store.sessions.addSession(session('a'.repeat(64), 'user-1', 'phone'));
        await expect(store.sessions.getSession('a'.repeat(64))).resolves.toEqual(session('a'.repeat(64), 'user-1', 'phone'));
        await expect(store.sessions.getSession('b'.repeat(64))).resolves.toBeUndefined();
      });

      it('when an id hash is added twice, then the second is a store-conflict and the first stays', async () => {
        await store.sessions.addSession(session('s1'));
        await expect(store.sessions.addSession(session('s1', 'user-2'))).rejects.toMatchObject({ code: 'store-conflict' });
        await expect(store.sessions.getSession('s1')).resolves.toMatchObject({ userId: 'user-1' });
      });

      it('when a session is touched, then last seen only moves forward', async () => {
        await store.sessions.addSession(session('s1'));
        await store.sessions.touchSession('s1', laterAt);
        await store.sessions.touchSession('s1', issuedAt);
        await expect(store.sessions.getSession('s1')).resolves.toMatchObject({ lastSeenAt: laterAt, endedAt: null });
      });

      it('when a session is ended, then it stays ended: touching does not change it and ending again keeps the first time', async () => {
        await store.sessions.addSession(session('s1'));
        await expect(store.sessions.endSession('s1', laterAt)).resolves.toBe(true);
        await expect(store.sessions.endSession('s1', '2030-01-01T00:00:00.000Z')).resolves.toBe(false);
        await store.sessions.touchSession('s1', '2030-01-01T00:00:00.000Z');
        await expect(store.sessions.getSession('s1')).resolves.toMatchObject({ lastSeenAt: issuedAt, endedAt: laterAt });
        await expect(store.sessions.endSession('unknown', laterAt)).resolves.toBe(false);
      });

      it('when a user’s sessions are ended, then every open one ends, the count says how many, and other users’ stay open', async () => {
        await store.sessions.addSession(session('s1'));
        await store.sessions.addSession(session('s2', 'user-1', 'phone'));
        await store.sessions.addSession(session('s3'));
        await store.sessions.endSession('s3', issuedAt);
        await store.sessions.addSession(session('other', 'user-2'));
        await expect(store.sessions.endUserSessions('user-1', laterAt)).resolves.toBe(2);
        await expect(store.sessions.getSession('s1')).resolves.toMatchObject({ endedAt: laterAt });
        await expect(store.sessions.getSession('s2')).resolves.toMatchObject({ endedAt: laterAt });
        await expect(store.sessions.getSession('s3')).resolves.toMatchObject({ endedAt: issuedAt });
        await expect(store.sessions.getSession('other')).resolves.toMatchObject({ endedAt: null });
        await expect(store.sessions.endUserSessions('user-1', laterAt)).resolves.toBe(0);
      });

      it('when a user’s password is set, then every open session of that user ends and other users’ stay open', async () => {
        await store.sessions.addSession(session('s1'));
        await store.sessions.addSession(session('other', 'user-2'));
        await store.setUserPassword('user-1', '$scrypt$new');
        await expect(store.sessions.getSession('s1')).resolves.toMatchObject({ endedAt: expect.any(String) });
        await expect(store.sessions.getSession('other')).resolves.toMatchObject({ endedAt: null });
      });
    });

    describe('issuing and appending', () => {
      it('when a document is issued, then its state, payload and first event read back', async () => {
        const state = deliveryOrderState('do-1');
        const change = issuing(state, { payload: { documentNumber: 'DO-1', containers: [{ number: 'CSQU3054383' }] } });
        await expect(store.commit([change])).resolves.toEqual({ outcome: 'committed' });

        await expect(store.getDocument('do-1')).resolves.toEqual({
          state,
          payload: { documentNumber: 'DO-1', containers: [{ number: 'CSQU3054383' }] },
          seq: 1,
          createdAt: issuedAt,
          updatedAt: issuedAt,
        });
        const event = change.events[0];
        expect(event).toBeDefined();
        await expect(store.listEvents('do-1')).resolves.toEqual([
          { ...event, documentId: 'do-1', seq: 1, logIndex: 0, hash: sha256Hex(event?.envelope ?? '') },
        ]);
      });

      it('when a document is issued with several events, then they get sequences 1, 2, 3 in order', async () => {
        const state = deliveryOrderState('do-1');
        const events = [signedEvent('do-1', 1), signedEvent('do-1', 2), signedEvent('do-1', 3)];
        await store.commit([issuing(state, { events })]);
        const stored = await store.listEvents('do-1');
        expect(stored.map((e) => [e.seq, e.envelope])).toEqual(events.map((e, i) => [i + 1, e.envelope]));
        await expect(store.getDocument('do-1')).resolves.toMatchObject({ seq: 3 });
      });

      it('when the holder commits with the current sequence, then the events are appended and the state replaced', async () => {
        const state = await issued(deliveryOrderState('do-1'));
        const next = transferredTo(state, cast.forwarder);
        const events = [
          signedEvent('do-1', 2, { actor: cast.consignee }),
          signedEvent('do-1', 3, { type: 'note', actor: cast.forwarder }),
        ];
        await expect(store.commit([appending(next, 1, { events })])).resolves.toEqual({ outcome: 'committed' });

        await expect(store.getDocument('do-1')).resolves.toEqual(
          expect.objectContaining({ state: next, seq: 3, createdAt: issuedAt, updatedAt: laterAt }),
        );
        const stored = await store.listEvents('do-1');
        expect(stored.map((e) => e.seq)).toEqual([1, 2, 3]);
        expect(stored.map((e) => e.hash)).toEqual(
          [signedEvent('do-1', 1), ...events].map((e) => sha256Hex(e.envelope)),
        );
      });

      it('when a document was never issued, then get returns undefined and it has no events', async () => {
        await expect(store.getDocument('do-404')).resolves.toBeUndefined();
        await expect(store.listEvents('do-404')).resolves.toEqual([]);
      });

      it('when a new document comes without its payload, then it is refused and nothing is written', async () => {
        const change = { ...issuing(deliveryOrderState('do-1')), payload: undefined };
        await expect(store.commit([change])).rejects.toMatchObject({ code: 'validation-failed' });
        await expect(snapshot('do-1')).resolves.toEqual({ document: undefined, events: [] });
      });

      it('when a change carries no events or another document’s state, then it is refused and nothing is written', async () => {
        await expect(store.commit([issuing(deliveryOrderState('do-1'), { events: [] })])).rejects.toBeInstanceOf(SdxError);
        await expect(store.commit([{ ...issuing(deliveryOrderState('do-2')), documentId: 'do-1' }])).rejects.toBeInstanceOf(
          SdxError,
        );
        await expect(snapshot('do-1')).resolves.toEqual({ document: undefined, events: [] });
        await expect(snapshot('do-2')).resolves.toEqual({ document: undefined, events: [] });
      });
    });

    describe('conflicts', () => {
      it('when the holder commits with a stale sequence, then it is refused and nothing is written', async () => {
        const state = await issued(deliveryOrderState('do-1'));
        await store.commit([appending(transferredTo(state, cast.forwarder), 1)]);
        const before = await snapshot('do-1');

        const stale = appending(transferredTo(state, cast.haulier), 1, {
          events: [signedEvent('do-1', 2, { actor: cast.consignee, variant: 'to the haulier' })],
        });
        const conflict = await conflictOf(store.commit([stale]));
        expect(conflict).toMatchObject({ code: 'store-conflict', documentId: 'do-1', expectedSeq: 1, actualSeq: 2 });
        await expect(snapshot('do-1')).resolves.toEqual(before);
      });

      it('when a commit expects a sequence ahead of the document, then it is refused and nothing is written', async () => {
        const state = await issued(deliveryOrderState('do-1'));
        const before = await snapshot('do-1');
        const conflict = await conflictOf(store.commit([appending(transferredTo(state, cast.forwarder), 5)]));
        expect(conflict).toMatchObject({ expectedSeq: 5, actualSeq: 1 });
        await expect(snapshot('do-1')).resolves.toEqual(before);
      });

      it('when a commit appends to a document that does not exist, then it is a conflict at sequence 0', async () => {
        const conflict = await conflictOf(store.commit([appending(deliveryOrderState('do-404'), 1)]));
        expect(conflict).toMatchObject({ documentId: 'do-404', expectedSeq: 1, actualSeq: 0 });
        await expect(snapshot('do-404')).resolves.toEqual({ document: undefined, events: [] });
      });

      it('when an existing id is issued again with other events, then it is a conflict and the first document stays', async () => {
        await issued(deliveryOrderState('do-1'));
        const before = await snapshot('do-1');
        const again = issuing(deliveryOrderState('do-1', { holder: cast.forwarder }), {
          payload: { documentNumber: 'another' },
          events: [signedEvent('do-1', 1, { variant: 'second issue' })],
        });
        const conflict = await conflictOf(store.commit([again]));
        expect(conflict).toMatchObject({ expectedSeq: 0, actualSeq: 1 });
        await expect(snapshot('do-1')).resolves.toEqual(before);
      });

      it('when an event at an already-used sequence has a different envelope, then it is a conflict, not a duplicate', async () => {
        const state = await issued(deliveryOrderState('do-1'));
        await store.commit([appending(transferredTo(state, cast.forwarder), 1)]);
        const before = await snapshot('do-1');
        const forged = appending(transferredTo(state, cast.forwarder), 1, {
          events: [signedEvent('do-1', 2, { actor: cast.consignee, recordedAt: laterAt, variant: 'tampered' })],
        });
        await conflictOf(store.commit([forged]));
        await expect(snapshot('do-1')).resolves.toEqual(before);
      });
    });

    describe('repeats', () => {
      it('when the same issue is committed again, then it is a duplicate and nothing is added', async () => {
        const change = issuing(deliveryOrderState('do-1'));
        await store.commit([change]);
        const before = await snapshot('do-1');
        await expect(store.commit([change])).resolves.toEqual({ outcome: 'duplicate' });
        await expect(snapshot('do-1')).resolves.toEqual(before);
      });

      it('when an append is repeated after later events, then it is still a duplicate and nothing is added', async () => {
        const state = await issued(deliveryOrderState('do-1'));
        const transfer = appending(transferredTo(state, cast.forwarder), 1, {
          events: [signedEvent('do-1', 2, { actor: cast.consignee }), signedEvent('do-1', 3, { actor: cast.consignee })],
        });
        await store.commit([transfer]);
        await store.commit([appending(transferredTo(state, cast.haulier), 3)]);
        const before = await snapshot('do-1');

        await expect(store.commit([transfer])).resolves.toEqual({ outcome: 'duplicate' });
        await expect(snapshot('do-1')).resolves.toEqual(before);
        expect(before.events).toHaveLength(4);
      });

      it('when a repeat carries its stored events plus a new one, then it is a conflict and nothing is written', async () => {
        const state = await issued(deliveryOrderState('do-1'));
        const transfer = appending(transferredTo(state, cast.forwarder), 1);
        await store.commit([transfer]);
        const before = await snapshot('do-1');
        const longer = { ...transfer, events: [...transfer.events, signedEvent('do-1', 3, { type: 'note' })] };
        await conflictOf(store.commit([longer]));
        await expect(snapshot('do-1')).resolves.toEqual(before);
      });

      it('when only one change of a multi-document commit is a repeat, then the commit is a conflict and nothing is written', async () => {
        const a = await issued(deliveryOrderState('do-a'));
        const b = await issued(deliveryOrderState('do-b'));
        const aTransfer = appending(transferredTo(a, cast.forwarder), 1);
        await store.commit([aTransfer]);
        const before = [await snapshot('do-a'), await snapshot('do-b')];

        const conflict = await conflictOf(store.commit([aTransfer, appending(transferredTo(b, cast.forwarder), 1)]));
        expect(conflict).toMatchObject({ documentId: 'do-a', expectedSeq: 1, actualSeq: 2 });
        await expect(Promise.all([snapshot('do-a'), snapshot('do-b')])).resolves.toEqual(before);
      });
    });

    describe('atomicity and concurrency', () => {
      it('when one change of a multi-document commit is stale, then neither document is written', async () => {
        const order = await issued(deliveryOrderState('do-1'));
        const eir = await issued(eirState('eir-1'));
        await store.commit([appending(transferredTo(eir, cast.forwarder), 1)]);
        const before = [await snapshot('do-1'), await snapshot('eir-1')];

        const commit = store.commit([
          appending(transferredTo(order, cast.forwarder), 1),
          issuing(deliveryOrderState('do-new')),
          appending(eirState('eir-1', { status: 'gate-recorded' }), 1),
        ]);
        const conflict = await conflictOf(commit);
        expect(conflict).toMatchObject({ documentId: 'eir-1', expectedSeq: 1, actualSeq: 2 });
        await expect(Promise.all([snapshot('do-1'), snapshot('eir-1')])).resolves.toEqual(before);
        await expect(snapshot('do-new')).resolves.toEqual({ document: undefined, events: [] });
      });

      it('when a multi-document commit is current, then every document changes', async () => {
        const order = await issued(deliveryOrderState('do-1'));
        const superseding = deliveryOrderState('do-2', { supersedes: 'do-1' });
        await store.commit([
          appending({ ...order, status: 'superseded', holder: null, supersededBy: 'do-2' }, 1, {
            events: [signedEvent('do-1', 2, { type: 'amend' })],
          }),
          issuing(superseding),
        ]);
        await expect(store.getDocument('do-1')).resolves.toMatchObject({ seq: 2, state: { status: 'superseded' } });
        await expect(store.getDocument('do-2')).resolves.toMatchObject({ seq: 1, state: superseding });
      });

      it('when the holder transfers twice at once, then exactly one wins', async () => {
        const state = await issued(deliveryOrderState('do-1'));
        const toForwarder = appending(transferredTo(state, cast.forwarder), 1, {
          events: [signedEvent('do-1', 2, { actor: cast.consignee, variant: 'forwarder' })],
        });
        const toHaulier = appending(transferredTo(state, cast.haulier), 1, {
          events: [signedEvent('do-1', 2, { actor: cast.consignee, variant: 'haulier' })],
        });
        const results = await Promise.allSettled([store.commit([toForwarder]), store.commit([toHaulier])]);

        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]?.reason).toBeInstanceOf(StoreConflictError);

        const winner = results[0]?.status === 'fulfilled' ? toForwarder : toHaulier;
        const events = await store.listEvents('do-1');
        expect(events.map((e) => e.envelope)).toEqual([signedEvent('do-1', 1).envelope, winner.events[0]?.envelope]);
        await expect(store.getDocument('do-1')).resolves.toMatchObject({ seq: 2, state: winner.state });
      });

      it('when two parties issue the same new id at once, then exactly one document is created', async () => {
        const first = issuing(deliveryOrderState('do-1'), { events: [signedEvent('do-1', 1, { variant: 'first' })] });
        const second = issuing(deliveryOrderState('do-1', { holder: cast.forwarder }), {
          events: [signedEvent('do-1', 1, { variant: 'second' })],
        });
        const results = await Promise.allSettled([store.commit([first]), store.commit([second])]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        await expect(store.listEvents('do-1')).resolves.toHaveLength(1);
      });
    });

    describe('listing documents', () => {
      // Insertion order: do-1, eir-1, do-2, do-3 (forwarder's), eir-2 (voided), gtee-1.
      beforeEach(async () => {
        await issued(deliveryOrderState('do-1'));
        await issued(eirState('eir-1'));
        await issued(deliveryOrderState('do-2', { status: 'released', holder: null }));
        await issued(
          deliveryOrderState('do-3', {
            holder: cast.forwarder,
            participants: [
              { partyId: cast.carrier, role: 'issuer' },
              { partyId: cast.forwarder, role: 'consignee' },
            ],
          }),
        );
        await issued(eirState('eir-2', { status: 'voided', holder: null }));
        await issued(
          deliveryOrderState('gtee-1', {
            kind: 'telex-release-guarantee',
            status: 'submitted',
            issuer: cast.consignee,
            holder: cast.carrier,
            participants: [
              { partyId: cast.consignee, role: 'issuer' },
              { partyId: cast.carrier, role: 'carrier' },
            ],
          }),
        );
      });

      it('when a party lists documents, then it sees only those it takes part in, in insertion order', async () => {
        await expect(idsOf({ partyId: cast.consignee, limit: 50 })).resolves.toEqual(['do-1', 'do-2', 'gtee-1']);
        await expect(idsOf({ partyId: cast.haulier, limit: 50 })).resolves.toEqual(['eir-1', 'eir-2']);
        await expect(idsOf({ partyId: cast.forwarder, limit: 50 })).resolves.toEqual(['do-3']);
      });

      it('when a party that takes part in nothing lists documents, then the page is empty', async () => {
        await expect(store.listDocuments({ partyId: cast.outsider, limit: 50 })).resolves.toEqual({
          items: [],
          nextCursor: null,
        });
      });

      it('when no party is given, then every document is listed once', async () => {
        await expect(idsOf({ limit: 50 })).resolves.toEqual(['do-1', 'eir-1', 'do-2', 'do-3', 'eir-2', 'gtee-1']);
      });

      it('when a role is given, then only documents where the party has that role are listed', async () => {
        await expect(idsOf({ partyId: cast.carrier, role: 'issuer', limit: 50 })).resolves.toEqual([
          'do-1',
          'eir-1',
          'do-2',
          'do-3',
          'eir-2',
        ]);
        await expect(idsOf({ partyId: cast.carrier, role: 'carrier', limit: 50 })).resolves.toEqual(['gtee-1']);
        await expect(idsOf({ partyId: cast.consignee, role: 'haulier', limit: 50 })).resolves.toEqual([]);
      });

      it('when a kind or a status is given, then only matching documents are listed', async () => {
        await expect(idsOf({ partyId: cast.carrier, kind: 'eir', limit: 50 })).resolves.toEqual(['eir-1', 'eir-2']);
        await expect(idsOf({ kind: 'delivery-order', status: 'issued', limit: 50 })).resolves.toEqual(['do-1', 'do-3']);
        await expect(idsOf({ partyId: cast.consignee, status: 'released', limit: 50 })).resolves.toEqual(['do-2']);
      });

      it('when a commit adds a participant, then that party sees the document; when it drops one, that party no longer does', async () => {
        const original = deliveryOrderState('do-1');
        const transferred = transferredTo(original, cast.outsider);
        await store.commit([appending(transferred, 1)]);
        await expect(idsOf({ partyId: cast.outsider, limit: 50 })).resolves.toEqual(['do-1']);
        await expect(idsOf({ partyId: cast.outsider, role: 'transferee', limit: 50 })).resolves.toEqual(['do-1']);

        await store.commit([appending({ ...transferred, participants: original.participants }, 2)]);
        await expect(idsOf({ partyId: cast.outsider, limit: 50 })).resolves.toEqual([]);
      });

      it('when listed documents are read, then they carry their state, payload and sequence', async () => {
        const page = await store.listDocuments({ partyId: cast.forwarder, limit: 50 });
        expect(page.items).toEqual([await store.getDocument('do-3')]);
      });

      it('when paging with a small limit, then each match is visited exactly once, in the same order', async () => {
        const all = await idsOf({ partyId: cast.carrier, limit: 50 });
        expect(all).toHaveLength(6);
        for (const limit of [1, 2, 4]) {
          const paged = await allPages({ partyId: cast.carrier, limit });
          expect(paged.ids).toEqual(all);
          expect(paged.pages).toBeGreaterThanOrEqual(Math.ceil(all.length / limit));
        }
      });

      it('when the matches fit in one page, then there is no next cursor', async () => {
        await expect(store.listDocuments({ partyId: cast.haulier, limit: 2 })).resolves.toMatchObject({ nextCursor: null });
        await expect(store.listDocuments({ partyId: cast.haulier, limit: 3 })).resolves.toMatchObject({ nextCursor: null });
      });

      it('when documents change and new ones arrive between pages, then paging still visits every match exactly once', async () => {
        const first = await store.listDocuments({ partyId: cast.carrier, limit: 2 });
        expect(first.items.map((d) => d.state.id)).toEqual(['do-1', 'eir-1']);
        expect(first.nextCursor).not.toBeNull();

        await store.commit([appending(transferredTo(deliveryOrderState('do-1'), cast.forwarder), 1)]);
        await store.commit([appending(transferredTo(deliveryOrderState('do-3'), cast.haulier), 1)]);
        await issued(deliveryOrderState('do-4'));

        const ids = first.items.map((d) => d.state.id);
        let after = first.nextCursor;
        while (after !== null) {
          const page = await store.listDocuments({ partyId: cast.carrier, limit: 2, after });
          ids.push(...page.items.map((d) => d.state.id));
          after = page.nextCursor;
        }
        expect(ids).toEqual(['do-1', 'eir-1', 'do-2', 'do-3', 'eir-2', 'gtee-1', 'do-4']);
      });
    });

    describe('webhook endpoints and the delivery outbox', () => {
      const endpoint = (id: string, partyId: string, eventTypes: string[] = ['*']) => ({
        id,
        partyId,
        url: `https://${partyId}.example/hooks`,
        eventTypes,
        createdAt: '2026-11-28T00:00:00.000Z',
        disabledAt: null,
      });
      const issuedUtc = new Date(issuedAt).toISOString();
      const soon = (minutes: number) => new Date(Date.parse(issuedAt) + minutes * 60_000).toISOString();

      it('when endpoints are added, then they are listed per party; an id is unique; disabling keeps the first time', async () => {
        await store.webhooks.addWebhookEndpoint(endpoint('wh-1', cast.consignee, ['issue', 'transfer']));
        await store.webhooks.addWebhookEndpoint(endpoint('wh-2', cast.carrier));
        await expect(store.webhooks.getWebhookEndpoint('wh-1')).resolves.toEqual(endpoint('wh-1', cast.consignee, ['issue', 'transfer']));
        await expect(store.webhooks.listWebhookEndpoints(cast.consignee)).resolves.toEqual([endpoint('wh-1', cast.consignee, ['issue', 'transfer'])]);
        await expect(store.webhooks.addWebhookEndpoint(endpoint('wh-1', cast.haulier))).rejects.toMatchObject({ code: 'store-conflict' });
        await store.webhooks.disableWebhookEndpoint('wh-2', soon(1));
        await store.webhooks.disableWebhookEndpoint('wh-2', soon(2));
        await expect(store.webhooks.getWebhookEndpoint('wh-2')).resolves.toMatchObject({ disabledAt: soon(1) });
        await expect(store.webhooks.disableWebhookEndpoint('wh-404', soon(1))).rejects.toMatchObject({ code: 'not-found' });
      });

      it('when an event commits, then each active endpoint of a taking-part party whose types match gets one pending delivery', async () => {
        await store.webhooks.addWebhookEndpoint(endpoint('wh-consignee', cast.consignee));
        await store.webhooks.addWebhookEndpoint(endpoint('wh-carrier-transfers', cast.carrier, ['transfer']));
        await store.webhooks.addWebhookEndpoint(endpoint('wh-outsider', cast.outsider));
        await store.webhooks.addWebhookEndpoint(endpoint('wh-off', cast.consignee));
        await store.webhooks.disableWebhookEndpoint('wh-off', soon(0));
        const state = await issued(deliveryOrderState('do-hook'));
        await expect(store.webhooks.listDeliveries('wh-consignee', { limit: 10 })).resolves.toEqual([
          expect.objectContaining({ endpointId: 'wh-consignee', documentId: 'do-hook', seq: 1, status: 'pending', attempts: 0, nextAttemptAt: issuedUtc }),
        ]);
        for (const none of ['wh-carrier-transfers', 'wh-outsider', 'wh-off']) await expect(store.webhooks.listDeliveries(none, { limit: 10 })).resolves.toEqual([]);
        await store.commit([appending(transferredTo(state, cast.forwarder), 1)]);
        await expect(store.webhooks.listDeliveries('wh-carrier-transfers', { limit: 10 })).resolves.toEqual([expect.objectContaining({ seq: 2 })]);
        await expect(store.webhooks.deliveryBacklog()).resolves.toEqual({ pending: 3, dead: 0 });
      });

      it('when a commit is refused, then it leaves no delivery behind', async () => {
        await store.webhooks.addWebhookEndpoint(endpoint('wh-consignee', cast.consignee));
        const state = await issued(deliveryOrderState('do-refused'));
        const other = await issued(deliveryOrderState('do-other'));
        // The first change would enqueue a delivery; the second conflicts, so the commit writes nothing.
        await expect(
          store.commit([appending(transferredTo(state, cast.forwarder), 1), appending(transferredTo(other, cast.forwarder), 7)]),
        ).rejects.toBeInstanceOf(StoreConflictError);
        await expect(store.webhooks.listDeliveries('wh-consignee', { limit: 10 })).resolves.toHaveLength(2);
        await expect(store.webhooks.deliveryBacklog()).resolves.toEqual({ pending: 2, dead: 0 });
      });

      it('when deliveries are claimed, then each goes to one claimant until its lease ends, with its URL and signed event', async () => {
        await store.webhooks.addWebhookEndpoint(endpoint('wh-consignee', cast.consignee));
        await issued(deliveryOrderState('do-claim'));
        const first = await store.webhooks.claimDeliveries(soon(1), soon(2), 10);
        expect(first).toEqual([
          expect.objectContaining({ documentId: 'do-claim', seq: 1, url: `https://${cast.consignee}.example/hooks`, eventType: 'issue', envelope: signedEvent('do-claim', 1).envelope }),
        ]);
        await expect(store.webhooks.claimDeliveries(soon(1), soon(2), 10)).resolves.toEqual([]);
        await expect(store.webhooks.claimDeliveries(issuedUtc, soon(1), 10)).resolves.toEqual([]);
        await expect(store.webhooks.claimDeliveries(soon(2), soon(3), 10)).resolves.toHaveLength(1);
      });

      it('when dispatchers claim at once, then each due delivery goes to exactly one, and one that loses a row takes the next due one', async () => {
        await store.webhooks.addWebhookEndpoint(endpoint('wh-consignee', cast.consignee));
        for (const id of ['do-c1', 'do-c2', 'do-c3']) await issued(deliveryOrderState(id));
        const [x, y] = await Promise.all([store.webhooks.claimDeliveries(soon(1), soon(2), 2), store.webhooks.claimDeliveries(soon(1), soon(2), 2)]);
        const ids = [...x, ...y].map((d) => d.id);
        expect(new Set(ids).size).toBe(3);
        expect(ids).toHaveLength(3);
        await expect(store.webhooks.claimDeliveries(soon(1), soon(2), 10)).resolves.toEqual([]);
      });

      it('when a failed delivery is rescheduled, then no one claims it before it is due, and the claim carries the attempts so far', async () => {
        await store.webhooks.addWebhookEndpoint(endpoint('wh-consignee', cast.consignee));
        await issued(deliveryOrderState('do-r'));
        const [first] = await store.webhooks.claimDeliveries(soon(1), soon(100), 10);
        if (!first) throw new Error('expected a delivery');
        await store.webhooks.recordDeliveryAttempt(first.id, { at: soon(2), status: 'pending', httpStatus: 503, error: 'http-503', nextAttemptAt: soon(30) });
        // The lease is gone, but the row is not due: a second dispatcher must leave it.
        await expect(store.webhooks.claimDeliveries(soon(3), soon(4), 10)).resolves.toEqual([]);
        await expect(store.webhooks.claimDeliveries(soon(30), soon(31), 10)).resolves.toEqual([expect.objectContaining({ id: first.id, attempts: 1 })]);
      });

      it('when a delivery is redriven, then the answer is the stored delivery after the redrive', async () => {
        await store.webhooks.addWebhookEndpoint(endpoint('wh-consignee', cast.consignee));
        await issued(deliveryOrderState('do-d'));
        const [leased] = await store.webhooks.claimDeliveries(soon(1), soon(100), 10);
        if (!leased) throw new Error('expected a delivery');
        const redriven = await store.webhooks.redriveDelivery(leased.id, soon(5));
        await expect(store.webhooks.getDelivery(leased.id)).resolves.toEqual(redriven);
        // The lease is released: the redriven delivery is claimable at once.
        await expect(store.webhooks.claimDeliveries(soon(5), soon(6), 10)).resolves.toEqual([expect.objectContaining({ id: leased.id })]);
      });

      it('when attempts are recorded, then retries wait, delivered ones are done, dead ones wait for a redrive', async () => {
        await store.webhooks.addWebhookEndpoint(endpoint('wh-consignee', cast.consignee));
        await issued(deliveryOrderState('do-a'));
        await issued(deliveryOrderState('do-b'));
        const [a, b] = await store.webhooks.claimDeliveries(soon(1), soon(2), 10);
        if (!a || !b) throw new Error('expected two deliveries');
        await store.webhooks.recordDeliveryAttempt(a.id, { at: soon(1), status: 'pending', httpStatus: 500, error: 'HTTP 500', nextAttemptAt: soon(10) });
        await store.webhooks.recordDeliveryAttempt(b.id, { at: soon(1), status: 'delivered', httpStatus: 204, error: null, nextAttemptAt: null });
        await expect(store.webhooks.claimDeliveries(soon(5), soon(6), 10)).resolves.toEqual([]);
        const retried = await store.webhooks.claimDeliveries(soon(10), soon(11), 10);
        expect(retried).toEqual([expect.objectContaining({ id: a.id, attempts: 1, lastStatus: 500, lastError: 'HTTP 500' })]);
        await store.webhooks.recordDeliveryAttempt(a.id, { at: soon(10), status: 'dead', httpStatus: null, error: 'timed out', nextAttemptAt: null });
        await expect(store.webhooks.listDeliveries('wh-consignee', { status: 'dead', limit: 10 })).resolves.toEqual([expect.objectContaining({ id: a.id, attempts: 2 })]);
        await expect(store.webhooks.listDeliveries('wh-consignee', { status: 'delivered', limit: 10 })).resolves.toEqual([expect.objectContaining({ id: b.id, deliveredAt: soon(1) })]);
        await expect(store.webhooks.deliveryBacklog()).resolves.toEqual({ pending: 0, dead: 1 });
        await expect(store.webhooks.claimDeliveries(soon(60), soon(61), 10)).resolves.toEqual([]);

        await expect(store.webhooks.redriveDelivery(a.id, soon(20))).resolves.toMatchObject({ id: a.id, status: 'pending', attempts: 0, nextAttemptAt: soon(20) });
        await expect(store.webhooks.claimDeliveries(soon(20), soon(21), 10)).resolves.toEqual([expect.objectContaining({ id: a.id })]);
        await expect(store.webhooks.redriveDelivery(b.id, soon(20))).rejects.toMatchObject({ code: 'already-delivered' });
        await expect(store.webhooks.getDelivery(b.id)).resolves.toMatchObject({ id: b.id, status: 'delivered', endpointId: 'wh-consignee' });
        await expect(store.webhooks.getDelivery('dlv-404')).resolves.toBeUndefined();
        await expect(store.webhooks.redriveDelivery('dlv-404', soon(20))).rejects.toMatchObject({ code: 'not-found' });
        await expect(store.webhooks.recordDeliveryAttempt('dlv-404', { at: soon(1), status: 'delivered', httpStatus: 200, error: null, nextAttemptAt: null })).rejects.toMatchObject({ code: 'not-found' });
      });
    });

    describe('blobs', () => {
      const pdf = new TextEncoder().encode('%PDF-1.7\n% a delivery order\n');

      it('when bytes are stored, then they are found under their SHA-256 with type and size', async () => {
        const put = await store.putBlob(pdf, 'application/pdf', { at: issuedAt });
        const sha256 = sha256Hex('%PDF-1.7\n% a delivery order\n');
        expect(put).toEqual({ sha256, size: pdf.byteLength, created: true });
        const blob = await store.getBlob(sha256);
        expect(blob).toMatchObject({ sha256, mediaType: 'application/pdf', size: pdf.byteLength });
        expect(blob?.bytes).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(blob?.bytes ?? new Uint8Array()).equals(Buffer.from(pdf))).toBe(true);
      });

      it('when the same bytes are stored twice, then the second put creates nothing', async () => {
        const first = await store.putBlob(pdf, 'application/pdf', { at: issuedAt });
        const second = await store.putBlob(Uint8Array.from(pdf), 'application/pdf', { at: issuedAt });
        expect(second).toEqual({ ...first, created: false });
        await expect(store.getBlob(first.sha256)).resolves.toMatchObject({ size: pdf.byteLength });
      });

      it('when the bytes are a view into a larger buffer, then only the viewed bytes are stored', async () => {
        const backing = new TextEncoder().encode('xxxx%PDF-1.7\n% a delivery order\nyyyy');
        const view = backing.subarray(4, 4 + pdf.byteLength);
        await expect(store.putBlob(view, 'application/pdf', { at: issuedAt })).resolves.toMatchObject({
          sha256: sha256Hex('%PDF-1.7\n% a delivery order\n'),
          size: pdf.byteLength,
        });
      });

      it('when an empty file is stored, then it round-trips as zero bytes', async () => {
        const put = await store.putBlob(new Uint8Array(0), 'text/plain', { at: issuedAt });
        expect(put).toEqual({ sha256: sha256Hex(''), size: 0, created: true });
        const blob = await store.getBlob(put.sha256);
        expect(blob?.bytes.byteLength).toBe(0);
      });

      it('when a hash was never stored, then get returns undefined', async () => {
        await expect(store.getBlob(sha256Hex('never stored'))).resolves.toBeUndefined();
      });

      it('when a blob is larger than one MongoDB document holds (20 MiB), then it is put, committed, read back whole and swept whole', async () => {
        const big = (seed: number) => {
          const bytes = new Uint8Array(20 * 1024 * 1024);
          for (let i = 0; i < bytes.length; i += 997) bytes[i] = (i + seed) % 251;
          return bytes;
        };
        const uploaded = big(1);
        const put = await store.putBlob(uploaded, 'application/pdf', { at: '2026-01-01T00:00:00.000Z' });
        expect(put).toMatchObject({ size: uploaded.byteLength, created: true });
        const read = await store.getBlob(put.sha256);
        expect(read?.size).toBe(uploaded.byteLength);
        expect(sha256Hex(read?.bytes ?? new Uint8Array())).toBe(put.sha256);

        const eir = await issued(eirState('eir-big'));
        const pdf = big(2);
        const change = { ...appending(eir, 1, { events: [signedEvent('eir-big', 2, { type: 'gate-record', actor: cast.terminal })] }), newBlobs: [{ bytes: pdf, mediaType: 'application/pdf' }] };
        await expect(store.commit([change])).resolves.toEqual({ outcome: 'committed' });
        const committed = await store.getBlob(sha256Hex(pdf));
        expect(committed).toMatchObject({ size: pdf.byteLength, pending: false });
        expect(Buffer.from(committed?.bytes ?? new Uint8Array()).equals(Buffer.from(pdf))).toBe(true);

        // The pending upload goes with all its bytes; the committed one stays.
        await expect(store.sweepBlobs('2026-06-01T00:00:00.000Z', 10)).resolves.toBe(1);
        await expect(store.getBlob(put.sha256)).resolves.toBeUndefined();
        await expect(store.putBlob(uploaded, 'application/pdf', { at: '2026-06-02T00:00:00.000Z' })).resolves.toMatchObject({ created: true });
        await expect(store.getBlob(put.sha256)).resolves.toMatchObject({ size: uploaded.byteLength });
      }, 60_000);
    });

    describe('pending uploads', () => {
      const t0 = '2026-11-28T00:00:00.000Z';
      const hoursAfter = (hours: number) => new Date(Date.parse(t0) + hours * 3_600_000).toISOString();
      const bytesOf = (text: string) => new TextEncoder().encode(text);
      /** The change that puts a gate-record event citing `blobs` on the EIR `eir-1`. */
      const citing = (state: DocumentState, expectedSeq: number, blobs: string[]): DocumentChange => ({
        ...appending(state, expectedSeq, { events: [signedEvent(state.id, expectedSeq + 1, { type: 'gate-record', actor: cast.terminal })] }),
        blobs,
      });

      it('when a party uploads bytes, then they are pending, counted for that party, and seen by it alone', async () => {
        const photo = await store.putBlob(bytesOf('front photo'), 'image/jpeg', { at: t0, partyId: cast.terminal });
        await expect(store.getBlob(photo.sha256)).resolves.toMatchObject({ pending: true, size: photo.size });
        await expect(store.pendingUploadBytes(cast.terminal)).resolves.toBe(photo.size);
        await expect(store.pendingUploadBytes(cast.haulier)).resolves.toBe(0);
        await expect(store.getBlob(photo.sha256, { visibleTo: cast.terminal })).resolves.toMatchObject({ sha256: photo.sha256 });
        await expect(store.getBlob(photo.sha256, { visibleTo: cast.haulier })).resolves.toBeUndefined();
      });

      it('when a commit cites a pending blob, then it is referenced for good, seen by the parties of that document, and counted no more', async () => {
        const eir = await issued(eirState('eir-1'));
        const photo = await store.putBlob(bytesOf('door photo'), 'image/png', { at: t0, partyId: cast.terminal });
        await expect(store.commit([citing(eir, 1, [photo.sha256])])).resolves.toEqual({ outcome: 'committed' });
        await expect(store.getBlob(photo.sha256)).resolves.toMatchObject({ pending: false });
        await expect(store.pendingUploadBytes(cast.terminal)).resolves.toBe(0);
        await expect(store.getBlob(photo.sha256, { visibleTo: cast.haulier })).resolves.toMatchObject({ sha256: photo.sha256 });
        await expect(store.getBlob(photo.sha256, { visibleTo: cast.outsider })).resolves.toBeUndefined();
        // Uploading the same bytes again, even much later, does not make them pending again.
        await store.putBlob(bytesOf('door photo'), 'image/png', { at: hoursAfter(30), partyId: cast.outsider });
        await expect(store.getBlob(photo.sha256)).resolves.toMatchObject({ pending: false });
        await expect(store.pendingUploadBytes(cast.outsider)).resolves.toBe(0);
        await expect(store.sweepBlobs(hoursAfter(100), 10)).resolves.toBe(0);
        await expect(store.getBlob(photo.sha256)).resolves.toBeDefined();
      });

      it('when a commit cites a blob that is not stored, then it is refused with MissingBlobError and writes nothing', async () => {
        const eir = await issued(eirState('eir-1'));
        const kept = await store.putBlob(bytesOf('kept photo'), 'image/jpeg', { at: t0, partyId: cast.terminal });
        const before = await snapshot('eir-1');
        const log = await store.logState();
        const error: unknown = await store.commit([citing(eir, 1, [kept.sha256, sha256Hex('never uploaded')])]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MissingBlobError);
        expect(error).toMatchObject({ sha256: sha256Hex('never uploaded'), code: 'validation-failed' });
        await expect(snapshot('eir-1')).resolves.toEqual(before);
        await expect(store.logState()).resolves.toEqual(log);
        await expect(store.getBlob(kept.sha256)).resolves.toMatchObject({ pending: true });
      });

      it('when a commit brings a blob with it, then the blob is stored referenced with the event, and a refused commit stores it not', async () => {
        const eir = await issued(eirState('eir-1'));
        const pdf = bytesOf('%PDF- gate record');
        const refused = citing(eir, 1, [sha256Hex('never uploaded')]);
        const error: unknown = await store.commit([{ ...refused, newBlobs: [{ bytes: pdf, mediaType: 'application/pdf' }] }]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MissingBlobError);
        await expect(store.getBlob(sha256Hex('%PDF- gate record'))).resolves.toBeUndefined();

        const change = { ...citing(eir, 1, []), newBlobs: [{ bytes: pdf, mediaType: 'application/pdf' }] };
        await expect(store.commit([change])).resolves.toEqual({ outcome: 'committed' });
        const blob = await store.getBlob(sha256Hex('%PDF- gate record'), { visibleTo: cast.haulier });
        expect(blob).toMatchObject({ mediaType: 'application/pdf', size: pdf.byteLength, pending: false });
        await expect(store.sweepBlobs(hoursAfter(1000), 10)).resolves.toBe(0);
        // The same bytes in a repeat are a duplicate; in a later commit they are simply cited again.
        await expect(store.commit([change])).resolves.toEqual({ outcome: 'duplicate' });
        const again = { ...citing(eir, 2, []), newBlobs: [{ bytes: Uint8Array.from(pdf), mediaType: 'image/png' }] };
        await expect(store.commit([again])).resolves.toEqual({ outcome: 'committed' });
        await expect(store.getBlob(sha256Hex('%PDF- gate record'))).resolves.toMatchObject({ mediaType: 'application/pdf', pending: false });
      });

      it('when the sweep runs, then it deletes only pending blobs last put before the cutoff, at most the limit', async () => {
        const eir = await issued(eirState('eir-1'));
        const old1 = await store.putBlob(bytesOf('old 1'), 'image/jpeg', { at: t0, partyId: cast.terminal });
        const old2 = await store.putBlob(bytesOf('old 2'), 'image/jpeg', { at: hoursAfter(1), partyId: cast.haulier });
        const oldPdf = await store.putBlob(bytesOf('%PDF- orphan'), 'application/pdf', { at: t0 });
        const referenced = await store.putBlob(bytesOf('referenced'), 'image/jpeg', { at: t0, partyId: cast.terminal });
        await store.commit([citing(eir, 1, [referenced.sha256])]);
        const young = await store.putBlob(bytesOf('young'), 'image/jpeg', { at: hoursAfter(20), partyId: cast.terminal });
        // Put again later: its age counts from the latest put.
        const renewed = await store.putBlob(bytesOf('renewed'), 'image/jpeg', { at: t0, partyId: cast.terminal });
        await store.putBlob(bytesOf('renewed'), 'image/jpeg', { at: hoursAfter(20), partyId: cast.haulier });

        const cutoff = hoursAfter(30 - 24);
        await expect(store.sweepBlobs(cutoff, 2)).resolves.toBe(2);
        await expect(store.sweepBlobs(cutoff, 10)).resolves.toBe(1);
        await expect(store.sweepBlobs(cutoff, 10)).resolves.toBe(0);
        for (const gone of [old1, old2, oldPdf]) await expect(store.getBlob(gone.sha256)).resolves.toBeUndefined();
        for (const kept of [referenced, young, renewed]) await expect(store.getBlob(kept.sha256)).resolves.toBeDefined();
        await expect(store.pendingUploadBytes(cast.haulier)).resolves.toBe(renewed.size);
        await expect(store.pendingUploadBytes(cast.terminal)).resolves.toBe(young.size + renewed.size);
        // A swept blob can be uploaded again, and is a new pending blob.
        await expect(store.putBlob(bytesOf('old 1'), 'image/jpeg', { at: hoursAfter(31), partyId: cast.terminal })).resolves.toMatchObject({ created: true });
        await expect(store.sweepBlobs(cutoff, 0)).rejects.toMatchObject({ code: 'validation-failed' });
      });

      it('when a party uploads past its quota, then the upload is refused with upload-quota and nothing is written', async () => {
        const quotaBytes = 100;
        const put = (text: string, partyId: string) => store.putBlob(bytesOf(text), 'image/jpeg', { at: t0, partyId, quotaBytes });
        await put('a'.repeat(40), cast.terminal);
        await put('b'.repeat(40), cast.terminal);
        // The same bytes again are counted once.
        await put('b'.repeat(40), cast.terminal);
        await expect(store.pendingUploadBytes(cast.terminal)).resolves.toBe(80);
        const refused: unknown = await put('c'.repeat(40), cast.terminal).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(SdxError);
        expect(refused).toMatchObject({ code: 'upload-quota' });
        await expect(store.getBlob(sha256Hex('c'.repeat(40)))).resolves.toBeUndefined();
        await expect(store.pendingUploadBytes(cast.terminal)).resolves.toBe(80);
        // Another party's quota is its own, even for bytes the first party holds.
        await put('c'.repeat(40), cast.haulier);
        await put('a'.repeat(40), cast.haulier);
        await expect(store.pendingUploadBytes(cast.haulier)).resolves.toBe(80);
        // Bytes counted against the quota whether or not they are stored already: no hint of other parties' uploads.
        await expect(put('c'.repeat(40), cast.terminal)).rejects.toMatchObject({ code: 'upload-quota' });
        // Once referenced, an upload no longer counts.
        const eir = await issued(eirState('eir-1'));
        await store.commit([citing(eir, 1, [sha256Hex('a'.repeat(40))])]);
        await expect(store.pendingUploadBytes(cast.terminal)).resolves.toBe(40);
        await expect(put('c'.repeat(40), cast.terminal)).resolves.toMatchObject({ created: false });
        await expect(store.pendingUploadBytes(cast.terminal)).resolves.toBe(80);
      });

      it('when a party uploads many files at once near its quota, then no more than the quota is accepted', async () => {
        const quotaBytes = 100;
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) => store.putBlob(bytesOf(`${i}`.repeat(30)), 'image/jpeg', { at: t0, partyId: cast.terminal, quotaBytes })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'upload-quota' });
        await expect(store.pendingUploadBytes(cast.terminal)).resolves.toBe(90);
      });

      it('when a commit references a blob while the sweep runs, then the blob survives exactly when the commit went through', async () => {
        const state = await issued(eirState('eir-1'));
        let seq = 1;
        for (let round = 0; round < 12; round += 1) {
          const photo = await store.putBlob(bytesOf(`raced photo ${round}`), 'image/jpeg', { at: t0, partyId: cast.terminal });
          const commit = (): Promise<unknown> => store.commit([citing(state, seq, [photo.sha256])]);
          const sweep = (): Promise<unknown> => store.sweepBlobs(hoursAfter(1), 10);
          // Both orders of starting them; the store decides who wins.
          const [committed, swept] =
            round % 2 === 0
              ? await Promise.allSettled([commit(), sweep()])
              : await Promise.allSettled([sweep(), commit()]).then(([s, c]) => [c, s] as const);
          expect(swept?.status).toBe('fulfilled');
          const blob = await store.getBlob(photo.sha256);
          if (committed?.status === 'fulfilled') {
            expect(blob).toMatchObject({ pending: false });
            seq += 1;
          } else {
            expect(committed?.status === 'rejected' ? committed.reason : undefined).toBeInstanceOf(MissingBlobError);
            expect(blob).toBeUndefined();
          }
        }
        // Every event that went through cites a blob that is still there.
        await expect(store.listEvents('eir-1')).resolves.toHaveLength(seq);
      });
    });


    describe('audit log', () => {
      /** Every leaf of the log, in log order, from the stored events. */
      async function logLeaves(): Promise<Uint8Array[]> {
        const { size } = await store.logState();
        const entries = await store.logEntries(0, size);
        expect(entries.map((e) => e.logIndex)).toEqual(Array.from({ length: size }, (_, i) => i));
        return entries.map(leafOf);
      }

      /** Issues `documents` documents with 1, 2, 3, 1, 2, 3, ... events each, one commit apiece. */
      async function issueMany(documents: number): Promise<DocumentChange[]> {
        const changes: DocumentChange[] = [];
        for (let d = 0; d < documents; d += 1) {
          const id = `do-log-${d}`;
          const events = Array.from({ length: (d % 3) + 1 }, (_, i) => signedEvent(id, i + 1));
          const change = issuing(deliveryOrderState(id), { events });
          await expect(store.commit([change])).resolves.toEqual({ outcome: 'committed' });
          changes.push(change);
        }
        return changes;
      }

      it('when nothing was committed, then the log is empty with the root of the empty tree', async () => {
        await expect(store.logState()).resolves.toEqual({ size: 0, rootHash: emptyRoot() });
        await expect(store.logEntries(0, 10)).resolves.toEqual([]);
        await expect(store.latestTreeHead()).resolves.toBeUndefined();
        await expect(rootAtSize(store, 0)).resolves.toEqual(emptyRoot());
      });

      it('when documents are committed, then each event takes the next log index across documents and the log counts them', async () => {
        const order = await issued(deliveryOrderState('do-1'));
        const eirEvents = [signedEvent('eir-1', 1), signedEvent('eir-1', 2, { type: 'note' })];
        await store.commit([issuing(eirState('eir-1'), { events: eirEvents })]);
        await store.commit([appending(transferredTo(order, cast.forwarder), 1)]);

        const doEvents = await store.listEvents('do-1');
        const eir = await store.listEvents('eir-1');
        expect(doEvents.map((e) => [e.seq, e.logIndex])).toEqual([[1, 0], [2, 3]]);
        expect(eir.map((e) => [e.seq, e.logIndex])).toEqual([[1, 1], [2, 2]]);

        const state = await store.logState();
        expect(state.size).toBe(4);
        const entries = await store.logEntries(0, 4);
        expect(entries).toEqual([doEvents[0], eir[0], eir[1], doEvents[1]]);
        expect(state.rootHash).toEqual(referenceRoot(entries.map(leafOf)));
      });

      it('when a multi-document commit is made, then its events are appended in the order the changes list them', async () => {
        await issued(deliveryOrderState('do-0'));
        const first = issuing(eirState('eir-1'), { events: [signedEvent('eir-1', 1), signedEvent('eir-1', 2, { type: 'note' })] });
        const second = issuing(deliveryOrderState('do-1'));
        const third = issuing(deliveryOrderState('do-2'), { events: [signedEvent('do-2', 1), signedEvent('do-2', 2)] });
        await store.commit([first, second, third]);

        const entries = await store.logEntries(1, 6);
        expect(entries.map((e) => [e.documentId, e.seq, e.logIndex])).toEqual([
          ['eir-1', 1, 1],
          ['eir-1', 2, 2],
          ['do-1', 1, 3],
          ['do-2', 1, 4],
          ['do-2', 2, 5],
        ]);
        expect(entries.map((e) => e.envelope)).toEqual([...first.events, ...second.events, ...third.events].map((e) => e.envelope));
        const state = await store.logState();
        expect(state.size).toBe(6);
        expect(state.rootHash).toEqual(referenceRoot(await logLeaves()));
      });

      it('when a commit is a repeat, then no leaf is appended', async () => {
        const state = await issued(deliveryOrderState('do-1'));
        const transfer = appending(transferredTo(state, cast.forwarder), 1);
        await store.commit([transfer]);
        const before = await store.logState();
        await expect(store.commit([transfer])).resolves.toEqual({ outcome: 'duplicate' });
        await expect(store.commit([issuing(state)])).resolves.toEqual({ outcome: 'duplicate' });
        await expect(store.logState()).resolves.toEqual(before);
        expect(before.size).toBe(2);
      });

      it('when a commit is stale, conflicting or invalid, then no leaf is appended', async () => {
        const state = await issued(deliveryOrderState('do-1'));
        await store.commit([appending(transferredTo(state, cast.forwarder), 1)]);
        const before = await store.logState();

        const stale = appending(transferredTo(state, cast.haulier), 1, { events: [signedEvent('do-1', 2, { variant: 'late' })] });
        await conflictOf(store.commit([stale]));
        await conflictOf(store.commit([issuing(deliveryOrderState('do-new')), stale]));
        await expect(store.commit([issuing(deliveryOrderState('do-x'), { events: [] })])).rejects.toMatchObject({
          code: 'validation-failed',
        });
        await expect(store.logState()).resolves.toEqual(before);
        await expect(store.logEntries(0, 100)).resolves.toHaveLength(2);
      });

      it('when the log is read by range, then entries come in log order, clipped to the log, and a range is bounded', async () => {
        await issueMany(4); // 1 + 2 + 3 + 1 = 7 events
        const all = await store.logEntries(0, 7);
        expect(all.map((e) => e.logIndex)).toEqual([0, 1, 2, 3, 4, 5, 6]);
        await expect(store.logEntries(5, 50)).resolves.toEqual(all.slice(5));
        await expect(store.logEntries(3, 3)).resolves.toEqual([]);
        await expect(store.logEntries(20, 30)).resolves.toEqual([]);
        for (const [start, end] of [[-1, 3], [4, 2], [0.5, 3], [0, 10_001]] as const) {
          await expect(store.logEntries(start, end)).rejects.toMatchObject({ code: 'validation-failed' });
        }
        await expect(store.logEntries(0, 10_000)).resolves.toHaveLength(7);
      });

      it('when nodes are read by address, then leaves and complete subtrees are found and missing ones are undefined', async () => {
        await issueMany(3); // 6 events: complete nodes (0, 0..5), (1, 0..2), (2, 0)
        const leaves = await logLeaves();
        const nodes = await store.logNodes([
          { level: 0, index: 5 },
          { level: 2, index: 0 },
          { level: 1, index: 3 },
          { level: 0, index: 6 },
          { level: 3, index: 0 },
        ]);
        expect(nodes[0]).toEqual(leaves[5]);
        expect(nodes[1]).toEqual(referenceRoot(leaves.slice(0, 4)));
        expect(nodes.slice(2)).toEqual([undefined, undefined, undefined]);
        await expect(store.logNodes([])).resolves.toEqual([]);
      });

      it('when proofs are built from the stored nodes, then every inclusion and consistency proof verifies against the root', async () => {
        await issueMany(7); // 1+2+3+1+2+3+1 = 13 events
        const leaves = await logLeaves();
        const { size, rootHash } = await store.logState();
        expect(size).toBe(13);
        expect(rootHash).toEqual(referenceRoot(leaves));
        await expect(rootAtSize(store, size)).resolves.toEqual(rootHash);

        for (let n = 1; n <= size; n += 1) {
          const root = await rootAtSize(store, n);
          expect(root).toEqual(referenceRoot(leaves.slice(0, n)));
          for (let index = 0; index < n; index += 1) {
            const proof = await inclusionProofFromStore(store, index, n);
            expect(proof).toEqual(referenceInclusionProof(index, leaves.slice(0, n)));
            expect(checkInclusion(index, n, leaves[index] as Uint8Array, proof, root)).toEqual({ ok: true });
          }
          for (let m = 1; m <= n; m += 1) {
            const proof = await consistencyProofFromStore(store, m, n);
            expect(proof).toEqual(referenceConsistencyProof(m, leaves.slice(0, n)));
            expect(checkConsistency(m, n, await rootAtSize(store, m), root, proof)).toEqual({ ok: true });
          }
        }
        const last = await inclusionProofFromStore(store, 12, size);
        expect(checkInclusion(12, size, leaves[12] as Uint8Array, last, rootHash)).toEqual({ ok: true });
        expect(checkInclusion(11, size, leaves[12] as Uint8Array, last, rootHash)).toMatchObject({ ok: false });
      });

      it('when a proof is asked for, then it reads O(log n) nodes, not the leaves', async () => {
        await issueMany(30); // 60 events
        const { size } = await store.logState();
        expect(size).toBe(60);
        const bound = 2 * Math.ceil(Math.log2(size)) + 1;
        for (const [index, m] of [[0, 1], [31, 33], [59, 59], [17, 40]] as const) {
          const counting = countingReads(store);
          await inclusionProofFromStore(counting.store, index, size);
          expect(counting.take()).toBeLessThanOrEqual(bound);
          await consistencyProofFromStore(counting.store, m, size);
          expect(counting.take()).toBeLessThanOrEqual(bound);
        }
      });

      it('when a proof names a size beyond the log, then it is refused', async () => {
        await issueMany(2); // 3 events
        await expect(inclusionProofFromStore(store, 3, 4)).rejects.toMatchObject({ code: 'merkle-range-invalid' });
        await expect(consistencyProofFromStore(store, 1, 4)).rejects.toMatchObject({ code: 'merkle-range-invalid' });
        await expect(rootAtSize(store, 4)).rejects.toMatchObject({ code: 'merkle-range-invalid' });
        await expect(inclusionProofFromStore(store, 3, 3)).rejects.toMatchObject({ code: 'merkle-range-invalid' });
      });

      it('when tree heads are stored, then they read back, the latest is the largest, and a repeat is a no-op', async () => {
        await issueMany(3);
        const head6 = treeHead(6, (await store.logState()).rootHash);
        const head3 = treeHead(3, await rootAtSize(store, 3));
        const head0 = treeHead(0, emptyRoot());
        await store.putTreeHead(head6);
        await store.putTreeHead(head3);
        await store.putTreeHead(head0);
        await expect(store.latestTreeHead()).resolves.toEqual(head6);
        await expect(store.putTreeHead({ ...head6 })).resolves.toBeUndefined();
        await expect(store.latestTreeHead()).resolves.toEqual(head6);
      });

      it('when another head is stored for a size that has one, then it is a conflict and the first stays', async () => {
        await issueMany(1);
        const head = treeHead(1, (await store.logState()).rootHash);
        await store.putTreeHead(head);
        await expect(store.putTreeHead({ ...head, timestamp: laterAt })).rejects.toMatchObject({ code: 'store-conflict' });
        await expect(store.putTreeHead({ ...head, rootHash: hex(emptyRoot()) })).rejects.toMatchObject({ code: 'store-conflict' });
        await expect(store.putTreeHead({ ...head, signature: 'another signature' })).rejects.toMatchObject({
          code: 'store-conflict',
        });
        await expect(store.latestTreeHead()).resolves.toEqual(head);
      });
    });

    const durable = factory.reopen ? it : it.skip;

    durable('when the store is closed and reopened, then everything acknowledged is still there', async () => {
      const reopen = factory.reopen;
      if (!reopen) return;
      const carrier = party(cast.carrier, ['carrier']);
      await store.upsertParty(carrier);
      await store.createUser(user('user-1', cast.carrier));
      await store.addApiKey(apiKey('key-live', 'user-1', 'sdx_live'));
      await store.addApiKey(apiKey('key-dead', 'user-1', 'sdx_dead'));
      await store.revokeApiKey('key-dead', laterAt);
      const order = await issued(deliveryOrderState('do-1'));
      await store.commit([appending(transferredTo(order, cast.forwarder), 1)]);
      await issued(eirState('eir-1'));
      const blob = await store.putBlob(new TextEncoder().encode('gate photo'), 'image/jpeg', { at: issuedAt });
      const before = {
        parties: await store.listParties(),
        user: await store.getUser('user-1'),
        key: await store.findActiveApiKey(sha256Hex('sdx_live')),
        documents: await store.listDocuments({ limit: 50 }),
        events: [await store.listEvents('do-1'), await store.listEvents('eir-1')],
        blob: await store.getBlob(blob.sha256),
      };

      await store.close();
      store = await reopen();

      await expect(store.listParties()).resolves.toEqual(before.parties);
      await expect(store.getUser('user-1')).resolves.toEqual(before.user);
      await expect(store.findActiveApiKey(sha256Hex('sdx_live'))).resolves.toEqual(before.key);
      await expect(store.findActiveApiKey(sha256Hex('sdx_dead'))).resolves.toBeUndefined();
      await expect(store.listDocuments({ limit: 50 })).resolves.toEqual(before.documents);
      await expect(Promise.all([store.listEvents('do-1'), store.listEvents('eir-1')])).resolves.toEqual(before.events);
      await expect(store.getBlob(blob.sha256)).resolves.toEqual(before.blob);
    });

    durable('when the store is reopened, then sequences continue where they stopped and repeats are still recognised', async () => {
      const reopen = factory.reopen;
      if (!reopen) return;
      const order = await issued(deliveryOrderState('do-1'));
      const transfer = appending(transferredTo(order, cast.forwarder), 1);
      await store.commit([transfer]);

      await store.close();
      store = await reopen();

      await expect(store.commit([transfer])).resolves.toEqual({ outcome: 'duplicate' });
      await conflictOf(store.commit([appending(order, 1, { events: [signedEvent('do-1', 2, { variant: 'late' })] })]));
      await expect(store.commit([appending(order, 2, { events: [signedEvent('do-1', 3)] })])).resolves.toEqual({
        outcome: 'committed',
      });
      await expect(store.listEvents('do-1')).resolves.toHaveLength(3);
    });

    durable('when the store is reopened, then the log, its nodes and its heads are kept and appends continue', async () => {
      const reopen = factory.reopen;
      if (!reopen) return;
      const order = await issued(deliveryOrderState('do-1'));
      await store.commit([issuing(eirState('eir-1'), { events: [signedEvent('eir-1', 1), signedEvent('eir-1', 2)] })]);
      const before = await store.logState();
      const head = treeHead(before.size, before.rootHash);
      await store.putTreeHead(head);
      const proofBefore = await inclusionProofFromStore(store, 1, before.size);

      await store.close();
      store = await reopen();

      await expect(store.logState()).resolves.toEqual(before);
      await expect(store.latestTreeHead()).resolves.toEqual(head);
      await expect(inclusionProofFromStore(store, 1, before.size)).resolves.toEqual(proofBefore);
      await store.commit([appending(transferredTo(order, cast.forwarder), 1)]);
      await expect(store.listEvents('do-1')).resolves.toMatchObject([{ logIndex: 0 }, { logIndex: 3 }]);
      const after = await store.logState();
      const entries = await store.logEntries(0, after.size);
      expect(after.rootHash).toEqual(referenceRoot(entries.map(leafOf)));
      const proof = await consistencyProofFromStore(store, before.size, after.size);
      expect(checkConsistency(before.size, after.size, before.rootHash, after.rootHash, proof)).toEqual({ ok: true });
    });
  });
}
