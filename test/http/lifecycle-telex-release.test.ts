import { Client, P, expectChain, expectProblem, expectValidPdf, payloadOf, type DocumentBody, useExchange } from './exchange-client';

let c: Client;
useExchange((_app, client) => {
  c = client;
});

/** A D/O payload released by telex on the given guarantee. */
function telexDeliveryOrder(guaranteeId: string): Record<string, unknown> {
  return payloadOf('delivery-order', (p) => {
    p['releaseBasis'] = { type: 'telex-release', guaranteeId };
  });
}

async function acceptedGuarantee(): Promise<DocumentBody> {
  const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
  await c.acted(P.agentPus, guarantee.id, { type: 'accept' });
  return guarantee;
}

describe('telex release: guarantee → acceptance → D/O', () => {
  it('runs end to end: the release notice names the destination agent, who issues the D/O', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    expect(guarantee).toMatchObject({ kind: 'telex-release-guarantee', status: 'submitted', issuer: P.shipper, holder: P.agentPus });
    await expectValidPdf(await c.pdf(P.shipper, guarantee.id), guarantee.payloadHash);

    const accepted = await c.acted(P.agentPus, guarantee.id, { type: 'accept' });
    expect(accepted).toMatchObject({ status: 'accepted', holder: P.agentSha });
    expect(accepted.events.map((e) => [e.type, e.actor])).toEqual([
      ['issue', P.shipper],
      ['accept', P.agentPus],
      ['release-notice', P.agentPus],
    ]);
    expect(accepted.events[2]?.data).toEqual({ to: P.agentSha });
    expectChain(accepted);
    const acceptedReport = await expectValidPdf(await c.pdf(P.agentSha, guarantee.id), guarantee.payloadHash);
    expect(acceptedReport.signatures).toHaveLength(2);

    const deliveryOrder = await c.issued(P.agentSha, 'delivery-order', telexDeliveryOrder(guarantee.id));
    expect(deliveryOrder).toMatchObject({ status: 'issued', holder: P.consignee });
    expect(deliveryOrder.payload['releaseBasis']).toEqual({ type: 'telex-release', guaranteeId: guarantee.id });
    await expectValidPdf(await c.pdf(P.consignee, deliveryOrder.id), deliveryOrder.payloadHash);

    // The guarantee records which D/O it now backs, as a signed event of its own.
    const backing = await c.document(P.agentSha, guarantee.id);
    expect(backing.events[backing.events.length - 1]).toMatchObject({ type: 'backing-recorded', data: { deliveryOrderId: deliveryOrder.id } });
    expectChain(backing);

    // The D/O then runs its own lifecycle.
    await c.acted(P.consignee, deliveryOrder.id, { type: 'present', to: P.terminal });
    expect((await c.acted(P.terminal, deliveryOrder.id, { type: 'release' })).status).toBe('released');
  });

  it('a second D/O naming the same guarantee is 422 guarantee-already-used', async () => {
    const guarantee = await acceptedGuarantee();
    const first = await c.issued(P.agentSha, 'delivery-order', telexDeliveryOrder(guarantee.id));
    await expectValidPdf(await c.pdf(P.agentSha, first.id), first.payloadHash);
    expectProblem(await c.issue(P.agentSha, 'delivery-order', telexDeliveryOrder(guarantee.id)), 422, 'guarantee-already-used');
  });

  it('a voided D/O frees its guarantee for a new one', async () => {
    const guarantee = await acceptedGuarantee();
    const first = await c.issued(P.agentSha, 'delivery-order', telexDeliveryOrder(guarantee.id));
    await c.acted(P.agentSha, first.id, { type: 'void', reason: 'Wrong consignee contact' });
    const second = await c.issued(P.agentSha, 'delivery-order', telexDeliveryOrder(guarantee.id));
    await expectValidPdf(await c.pdf(P.agentSha, second.id), second.payloadHash);
  });

  it('an amended telex D/O keeps its guarantee', async () => {
    const guarantee = await acceptedGuarantee();
    const first = await c.issued(P.agentSha, 'delivery-order', telexDeliveryOrder(guarantee.id));
    const amended = await c.acted(P.agentSha, first.id, {
      type: 'amend',
      payload: { ...first.payload, remarks: 'Amended remarks' },
      reason: 'Remarks',
    });
    const successor = await c.document(P.agentSha, String(amended.supersededBy));
    expect(successor.payload['releaseBasis']).toEqual({ type: 'telex-release', guaranteeId: guarantee.id });
    await expectValidPdf(await c.pdf(P.consignee, successor.id), successor.payloadHash);
    expectProblem(await c.issue(P.agentSha, 'delivery-order', telexDeliveryOrder(guarantee.id)), 422, 'guarantee-already-used');
  });

  it('naming a missing guarantee is 422 guarantee-not-found', async () => {
    expectProblem(await c.issue(P.agentSha, 'delivery-order', telexDeliveryOrder('doc-does-not-exist')), 422, 'guarantee-not-found');
  });

  it('naming a document that is not a guarantee is 422 guarantee-not-found', async () => {
    const other = await c.deliveryOrder();
    expectProblem(await c.issue(P.agentSha, 'delivery-order', telexDeliveryOrder(other.id)), 422, 'guarantee-not-found');
  });

  it('a rejected guarantee is 422 guarantee-not-accepted', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    const rejected = await c.acted(P.agentPus, guarantee.id, { type: 'reject', reason: 'Originals not surrendered' });
    expect(rejected).toMatchObject({ status: 'rejected', holder: P.shipper });
    expectProblem(await c.issue(P.agentSha, 'delivery-order', telexDeliveryOrder(guarantee.id)), 422, 'guarantee-not-accepted');
  });

  it('a guarantee still waiting for a decision, or withdrawn, is 422 guarantee-not-accepted', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    expectProblem(await c.issue(P.agentSha, 'delivery-order', telexDeliveryOrder(guarantee.id)), 422, 'guarantee-not-accepted');
    const withdrawn = await c.acted(P.shipper, guarantee.id, { type: 'withdraw' });
    expect(withdrawn.status).toBe('withdrawn');
    expectProblem(await c.issue(P.agentSha, 'delivery-order', telexDeliveryOrder(guarantee.id)), 422, 'guarantee-not-accepted');
    expectProblem(await c.act(P.agentPus, guarantee.id, { type: 'accept' }), 409, 'document-closed');
  });

  it('a guarantee for another B/L does not back this D/O', async () => {
    const guarantee = await acceptedGuarantee();
    const payload = telexDeliveryOrder(guarantee.id);
    payload['billOfLadingNumber'] = 'POCL2611PUS9999';
    expectProblem(await c.issue(P.agentSha, 'delivery-order', payload), 422, 'guarantee-bl-mismatch');
  });
});
