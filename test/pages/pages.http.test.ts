import request from 'supertest';
import { Client, P, payloadOf, useExchange } from '../http/exchange-client';
import type { TestApp } from '../support/test-app';
import { signedIn as signedInAgent } from '../support/page-forms';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});

const signedIn = (userId: string) => signedInAgent(t.app, userId);


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
