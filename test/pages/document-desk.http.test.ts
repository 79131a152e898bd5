import { Client, P, useExchange } from '../http/exchange-client';
import { formBody, hiddenValue, signedIn } from '../support/page-forms';
import type { TestApp } from '../support/test-app';
import { deliveryOrderForm, openForm, USERS } from '../support/desk-forms';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});

describe('refusals are shown in the exchange’s own words', () => {
  it('a telex release on a guarantee not yet accepted is refused with the rule’s reason; after acceptance it is issued', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    const sha = await signedIn(t.app, USERS.agentSha);
    const { csrf, formKey, page } = await openForm(sha, `/desk/agent/do/new?guarantee=${guarantee.id}`);
    // Prefilled from the guarantee: B/L, vessel, containers and the release basis.
    expect(page).toMatch(/name="billOfLadingNumber"[^>]*value="POCL2611PUS0042"/);
    expect(page).toMatch(/<input type="radio" name="releaseBasis.type" value="telex-release" checked>/);
    const fields = deliveryOrderForm({ 'releaseBasis.type': 'telex-release', 'releaseBasis.guaranteeId': guarantee.id });
    const refused = await sha.post('/desk/agent/do').type('form').send(formBody({ ...fields, csrf, formKey }));
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Not done. The exchange says:');
    expect(refused.text).toContain(`guarantee ${guarantee.id} is submitted; only an accepted guarantee backs a telex release`);

    const pus = await signedIn(t.app, USERS.agentPus);
    const token = hiddenValue((await pus.get(`/desk/documents/${guarantee.id}`)).text, 'csrf');
    const accepted = await pus.post(`/desk/documents/${guarantee.id}/act`).type('form').send(formBody({ csrf: token, type: 'accept' }));
    expect(accepted.status).toBe(303);
    const issued = await sha.post('/desk/agent/do').type('form').send(formBody({ ...fields, csrf, formKey }));
    expect(issued.status).toBe(303);
    const orderId = /\/desk\/documents\/([^?]+)/.exec(String(issued.headers['location']))?.[1] ?? '';
    await expect(c.document(P.agentSha, guarantee.id)).resolves.toMatchObject({ status: 'accepted' });
    expect((await c.document(P.agentPus, guarantee.id)).events.map((e) => e.type)).toEqual(['issue', 'accept', 'release-notice', 'backing-recorded']);
    await expect(c.document(P.agentSha, orderId)).resolves.toMatchObject({ status: 'issued', payload: { releaseBasis: { type: 'telex-release', guaranteeId: guarantee.id } } });
  });

  it('withdrawing an accepted guarantee is refused, saying why; a reject needs a reason', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    const pus = await signedIn(t.app, USERS.agentPus);
    const token = hiddenValue((await pus.get(`/desk/documents/${guarantee.id}`)).text, 'csrf');
    const noReason = await pus.post(`/desk/documents/${guarantee.id}/act`).type('form').send(formBody({ csrf: token, type: 'reject', reason: ' ' }));
    expect(noReason.status).toBe(422);
    expect(noReason.text).toContain('reason: must not be empty');
    await pus.post(`/desk/documents/${guarantee.id}/act`).type('form').send(formBody({ csrf: token, type: 'accept' })).expect(303);

    const shipper = await signedIn(t.app, USERS.shipper);
    const list = (await shipper.get('/desk/shipper')).text;
    expect(list).not.toContain(`Withdraw ${String(guarantee.payload['guaranteeNumber'])}`);
    const csrf = hiddenValue(list, 'csrf');
    const refused = await shipper.post(`/desk/documents/${guarantee.id}/act`).type('form').send(formBody({ csrf, type: 'withdraw', back: '/desk/shipper' }));
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('this guarantee is already accepted');
    expect(refused.text).toContain('role="alert"');
  });

  it('voiding a D/O another agent issued is not offered, and posting it anyway is refused by the rule', async () => {
    const order = await c.deliveryOrder();
    const carrier = await signedIn(t.app, USERS.carrier);
    const page = (await carrier.get(`/desk/documents/${order.id}`).expect(200)).text;
    expect(page).not.toContain('data-action="void"');
    const refused = await carrier.post(`/desk/documents/${order.id}/act`).type('form').send(formBody({ csrf: hiddenValue(page, 'csrf'), type: 'void', reason: 'wrong consignee' }));
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('only the issuer may void this delivery-order');
  });
});
