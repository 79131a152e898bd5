import { createHash } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import request from 'supertest';
import { loopbackServer, type LoopbackServer } from '../support/browser';
import { runSdx } from '../support/built-cli';
import { hiddenValue, postLogin, TEST_ORIGIN } from '../support/page-forms';
import { startTestApp, type TestApp } from '../support/test-app';
import { settingsOrThrow } from '../../src/settings';

/** The app's clock runs `offset` ms ahead of the wall clock, so tests pass timeouts without sleeping. */
let offset = 0;
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ clock: () => new Date(Date.now() + offset) });
});
afterAll(async () => {
  expect(t.unexpected).toEqual([]);
  await t.close();
});
beforeEach(() => {
  offset = 0;
});

const MINUTE = 60_000;

function setCookies(res: request.Response): string[] {
  const header = res.headers['set-cookie'] as unknown;
  return Array.isArray(header) ? header.map(String) : [];
}

/** `name=value` of a cookie the response sets, or undefined. */
function cookieSet(res: request.Response, name: string): string | undefined {
  return setCookies(res).find((line) => line.startsWith(`${name}=`))?.split(';')[0];
}

/** Signs in through the form and returns the session cookie (`sdx_session=...`). */
async function sessionCookie(userId: string, password = 'sdx-demo'): Promise<string> {
  const res = await postLogin(request.agent(t.app), { userId, password });
  expect(res.status).toBe(303);
  const cookie = cookieSet(res, 'sdx_session');
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

/** The store's name for the session a cookie carries: the SHA-256 of its id. */
function storeKeyOf(cookie: string): string {
  const id = cookie.split('=')[1]?.split('.')[1] ?? '';
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

async function isSignedIn(cookie: string, path = '/m/'): Promise<boolean> {
  const res = await request(t.app).get(path).set('Cookie', cookie);
  if (res.status === 200) return true;
  expect(res.status).toBe(303);
  expect(res.headers['location']).toMatch(/^\/login\?next=/);
  return false;
}

describe('login CSRF: sign-in is accepted only from this site’s own form', () => {
  /** A fresh browser that has opened the sign-in page: its pre-session cookie and the form token. */
  async function signInForm(): Promise<{ cookie: string; token: string; res: request.Response }> {
    const res = await request(t.app).get('/login');
    const cookie = cookieSet(res, 'sdx_login');
    if (!cookie) throw new Error('no pre-session cookie');
    return { cookie, token: hiddenValue(res.text, 'loginToken'), res };
  }

  const attacker = { userId: 'demo-forwarder-ops', password: 'sdx-demo' };

  it('the sign-in page sets an HttpOnly, SameSite=Strict pre-session cookie for /login only, and asks browsers to send its Origin', async () => {
    const { res } = await signInForm();
    const line = setCookies(res).find((l) => l.startsWith('sdx_login='));
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Strict/);
    expect(line).toMatch(/Path=\/login/);
    expect(res.headers['referrer-policy']).toBe('same-origin');
  });

  it.each([
    ['Origin: null (a sandboxed frame)', { Origin: 'null' }],
    ['no Origin and no Referer', {}],
    ['a foreign Origin', { Origin: 'https://evil.example' }],
    ['a foreign Referer and no Origin', { Referer: 'https://evil.example/login' }],
    ['a look-alike Origin', { Origin: 'http://sdx.test.evil.example' }],
    ['an Origin that is not a URL', { Origin: 'sdx.test' }],
  ])('%s is refused with 403 cross-site-request and no session, even with a valid form token', async (_what, headers: Record<string, string>) => {
    const { cookie, token } = await signInForm();
    const res = await request(t.app).post('/login').set(headers).set('Cookie', cookie).type('form').send({ ...attacker, loginToken: token });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 403, code: 'cross-site-request' });
    expect(cookieSet(res, 'sdx_session')).toBeUndefined();
  });

  it('a browser refused for its origin sees the sign-in page saying why, in its language', async () => {
    const res = await request(t.app).post('/login').set({ Origin: 'null', Accept: 'text/html', 'Accept-Language': 'zh-CN' }).type('form').send(attacker);
    expect(res.status).toBe(403);
    expect(res.text).toContain('data-code="cross-site-request"');
    expect(res.text).toContain('只接受本站登录页提交的登录。');
    expect(cookieSet(res, 'sdx_session')).toBeUndefined();
  });

  it('without an Origin, a same-origin Referer and the form token sign in', async () => {
    const { cookie, token } = await signInForm();
    const res = await request(t.app).post('/login').set({ Referer: `${TEST_ORIGIN}/login`, Cookie: cookie }).type('form').send({ ...attacker, loginToken: token });
    expect(res.status).toBe(303);
    expect(cookieSet(res, 'sdx_session')).toBeDefined();
    expect(setCookies(res).find((l) => l.startsWith('sdx_login='))).toMatch(/Expires=Thu, 01 Jan 1970/);
  });

  it.each([
    ['no token', (_own: string, _other: string) => ({})],
    ['a made-up token', () => ({ loginToken: 'x'.repeat(43) })],
    ['a token bound to another browser’s pre-session cookie', (_own: string, other: string) => ({ loginToken: other })],
  ])('the right origin with %s is refused: the form is shown again with a fresh token, and no session', async (_what, tokenOf) => {
    const victim = await signInForm();
    const attackerForm = await signInForm();
    const res = await request(t.app)
      .post('/login')
      .set({ Origin: TEST_ORIGIN, Cookie: victim.cookie, 'Accept-Language': 'en' })
      .type('form')
      .send({ ...attacker, ...tokenOf(victim.token, attackerForm.token) });
    expect(res.status).toBe(403);
    expect(res.text).toContain('data-code="sign-in-form-expired"');
    expect(res.text).toContain('The sign-in form has expired. Please sign in again.');
    expect(cookieSet(res, 'sdx_session')).toBeUndefined();
    // The page shown again works: its token is bound to the same pre-session cookie.
    const again = await request(t.app).post('/login').set({ Origin: TEST_ORIGIN, Cookie: victim.cookie }).type('form').send({ ...attacker, loginToken: hiddenValue(res.text, 'loginToken') });
    expect(again.status).toBe(303);
  });

  it('a token without its pre-session cookie, or with a forged one, is refused', async () => {
    const { cookie, token } = await signInForm();
    for (const sent of [undefined, `${cookie.slice(0, -3)}abc`]) {
      const res = await request(t.app).post('/login').set({ Origin: TEST_ORIGIN, ...(sent ? { Cookie: sent } : {}) }).type('form').send({ ...attacker, loginToken: token });
      expect(res.status).toBe(403);
      expect(cookieSet(res, 'sdx_session')).toBeUndefined();
    }
  });
});

