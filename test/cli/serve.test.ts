import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpOcspSource, parseOcspResponse, singleResponseAbout, statusOf } from '../../src/adapters/pki/ocsp';
import { exitOf, runSdx, startSdx, waitForOutput } from '../support/built-cli';
import { certsDevCertificate } from '../support/certs-dev';

describe('sdx serve', () => {
  it('starts on the embedded store with the demo parties, answers /healthz and stops cleanly on SIGTERM', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'sdx-serve-')), 'nested', 'sdx.sqlite');
    const child = startSdx(['serve', '--port', '0', '--db', db, '--demo']);
    try {
      const [, url, ocspUrl, auditorKey] = await waitForOutput(
        child,
        /SDX listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*Development OCSP responder on (http:\/\/127\.0\.0\.1:\d+\/ocsp)[\s\S]*demo-auditor\s+auditor\s+(sdx_demo_\w+)/,
      );
      expect(auditorKey).toBe('sdx_demo_auditor_61d2e5');

      // The demo's OCSP responder answers over HTTP on loopback, as the service's B-LT signing asks it.
      const terminal = certsDevCertificate('parties/demo-terminal.pem');
      const issuer = certsDevCertificate('issuing-ca.pem');
      const answer = parseOcspResponse(await new HttpOcspSource({ url: ocspUrl as string }).responseFor(terminal, issuer));
      const single = singleResponseAbout(answer, terminal, issuer);
      expect(single && statusOf(single)).toEqual({ status: 'good' });

      const response = await fetch(`${url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', store: { ok: true, backend: 'sqlite' } });

      const missing = await fetch(`${url}/no-such-route`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await missing.json()).toMatchObject({ status: 404, code: 'route-not-found' });

      child.kill('SIGTERM');
      await waitForOutput(child, /received SIGTERM, shutting down/);
      expect(await exitOf(child)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a bad port with a one-line reason and exit code 2', () => {
    const result = runSdx(['serve', '--port', 'eighty']);
    expect(result.stderr.trim()).toBe('sdx serve: --port must be a number from 0 to 65535, not "eighty"');
    expect(result.code).toBe(2);
  });

  it('refuses an unknown flag', () => {
    const result = runSdx(['serve', '--verbose']);
    expect(result.stderr).toMatch(/^sdx serve: .*--verbose/);
    expect(result.code).toBe(2);
  });
});
