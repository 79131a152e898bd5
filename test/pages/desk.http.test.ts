import request from 'supertest';
import { DESK_OPERATIONS } from '../../src/http/pages/desk/desk.router';
import type { DocumentKind } from '../../src/domain/document/document';
import { Client, expectValidPdf, gateRecordExample, P, payloadOf, photo, sha256Hex, uniqueRef, useExchange } from '../http/exchange-client';
import { formBody, hiddenValue, postLogin, signedIn } from '../support/page-forms';
import type { TestApp } from '../support/test-app';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});

const USERS = {
  agentSha: 'demo-agent-sha-desk',
  agentPus: 'demo-agent-pus-desk',
  carrier: 'demo-carrier-ops',
  shipper: 'demo-shipper-export',
  forwarder: 'demo-forwarder-ops',
  terminal: 'demo-terminal-gate',
  depot: 'demo-depot-gate',
  haulier: 'demo-haulier-a-driver',
  consignee: 'demo-consignee-logistics',
} as const;

/** The D/O form as a clerk fills it from the example D/O (containers as rows). */
function deliveryOrderForm(fields: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    deliveryOrderNumber: uniqueRef('DO'),
    billOfLadingNumber: 'POCL2611PUS0042',
    carrier: P.carrier,
    consignee: P.consignee,
    'vessel.vesselName': 'PEARL HARMONY',
    'vessel.voyageNumber': '062E',
    'vessel.imoNumber': '9074729',
    'portOfDischarge.unLocode': 'CNSHA',
    'portOfDischarge.name': 'Shanghai',
    'containers.number': ['CSQU3054383', 'POCU7120041'],
    'containers.sizeType': ['45G1', '22G1'],
    'containers.sealNumbers': ['POCL778812', 'POCL778813'],
    'containers.grossWeightKg': ['18640', '9120.5'],
    'cargo.description': 'Stainless steel kitchen sinks 不锈钢水槽',
    'cargo.packageCount': '1240',
    'cargo.packageType': 'cartons',
    'cargo.grossWeightKg': '27760.5',
    pickupTerminal: P.terminal,
    'pickupTerminal.unLocode': 'CNSHA',
    emptyReturnDepot: P.depot,
    'emptyReturnDepot.unLocode': 'CNSHA',
    freeTimeUntil: '2026-12-05T23:59',
    validUntil: '2026-12-12T23:59',
    chargesPaid: 'yes',
    'releaseBasis.type': 'original-bl-surrendered',
    'releaseBasis.originalsSurrendered': '3',
    ...fields,
  };
}

/** Opens a form page and returns what its POST needs besides the fields: the session's token and the form's key. */
async function openForm(agent: ReturnType<typeof request.agent>, path: string): Promise<{ csrf: string; formKey: string; page: string }> {
  const res = await agent.get(path).expect(200);
  return { csrf: hiddenValue(res.text, 'csrf'), formKey: hiddenValue(res.text, 'formKey'), page: res.text };
}

/** Payloads of every stored document of a kind, read from the store itself. */
async function payloadsOf(kind: DocumentKind): Promise<Record<string, unknown>[]> {
  return (await t.store.listDocuments({ kind, limit: 500 })).items.map((d) => d.payload as Record<string, unknown>);
}

