// `sdx serve` for phones on the network: QR codes and pass links name the address and port the
// server listens on (or SDX_PUBLIC_URL), the start-up says which URL a phone opens, and a
// loopback-only server warns that no phone can reach it.
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLoopbackHost, listeningUrl } from '../../src/main';
import { exitOf, startSdx, waitForOutput } from '../support/built-cli';
import { freePort } from '../support/free-port';
import { itWith } from '../support/external-tools';
import { payloadOf } from '../http/exchange-client';

const agentKey = 'sdx_demo_agent_sha_4b7e20';
/** Settings from the test runner's environment must not choose the public URL or the store. */
const cleanEnv = { SDX_PUBLIC_URL: '', SDX_STORE: '', SDX_MONGO_URI: '', SDX_HOST: '', SDX_PORT: '' };

/** Everything the process writes to stderr, as it arrives. */
function stderrOf(child: ChildProcessWithoutNullStreams): { text: string } {
  const seen = { text: '' };
  child.stderr.on('data', (chunk: Buffer) => {
    seen.text += chunk.toString('utf8');
  });
  return seen;
}

/** Waits (up to 5 s) until stderr matches: it may arrive after the stdout line. */
async function stderrMatching(seen: { text: string }, pattern: RegExp): Promise<string> {
  for (let waited = 0; waited < 5000 && !pattern.test(seen.text); waited += 50) await new Promise((r) => setTimeout(r, 50));
  return seen.text;
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await exitOf(child);
}

const phoneLine = /Phones and browsers open (\S+)\/ /;

describe('sdx serve: the URL phones open', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdx-serve-network-'));

  itWith('pdftotext')('with --port P, a document issued over the API has its verify link (QR, PDF text) on port P, and the start-up names that URL and warns of loopback', async () => {
    const port = await freePort();
    const child = startSdx(['serve', '--port', String(port), '--db', join(dir, 'a.sqlite'), '--demo'], cleanEnv);
    const stderr = stderrOf(child);
    try {
      const [, phoneUrl] = await waitForOutput(child, phoneLine, 30_000);
      expect(phoneUrl).toBe(`http://127.0.0.1:${port}`);
      const warned = await stderrMatching(stderr, /warning/);
      expect(warned).toMatch(/sdx serve: warning: listening on 127\.0\.0\.1 \(this machine only\): phones on your network cannot reach it; use --host 0\.0\.0\.0/);
      expect(warned.trim().split('\n')).toHaveLength(1);

      const issued = await fetch(`${phoneUrl}/api/v1/documents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'delivery-order', payload: payloadOf('delivery-order') }),
      });
      expect(issued.status).toBe(201);
      const { id } = (await issued.json()) as { id: string };
      const pdf = await fetch(`${phoneUrl}/api/v1/documents/${id}/pdf`, { headers: { authorization: `Bearer ${agentKey}` } });
      expect(pdf.status).toBe(200);
      const file = join(dir, `${id}.pdf`);
      writeFileSync(file, Buffer.from(await pdf.arrayBuffer()));
      const text = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, '');
      expect(text).toContain(`http://127.0.0.1:${port}/verify/${id}`);
      expect(text).not.toContain(':8080/');

      // The verify page the QR code opens is there.
      expect((await fetch(`${phoneUrl}/verify/${id}`)).status).toBe(200);
    } finally {
      await stop(child);
    }
  });

  it('with SDX_PUBLIC_URL, links and the start-up name it, and loopback is not warned about (a reverse proxy in front)', async () => {
    const child = startSdx(['serve', '--port', '0', '--db', join(dir, 'b.sqlite')], { ...cleanEnv, SDX_PUBLIC_URL: 'https://sdx.example.cn/' });
    const stderr = stderrOf(child);
    try {
      const [line] = await waitForOutput(child, /Phones and browsers open .*\n/, 30_000);
      expect(line).toMatch(/^Phones and browsers open https:\/\/sdx\.example\.cn\/ \(QR codes and pass links point there, from SDX_PUBLIC_URL\)/);
      expect(stderr.text).not.toMatch(/warning/);
    } finally {
      await stop(child);
    }
  });

  it('on every interface (--host 0.0.0.0), names the machine’s network address, not 0.0.0.0, and does not warn', async () => {
    const child = startSdx(['serve', '--host', '0.0.0.0', '--port', '0', '--db', join(dir, 'c.sqlite')], cleanEnv);
    const stderr = stderrOf(child);
    try {
      const [, url] = await waitForOutput(child, phoneLine, 30_000);
      expect(url).toBe(listeningUrl('0.0.0.0', Number(/:(\d+)$/.exec(url ?? '')?.[1])));
      expect(url).not.toContain('0.0.0.0');
      expect(stderr.text).not.toMatch(/warning/);
    } finally {
      await stop(child);
    }
  });
});

describe('listeningUrl and isLoopbackHost', () => {
  const eth = { netmask: '255.255.255.0', mac: '02:00:00:00:00:01', cidr: null };
  const interfaces = {
    lo: [{ ...eth, address: '127.0.0.1', family: 'IPv4' as const, internal: true }],
    eth0: [
      { ...eth, address: 'fd00::2', family: 'IPv6' as const, internal: false, scopeid: 0 },
      { ...eth, address: '192.168.1.23', family: 'IPv4' as const, internal: false },
    ],
  };

  it('names the first non-internal IPv4 for 0.0.0.0 and ::, else 127.0.0.1; a named host as it is', () => {
    expect(listeningUrl('0.0.0.0', 18080, interfaces)).toBe('http://192.168.1.23:18080');
    expect(listeningUrl('::', 18080, interfaces)).toBe('http://192.168.1.23:18080');
    expect(listeningUrl('0.0.0.0', 18080, { lo: interfaces.lo })).toBe('http://127.0.0.1:18080');
    expect(listeningUrl('10.0.0.5', 8443, interfaces)).toBe('http://10.0.0.5:8443');
    expect(listeningUrl('::1', 8080, interfaces)).toBe('http://[::1]:8080');
  });

  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.23', 'sdx.example.cn']) expect(isLoopbackHost(host)).toBe(false);
  });
});
