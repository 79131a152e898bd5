// The gate clerk's facts behind a pass, and the wallet after the gate (the move, the record, the
// haulier's countersignature through a form), over HTTP. The browser side is gate-wallet.e2e.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GatePasses } from '../../src/application/gate-passes';
import { Client, P, byteRangeCount, expectValidPdf, gateRecordExample, payloadOf, photo, sha256Hex, useExchange, type DocumentBody } from '../http/exchange-client';
import { certsDevPath } from '../support/certs-dev';
import { hiddenValue, signedIn as signedInAgent, TEST_ORIGIN } from '../support/page-forms';
import type { TestApp } from '../support/test-app';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});

const signedIn = (userId: string, lang = 'en') => signedInAgent(t.app, userId, lang);
const passes = new GatePasses({ signing: createPrivateKey(readFileSync(certsDevPath('gate-pass.key.pem'), 'utf8')) });
const passFor = async (id: string) => {
  const stored = await t.store.getDocument(id);
  if (!stored) throw new Error(`${id} not stored`);
  return passes.sign(passes.claimsFor(stored, new Date()));
};

/** An EIR for haulier A, recorded at the gate (damaged, with a photo) unless `recorded` is false. */
async function eirAtGate(recorded = true): Promise<{ eir: DocumentBody; photoSha: string }> {
  const eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
  const front = photo('gate-photo-front.jpg');
  const photoSha = sha256Hex(front);
  if (recorded) {
    await c.attach(P.terminal, eir.id, front, 'front.jpg', 'image/jpeg');
    await c.acted(P.terminal, eir.id, { type: 'gate-record', gateRecord: { ...gateRecordExample(), passedAt: new Date().toISOString(), photoSha256: [photoSha] } });
  }
  return { eir, photoSha };
}

describe('GET /gate/facts/{token}: what the clerk sees beside the verdict', () => {
  it('gives the terminal clerk the business number, direction, container and size/type, seals, haulier and facility, and no SDX id', async () => {
    const { eir } = await eirAtGate(false);
    const clerk = await signedIn('demo-terminal-gate');
    const res = await clerk.get(`/gate/facts/${await passFor(eir.id)}`).set('Accept', 'application/json').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      kind: 'eir',
      number: eir.payload['eirNumber'],
      direction: 'OUT',
      containers: [{ number: 'CSQU3054383', sizeType: '45G1' }],
      seals: ['POCL778812'],
      truckPlate: '沪AD12345',
      haulier: { en: 'Donghai Trucking (demo)', zh: '东海运输（演示）' },
      facility: { en: 'Yangshan Demo Container Terminal', zh: '洋山演示集装箱码头' },
    });
    expect(JSON.stringify(res.body)).not.toContain(eir.id);
  });

  it('for a D/O: its number, the pick-up terminal, every container’s seals, and the haulier holding it', async () => {
    const order = await c.deliveryOrder();
    await c.acted(P.consignee, order.id, { type: 'transfer', to: P.haulierA });
    const clerk = await signedIn('demo-terminal-gate');
    const res = await clerk.get(`/gate/facts/${await passFor(order.id)}`).set('Accept', 'application/json').expect(200);
    const payload = order.payload as { deliveryOrderNumber: string; containers: { sealNumbers: string[] }[]; pickupTerminal: { name: string } };
    expect(res.body).toMatchObject({
      kind: 'delivery-order',
      number: payload.deliveryOrderNumber,
      direction: null,
      seals: payload.containers.flatMap((container) => container.sealNumbers),
      haulier: { en: 'Donghai Trucking (demo)' },
      facility: { en: payload.pickupTerminal.name, zh: null },
    });
  });

  it('a clerk whose party takes no part in the document learns nothing; a forged pass is 400', async () => {
    const { eir } = await eirAtGate(false);
    const token = await passFor(eir.id);
    const depot = await signedIn('demo-depot-gate');
    const res = await depot.get(`/gate/facts/${token}`).set('Accept', 'application/json').expect(404);
    expect(JSON.stringify(res.body)).not.toContain(String(eir.payload['eirNumber']));
    const [header, body, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body ?? '', 'base64url').toString()), p: '沪B99999' })).toString('base64url');
    const clerk = await signedIn('demo-terminal-gate');
    const refused = await clerk.get(`/gate/facts/${header}.${forged}.${signature}`).set('Accept', 'application/json').expect(400);
    expect(refused.body.code).toBe('pass-invalid');
  });
});

