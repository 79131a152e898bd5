import { Client, P, useExchange } from '../http/exchange-client';
import type { TestApp } from '../support/test-app';
import { signedIn as signedInAgent } from '../support/page-forms';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});

const signedIn = (userId: string) => signedInAgent(t.app, userId);


describe('the auditor’s view', () => {
  it('shows the latest signed head and a document’s event chain, each signature, link and inclusion checked', async () => {
    const order = await c.deliveryOrder();
    await c.acted(P.consignee, order.id, { type: 'transfer', to: P.forwarder });
    const auditor = await signedIn('demo-auditor-1');
    const res = await auditor.get(`/audit?doc=${order.id}`).set('Accept-Language', 'en').expect(200);
    expect(res.text).toMatch(/<dd class="big" id="tree-size">\d+<\/dd>/);
    expect(res.text).toMatch(/id="head-signature"><span class="ok"/);
    const rows = res.text.match(/<tr data-seq="\d+">[\s\S]*?<\/tr>/g) ?? [];
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      for (const cell of ['signature-check', 'chain-check', 'inclusion-check']) expect(row).toMatch(new RegExp(`class="${cell}"><span class="ok"`));
    }
    const missing = await auditor.get('/audit?doc=doc-none').set('Accept-Language', 'en');
    expect(missing.text).toContain('No document has that id or number.');
  });

  it('finds a document by its D/O number, shows actors by party name and event types in Chinese', async () => {
    const order = await c.deliveryOrder();
    await c.acted(P.consignee, order.id, { type: 'transfer', to: P.forwarder });
    const number = (order.payload as Record<string, string>)['deliveryOrderNumber'] as string;
    const auditor = await signedIn('demo-auditor-1');
    const res = await auditor.get(`/audit?q=${encodeURIComponent(number.toLowerCase())}`).set('Accept-Language', 'zh-CN').expect(200);
    expect(res.text).toContain(number);
    const rows = res.text.match(/<tr data-seq="\d+">[\s\S]*?<\/tr>/g) ?? [];
    expect(rows.map((row) => /data-type="([^"]+)">([^<]+)</.exec(row)?.slice(1))).toEqual([['issue', '签发'], ['transfer', '转让']]);
    expect(rows[1]).toMatch(/data-actor="demo-consignee">[^<]*[\u4e00-\u9fff]/);
    expect(res.text).not.toContain('没有该编号');
  });

  it('lists every document newest first with an honest count, filters by B/L, and pages 50 at a time', async () => {
    for (let i = 0; i < 52; i += 1) await c.deliveryOrder((p) => { p['billOfLadingNumber'] = 'AUDITPAGE0001'; });
    const auditor = await signedIn('demo-auditor-1');
    const first = await auditor.get('/audit?q=auditpage0001').set('Accept-Language', 'zh-CN').expect(200);
    expect(first.text).toContain('第 1-50 条，共 52 条');
    expect((first.text.match(/<tr data-document=/g) ?? []).length).toBe(50);
    const next = /<a class="button" rel="next" href="([^"]+)"/.exec(first.text)?.[1]?.replace(/&amp;/g, '&');
    expect(next).toMatch(/^\/audit\?q=auditpage0001&cursor=.+&at=50$/);
    const second = await auditor.get(next as string).set('Accept-Language', 'zh-CN').expect(200);
    expect(second.text).toContain('第 51-52 条，共 52 条');
    expect((second.text.match(/<tr data-document=/g) ?? []).length).toBe(2);
    expect(second.text).not.toContain('rel="next"');
    const everything = await auditor.get('/audit').set('Accept-Language', 'en').expect(200);
    expect(everything.text).toMatch(/1–50 of \d+/);
  });

  it('a bad date is refused on the page itself, the field marked, in the page language', async () => {
    const auditor = await signedIn('demo-auditor-1');
    const res = await auditor.get('/audit?from=2026-02-30').set('Accept-Language', 'zh-CN').expect(422);
    expect(res.text).toContain('请检查查询条件：签发日期自。');
    expect(res.text).toMatch(/<input id="search-from" name="from" type="date" aria-invalid="true"/);
  });
});
