import { Client, P, byteRangeCount, expectChain, expectProblem, expectValidPdf, payloadOf, useExchange } from './exchange-client';

let c: Client;
useExchange((_app, client) => {
  c = client;
});

describe('delivery order: issue → transfer → present → release', () => {
  it('runs end to end with one holder at each step, a signed chain of events and a valid PDF', async () => {
    const issued = await c.deliveryOrder();
    expect(issued).toMatchObject({ kind: 'delivery-order', version: 1, status: 'issued', issuer: P.agentSha, holder: P.consignee, sequence: 1 });
    expect(issued.payloadHash).toMatch(/^[0-9a-f]{64}$/);
    const pdf = await c.pdf(P.consignee, issued.id);
    const report = await expectValidPdf(pdf, issued.payloadHash);
    expect(report.signatures).toHaveLength(1);

    const transferred = await c.acted(P.consignee, issued.id, { type: 'transfer', to: P.forwarder });
    expect(transferred).toMatchObject({ status: 'transferred', holder: P.forwarder, sequence: 2 });

    const presented = await c.acted(P.forwarder, issued.id, { type: 'present', to: P.terminal });
    expect(presented).toMatchObject({ status: 'presented', holder: P.forwarder, presentedTo: P.terminal, sequence: 3 });

    const released = await c.acted(P.terminal, issued.id, { type: 'release' });
    expect(released).toMatchObject({ status: 'released', holder: P.terminal, sequence: 4 });

    const view = await c.document(P.forwarder, issued.id);
    expect(view).toMatchObject({ status: 'released', holder: P.terminal, sequence: 4 });
    expect(view.events.map((e) => [e.type, e.actor])).toEqual([
      ['issue', P.agentSha],
      ['transfer', P.consignee],
      ['present', P.forwarder],
      ['release', P.terminal],
    ]);
    expect(view.events[1]?.data).toEqual({ to: P.forwarder });
    expect(view.events[2]?.data).toEqual({ to: P.terminal });
    expectChain(view);
    // The signed PDF is the issued one; releasing it adds an event, not a signature.
    await expectValidPdf(await c.pdf(P.terminal, issued.id), issued.payloadHash);
  });

  it('releases once: a second release or a presentation after release is 409 already-released', async () => {
    const d = await c.deliveryOrder();
    await c.acted(P.consignee, d.id, { type: 'present', to: P.terminal });
    await c.acted(P.terminal, d.id, { type: 'release' });

    expectProblem(await c.act(P.terminal, d.id, { type: 'release' }), 409, 'already-released');
    // The terminal holds it now; the former holder is refused the same way.
    expectProblem(await c.act(P.terminal, d.id, { type: 'present', to: P.terminal }), 409, 'already-released');
    expectProblem(await c.act(P.consignee, d.id, { type: 'present', to: P.terminal }), 409, 'already-released');
    expectProblem(await c.act(P.consignee, d.id, { type: 'transfer', to: P.forwarder }), 409, 'already-released');

    const view = await c.document(P.consignee, d.id);
    expect(view.sequence).toBe(3);
    expect(view.events.filter((e) => e.type === 'release')).toHaveLength(1);
    expectChain(view);
    await expectValidPdf(await c.pdf(P.consignee, d.id), d.payloadHash);
  });

  it('a rejected presentation returns control to the holder, who may present again', async () => {
    const d = await c.deliveryOrder();
    await c.acted(P.consignee, d.id, { type: 'present', to: P.terminal });
    const rejected = await c.acted(P.terminal, d.id, { type: 'reject-presentation', reason: 'Customs hold 海关查验' });
    expect(rejected).toMatchObject({ status: 'presentation-rejected', holder: P.consignee, presentedTo: null });
    expectProblem(await c.act(P.terminal, d.id, { type: 'release' }), 409, 'invalid-state-transition');

    await c.acted(P.consignee, d.id, { type: 'present', to: P.terminal });
    const released = await c.acted(P.terminal, d.id, { type: 'release' });
    expect(released.status).toBe('released');
    const view = await c.document(P.terminal, d.id);
    expect(view.events.map((e) => e.type)).toEqual(['issue', 'present', 'reject-presentation', 'present', 'release']);
    expect(view.events[2]?.data).toEqual({ reason: 'Customs hold 海关查验' });
    expectChain(view);
    await expectValidPdf(await c.pdf(P.consignee, d.id), d.payloadHash);
  });

  it('presents only to a terminal the D/O names, and never transfers to the holder itself', async () => {
    const d = await c.deliveryOrder();
    expectProblem(await c.act(P.consignee, d.id, { type: 'present', to: P.depot }), 422, 'target-role-not-allowed');
    expectProblem(await c.act(P.consignee, d.id, { type: 'transfer', to: P.consignee }), 422, 'target-is-holder');
    expect((await c.document(P.consignee, d.id)).sequence).toBe(1);
    await expectValidPdf(await c.pdf(P.consignee, d.id), d.payloadHash);
  });

  it('void closes the D/O: the holder can no longer transfer it', async () => {
    const d = await c.deliveryOrder();
    const voided = await c.acted(P.agentSha, d.id, { type: 'void', reason: 'Issued in error' });
    expect(voided).toMatchObject({ status: 'voided', holder: null });
    expectProblem(await c.act(P.consignee, d.id, { type: 'transfer', to: P.forwarder }), 409, 'document-closed');
    expectChain(await c.document(P.consignee, d.id));
    await expectValidPdf(await c.pdf(P.agentSha, d.id), d.payloadHash);
  });
});