describe('the wallet after the gate', () => {
  const expiryLines = (page: string) => page.match(/Valid until|Code valid until/g) ?? [];

  it('before the gate: the QR, where to go, size/type and seal, and one expiry line', async () => {
    const { eir } = await eirAtGate(false);
    const haulier = await signedIn('demo-haulier-a-driver');
    const page = (await haulier.get(`/m/d/${eir.id}`).expect(200)).text;
    expect(page).toContain('<figure class="qr"');
    expect(page).toMatch(/<dt>Go to<\/dt><dd class="big" data-fact="facility">Yangshan Demo Container Terminal<\/dd>/);
    expect(page).toMatch(/data-fact="size-type">45G1</);
    expect(page).toMatch(/data-fact="seals">POCL778812</);
    expect(expiryLines(page)).toEqual(['Valid until']);
    expect(page).not.toContain('form method="post" action="/m/d/');
  });

  it('after it: no QR but the gate move in Beijing time, the damage lines and photos, and one confirm form', async () => {
    const { eir, photoSha } = await eirAtGate();
    const haulier = await signedIn('demo-haulier-a-driver', 'zh-CN');
    const page = (await haulier.get(`/m/d/${eir.id}`).expect(200)).text;
    expect(page).not.toContain('<figure class="qr"');
    expect(page).toMatch(/<p class="gate-passed" data-passed-at="[^"]+">已于 \d\d:\d\d 在 洋山演示集装箱码头 过闸<\/p>/);
    expect(page.indexOf('Side panel 侧板')).toBeGreaterThan(0);
    expect(page.indexOf(`/m/d/${eir.id}/photos/${photoSha}`)).toBeGreaterThan(page.indexOf('Side panel 侧板'));
    expect(page.indexOf('确认并签名')).toBeGreaterThan(page.indexOf(`/m/d/${eir.id}/photos/${photoSha}`));
    expect(page.match(/<form method="post" action="\/m\/d\//g)).toHaveLength(1);
    expect(page).not.toMatch(/有效期至|此码有效至/);
    const image = await haulier.get(`/m/d/${eir.id}/photos/${photoSha}`).expect(200);
    expect(image.headers['content-type']).toBe('image/jpeg');
    await haulier.get(`/m/d/${eir.id}/photos/${sha256Hex('not on this document')}`).expect(404);
    // The wallet's list says it waits for this party.
    expect((await haulier.get('/m/').expect(200)).text).toContain('待您确认箱况');
  });

  it('the confirm form countersigns: the EIR gets the haulier’s signature as an incremental update of the gate-recorded PDF', async () => {
    const { eir } = await eirAtGate();
    const before = await c.pdf(P.haulierA, eir.id);
    const haulier = await signedIn('demo-haulier-a-driver');
    const page = (await haulier.get(`/m/d/${eir.id}`)).text;
    // No form token, or another site's form: refused, nothing signed.
    await haulier.post(`/m/d/${eir.id}/countersign`).set('Origin', TEST_ORIGIN).type('form').send({}).expect(403);
    await haulier.post(`/m/d/${eir.id}/countersign`).set('Origin', 'https://evil.example').type('form').send({ csrf: hiddenValue(page, 'csrf') }).expect(403);
    expect((await c.document(P.haulierA, eir.id)).status).toBe('gate-recorded');

    const res = await haulier.post(`/m/d/${eir.id}/countersign`).set('Origin', TEST_ORIGIN).type('form').send({ csrf: hiddenValue(page, 'csrf') }).expect(303);
    expect(res.headers['location']).toBe(`/m/d/${eir.id}?countersigned=1`);
    const after = (await haulier.get(res.headers['location'] as string).expect(200)).text;
    expect(after).toContain('Signed: the EIR now carries your signature.');
    expect(after).not.toContain('Confirm and sign');
    const signed = await c.document(P.haulierA, eir.id);
    expect(signed.events.at(-1)).toMatchObject({ type: 'countersign', actor: P.haulierA });
    const pdf = await c.pdf(P.haulierA, eir.id);
    expect(byteRangeCount(pdf)).toBe(2);
    expect(pdf.subarray(0, before.length).equals(before)).toBe(true);
    const report = await expectValidPdf(pdf, eir.payloadHash);
    expect(report.signatures[1]).toMatchObject({ role: 'countersigner' });
    expect(report.signatures[1]?.signerSubject).toContain('Donghai');

    // A second press (a stale page) lands on the same answer; nothing is signed twice.
    await haulier.post(`/m/d/${eir.id}/countersign`).set('Origin', TEST_ORIGIN).type('form').send({ csrf: hiddenValue(page, 'csrf') }).expect(303);
    expect((await c.document(P.haulierA, eir.id)).events).toHaveLength(3);
  });

  it('only the EIR’s haulier is offered the confirm, and another party’s post is refused by the lifecycle', async () => {
    const { eir } = await eirAtGate();
    const carrier = await signedIn('demo-carrier-ops');
    const page = (await carrier.get(`/m/d/${eir.id}`).expect(200)).text;
    expect(page).toContain('class="gate-passed"');
    expect(page).not.toContain('Confirm and sign');
    await carrier.post(`/m/d/${eir.id}/countersign`).set('Origin', TEST_ORIGIN).type('form').send({ csrf: hiddenValue(page, 'csrf') }).expect(403);
    expect((await c.document(P.haulierA, eir.id)).status).toBe('gate-recorded');
  });
});

describe('the wallet at volume', () => {
  it('lists what the party holds, newest first, 50 a page, with the count and a next page', async () => {
    const held: DocumentBody[] = [];
    for (let i = 0; i < 52; i += 1) held.push(await c.deliveryOrder());
    // One passes on: it is no longer the consignee's to show.
    await c.acted(P.consignee, held[0]!.id, { type: 'transfer', to: P.forwarder });
    const consignee = await signedIn('demo-consignee-logistics', 'zh-CN');
    const first = (await consignee.get('/m/').expect(200)).text;
    const ids = (text: string) => [...text.matchAll(/data-document="([^"]+)"/g)].map((m) => m[1]);
    expect(ids(first)).toHaveLength(50);
    expect(ids(first)[0]).toBe(held[51]!.id);
    const total = Number(/共 (\d+) 条/.exec(first)?.[1]);
    expect(total).toBeGreaterThanOrEqual(51);
    const next = /<a class="button" rel="next" href="([^"]+)"/.exec(first)?.[1]?.replace(/&amp;/g, '&');
    expect(next).toMatch(/^\/m\/\?cursor=.+&at=50$/);
    const second = (await consignee.get(next as string).expect(200)).text;
    expect(second).toContain(`第 51-${total} 条，共 ${total} 条`);
    expect([...ids(first), ...ids(second)]).not.toContain(held[0]!.id);
    expect(new Set([...ids(first), ...ids(second)]).size).toBe(total);
  });
});