describe('sessions end', () => {
  it('a session cookie replayed after sign-out is refused', async () => {
    const cookie = await sessionCookie('demo-consignee-logistics');
    const wallet = await request(t.app).get('/m/').set('Cookie', cookie).expect(200);
    await request(t.app).post('/logout').set({ Origin: TEST_ORIGIN, Cookie: cookie }).type('form').send({ csrf: hiddenValue(wallet.text, 'csrf') }).expect(303);
    expect(await isSignedIn(cookie)).toBe(false);
    await expect(t.store.sessions.getSession(storeKeyOf(cookie))).resolves.toMatchObject({ userId: 'demo-consignee-logistics', endedAt: expect.any(String) });
  });

  it('a desk session ends after 30 idle minutes; use within them keeps it going', async () => {
    const cookie = await sessionCookie('demo-terminal-gate');
    await expect(t.store.sessions.getSession(storeKeyOf(cookie))).resolves.toMatchObject({ kind: 'desk' });
    offset = 29 * MINUTE;
    expect(await isSignedIn(cookie, '/gate')).toBe(true);
    offset = 58 * MINUTE;
    expect(await isSignedIn(cookie, '/gate')).toBe(true);
    offset = 88 * MINUTE + 30_000;
    expect(await isSignedIn(cookie, '/gate')).toBe(false);
    // Ended for good: turning the clock back does not revive it.
    offset = 0;
    expect(await isSignedIn(cookie, '/gate')).toBe(false);
  });

  it('a phone session outlasts a desk’s idle time and ends after 12 idle hours', async () => {
    const cookie = await sessionCookie('demo-haulier-a-driver');
    await expect(t.store.sessions.getSession(storeKeyOf(cookie))).resolves.toMatchObject({ kind: 'phone' });
    offset = 31 * MINUTE;
    expect(await isSignedIn(cookie)).toBe(true);
    offset = 31 * MINUTE + 12 * 60 * MINUTE + MINUTE;
    expect(await isSignedIn(cookie)).toBe(false);
  });

  it('last seen is written at most once a minute per session', async () => {
    const cookie = await sessionCookie('demo-agent-sha-desk');
    const lastSeen = async () => (await t.store.sessions.getSession(storeKeyOf(cookie)))?.lastSeenAt;
    const first = await lastSeen();
    offset = 30_000;
    expect(await isSignedIn(cookie, '/desk/agent')).toBe(true);
    expect(await lastSeen()).toBe(first);
    offset = 61_000;
    expect(await isSignedIn(cookie, '/desk/agent')).toBe(true);
    const second = await lastSeen();
    expect(Date.parse(second ?? '') - Date.parse(first ?? '')).toBeGreaterThanOrEqual(60_000);
    offset = 90_000;
    expect(await isSignedIn(cookie, '/desk/agent')).toBe(true);
    expect(await lastSeen()).toBe(second);
  });

  it('a password change with sdx admin set-password ends every session of that user, and only theirs', async () => {
    const phone = await sessionCookie('demo-haulier-b-driver');
    const laptop = await sessionCookie('demo-haulier-b-driver');
    const colleague = await sessionCookie('demo-haulier-a-driver');
    const set = runSdx(['admin', 'set-password', '--user', 'demo-haulier-b-driver', '--db', t.dbFile], { input: 'a-new-password-42\n' });
    expect(set.code).toBe(0);
    expect(await isSignedIn(phone)).toBe(false);
    expect(await isSignedIn(laptop)).toBe(false);
    expect(await isSignedIn(colleague)).toBe(true);
    expect(await isSignedIn(await sessionCookie('demo-haulier-b-driver', 'a-new-password-42'))).toBe(true);
  });

  it('sdx admin end-sessions signs a user out everywhere and says how many sessions ended', async () => {
    const sessions = [await sessionCookie('demo-shipper-export'), await sessionCookie('demo-shipper-export')];
    const other = await sessionCookie('demo-carrier-ops');
    const ended = runSdx(['admin', 'end-sessions', '--user', 'demo-shipper-export', '--db', t.dbFile]);
    expect(ended).toMatchObject({ code: 0, stdout: '2 web sessions of demo-shipper-export ended\n' });
    for (const cookie of sessions) expect(await isSignedIn(cookie, '/desk/agent')).toBe(false);
    expect(await isSignedIn(other, '/desk/agent')).toBe(true);
    expect(runSdx(['admin', 'end-sessions', '--user', 'demo-shipper-export', '--db', t.dbFile]).stdout).toBe('0 web sessions of demo-shipper-export ended\n');
    expect(runSdx(['admin', 'end-sessions', '--user', 'nobody', '--db', t.dbFile])).toMatchObject({ code: 1, stderr: expect.stringContaining('[not-found]') });
    expect(runSdx(['admin', 'end-sessions', '--db', t.dbFile])).toMatchObject({ code: 2, stderr: expect.stringContaining('--user') });
  });
});

