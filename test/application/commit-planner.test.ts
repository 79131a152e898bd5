import { createHash } from 'node:crypto';
import { checkChanges, decideCommit, planCommit } from '../../src/application/commit/commit-planner';
import { StoreConflictError } from '../../src/application/ports/store.port';
import { leafHash, nodeHash } from '../../src/domain/audit-log/merkle-hash';
import { appendLeaves, rootFromFrontier } from '../../src/domain/audit-log/merkle-tree';
import { appending, cast, deliveryOrderState, eirState, issuing, signedEvent } from '../support/document-fixtures';
import { exampleJson } from '../support/examples';
import { referenceRoot } from '../support/merkle-reference';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const leafOf = (envelope: string) => leafHash(Buffer.from(envelope, 'utf8'));

describe('the commit planner (pure)', () => {
  const doc = deliveryOrderState('do-1');
  const eir = eirState('eir-1');
  const create = issuing(doc);
  const gate = { ...appending(eir, 1, { events: [signedEvent('eir-1', 2, { type: 'gate-record', actor: cast.terminal }), signedEvent('eir-1', 3, { type: 'countersign', actor: cast.haulier })] }) };

  it('when a commit is planned, then its events take the next log indexes in the order the changes list them, with their hashes and leaves', () => {
    const before = appendLeaves(0, [], [leafOf('a'), leafOf('b'), leafOf('c')]);
    const plan = planCommit([create, gate], { size: before.size, frontier: before.frontier }, []);
    expect(plan.events.map((e) => [e.documentId, e.seq, e.logIndex])).toEqual([
      ['do-1', 1, 3],
      ['eir-1', 2, 4],
      ['eir-1', 3, 5],
    ]);
    expect(plan.events.map((e) => e.hash)).toEqual([...create.events, ...gate.events].map((e) => sha(e.envelope)));
    const leaves = ['a', 'b', 'c', ...plan.events.map((e) => e.envelope)].map(leafOf);
    expect(plan.log).toMatchObject({ from: 3, size: 6 });
    expect(Buffer.from(rootFromFrontier(plan.log.size, plan.log.frontier))).toEqual(Buffer.from(referenceRoot(leaves)));
    // Leaf 3 completes (1, 1) and (2, 0); leaves 4 and 5 complete (1, 2).
    expect(plan.logNodes.map((n) => [n.level, n.index])).toEqual([[0, 3], [1, 1], [2, 0], [0, 4], [0, 5], [1, 2]]);
    expect(Buffer.from(plan.logNodes[5]?.hash ?? [])).toEqual(Buffer.from(nodeHash(leaves[4] as Uint8Array, leaves[5] as Uint8Array)));
  });

  it('when a change creates a document, then the plan carries its payload and business keys; an update carries neither', () => {
    const payload = exampleJson('delivery-order');
    const plan = planCommit([{ ...create, payload }, gate], { size: 0, frontier: [] }, []);
    expect(plan.documents[0]).toMatchObject({ documentId: 'do-1', expectedSeq: 0, seq: 1, create: { payload } });
    expect(plan.documents[0]?.create?.keys).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'bl-number' }), expect.objectContaining({ key: 'do-number' })]));
    expect(plan.documents[1]).toMatchObject({ documentId: 'eir-1', expectedSeq: 1, seq: 3 });
    expect(plan.documents[1]?.create).toBeUndefined();
  });

  it('when a change cites blobs and brings some, then the brought ones carry their bytes and every one is tied to its document', () => {
    const pdf = new TextEncoder().encode('%PDF- gate');
    const plan = planCommit([{ ...gate, blobs: ['a'.repeat(64)], newBlobs: [{ bytes: pdf, mediaType: 'application/pdf' }] }], { size: 0, frontier: [] }, []);
    expect(plan.blobs).toEqual([
      { sha256: 'a'.repeat(64), documentId: 'eir-1' },
      { sha256: sha(pdf), documentId: 'eir-1', bytes: pdf, mediaType: 'application/pdf' },
    ]);
  });

  it('when parties of a document listen for webhooks, then each event gets one outbox row per endpoint that wants its type', () => {
    const endpoints = [
      { id: 'wh-terminal', partyId: cast.terminal, eventTypes: ['gate-record'] },
      { id: 'wh-haulier', partyId: cast.haulier, eventTypes: ['*'] },
      { id: 'wh-outsider', partyId: cast.outsider, eventTypes: ['*'] },
    ];
    const plan = planCommit([gate], { size: 0, frontier: [] }, endpoints);
    expect(plan.deliveries.map((d) => [d.endpointId, d.seq])).toEqual([
      ['wh-terminal', 2],
      ['wh-haulier', 2],
      ['wh-haulier', 3],
    ]);
    expect(plan.deliveries[0]?.due).toBe(new Date(gate.events[0]?.recordedAt ?? '').toISOString());
  });

  it('when every event is already stored with the same hash, then the commit is a duplicate; a stale sequence is a conflict', () => {
    const stored = [[sha(create.events[0]?.envelope ?? '')]];
    expect(decideCommit([create], { seqs: [1], storedHashes: stored })).toBe('duplicate');
    expect(decideCommit([create], { seqs: [0], storedHashes: [[undefined]] })).toBe('write');
    expect(() => decideCommit([create], { seqs: [1], storedHashes: [['0'.repeat(64)]] })).toThrow(StoreConflictError);
    expect(() => checkChanges([create, create])).toThrow(expect.objectContaining({ code: 'validation-failed' }));
  });
});
