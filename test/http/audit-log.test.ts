import request from 'supertest';
import { leafHash } from '../../src/domain/audit-log/merkle-hash';
import { checkConsistency, checkInclusion } from '../../src/domain/audit-log/merkle-proofs';
import { openTreeHead, type SignedTreeHead } from '../../src/application/audit/tree-head';
import type { TestApp } from '../support/test-app';
import { Client, expectProblem, expectStatus, P, type DocumentBody, useExchange } from './exchange-client';

const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

let t: TestApp;
let c: Client;
let order: DocumentBody;
let eir: DocumentBody;

useExchange(
  async (app, client) => {
    t = app;
    c = client;
    order = await client.deliveryOrder();
    await client.acted(P.consignee, order.id, { type: 'transfer', to: P.forwarder });
    eir = await client.issued(P.terminal, 'eir');
  },
  undefined,
  60_000,
);

async function treeHead(): Promise<SignedTreeHead> {
  const res = await c.get(P.auditor, '/log/tree-head');
  expectStatus(res, 200);
  return res.body as SignedTreeHead;
}

describe('the audit log over the API', () => {
  it('serves a tree head signed by the log key, covering every event so far', async () => {
    const head = await treeHead();
    expect(head.size).toBe(3);
    expect(() => openTreeHead(head)).not.toThrow();
    expect(() => openTreeHead({ ...head, size: 2 })).toThrow(/differs from what its signature covers/);
  });

  it('refuses a head whose root was edited after signing', async () => {
    const head = await treeHead();
    expect(() => openTreeHead({ ...head, rootHash: '00'.repeat(32) })).toThrow(/differs from what its signature covers/);
  });

  it('gives each event its log index, and an inclusion proof for it verifies against the signed root', async () => {
    const head = await treeHead();
    const document = await c.document(P.forwarder, order.id);
    expect(document.events.map((e) => e.logIndex)).toEqual([0, 1]);
    for (const event of document.events) {
      const res = await c.get(P.forwarder, `/log/proof/inclusion?index=${event.logIndex}&size=${head.size}`);
      expectStatus(res, 200);
      const proof = (res.body.proof as string[]).map(fromHex);
      const leaf = leafHash(Buffer.from(event.signature, 'utf8'));
      expect(checkInclusion(event.logIndex, head.size, leaf, proof, fromHex(head.rootHash))).toEqual({ ok: true });
      expect(checkInclusion(event.logIndex, head.size, leafHash(Buffer.from('forged')), proof, fromHex(head.rootHash)).ok).toBe(false);
    }
  });

  it('when the log grows, the new head is consistent with the old one', async () => {
    const older = await treeHead();
    await c.acted(P.forwarder, order.id, { type: 'present', to: P.terminal });
    const newer = await treeHead();
    expect(newer.size).toBe(older.size + 1);
    const res = await c.get(P.auditor, `/log/proof/consistency?from=${older.size}&to=${newer.size}`);
    expectStatus(res, 200);
    const proof = (res.body.proof as string[]).map(fromHex);
    expect(checkConsistency(older.size, newer.size, fromHex(older.rootHash), fromHex(newer.rootHash), proof)).toEqual({ ok: true });
  });

  it('shows the auditor every entry and any other party only its own documents', async () => {
    const head = await treeHead();
    const all = await c.get(P.auditor, `/log/entries?start=0&end=${head.size}`);
    expectStatus(all, 200);
    expect(all.body.entries.map((e: { logIndex: number }) => e.logIndex)).toEqual([...Array(head.size).keys()]);
    const haulier = await c.get(P.haulierA, `/log/entries?start=0&end=${head.size}`);
    expect(new Set(haulier.body.entries.map((e: { documentId: string }) => e.documentId))).toEqual(new Set([eir.id]));
    const outsider = await c.get(P.depot, `/log/entries?start=0&end=${head.size}`);
    expect(outsider.body.entries).toEqual([]);
  });

  it('refuses malformed or out-of-range proof requests with 422', async () => {
    const head = await treeHead();
    expectProblem(await c.get(P.auditor, `/log/proof/inclusion?index=${head.size}&size=${head.size}`), 422);
    expectProblem(await c.get(P.auditor, `/log/proof/inclusion?index=0&size=${head.size + 5}`), 422);
    expectProblem(await c.get(P.auditor, '/log/proof/consistency?from=0&to=1'), 422);
    expectProblem(await c.get(P.auditor, '/log/proof/inclusion?index=x&size=1'), 422);
    expectProblem(await c.get(P.auditor, '/log/entries?start=0&end=5000'), 422);
  });

  it('includes the log inclusion of the document in POST /verify and GET /verify/:id', async () => {
    const pdf = await c.pdf(P.forwarder, order.id);
    const res = await request(t.app).post('/verify').attach('file', pdf, 'do.pdf');
    expectStatus(res, 200);
    expect(res.body.verdict).toBe('valid');
    const findings = res.body.findings as { check: string; status: string }[];
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'document.payload-hash', status: 'valid' }),
        expect.objectContaining({ check: 'document.log-inclusion', status: 'valid' }),
      ]),
    );
    const status = await request(t.app).get(`/verify/${order.id}`);
    expect(status.body.log).toEqual({ treeSize: expect.any(Number), included: true });
  });
});
