import { Client, gateRecordExample, P, payloadOf, photo, sha256Hex, uniqueRef, useExchange } from '../http/exchange-client';
import { formBody, hiddenValue, signedIn } from '../support/page-forms';
import type { TestApp } from '../support/test-app';

import { openForm, USERS, payloadsOf } from '../support/desk-forms';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
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
    expect((await payloadsOf(t, 'eir')).some((p) => String(p['eirNumber']).includes('1174'))).toBe(false);

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

describe('seals on the EIR form', () => {
  const batch = (csrf: string, formKey: string, prefix: string, extra: Record<string, string | string[]>) =>
    formBody({
      csrf,
      formKey,
      'container.sizeType': '45G1',
      'container.fullEmpty': 'LADEN',
      'container.operator': P.carrier,
      eirNumber: prefix,
      direction: 'IN',
      purpose: 'export-delivery',
      bookingNumber: 'POCLBK0001',
      haulier: P.haulierA,
      'driver.name': '王建国',
      truckPlate: '沪AD12345',
      validFrom: '2026-11-28T08:00',
      validUntil: '2026-12-05T23:59',
      ...extra,
    });

  it('go on the EIR of the container each row names; the facility’s location is its own when left empty', async () => {
    const clerk = await signedIn(t.app, USERS.terminal);
    const { csrf, formKey, page } = await openForm(clerk, '/desk/facility/eirs/new');
    expect(page).toMatch(/name="facility.unLocode" type="text" value="CNSHA"/);
    expect(page).toContain('<select id="f-seals-0-type" name="seals.type"');
    const prefix = uniqueRef('EIR');
    const res = await clerk.post('/desk/facility/eirs').type('form').send(
      batch(csrf, formKey, prefix, {
        containers: 'CSQU3054383\nPOCU7120041',
        'facility.unLocode': '',
        'seals.number': ['POCL778812', 'CN2026C0042', 'POCL778813'],
        'seals.type': ['carrier', 'customs', 'carrier'],
        'seals.container': ['CSQU3054383', 'csqu3054383', 'POCU7120041'],
      }),
    );
    expect([res.status, res.headers['location']]).toEqual([303, '/desk/facility?issued=2']);
    const mine = (await payloadsOf(t, 'eir')).filter((p) => String(p['eirNumber']).startsWith(prefix));
    const sealsOf = (container: string) => mine.find((p) => (p['container'] as { number: string }).number === container);
    expect(sealsOf('CSQU3054383')).toMatchObject({ facility: { unLocode: 'CNSHA' }, seals: [{ number: 'POCL778812', type: 'carrier' }, { number: 'CN2026C0042', type: 'customs' }] });
    expect(sealsOf('POCU7120041')).toMatchObject({ seals: [{ number: 'POCL778813', type: 'carrier' }] });
  });

  it('a seal naming no container of several, or one not listed, is marked at its row, as typed and when sent', async () => {
    const clerk = await signedIn(t.app, USERS.terminal, 'zh-CN');
    const { csrf, formKey } = await openForm(clerk, '/desk/facility/eirs/new');
    const prefix = uniqueRef('EIR');
    const fields = batch(csrf, formKey, prefix, {
      containers: 'CSQU3054383\nPOCU7120041',
      'seals.number': ['POCL778812', 'POCL778813', '\u202eX1'],
      'seals.type': ['carrier', 'carrier', 'shipper'],
      'seals.container': ['', 'MSCU1234566', 'CSQU3054383'],
    });
    const inline = await clerk.post('/desk/validate/eir').type('form').send(fields).expect(200);
    const issues = (inline.body as { issues: { path: string; message: string }[] }).issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'seals[0].container', message: '请填写该铅封所在的箱号' },
        { path: 'seals[1].container', message: '不在箱号清单中' },
        { path: 'seals[2].number', message: expect.stringContaining('含有 U+202E') },
      ]),
    );
    const res = await clerk.post('/desk/facility/eirs').type('form').send(fields);
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="f-seals-0-container"[^>]*aria-invalid="true"/);
    expect(res.text).toContain('<p class="field-error" id="f-seals-1-container-error">不在箱号清单中</p>');
    expect(res.text).toMatch(/id="f-seals-2-number"[^>]*aria-invalid="true"/);
    expect(res.text).toContain('<li><a href="#f-seals-1-container">所在箱号（多箱时填写） #2</a>：不在箱号清单中</li>');
    expect((await payloadsOf(t, 'eir')).some((p) => String(p['eirNumber']).startsWith(prefix))).toBe(false);
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

describe('each worklist of a desk searches and pages on its own', () => {
  it('a plate typed into "expected today" narrows that list alone, says how many match, and keeps the URL', async () => {
    const now = new Date();
    const window = { validFrom: new Date(now.getTime() - 3600_000).toISOString(), validUntil: new Date(now.getTime() + 3600_000).toISOString() };
    const plate = `沪E${String(Date.now()).slice(-5)}`;
    const wanted = await c.issued(P.terminal, 'eir', payloadOf('eir', (p) => Object.assign(p, window, { truckPlate: plate })));
    const other = await c.issued(P.terminal, 'eir', payloadOf('eir', (p) => Object.assign(p, window, { truckPlate: '沪F00001' })));
    const clerk = await signedIn(t.app, USERS.terminal, 'zh-CN');
    const page = (await clerk.get(`/desk/facility?list=expected&q=${encodeURIComponent(plate.replace('沪E', '沪e '))}`).expect(200)).text;
    const section = (id: string) => new RegExp(`<section class="card worklist" id="${id}"[\\s\\S]*?</section>`).exec(page)?.[0] ?? '';
    expect(section('expected')).toContain(`data-document="${wanted.id}"`);
    expect(section('expected')).not.toContain(other.id);
    expect(section('expected')).toContain('第 1-1 条，共 1 条');
    // Its form sends its own name, comes back to it, and keeps what was typed.
    expect(section('expected')).toContain('<input type="hidden" name="list" value="expected">');
    expect(section('expected')).toContain('action="/desk/facility#expected"');
    expect(section('expected')).toContain(`value="${plate.replace('沪E', '沪e ')}"`);
    // The other lists are not searched: every EIR of the terminal is still in the main list.
    expect(section('eirs')).toContain(`data-document="${other.id}"`);
    expect(section('eirs')).toContain(`data-document="${wanted.id}"`);
    // Ids stay unique with four search forms on one page.
    const ids = [...page.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBe(new Set(ids).size);
  });

  it('a refused term in "today\'s moves" is marked at that list\'s field, not an error page', async () => {
    const clerk = await signedIn(t.app, USERS.terminal, 'zh-CN');
    const bad = await clerk.get('/desk/facility?list=recorded&from=2026-13-45').expect(200);
    const recorded = /<section class="card worklist" id="recorded"[\s\S]*?<\/section>/.exec(bad.text)?.[0] ?? '';
    expect(recorded).toContain('id="recorded-search-from" name="from" type="date" aria-invalid="true"');
    expect(bad.text).not.toContain('id="expected-search-from" name="from" type="date" aria-invalid="true"');
  });
});

