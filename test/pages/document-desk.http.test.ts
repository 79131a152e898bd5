import { Client, P, payloadOf, useExchange } from '../http/exchange-client';
import { formBody, hiddenValue, signedIn } from '../support/page-forms';
import type { TestApp } from '../support/test-app';
import { deliveryOrderForm, openForm, USERS } from '../support/desk-forms';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});

describe('refusals are shown in the page’s language', () => {
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
    // Marked at the reason box, named by its label in the summary: never `reason: must not be empty`.
    expect(noReason.text).toMatch(/<textarea id="reason-reject"[^>]*aria-invalid="true"><\/textarea><p class="field-error" id="reason-reject-error">Must not be empty<\/p>/);
    expect(noReason.text).toContain('<li><a href="#reason-reject">Reason</a>: Must not be empty</li>');
    expect(noReason.text).not.toContain('reason:');
    await pus.post(`/desk/documents/${guarantee.id}/act`).type('form').send(formBody({ csrf: token, type: 'accept' })).expect(303);

    const shipper = await signedIn(t.app, USERS.shipper);
    const list = (await shipper.get('/desk/shipper')).text;
    const row = new RegExp(`<tr data-document="${guarantee.id}">[\\s\\S]*?</tr>`).exec(list)?.[0] ?? '';
    expect(row).toContain(String(guarantee.payload['guaranteeNumber']));
    expect(row).not.toContain('data-action="withdraw"');
    const csrf = hiddenValue(list, 'csrf');
    const refused = await shipper.post(`/desk/documents/${guarantee.id}/act`).type('form').send(formBody({ csrf, type: 'withdraw', back: '/desk/shipper' }));
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('this guarantee is already accepted');
    expect(refused.text).toContain('role="alert"');
  });

  it('on a Chinese page a refusal is the refusal catalogue’s sentence, not the exchange’s English', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    const sha = await signedIn(t.app, USERS.agentSha, 'zh-CN');
    const { csrf, formKey } = await openForm(sha, `/desk/agent/do/new?guarantee=${guarantee.id}`);
    const fields = deliveryOrderForm({ 'releaseBasis.type': 'telex-release', 'releaseBasis.guaranteeId': guarantee.id });
    const refused = await sha.post('/desk/agent/do').type('form').send(formBody({ ...fields, csrf, formKey }));
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('未执行。系统答复：');
    expect(refused.text).toContain('只有已被接受的电放保函才能作为电放依据。');
    expect(refused.text).not.toContain('only an accepted guarantee');
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

describe('every document page', () => {
  it('has a print button opening its signed PDF, and names its history’s events in the page’s language', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    const order = await c.deliveryOrder();
    const eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
    for (const [userId, id] of [[USERS.shipper, guarantee.id], [USERS.agentSha, order.id], [USERS.terminal, eir.id]] as const) {
      const agent = await signedIn(t.app, userId, 'zh-CN');
      const page = (await agent.get(`/desk/documents/${id}`).expect(200)).text;
      expect(page).toContain(`<a class="button print-link" id="print-link" href="/desk/documents/${id}/pdf" target="_blank" rel="noopener" type="application/pdf" title="打开签名 PDF 以打印">打印</a>`);
      expect(page).toMatch(/<tr data-seq="1" data-event="issue"><td data-label="序号"><div class="cell">1<\/div><\/td><td data-label="事件"><div class="cell">签发<\/div>/);
      const pdf = await agent.get(`/desk/documents/${id}/pdf`).expect(200);
      expect(pdf.headers['content-type']).toMatch(/^application\/pdf/);
    }
  });
});
