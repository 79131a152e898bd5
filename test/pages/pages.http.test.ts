import request from 'supertest';
import { Client, P, payloadOf, useExchange } from '../http/exchange-client';
import type { TestApp } from '../support/test-app';
import { hashPassword } from '../../src/application/passwords';
import { postLogin, signedIn as signedInAgent } from '../support/page-forms';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});

const signedIn = (userId: string) => signedInAgent(t.app, userId);
/** A sign-in through the form, in a fresh browser (agent) unless one is given. */
const login = (fields: Record<string, string>, agent = request.agent(t.app)) => postLogin(agent, fields);

function setCookies(res: request.Response): string[] {
  const header = res.headers['set-cookie'] as unknown;
  return Array.isArray(header) ? header.map(String) : [];
}

describe('sign-in', () => {
  it('a right password sets a signed, HttpOnly, SameSite=Strict session cookie and goes to the role’s page', async () => {
    const res = await login({ userId: 'demo-haulier-a-driver', password: 'sdx-demo' });
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/m/');
    const cookie = setCookies(res).find((line) => line.startsWith('sdx_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/sdx-demo/);
    const clerk = await login({ userId: 'demo-terminal-gate', password: 'sdx-demo' });
    expect(clerk.headers['location']).toBe('/gate');
  });

  it('a wrong password or an unknown user gets the same clear message, 401, and no cookie', async () => {
    for (const userId of ['demo-consignee-logistics', 'nobody-here']) {
      const res = await login({ userId, password: 'guess-1234' }, request.agent(t.app).set('Accept-Language', 'en'));
      expect(res.status).toBe(401);
      expect(res.text).toContain('Wrong user name or password.');
      expect(setCookies(res).some((line) => line.startsWith('sdx_session='))).toBe(false);
    }
  });

  it('after 5 failures for a user from one address, even the right password waits (429 with Retry-After); another user behind the same address is not locked out', async () => {
    for (let i = 0; i < 5; i += 1) {
      const res = await login({ userId: 'demo-depot-gate', password: `wrong-${i}` });
      expect(res.status).toBe(401);
    }
    const locked = await login({ userId: 'demo-depot-gate', password: 'sdx-demo' }, request.agent(t.app).set('Accept-Language', 'en'));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    expect(locked.text).toContain('Too many failed sign-ins');
    expect(locked.text).toContain('data-code="sign-in-locked"');
    // Every request here comes from the same loopback address: a colleague behind the same NAT.
    const other = await login({ userId: 'demo-forwarder-ops', password: 'sdx-demo' });
    expect(other.status).toBe(303);
  });

  it('a changed, forged or old-format cookie is no session; a password change ends old sessions', async () => {
    const signIn = await login({ userId: 'demo-haulier-b-driver', password: 'sdx-demo' });
    const cookie = setCookies(signIn).find((line) => line.startsWith('sdx_session='))?.split(';')[0] ?? '';
    expect(cookie).toMatch(/^sdx_session=s2\.[\w-]{43}\.[\w-]{43}$/);
    await request(t.app).get('/m/').set('Cookie', cookie).expect(200);
    const [name, id = '', mac = ''] = cookie.split('.');
    const otherId = `${id.slice(0, -2)}${id.endsWith('AA') ? 'BB' : 'AA'}`;
    const oldFormat = `sdx_session=v1.${Buffer.from('demo-haulier-b-driver').toString('base64url')}.9999999999.tag.nonce.mac`;
    for (const forged of [[name, otherId, mac].join('.'), `${cookie.slice(0, -2)}xx`, oldFormat, 'sdx_session=s2.x.y']) {
      const res = await request(t.app).get('/m/').set('Cookie', forged);
      expect(res.status).toBe(303);
      expect(res.headers['location']).toBe('/login?next=%2Fm%2F');
    }
    await t.store.setUserPassword('demo-haulier-b-driver', await hashPassword('a-new-password', { ln: 4, r: 8, p: 1 }));
    const after = await request(t.app).get('/m/').set('Cookie', cookie);
    expect(after.status).toBe(303);
  });

  it('sign-out needs the form token, clears the cookie and tells the browser to drop its saved pages', async () => {
    const agent = await signedIn('demo-consignee-logistics');
    const wallet = await agent.get('/m/').expect(200);
    const token = /name="csrf" value="([^"]+)"/.exec(wallet.text)?.[1] ?? '';
    expect(token).not.toBe('');
    await agent.post('/logout').type('form').send({ csrf: 'wrong' }).expect(403);
    const out = await agent.post('/logout').type('form').send({ csrf: token });
    expect(out.status).toBe(303);
    expect(out.headers['clear-site-data']).toBe('"cache", "storage"');
    expect(setCookies(out).find((line) => line.startsWith('sdx_session='))).toMatch(/Expires=Thu, 01 Jan 1970/);
  });

  it('neither the sign-in form nor the language switch sends anyone to another site', async () => {
    const res = await login({ userId: 'demo-forwarder-ops', password: 'sdx-demo', next: '//evil.example/x' });
    expect(res.headers['location']).toBe('/m/');
    const lang = await request(t.app).get('/lang?to=en&back=//evil.example');
    expect(lang.headers['location']).toBe('/');
    const back = await request(t.app).get('/lang?to=en&back=%2Fverify');
    expect(back.headers['location']).toBe('/verify');
    expect(setCookies(back).join()).toMatch(/sdx_lang=en/);
  });

  it('a form posted from another origin is refused', async () => {
    const res = await postLogin(request.agent(t.app), { userId: 'demo-forwarder-ops', password: 'sdx-demo' }, 'https://evil.example');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'cross-site-request' });
  });
});

