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

  it('marks each wrong field in the catalogue’s words, names it by its label above the form, keeps what was typed, and issues nothing', async () => {
    const agent = await signedIn(t.app, USERS.agentSha);
    const { csrf, formKey } = await openForm(agent, '/desk/agent/do/new');
    const number = uniqueRef('DO');
    const fields = deliveryOrderForm({ deliveryOrderNumber: number, 'containers.number': ['CSQU3054384', 'POCU7120041'], 'cargo.packageCount': '' });
    const res = await agent.post('/desk/agent/do').type('form').send(formBody({ ...fields, csrf, formKey }));
    expect(res.status).toBe(422);
    // The API says the same problems in its own words, by path; the page says them by label.
    const api = await c.issue(P.agentSha, 'delivery-order', payloadOf('delivery-order', (p) => {
      (p['containers'] as { number: string }[])[0]!.number = 'CSQU3054384';
      delete (p['cargo'] as Record<string, unknown>)['packageCount'];
    }));
    const apiIssues = (api.body as { errors: { path: string; code: string; message: string }[] }).errors;
    // The words a page needs (limits, the container number) stay on the server: the API answers path, code and message.
    for (const issue of apiIssues) expect(Object.keys(issue).sort()).toEqual(['code', 'message', 'path']);
    expect(apiIssues.map((issue) => [issue.path, issue.code]).sort()).toEqual([
      ['payload.cargo.packageCount', 'required'],
      ['payload.containers[0].number', 'container-check-digit'],
    ]);
    expect(res.text).toContain('<p class="field-error" id="f-containers-0-number-error">Wrong check digit: CSQU3054384 should end in 3</p>');
    expect(res.text).toContain('<p class="field-error" id="f-cargo-packageCount-error">Required</p>');
    expect(res.text).toMatch(/id="f-containers-0-number"[^>]*aria-invalid="true"/);
    expect(res.text).toContain('<li><a href="#f-containers-0-number">Container no. #1</a>: Wrong check digit: CSQU3054384 should end in 3</li>');
    expect(res.text).toContain('<li><a href="#f-cargo-packageCount">Number of packages</a>: Required</li>');
    expect(res.text).not.toContain('ISO 6346 check digit is wrong');
    const summary = /<div class="alert issue-summary"[\s\S]*?<\/div>/.exec(res.text)?.[0] ?? '';
    expect(summary).not.toMatch(/containers\[0\]|cargo\.packageCount/);
    expect(res.text).toContain('value="CSQU3054384"');
    expect(hiddenValue(res.text, 'formKey')).toBe(formKey);
    expect((await payloadsOf(t, 'delivery-order')).some((p) => p['deliveryOrderNumber'] === number)).toBe(false);
  });

  it('checks a half-filled form as the clerk types, with the catalogue’s words for what validatePayload finds', async () => {
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
        { path: 'containers[0].number', message: 'Wrong check digit: MSCU1234567 should end in 6' },
        { path: 'vessel.imoNumber', message: 'Must be seven digits with a valid check digit' },
        { path: 'deliveryOrderNumber', message: 'Required' },
      ]),
    );
    // A terminal may not use the agent's validator.
    const terminal = await signedIn(t.app, USERS.terminal);
    const token = hiddenValue((await terminal.get('/desk/facility')).text, 'csrf');
    await terminal.post('/desk/validate/delivery-order').type('form').send(formBody({ csrf: token })).expect(404);
  });
});