describe('who sees which desk', () => {
  it.each([
    ['/desk/agent', USERS.agentSha, 200],
    ['/desk/agent', USERS.carrier, 200],
    ['/desk/agent', USERS.shipper, 403],
    ['/desk/agent', USERS.terminal, 403],
    ['/desk/agent/do/new', USERS.consignee, 403],
    ['/desk/shipper', USERS.shipper, 200],
    ['/desk/shipper', USERS.forwarder, 200],
    ['/desk/shipper', USERS.agentSha, 403],
    ['/desk/shipper/guarantee/new', USERS.terminal, 403],
    ['/desk/facility', USERS.terminal, 200],
    ['/desk/facility', USERS.depot, 200],
    ['/desk/facility', USERS.haulier, 403],
    ['/desk/facility/eirs/new', USERS.agentSha, 403],
  ])('%s as %s → %i', async (path, userId, status) => {
    const agent = await signedIn(t.app, userId);
    await agent.get(path).expect(status);
  });

  it('an agent, carrier or shipper signs in to its desk; /desk sends each party to its own', async () => {
    const res = await postLogin(request.agent(t.app), { userId: USERS.agentSha, password: 'sdx-demo' });
    expect(res.headers['location']).toBe('/desk');
    for (const [userId, desk] of [
      [USERS.agentSha, '/desk/agent'],
      [USERS.shipper, '/desk/shipper'],
      [USERS.depot, '/desk/facility'],
    ] as const) {
      const agent = await signedIn(t.app, userId);
      expect((await agent.get('/desk')).headers['location']).toBe(desk);
    }
  });

  it('without a session every desk page asks to sign in', async () => {
    for (const path of ['/desk', '/desk/agent', '/desk/shipper', '/desk/facility', '/desk/documents/doc-x', '/desk/documents/doc-x/pdf']) {
      const res = await request(t.app).get(path);
      expect({ path, status: res.status, location: res.headers['location'] }).toEqual({ path, status: 303, location: `/login?next=${encodeURIComponent(path)}` });
    }
  });

  it('each party sees only its documents, and only the buttons the rules allow it', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    const pus = await signedIn(t.app, USERS.agentPus);
    const sha = await signedIn(t.app, USERS.agentSha);
    const shipper = await signedIn(t.app, USERS.shipper);
    const forwarder = await signedIn(t.app, USERS.forwarder);
    const terminal = await signedIn(t.app, USERS.terminal);

    const inbox = (page: string) => /<section class="card worklist" id="inbox"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    expect(inbox((await pus.get('/desk/agent')).text)).toContain(guarantee.id);
    // The destination agent takes part but is not the one who decides.
    expect(inbox((await sha.get('/desk/agent')).text)).not.toContain(guarantee.id);
    expect((await shipper.get('/desk/shipper')).text).toContain(guarantee.id);
    expect((await forwarder.get('/desk/shipper')).text).not.toContain(guarantee.id);
    await terminal.get(`/desk/documents/${guarantee.id}`).expect(404);
    await terminal.get(`/desk/documents/${guarantee.id}/pdf`).expect(404);

    const buttons = async (agent: typeof pus) => {
      const page = (await agent.get(`/desk/documents/${guarantee.id}`).expect(200)).text;
      return [...page.matchAll(/data-action="([a-z-]+)"/g)].map((m) => m[1]).sort();
    };
    expect(await buttons(pus)).toEqual(['accept', 'reject']);
    expect(await buttons(shipper)).toEqual(['withdraw']);
    expect(await buttons(sha)).toEqual([]);
  });
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
    expect((await payloadsOf('delivery-order')).some((p) => p['deliveryOrderNumber'] === number)).toBe(false);
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

describe('deceptive text in the desk forms', () => {
  it('an EIR number with a right-to-left override is refused on the EIR form, in Chinese, naming U+202E; nothing is issued', async () => {
    const clerk = await signedIn(t.app, USERS.terminal, 'zh-CN');
    const { csrf, formKey } = await openForm(clerk, '/desk/facility/eirs/new');
    const number = `${uniqueRef('EIR')}-\u202e1174`;
    const fields = formBody({
      csrf,
      formKey,
      containers: 'CSQU3054383',
      'container.sizeType': '45G1',
      'container.fullEmpty': 'EMPTY',
      'container.operator': P.carrier,
      eirNumber: number,
      direction: 'OUT',
      purpose: 'empty-pickup',
      bookingNumber: 'POCLBK0001',
      'facility.unLocode': 'CNSHA',
      haulier: P.haulierA,
      'driver.name': '王建国',
      truckPlate: '沪AD12345',
      validFrom: '2026-11-28T08:00',
      validUntil: '2026-12-05T23:59',
    });
    const res = await clerk.post('/desk/facility/eirs').type('form').send(fields);
    expect(res.status).toBe(422);
    const said = '含有 U+202E：不可见字符或改变文字方向的控制符，会使所见文字与签名内容不一致。请删除后重新输入。';
    expect(res.text).toContain(`<p class="field-error" id="f-eirNumber-error">${said}</p>`);
    // The API's English sentence is not on the Chinese page.
    expect(res.text).not.toContain('direction control');
    expect(res.text).not.toContain('delete it');
    expect((await payloadsOf('eir')).some((p) => String(p['eirNumber']).includes('1174'))).toBe(false);

    // As the clerk types, the inline check says the same.
    const inline = await clerk.post('/desk/validate/eir').type('form').send(fields);
    expect(inline.status).toBe(200);
    expect((inline.body as { issues: { path: string; message: string }[] }).issues).toContainEqual({ path: 'eirNumber', message: said });

    // In English, the English words of the same catalogue entry.
    const english = await clerk.post('/desk/facility/eirs?lang=en').type('form').send(fields);
    expect(english.status).toBe(422);
    expect(english.text).toContain('Contains U+202E, an invisible character or one that turns text around');
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

describe('a form sent twice issues one document', () => {
  it('the D/O form posted twice answers both times with the same D/O', async () => {
    const agent = await signedIn(t.app, USERS.agentSha);
    const { csrf, formKey } = await openForm(agent, '/desk/agent/do/new');
    const fields = formBody({ ...deliveryOrderForm(), csrf, formKey });
    const [first, second] = await Promise.all([
      agent.post('/desk/agent/do').type('form').send(fields),
      agent.post('/desk/agent/do').type('form').send(fields),
    ]);
    expect(first.status).toBe(303);
    expect(second.headers['location']).toBe(first.headers['location']);
    const number = new URLSearchParams(fields).get('deliveryOrderNumber');
    expect((await payloadsOf('delivery-order')).filter((p) => p['deliveryOrderNumber'] === number)).toHaveLength(1);
  });

  it('the EIR batch posted twice issues each container’s EIR once', async () => {
    const clerk = await signedIn(t.app, USERS.terminal);
    const { csrf, formKey } = await openForm(clerk, '/desk/facility/eirs/new');
    const prefix = uniqueRef('EIR');
    const fields = formBody({
      csrf,
      formKey,
      containers: 'CSQU3054383\nPOCU7120041 22G1\nMSCU1234566',
      'container.sizeType': '45G1',
      'container.fullEmpty': 'EMPTY',
      'container.operator': P.carrier,
      eirNumber: prefix,
      direction: 'OUT',
      purpose: 'empty-pickup',
      bookingNumber: 'POCLBK0001',
      'facility.unLocode': 'CNSHA',
      haulier: P.haulierA,
      'driver.name': '王建国',
      truckPlate: '沪AD12345',
      validFrom: '2026-11-28T08:00',
      validUntil: '2026-12-05T23:59',
    });
    const first = await clerk.post('/desk/facility/eirs').type('form').send(fields);
    const second = await clerk.post('/desk/facility/eirs').type('form').send(fields);
    expect([first.status, first.headers['location']]).toEqual([303, '/desk/facility?issued=3']);
    expect(second.headers['location']).toBe('/desk/facility?issued=3');
    const mine = (await payloadsOf('eir')).filter((p) => String(p['eirNumber']).startsWith(prefix));
    const container = (p: Record<string, unknown>) => p['container'] as { number: string; sizeType: string };
    expect(mine.map((p) => [p['eirNumber'], container(p).number, container(p).sizeType]).sort()).toEqual([
      [`${prefix}-1`, 'CSQU3054383', '45G1'],
      [`${prefix}-2`, 'POCU7120041', '22G1'],
      [`${prefix}-3`, 'MSCU1234566', '45G1'],
    ]);
  });

  it('a second press of Accept finds the guarantee accepted by this party and reports it done', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    const pus = await signedIn(t.app, USERS.agentPus);
    const token = hiddenValue((await pus.get(`/desk/documents/${guarantee.id}`)).text, 'csrf');
    const body = formBody({ csrf: token, type: 'accept' });
    const first = await pus.post(`/desk/documents/${guarantee.id}/act`).type('form').send(body);
    const second = await pus.post(`/desk/documents/${guarantee.id}/act`).type('form').send(body);
    expect([first.status, second.status]).toEqual([303, 303]);
    expect((await c.document(P.agentPus, guarantee.id)).events.filter((e) => e.type === 'accept')).toHaveLength(1);
  });
});

describe('the terminal’s desk', () => {
  it('lists today’s expected moves, recorded moves with condition and photos, and the D/Os presented to it to release', async () => {
    const now = new Date();
    const window = { validFrom: new Date(now.getTime() - 3600_000).toISOString(), validUntil: new Date(now.getTime() + 86_400_000).toISOString() };
    const expected = await c.issued(P.terminal, 'eir', payloadOf('eir', (p) => Object.assign(p, window)));
    const later = await c.issued(P.terminal, 'eir', payloadOf('eir', (p) => Object.assign(p, { validFrom: '2030-01-01T08:00:00+08:00', validUntil: '2030-01-02T08:00:00+08:00' })));
    const recorded = await c.issued(P.terminal, 'eir', payloadOf('eir', (p) => Object.assign(p, window)));
    const jpeg = photo('gate-photo-front.jpg');
    await c.attach(P.terminal, recorded.id, jpeg, 'front.jpg', 'image/jpeg').expect(201);
    await c.acted(P.terminal, recorded.id, { type: 'gate-record', gateRecord: { ...gateRecordExample(), photoSha256: [sha256Hex(jpeg)] } });
    const order = await c.deliveryOrder();
    await c.acted(P.consignee, order.id, { type: 'present', to: P.terminal });

    const clerk = await signedIn(t.app, USERS.terminal);
    const page = (await clerk.get('/desk/facility').expect(200)).text;
    const section = (id: string) => new RegExp(`<section class="card worklist" id="${id}"[\\s\\S]*?</section>`).exec(page)?.[0] ?? '';
    expect(section('expected')).toContain(`data-document="${expected.id}"`);
    expect(section('expected')).toContain(`href="/gate/record/${expected.id}"`);
    expect(section('expected')).not.toContain(later.id);
    expect(section('expected')).not.toContain(recorded.id);
    const photoPath = `/desk/documents/${recorded.id}/photos/${sha256Hex(jpeg)}`;
    expect(section('recorded')).toContain('<span class="condition condition-damaged">Damaged</span>');
    expect(section('recorded')).toContain(`<img src="${photoPath}"`);
    expect(section('presented')).toContain(`data-document="${order.id}"`);

    const image = await clerk.get(photoPath).expect(200);
    expect(image.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.compare(image.body as Buffer, jpeg)).toBe(0);
    await clerk.get(`/desk/documents/${recorded.id}/photos/${'0'.repeat(64)}`).expect(404);
    const outsider = await signedIn(t.app, USERS.shipper);
    await outsider.get(photoPath).expect(404);

    const released = await clerk.post(`/desk/documents/${order.id}/act`).type('form').send(formBody({ csrf: hiddenValue(page, 'csrf'), type: 'release', back: '/desk/facility' }));
    expect(released.headers['location']).toBe('/desk/facility?done=release');
    await expect(c.document(P.terminal, order.id)).resolves.toMatchObject({ status: 'released', holder: P.terminal });
    const depot = await signedIn(t.app, USERS.depot);
    expect((await depot.get('/desk/facility').expect(200)).text).not.toContain('id="presented"');
  });
});

describe('forms need the session’s token', () => {
  it('every desk POST without the token is refused and changes nothing', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    const order = await c.deliveryOrder();
    const users: Record<string, string> = { agent: USERS.agentSha, shipper: USERS.shipper, facility: USERS.terminal, documents: USERS.agentPus, validate: USERS.terminal };
    const posts = DESK_OPERATIONS.filter((op) => op.startsWith('POST '));
    expect(posts.length).toBeGreaterThanOrEqual(6);
    for (const operation of posts) {
      const path = operation
        .slice(5)
        .replace('/desk/agent/do/{id}', `/desk/agent/do/${order.id}`)
        .replace('{id}', guarantee.id)
        .replace('{kind}', 'eir');
      const user = users[path.split('/')[2] ?? ''] ?? USERS.agentSha;
      const agent = await signedIn(t.app, user);
      const body = { type: 'accept', formKey: 'k'.repeat(22), ...deliveryOrderForm() };
      for (const csrf of [undefined, 'forged-token']) {
        const res = await agent.post(path).type('form').send(formBody(csrf ? { ...body, csrf } : body));
        expect({ operation, csrf, status: res.status }).toEqual({ operation, csrf, status: 403 });
      }
    }
    await expect(c.document(P.agentPus, guarantee.id)).resolves.toMatchObject({ status: 'submitted' });
    await expect(c.document(P.agentSha, order.id)).resolves.toMatchObject({ status: 'issued' });
  });

  it('a desk form posted from another site is refused', async () => {
    const agent = await signedIn(t.app, USERS.agentSha);
    const { csrf, formKey } = await openForm(agent, '/desk/agent/do/new');
    const res = await agent.post('/desk/agent/do').set('Origin', 'https://evil.example').type('form').send(formBody({ ...deliveryOrderForm(), csrf, formKey }));
    expect(res.status).toBe(403);
  });
});

describe('desk pages under the strict Content-Security-Policy', () => {
  it('every desk page runs no inline script or style, and every field has a label', async () => {
    const guarantee = await c.issued(P.shipper, 'telex-release-guarantee');
    const order = await c.deliveryOrder();
    const eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
    const sha = await signedIn(t.app, USERS.agentSha);
    const shipper = await signedIn(t.app, USERS.shipper, 'zh-CN');
    const terminal = await signedIn(t.app, USERS.terminal);
    const pages = [
      await sha.get('/desk/agent'),
      await sha.get('/desk/agent/do/new'),
      await sha.get(`/desk/agent/do/new?guarantee=${guarantee.id}`),
      await sha.get(`/desk/agent/do/${order.id}/amend`),
      await sha.get(`/desk/documents/${order.id}`),
      await shipper.get('/desk/shipper'),
      await shipper.get('/desk/shipper/guarantee/new'),
      await shipper.get(`/desk/documents/${guarantee.id}`),
      await terminal.get('/desk/facility'),
      await terminal.get('/desk/facility/eirs/new'),
      await terminal.get(`/desk/documents/${eir.id}`),
    ];
    for (const res of pages) {
      expect({ url: res.request.url, status: res.status }).toEqual({ url: res.request.url, status: 200 });
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
      for (const tag of res.text.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc="\/static\/|type="application\/json"/);
      expect(res.text).not.toMatch(/\son[a-z]+="/);
      expect(res.text).not.toMatch(/\sstyle="/);
      const ids = [...res.text.matchAll(/<(?:input|select|textarea)\b(?![^>]*type="(?:hidden|radio|checkbox)")[^>]*\bid="([^"]+)"/g)].map((m) => m[1]);
      const controls = res.text.match(/<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*>/g) ?? [];
      for (const id of ids) expect(res.text).toContain(`<label for="${id}">`);
      for (const control of controls) expect(control).toMatch(/\bid="|type="radio"/);
    }
    expect(pages[6]?.text).toContain('新建电放保函');
  });
});