describe('who sees which page', () => {
  it.each([
    ['/m/', 'demo-haulier-a-driver', 200],
    ['/gate', 'demo-haulier-a-driver', 403],
    ['/gate', 'demo-terminal-gate', 200],
    ['/audit', 'demo-terminal-gate', 403],
    ['/audit', 'demo-auditor-1', 200],
  ])('%s as %s → %i', async (path, userId, status) => {
    const agent = await signedIn(userId);
    await agent.get(path).expect(status);
  });

  it('without a session, every page but sign-in, verify and pass pages asks to sign in', async () => {
    for (const path of ['/m/', '/m/d/doc-x', '/gate', '/gate/record/doc-x', '/audit']) {
      const res = await request(t.app).get(path);
      expect({ path, status: res.status, location: res.headers['location'] }).toEqual({
        path,
        status: 303,
        location: `/login?next=${encodeURIComponent(path)}`,
      });
    }
    for (const path of ['/login', '/verify']) await request(t.app).get(path).expect(200);
  });

  it('a party sees only its own documents in the wallet, and another’s document is not found', async () => {
    const eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
    const owner = await signedIn('demo-haulier-a-driver');
    expect((await owner.get('/m/')).text).toContain(eir.id);
    const other = await signedIn('demo-forwarder-ops');
    expect((await other.get('/m/')).text).not.toContain(eir.id);
    await other.get(`/m/d/${eir.id}`).expect(404);
  });

  it('a document field is shown as text, never as markup', async () => {
    const eir = await c.issued(P.terminal, 'eir', payloadOf('eir', (p) => (p['eirNumber'] = '<script>alert(1)</script>')));
    const agent = await signedIn('demo-haulier-a-driver');
    const page = await agent.get(`/m/d/${eir.id}`).expect(200);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>alert(1)');
  });
});

describe('pages and the strict Content-Security-Policy', () => {
  it('every page is served with the policy and runs no inline script', async () => {
    const eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
    const haulier = await signedIn('demo-haulier-a-driver');
    const clerk = await signedIn('demo-terminal-gate');
    const auditor = await signedIn('demo-auditor-1');
    const pages = [
      await request(t.app).get('/login'),
      await request(t.app).get('/verify'),
      await request(t.app).get(`/verify/${eir.id}`).set('Accept', 'text/html'),
      await haulier.get('/m/'),
      await haulier.get(`/m/d/${eir.id}`),
      await clerk.get('/gate'),
      await clerk.get(`/gate/record/${eir.id}`),
      await auditor.get(`/audit?doc=${eir.id}`),
    ];
    for (const res of pages) {
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toMatch(/default-src 'none'.*script-src 'self'/);
      expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
      const scripts = res.text.match(/<script\b[^>]*>/g) ?? [];
      for (const tag of scripts) expect(tag).toMatch(/\bsrc="\/static\/|type="application\/json"/);
      expect(res.text).not.toMatch(/\son[a-z]+="/);
      expect(res.text).not.toMatch(/\sstyle="/);
    }
  });
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