describe('live streams per API key or session are capped', () => {
  const MAX = 3;
  let capped: TestApp;
  let server: LoopbackServer;
  beforeAll(async () => {
    server = await loopbackServer();
    capped = await startTestApp({ env: { SDX_MAX_STREAMS: String(MAX) } });
    server.serve(capped.app);
  });
  afterAll(async () => {
    await server.stop();
    expect(capped.unexpected).toEqual([]);
    await capped.close();
  });

  interface Opened {
    response: IncomingMessage;
    body: Promise<string>;
    close(): void;
  }

  function open(path: string, headers: Record<string, string>): Promise<Opened> {
    return new Promise((resolve, reject) => {
      const req = get(`${server.url}${path}`, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
        const body = new Promise<string>((done) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => done(text));
          response.on('close', () => done(text));
        });
        resolve({ response, body, close: () => req.destroy() });
      });
      req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)));
    });
  }

  async function openUntil(path: string, headers: Record<string, string>, status: number): Promise<Opened> {
    const started = Date.now();
    for (;;) {
      const stream = await open(path, headers);
      if (stream.response.statusCode === status) return stream;
      stream.close();
      if (Date.now() - started > 10_000) throw new Error(`no ${status} from ${path} in time`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it.each([
    ['/api/v1/stream with one API key', '/api/v1/stream', async () => ({ authorization: `Bearer ${capped.keys['demo-terminal'] ?? ''}` }), async () => ({ authorization: `Bearer ${capped.keys['demo-depot'] ?? ''}` })],
    [
      '/m/stream with one session',
      '/m/stream',
      async () => ({ cookie: await capSession('demo-haulier-a-driver') }),
      async () => ({ cookie: await capSession('demo-haulier-a-driver') }),
    ],
  ])('%s: N streams open, the next gets 429 too-many-streams with Retry-After; another credential is unaffected; closing one frees a slot', async (_what, path, holder, otherHolder) => {
    const headers = await holder();
    const streams: Opened[] = [];
    try {
      for (let i = 0; i < MAX; i += 1) {
        const stream = await open(path, headers);
        expect(stream.response.statusCode).toBe(200);
        streams.push(stream);
      }
      const refused = await open(path, headers);
      expect(refused.response.statusCode).toBe(429);
      expect(refused.response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(Number(refused.response.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.parse(await refused.body)).toMatchObject({ status: 429, code: 'too-many-streams' });

      const other = await open(path, await otherHolder());
      expect(other.response.statusCode).toBe(200);
      streams.push(other);

      streams.shift()?.close();
      streams.push(await openUntil(path, headers, 200));
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  async function capSession(userId: string): Promise<string> {
    const res = await postLogin(request.agent(capped.app), { userId, password: 'sdx-demo' });
    return cookieSet(res, 'sdx_session') ?? '';
  }
});

describe('SDX_SESSION_IDLE', () => {
  it.each([
    [undefined, { desk: 30 * MINUTE, phone: 12 * 60 * MINUTE }],
    ['30m,12h', { desk: 30 * MINUTE, phone: 12 * 60 * MINUTE }],
    ['15m, 8h', { desk: 15 * MINUTE, phone: 8 * 60 * MINUTE }],
    ['45m', { desk: 45 * MINUTE, phone: 45 * MINUTE }],
    ['3600s,168h', { desk: 60 * MINUTE, phone: 168 * 60 * MINUTE }],
  ])('%s gives desk and phone idle timeouts %o', (value, expected) => {
    expect(settingsOrThrow(value === undefined ? {} : { SDX_SESSION_IDLE: value }).sessionIdle).toEqual(expected);
  });

  it.each(['30', '30 minutes', '30m,12h,1h', '10s', '169h', '-5m', '30m,'])('%s is refused, naming the setting', (value) => {
    expect(() => settingsOrThrow({ SDX_SESSION_IDLE: value })).toThrow(/^SDX_SESSION_IDLE must be/);
  });
});