describe('delivery order: amend', () => {
  it('supersedes the old version with a version 2 held by the same holder', async () => {
    const d = await c.deliveryOrder();
    await c.acted(P.consignee, d.id, { type: 'transfer', to: P.forwarder });
    const changed = { ...d.payload, remarks: 'Gate 5 instead of gate 3. 改为五号闸口。' };

    const old = await c.acted(P.agentSha, d.id, { type: 'amend', payload: changed, reason: 'Gate changed' });
    expect(old.status).toBe('superseded');
    expect(old.holder).toBeNull();
    expect(old.supersededBy).toEqual(expect.any(String));
    expect(old.supersededBy).not.toBe(d.id);
    const amendEvent = old.events[old.events.length - 1];
    expect(amendEvent).toMatchObject({ type: 'amend', actor: P.agentSha, data: { supersededBy: old.supersededBy, reason: 'Gate changed' } });
    expectChain(old);

    const successor = await c.document(P.agentSha, String(old.supersededBy));
    expect(successor).toMatchObject({
      kind: 'delivery-order',
      version: 2,
      status: 'issued',
      issuer: P.agentSha,
      holder: P.forwarder,
      supersedes: d.id,
      sequence: 1,
    });
    expect(successor.payload['remarks']).toBe(changed.remarks);
    expect(successor.payloadHash).not.toBe(d.payloadHash);
    expect(successor.events[0]?.data).toMatchObject({ version: 2, supersedes: d.id });
    expectChain(successor);
    const pdf = await c.pdf(P.agentSha, successor.id);
    await expectValidPdf(pdf, successor.payloadHash);
    expect(byteRangeCount(pdf)).toBe(1);

    // The holder of version 2 sees it and can go on with it; the old version is closed.
    const asHolder = await c.document(P.forwarder, successor.id);
    expect(asHolder.holder).toBe(P.forwarder);
    await c.acted(P.forwarder, successor.id, { type: 'present', to: P.terminal });
    expectProblem(await c.act(P.forwarder, d.id, { type: 'present', to: P.terminal }), 409, 'document-closed');
  });

  it('refuses an invalid amended payload with 422 and changes nothing', async () => {
    const d = await c.deliveryOrder();
    const res = await c.act(P.agentSha, d.id, { type: 'amend', payload: { ...d.payload, containers: [] }, reason: 'Oops' });
    expectProblem(res, 422);
    const view = await c.document(P.agentSha, d.id);
    expect(view).toMatchObject({ status: 'issued', sequence: 1, supersededBy: null });
  });

  it('only the issuer amends', async () => {
    const d = await c.deliveryOrder();
    const res = await c.act(P.consignee, d.id, { type: 'amend', payload: payloadOf('delivery-order'), reason: 'Mine now' });
    expectProblem(res, 403, 'not-issuer');
  });
});
