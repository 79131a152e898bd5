// sdx keys import: PKCS#12 files made by `openssl pkcs12 -export` (as CAs hand keys out), in the
// PBES2/AES-256 form of OpenSSL 3 and the legacy 3DES/SHA-1 form, ECDSA and RSA, for certificates
// the development CA issued; the key is sealed under the master key and then signs.
import { createVerify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EncryptedKeyStore } from '../../src/adapters/pki/encrypted-key-store';
import { runSdx } from '../support/built-cli';
import { certsDevPath, certsDevTrust } from '../support/certs-dev';
import { requireTool } from '../support/external-tools';
import { run } from '../support/pdf-signature-tools';

jest.setTimeout(60_000);

const haveOpenssl = requireTool('openssl');
const describeWith = haveOpenssl ? describe : describe.skip;

const work = mkdtempSync(join(tmpdir(), 'sdx-p12-'));
const masterKey = Buffer.alloc(32, 7).toString('base64');
const PASSWORD = 'correct horse battery';

function openssl(...args: string[]): void {
  const result = run('openssl', args);
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.output}`);
}

/** A key and a certificate the development issuing CA signed with `keyUsage`, exported as PKCS#12 with `exportArgs`. */
function p12(name: string, keyArgs: string[], keyUsage: string, exportArgs: string[] = []): string {
  const key = join(work, `${name}.key.pem`);
  const csr = join(work, `${name}.csr`);
  const cert = join(work, `${name}.pem`);
  const ext = join(work, `${name}.ext`);
  openssl('genpkey', ...keyArgs, '-out', key);
  openssl('req', '-new', '-key', key, '-subj', `/O=${name}/CN=Imported ${name}`, '-out', csr);
  writeFileSync(ext, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,${keyUsage}\n`);
  openssl('x509', '-req', '-in', csr, '-CA', certsDevPath('issuing-ca.pem'), '-CAkey', certsDevPath('issuing-ca.key.pem'), '-CAserial', join(work, 'ca.srl'), '-CAcreateserial', '-days', '30', '-extfile', ext, '-out', cert);
  const file = join(work, `${name}.p12`);
  openssl('pkcs12', '-export', '-inkey', key, '-in', cert, '-certfile', certsDevPath('issuing-ca.pem'), '-passout', `pass:${PASSWORD}`, ...exportArgs, '-out', file);
  return file;
}

const EC = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
const RSA = ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
const LEGACY = ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'];

function importP12(party: string, file: string, keysDir: string, password = PASSWORD) {
  return runSdx(['keys', 'import', '--party', party, '--p12', file, '--keys-dir', keysDir], { env: { SDX_MASTER_KEY: masterKey }, input: `${password}\n` });
}

async function signsWithImportedKey(keysDir: string, party: string): Promise<X509Certificate> {
  const store = new EncryptedKeyStore(Buffer.from(masterKey, 'base64'), { directory: keysDir }, { trust: certsDevTrust() });
  const signer = await store.signerFor(party);
  const data = Buffer.from('sealed and signing');
  const signature = await signer.sign(data, 'cms');
  const certificate = new X509Certificate(signer.certificate);
  expect(createVerify('sha256').update(data).verify(certificate.publicKey, Buffer.from(signature))).toBe(true);
  return certificate;
}

describeWith('sdx keys import --p12', () => {
  it.each([
    ['ECDSA, PBES2/AES-256 (OpenSSL 3 default)', 'ec-aes', EC, []],
    ['RSA, legacy 3DES and SHA-1 MAC', 'rsa-3des', RSA, LEGACY],
  ])('when a %s file with a signing certificate is imported, then its key is sealed and signs for the party', async (_what, name, keyArgs, exportArgs) => {
    const keysDir = mkdtempSync(join(work, 'keys-'));
    const result = importP12('importer', p12(name, keyArgs, 'digitalSignature,nonRepudiation', exportArgs), keysDir);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(`imported importer: sealed generation 1 in ${keysDir}`);
    expect((await signsWithImportedKey(keysDir, 'importer')).subject).toContain(`CN=Imported ${name}`);
  });

  it('when the password is not ASCII (PBES2 keys come from its UTF-8 bytes), then the OpenSSL 3 file still opens, and a wrong one still does not', async () => {
    const chinese = '港口单证密码';
    const file = p12('ec-zh', EC, 'digitalSignature', ['-passout', `pass:${chinese}`]);
    const keysDir = mkdtempSync(join(work, 'keys-'));
    expect(importP12('importer', file, keysDir, chinese).code).toBe(0);
    await signsWithImportedKey(keysDir, 'importer');
    expect(importP12('importer', file, mkdtempSync(join(work, 'keys-')), '港口单证密吗').code).toBe(1);
  });

  it('when the certificate’s key usage does not allow signing, then nothing is sealed, exit 1', () => {
    const keysDir = mkdtempSync(join(work, 'keys-'));
    const result = importP12('importer', p12('enc-only', EC, 'keyEncipherment'), keysDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/key-usage-not-allowed/);
    expect(readdirSync(keysDir)).toEqual([]);
    expect(runSdx(['keys', 'import', '--party', 'importer', '--p12', join(work, 'missing.p12')]).code).not.toBe(0);
  });

  it('when the password is wrong, then exit 1 saying the file cannot be opened', () => {
    const result = importP12('importer', join(work, 'ec-aes.p12'), mkdtempSync(join(work, 'keys-')), 'wrong');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot be opened \(.*\); check the password/);
  });

  it('when the certificate does not chain to the configured anchors, then exit 1 (chain-untrusted)', () => {
    const key = join(work, 'self.key.pem');
    const cert = join(work, 'self.pem');
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/CN=Self Signed', '-days', '30', '-out', cert);
    const file = join(work, 'self.p12');
    openssl('pkcs12', '-export', '-inkey', key, '-in', cert, '-passout', `pass:${PASSWORD}`, '-out', file);
    const result = importP12('importer', file, mkdtempSync(join(work, 'keys-')));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/chain-untrusted/);
  });
});
