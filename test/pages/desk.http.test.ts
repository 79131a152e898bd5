import request from 'supertest';
import { DESK_OPERATIONS } from '../../src/http/pages/desk/desk.router';
import { Client, P, payloadOf, uniqueRef, useExchange } from '../http/exchange-client';
import { formBody, hiddenValue, postLogin, signedIn } from '../support/page-forms';
import type { TestApp } from '../support/test-app';
import { deliveryOrderForm, openForm, USERS, payloadsOf } from '../support/desk-forms';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});

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
    expect((await payloadsOf(t, 'delivery-order')).filter((p) => p['deliveryOrderNumber'] === number)).toHaveLength(1);
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
    const mine = (await payloadsOf(t, 'eir')).filter((p) => String(p['eirNumber']).startsWith(prefix));
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
