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
    expect(missing.text).toContain('No document with that id.');
  });
});