describe('the D/O number and the facilities’ locations', () => {
  const proposedOn = (page: string) => /name="deliveryOrderNumber" type="text" value="([^"]*)"/.exec(page)?.[1] ?? '';

  it('proposes the next number of the issuer’s own sequence; once used the next one is proposed, a typed one uses none up', async () => {
    const agent = await signedIn(t.app, USERS.agentSha);
    const first = await openForm(agent, '/desk/agent/do/new');
    const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
    const proposed = proposedOn(first.page);
    expect(proposed).toMatch(new RegExp(`^SHA-DO-${year}-\\d{5}$`));
    // The same proposal on a D/O started from a guarantee.
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    expect(proposedOn((await agent.get(`/desk/agent/do/new?guarantee=${guarantee.id}`).expect(200)).text)).toBe(proposed);

    await agent.post('/desk/agent/do').type('form').send(formBody({ ...deliveryOrderForm({ deliveryOrderNumber: proposed }), csrf: first.csrf, formKey: first.formKey })).expect(303);
    const second = await openForm(agent, '/desk/agent/do/new');
    const next = proposedOn(second.page);
    expect(Number(next.slice(-5))).toBe(Number(proposed.slice(-5)) + 1);

    await agent.post('/desk/agent/do').type('form').send(formBody({ ...deliveryOrderForm(), csrf: second.csrf, formKey: second.formKey })).expect(303);
    expect(proposedOn((await openForm(agent, '/desk/agent/do/new')).page)).toBe(next);
    // An amendment keeps the D/O's number: nothing is proposed.
    const order = await c.deliveryOrder();
    expect(proposedOn((await agent.get(`/desk/agent/do/${order.id}/amend`).expect(200)).text)).toBe(String(order.payload['deliveryOrderNumber']));

    // Each issuer has its own: the carrier's starts with its SCAC.
    const carrier = await signedIn(t.app, USERS.carrier);
    expect(proposedOn((await openForm(carrier, '/desk/agent/do/new')).page)).toBe(`POCL-DO-${year}-00001`);
  });

  it('fills a terminal’s and a depot’s UN/LOCODE from the party book, in the form and when left empty without the page script', async () => {
    const agent = await signedIn(t.app, USERS.agentSha);
    const { csrf, formKey, page } = await openForm(agent, '/desk/agent/do/new');
    expect(page).toMatch(/<option value="demo-terminal" selected data-unlocode="CNSHA">/);
    expect(page).toMatch(/<option value="demo-depot" data-unlocode="CNSHA">/);
    expect(page).toMatch(/name="pickupTerminal.unLocode" type="text" value="CNSHA"/);
    const fields = deliveryOrderForm({ 'pickupTerminal.unLocode': '', 'emptyReturnDepot.unLocode': '' });
    const res = await agent.post('/desk/agent/do').type('form').send(formBody({ ...fields, csrf, formKey }));
    expect(res.status).toBe(303);
    const id = /\/desk\/documents\/([^?]+)/.exec(String(res.headers['location']))?.[1] ?? '';
    await expect(c.document(P.agentSha, id)).resolves.toMatchObject({
      payload: { pickupTerminal: { partyId: P.terminal, unLocode: 'CNSHA' }, emptyReturnDepot: { partyId: P.depot, unLocode: 'CNSHA' } },
    });
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
    expect(noReason.text).toContain('<p class="field-error" id="f-reason-error">Must not be empty</p>');

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
    expect(voided).toMatch(/<tr data-seq="\d+" data-event="void">[\s\S]*?<div class="cell">Voided<\/div>[\s\S]*?<div class="cell">consignee cancelled<\/div><\/td><\/tr>/);
    expect(voided).not.toContain('data-action=');
  });
});

describe('the agent’s guarantee inbox', () => {
  it('finds a guarantee by its B/L among those waiting, counts them, and leaves the D/O list as it was', async () => {
    const bl = uniqueRef('COSU');
    const wanted = await c.issued(P.shipper, 'telex-release-guarantee', payloadOf('telex-release-guarantee', (p) => Object.assign(p, { billOfLadingNumber: bl })));
    const other = await c.issued(P.shipper, 'telex-release-guarantee');
    const agent = await signedIn(t.app, USERS.agentPus, 'zh-CN');
    const section = (page: string, id: string) => new RegExp(`<section class="card worklist" id="${id}"[\\s\\S]*?</section>`).exec(page)?.[0] ?? '';

    const all = (await agent.get('/desk/agent').expect(200)).text;
    expect(section(all, 'inbox')).toContain(`data-document="${other.id}"`);
    const found = (await agent.get(`/desk/agent?list=inbox&q=${encodeURIComponent(bl.toLowerCase())}`).expect(200)).text;
    expect(section(found, 'inbox')).toContain(`data-document="${wanted.id}"`);
    expect(section(found, 'inbox')).not.toContain(other.id);
    expect(section(found, 'inbox')).toContain('第 1-1 条，共 1 条');
    expect(section(found, 'orders')).toBe(section(all, 'orders'));

    // Once decided it leaves the inbox: the list holds what waits for this agent.
    await c.acted(P.agentPus, wanted.id, { type: 'accept' });
    const after = (await agent.get(`/desk/agent?list=inbox&q=${encodeURIComponent(bl)}`).expect(200)).text;
    expect(section(after, 'inbox')).toContain('没有符合条件的单证。');
  });
});
