// A full run of the built `sdx serve` (issue, transfer, present, release, refusals, hostile input,
// sign-ins, a verify upload), then everything it wrote to stdout and stderr is searched for every
// secret it held or was handed: API keys, private keys (PEM bodies, lines of them, the raw
// scalars), the password, the session cookie and the deployment secrets. None may appear.
import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store';
import { parseDemoParties } from '../../src/application/demo-parties';
import { exitOf, runSdx, startSdx, waitForOutput } from '../support/built-cli';
import { certsDevPath } from '../support/certs-dev';
import { exampleJson } from '../support/examples';
import { rawRequest } from '../support/raw-http';

const demo = parseDemoParties(JSON.parse(readFileSync(certsDevPath('demo-parties.json'), 'utf8')));
const userOf = (partyId: string): string => {
  const user = demo.parties.find((p) => p.party.id === partyId)?.users[0];
  if (!user) throw new Error(`no demo user for ${partyId}`);
  return user.id;
};

/** Every private key file under certs-dev, however deep. */
function privateKeyFiles(dir = certsDevPath('.')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return privateKeyFiles(path);
    return entry.name.endsWith('.key.pem') ? [path] : [];
  });
}

/** A key's PEM body, each of its lines, and its private scalar as JWK `d` (base64url). */
function privateKeyNeedles(file: string): [string, string][] {
  const pem = readFileSync(file, 'utf8');
  const lines = pem.split(/\r?\n/).filter((line) => line !== '' && !line.startsWith('-----'));
  const jwk = createPrivateKey(pem).export({ format: 'jwk' });
  if (typeof jwk.d !== 'string') throw new Error(`${file}: no private scalar`);
  return [
    [`${file} PEM body`, lines.join('')],
    ...lines.filter((line) => line.length >= 24).map((line, i): [string, string] => [`${file} PEM line ${i + 1}`, line]),
    [`${file} private scalar (JWK d)`, jwk.d],
    [`${file} private scalar, first 20 characters`, jwk.d.slice(0, 20)],
  ];
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('no secret in the service log', () => {
  it('a full run of sdx serve writes no API key, private key, password, session cookie or deployment secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdx-log-secrets-'));
    const db = join(dir, 'sdx.sqlite');

    // Parties and users as an operator would register them; keys and the password through `sdx admin`.
    const store = SqliteStore.open(db);
    for (const { party, users } of demo.parties) {
      await store.upsertParty(party);
      for (const user of users) await store.createUser({ id: user.id, partyId: party.id, name: user.name, createdAt: new Date().toISOString() });
    }
    await store.close();
    const keys: Record<string, string> = {};
    for (const party of ['demo-agent-sha', 'demo-consignee', 'demo-forwarder', 'demo-terminal']) {
      const created = runSdx(['admin', 'create-key', '--db', db, '--user', userOf(party)]);
      expect(created.code).toBe(0);
      const key = /api key (\S+)/.exec(created.stdout)?.[1];
      if (!key) throw new Error(`no key printed: ${created.stdout}`);
      keys[party] = key;
    }
    const password = `pw-${randomBytes(12).toString('base64url')}`;
    expect(runSdx(['admin', 'set-password', '--db', db, '--user', userOf('demo-terminal')], { input: `${password}\n` }).code).toBe(0);

    const deploymentSecrets = { SDX_SESSION_SECRET: randomBytes(24).toString('base64url'), SDX_ID_SECRET: randomBytes(24).toString('base64url') };
    const child = startSdx(['serve', '--port', '0', '--db', db], { ...deploymentSecrets, SDX_PDF_WORKERS: '0' });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    let sessionCookie = '';
    let loginToken = '';
    try {
      const [, url = ''] = await waitForOutput(child, /SDX listening on (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
      const api = `${url}/api/v1`;
      const as = (party: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${keys[party] ?? ''}`, 'content-type': 'application/json', ...extra });
      const post = (party: string, path: string, body: unknown, extra: Record<string, string> = {}) =>
        fetch(`${api}${path}`, { method: 'POST', headers: as(party, extra), body: JSON.stringify(body) });

      // The D/O's life: issued, passed on, presented, released, and refused a second release.
      const issued = await post('demo-agent-sha', '/documents', { kind: 'delivery-order', payload: exampleJson('delivery-order') }, { 'idempotency-key': `log-test-${keys['demo-agent-sha'] ?? ''}` });
      expect(issued.status).toBe(201);
      const id = String((await json(issued))['id']);
      expect((await post('demo-consignee', `/documents/${id}/events`, { type: 'transfer', to: 'demo-forwarder' })).status).toBe(200);
      expect((await post('demo-forwarder', `/documents/${id}/events`, { type: 'present', to: 'demo-terminal' })).status).toBe(200);
      expect((await post('demo-terminal', `/documents/${id}/events`, { type: 'release' })).status).toBe(200);
      expect((await post('demo-terminal', `/documents/${id}/events`, { type: 'release' })).status).toBe(409);

      // Refusals and hostile input, some carrying a key where it does not belong.
      const consigneeKey = keys['demo-consignee'] ?? '';
      const wrongKey = `${consigneeKey.slice(0, -1)}${consigneeKey.endsWith('A') ? 'B' : 'A'}`;
      expect((await fetch(`${api}/documents`, { headers: { authorization: `Bearer ${wrongKey}` } })).status).toBe(401);
      expect((await fetch(`${api}/documents`, { headers: { authorization: `Basic ${consigneeKey}` } })).status).toBe(401);
      expect((await fetch(`${api}/documents?cursor=${consigneeKey}`, { headers: as('demo-consignee') })).status).toBe(422);
      expect((await fetch(`${api}/documents/${consigneeKey}`, { headers: as('demo-consignee') })).status).toBe(404);
      expect((await post('demo-consignee', `/documents/${id}/events`, { type: 'transfer', to: consigneeKey })).status).toBe(422);
      expect((await fetch(`${api}/documents/${id}/events`, { method: 'POST', headers: as('demo-consignee'), body: '{"type": ' })).status).toBe(400);
      expect((await post('demo-agent-sha', '/documents', { kind: 'delivery-order', payload: { ...exampleJson('delivery-order'), surprise: consigneeKey } })).status).toBe(422);
      expect((await fetch(`${api}/documents/${id}/events`, { method: 'POST', headers: as('demo-consignee'), body: `{"reason":"${'x'.repeat(2 * 1024 * 1024)}"}` })).status).toBe(413);
      const port = Number(new URL(url).port);
      const injected = await rawRequest(port, `GET /api/v1/documents HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${consigneeKey}\r\nIf-Match: "1\r\u0000"\r\n\r\n`);
      expect(injected.status).toBe(400);

      // A failed sign-in, a successful one, and pages with its session.
      // As this site's sign-in page posts it: its Origin, the pre-session cookie and the form token.
      const signInPage = await fetch(`${url}/login`);
      const loginCookie = /sdx_login=[^;]+/.exec(signInPage.headers.get('set-cookie') ?? '')?.[0] ?? '';
      loginToken = /name="loginToken" value="([^"]+)"/.exec(await signInPage.text())?.[1] ?? '';
      const form = (fields: Record<string, string>) => ({
        method: 'POST',
        redirect: 'manual' as const,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url, cookie: loginCookie },
        body: new URLSearchParams({ ...fields, loginToken }).toString(),
      });
      expect((await fetch(`${url}/login`, form({ userId: userOf('demo-terminal'), password: `${password}-wrong` }))).status).toBe(401);
      expect((await fetch(`${url}/login`, form({ userId: userOf('demo-consignee'), password }))).status).toBe(401);
      const signedIn = await fetch(`${url}/login`, form({ userId: userOf('demo-terminal'), password }));
      expect(signedIn.status).toBe(303);
      sessionCookie = /sdx_session=([^;]+)/.exec(signedIn.headers.get('set-cookie') ?? '')?.[1] ?? '';
      expect(sessionCookie).not.toBe('');
      for (const path of ['/gate', `/m/d/${id}`, '/audit']) {
        const page = await fetch(`${url}${path}`, { headers: { cookie: `sdx_session=${sessionCookie}` }, redirect: 'manual' });
        expect(page.status).toBeLessThan(500);
      }

      // The released D/O's PDF, verified by upload.
      const pdf = await fetch(`${api}/documents/${id}/pdf`, { headers: as('demo-terminal') });
      expect(pdf.status).toBe(200);
      const upload = new FormData();
      upload.append('file', new Blob([await pdf.arrayBuffer()], { type: 'application/pdf' }), 'do.pdf');
      const verified = await fetch(`${url}/verify`, { method: 'POST', body: upload });
      expect(await json(verified)).toMatchObject({ verdict: 'valid' });

      child.kill('SIGTERM');
      expect(await exitOf(child, 30_000)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }

    // The test can fail: the log holds what the service said.
    expect(log).toContain('SDX listening on');
    expect(log).toContain('received SIGTERM, shutting down');

    const needles: [string, string][] = [
      ...Object.entries(keys).flatMap(([party, key]): [string, string][] => [
        [`${party} API key`, key],
        [`${party} API key without its prefix`, key.replace(/^sdx_/, '')],
        [`${party} API key, first 16 characters after the prefix`, key.replace(/^sdx_/, '').slice(0, 16)],
      ]),
      ...demo.parties.flatMap(({ users }) => users.map((user): [string, string] => [`demo key of ${user.id}`, user.apiKey])),
      ...privateKeyFiles().flatMap(privateKeyNeedles),
      ['the password', password],
      ['the session cookie', sessionCookie],
      ['the session cookie MAC', sessionCookie.split('.').pop() ?? sessionCookie],
      ['the session id', sessionCookie.split('.')[1] ?? sessionCookie],
      ['the sign-in form token', loginToken],
      ...Object.entries(deploymentSecrets),
    ];
    expect(needles.length).toBeGreaterThan(100);
    for (const [, needle] of needles) expect(needle.length).toBeGreaterThanOrEqual(12);
    const found = needles.filter(([, needle]) => log.includes(needle)).map(([name]) => name);
    expect(found).toEqual([]);
  }, 180_000);
});
