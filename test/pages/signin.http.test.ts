import request from 'supertest';
import { useExchange } from '../http/exchange-client';
import type { TestApp } from '../support/test-app';
import { hashPassword } from '../../src/application/passwords';
import { postLogin, signedIn as signedInAgent } from '../support/page-forms';

let t: TestApp;
useExchange((app) => {
  t = app;
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
