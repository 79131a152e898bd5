import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSdx } from '../support/built-cli';
import { certsDev, certsDevText } from '../support/certs-dev';

describe('sdx keys: party keys sealed under a master key', () => {
  const work = mkdtempSync(join(tmpdir(), 'sdx-keys-'));
  const sealedDir = join(work, 'sealed');
  const masterKey = runSdx(['keys', 'new-master-key']).stdout.trim();

  it('makes a 256-bit master key', () => {
    expect(Buffer.from(masterKey, 'base64')).toHaveLength(32);
    expect(runSdx(['keys', 'new-master-key']).stdout.trim()).not.toBe(masterKey);
  });

  it('seals every party key, and no sealed file holds the private key in the clear', () => {
    const result = runSdx(['keys', 'seal', '--from', certsDev, '--out', sealedDir], { env: { SDX_MASTER_KEY: masterKey } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('sealed demo-agent-sha');
    const files = readdirSync(sealedDir);
    expect(files).toContain('demo-forwarder.sealed.json');
    const plainKey = certsDevText('parties/demo-agent-sha.key.pem').split('\n')[1] ?? 'missing';
    for (const file of files) expect(readFileSync(join(sealedDir, file), 'utf8')).not.toContain(plainKey);
  });

  it('signs the demo documents with the sealed keys, and they verify', () => {
    const out = join(work, 'demo');
    const demo = runSdx(['demo', '--out', out], { env: { SDX_MASTER_KEY: masterKey, SDX_KEYS_DIR: sealedDir } });
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    expect(runSdx(['verify', join(out, 'eir.pdf')]).code).toBe(0);
  });

  it('refuses a wrong master key without printing any key material', () => {
    const wrong = Buffer.alloc(32, 7).toString('base64');
    const demo = runSdx(['demo', '--out', join(work, 'wrong')], { env: { SDX_MASTER_KEY: wrong, SDX_KEYS_DIR: sealedDir } });
    expect(demo.code).not.toBe(0);
    expect(demo.stderr).toMatch(/could not be opened: the master key differs/);
    expect(demo.stderr).not.toContain(wrong);
    expect(demo.stderr).not.toContain(masterKey);
  });

  it('refuses to seal without a master key', () => {
    const result = runSdx(['keys', 'seal', '--from', certsDev, '--out', join(work, 'none')], { env: { SDX_MASTER_KEY: '' } });
    expect(result.stderr).toMatch(/set SDX_MASTER_KEY/);
    expect(result.code).toBe(2);
  });
});
