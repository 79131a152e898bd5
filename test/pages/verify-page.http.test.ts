import request from 'supertest';
import { Client, P, payloadOf, useExchange } from '../http/exchange-client';
import type { TestApp } from '../support/test-app';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});



describe('/verify for people', () => {
  it('a QR link opened in a browser shows the status page; the API still answers JSON', async () => {
    const eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
    const html = await request(t.app).get(`/verify/${eir.id}`).set('Accept', 'text/html,application/xhtml+xml').set('Accept-Language', 'en');
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.text).toContain('All its events are in the signed ledger');
    const json = await request(t.app).get(`/verify/${eir.id}`);
    expect(json.body).toMatchObject({ id: eir.id, status: 'issued' });
  });

  it('an upload that is not a PDF is refused with a plain message and nothing else', async () => {
    const res = await request(t.app).post('/verify/report').set('Accept-Language', 'en').attach('file', Buffer.from('hello'), 'note.txt');
    expect(res.status).toBe(415);
    expect(res.text).toContain('That file is not a PDF.');
  });

  it('speaks Chinese by default and English when asked', async () => {
    expect((await request(t.app).get('/verify')).text).toContain('验证单证');
    expect((await request(t.app).get('/verify').set('Accept-Language', 'en-GB,en')).text).toContain('Verify a document');
    expect((await request(t.app).get('/verify').set('Cookie', 'sdx_lang=en')).text).toContain('Verify a document');
  });
});

describe('a genuine PDF of a document that has since ended', () => {
  it('is still genuine, with the ledger status in the report, but the page does not show it green', async () => {
    const order = await c.deliveryOrder();
    const pdf = await c.pdf(P.agentSha, order.id);
    const before = await request(t.app).post('/verify').attach('file', pdf, 'do.pdf');
    expect(before.body).toMatchObject({ verdict: 'valid', ledger: 'recorded', ledgerStatus: 'issued', summary: { outcome: 'genuine' } });

    await c.acted(P.agentSha, order.id, { type: 'void', reason: 'Issued in error' });
    const after = await request(t.app).post('/verify').attach('file', pdf, 'do.pdf');
    expect(after.body).toMatchObject({ verdict: 'valid', ledger: 'recorded', ledgerStatus: 'voided', summary: { outcome: 'genuine' } });
    const page = await request(t.app).post('/verify/report').set('Accept-Language', 'zh-CN').attach('file', pdf, 'do.pdf');
    expect(page.text).toMatch(/<p class="verdict-line amber" role="status">[^<]*已作废/);
    expect(page.text).not.toContain('verdict-line green');
  });
});
