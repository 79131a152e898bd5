import { Client, expectValidPdf, P, payloadOf, uniqueRef, useExchange } from '../http/exchange-client';
import { formBody, hiddenValue, signedIn } from '../support/page-forms';
import type { TestApp } from '../support/test-app';
import { deliveryOrderForm, openForm, USERS, payloadsOf } from '../support/desk-forms';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});

describe('the agent’s D/O form', () => {
  it('issues a signed D/O and shows its PDF link and QR at once; the PDF verifies', async () => {
    const agent = await signedIn(t.app, USERS.agentSha);
    const { csrf, formKey } = await openForm(agent, '/desk/agent/do/new');
    const fields = deliveryOrderForm();
    const res = await agent.post('/desk/agent/do').type('form').send(formBody({ ...fields, csrf, formKey }));
    expect(res.status).toBe(303);
    const id = /^\/desk\/documents\/([^?]+)\?issued=1$/.exec(String(res.headers['location']))?.[1] ?? '';
    const page = await agent.get(`/desk/documents/${id}?issued=1`).expect(200);
    expect(page.text).toContain('Issued and signed.');
    expect(page.text).toMatch(/<figure class="qr desk-qr"[^>]*><svg/);
    expect(page.text).toContain(`http://sdx.test/verify/${id}`);
    expect(page.text).toContain(`href="/desk/documents/${id}/pdf"`);
    const pdf = await agent.get(`/desk/documents/${id}/pdf`).buffer(true).parse((stream, done) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toMatch(/^application\/pdf/);
    const issued = await c.document(P.agentSha, id);
    expect(issued.payload).toMatchObject({ deliveryOrderNumber: fields['deliveryOrderNumber'], containers: [{ number: 'CSQU3054383', grossWeightKg: 18640 }, { number: 'POCU7120041' }] });
    await expectValidPdf(pdf.body as Buffer, issued.payloadHash);
  });

  it('marks each wrong field with the API’s own message, keeps what was typed, and issues nothing', async () => {
    const agent = await signedIn(t.app, USERS.agentSha);
    const { csrf, formKey } = await openForm(agent, '/desk/agent/do/new');
    const number = uniqueRef('DO');
    const fields = deliveryOrderForm({ deliveryOrderNumber: number, 'containers.number': ['CSQU3054384', 'POCU7120041'], 'cargo.packageCount': '' });
    const res = await agent.post('/desk/agent/do').type('form').send(formBody({ ...fields, csrf, formKey }));
    expect(res.status).toBe(422);
    const api = await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order', (p) => {
      (p['containers'] as { number: string }[])[0]!.number = 'CSQU3054384';
      delete (p['cargo'] as Record<string, unknown>)['packageCount'];
    }));
    const apiIssues = (api.body as { errors: { path: string; message: string }[] }).errors;
    const messageAt = (path: string) => apiIssues.find((issue) => issue.path === path)?.message ?? '';
    expect(messageAt('payload.containers[0].number')).toBe('ISO 6346 check digit is wrong for CSQU3054384');
    expect(res.text).toContain(`<p class="field-error" id="f-containers-0-number-error">${messageAt('payload.containers[0].number')}</p>`);
    expect(res.text).toContain(`<p class="field-error" id="f-cargo-packageCount-error">${messageAt('payload.cargo.packageCount')}</p>`);
    expect(res.text).toMatch(/id="f-containers-0-number"[^>]*aria-invalid="true"/);
    expect(res.text).toContain('value="CSQU3054384"');
    expect(hiddenValue(res.text, 'formKey')).toBe(formKey);
    expect((await payloadsOf(t, 'delivery-order')).some((p) => p['deliveryOrderNumber'] === number)).toBe(false);
  });

  it('checks a half-filled form as the clerk types, with the messages validatePayload gives', async () => {
    const agent = await signedIn(t.app, USERS.agentSha);
    const { csrf } = await openForm(agent, '/desk/agent/do/new');
    const res = await agent
      .post('/desk/validate/delivery-order')
      .type('form')
      .send(formBody({ csrf, 'containers.number': 'MSCU1234567', 'vessel.imoNumber': '1234568' }))
      .expect(200);
    const issues = (res.body as { issues: { path: string; message: string }[] }).issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'containers[0].number', message: 'ISO 6346 check digit is wrong for MSCU1234567' },
        { path: 'vessel.imoNumber', message: 'must be a seven-digit IMO number with a valid check digit' },
        { path: 'deliveryOrderNumber', message: 'is required' },
      ]),
    );
    // A terminal may not use the agent's validator.
    const terminal = await signedIn(t.app, USERS.terminal);
    const token = hiddenValue((await terminal.get('/desk/facility')).text, 'csrf');
    await terminal.post('/desk/validate/delivery-order').type('form').send(formBody({ csrf: token })).expect(404);
  });
});

describe('amending and voiding a D/O', () => {
  it('an amendment starts from the D/O as issued, needs a reason, issues version 2 once, and a void records its reason', async () => {
    const order = await c.deliveryOrder();
    const agent = await signedIn(t.app, USERS.agentSha);
    const form = (await agent.get(`/desk/agent/do/${order.id}/amend`).expect(200)).text;
    expect(form).toMatch(/name="deliveryOrderNumber"[^>]*value="DO-/);
    expect(form).toMatch(/name="containers.number"[^>]*value="POCU7120041"/);
    const csrf = hiddenValue(form, 'csrf');
    const fields = { ...deliveryOrderForm({ deliveryOrderNumber: String(order.payload['deliveryOrderNumber']), remarks: 'Pick up at gate 5.' }), csrf };
    const noReason = await agent.post(`/desk/agent/do/${order.id}/amend`).type('form').send(formBody(fields));
    expect(noReason.status).toBe(422);
    expect(noReason.text).toContain('<p class="field-error" id="f-reason-error">must not be empty</p>');

    const body = formBody({ ...fields, reason: 'pick-up gate changed' });
    const first = await agent.post(`/desk/agent/do/${order.id}/amend`).type('form').send(body);
    const second = await agent.post(`/desk/agent/do/${order.id}/amend`).type('form').send(body);
    expect(first.status).toBe(303);
    expect(second.headers['location']).toBe(first.headers['location']);
    const successorId = /\/desk\/documents\/([^?]+)/.exec(String(first.headers['location']))?.[1] ?? '';
    await expect(c.document(P.agentSha, order.id)).resolves.toMatchObject({ status: 'superseded', supersededBy: successorId });
    await expect(c.document(P.agentSha, successorId)).resolves.toMatchObject({ version: 2, supersedes: order.id, holder: P.consignee, payload: { remarks: 'Pick up at gate 5.' } });

    const page = (await agent.get(`/desk/documents/${successorId}`).expect(200)).text;
    expect(page).toContain(`href="/desk/agent/do/${successorId}/amend"`);
    await agent.post(`/desk/documents/${successorId}/act`).type('form').send(formBody({ csrf, type: 'void', reason: 'consignee cancelled' })).expect(303);
    const voided = (await agent.get(`/desk/documents/${successorId}?done=void`).expect(200)).text;
    expect(voided).toContain('Done: Void.');
    expect(voided).toContain('data-status="voided"');
    expect(voided).toMatch(/<td>void<\/td>[\s\S]*?<td>consignee cancelled<\/td>/);
    expect(voided).not.toContain('data-action=');
  });
});
