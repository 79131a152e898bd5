import { constants, createPrivateKey, createPublicKey, randomBytes, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { inspect } from 'node:util';
import { join } from 'node:path';
import {
  EncryptedKeyStore,
  openSealedKey,
  sealPrivateKey,
  writeSealedPartyKey,
  type SealedKey,
  type SealedPartyKey,
} from '../../../src/adapters/pki/encrypted-key-store';
import { PemDirectoryKeyStore } from '../../../src/adapters/pki/file-key-store';
import type { PartySigner } from '../../../src/application/ports/key-store.port';
import { SdxError } from '../../../src/domain/shared/errors';
import { certsDev, certsDevCertificate, certsDevText } from '../../support/certs-dev';

const data = new TextEncoder().encode('delivery order DO-2026-0001, release to demo-haulier-a');

function publicKeyOf(certificateDer: Uint8Array) {
  return new X509Certificate(certificateDer).publicKey;
}

/** Every form in which a party's private key could leak into text. */
function keyForms(partyId: string): string[] {
  const pem = certsDevText(`parties/${partyId}.key.pem`);
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return [body, body.slice(20, 60), der.toString('hex'), der.toString('base64url'), der.toString('base64')];
}

function expectNoKeyMaterial(text: string, partyId: string): void {
  for (const form of keyForms(partyId)) expect(text).not.toContain(form);
}

async function expectVerifies(signer: PartySigner): Promise<void> {
  const key = publicKeyOf(signer.certificate);
  const cms = await signer.sign(data, 'cms');
  const jws = await signer.sign(data, 'jws');
  if (signer.keyType === 'ec') {
    expect(verify('sha256', data, { key, dsaEncoding: 'der' }, cms)).toBe(true);
    expect(verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, jws)).toBe(true);
    expect(jws).toHaveLength(64);
  } else {
    expect(verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, cms)).toBe(true);
    expect(verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, jws)).toBe(true);
    expect(verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, jws)).toBe(false);
  }
}

async function rejection(promise: Promise<unknown>): Promise<SdxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SdxError);
  return error as SdxError;
}

function syncRejection(run: () => unknown): SdxError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SdxError);
    return error as SdxError;
  }
  throw new Error('expected an SdxError');
}

describe('PemDirectoryKeyStore over certs-dev', () => {
  const store = new PemDirectoryKeyStore(certsDev);

  it('when asked for an EC party, then it signs ES256 and DER ECDSA that verify with the certificate key', async () => {
    const signer = await store.signerFor('demo-carrier');
    expect(signer).toMatchObject({ partyId: 'demo-carrier', keyType: 'ec', algorithm: 'ES256' });
    expect(Buffer.from(signer.certificate)).toEqual(Buffer.from(certsDevCertificate('parties/demo-carrier.pem')));
    expect(signer.chain.map((c) => Buffer.from(c))).toEqual([Buffer.from(certsDevCertificate('issuing-ca.pem'))]);
    await expectVerifies(signer);
  });

  it('when asked for demo-forwarder, then it is RSA-3072 with PKCS#1 v1.5 for CMS and PSS (PS256) for JWS', async () => {
    const signer = await store.signerFor('demo-forwarder');
    expect(signer).toMatchObject({ keyType: 'rsa', algorithm: 'PS256' });
    expect(publicKeyOf(signer.certificate).asymmetricKeyDetails?.modulusLength).toBe(3072);
    await expectVerifies(signer);
  });

  it('when a party has no key, or the id is not a party id, then has() is false and signerFor fails with key-not-found', async () => {
    expect(await store.has('demo-carrier')).toBe(true);
    expect(await store.has('demo-nobody')).toBe(false);
    expect(await store.has('../certs-dev/root-ca')).toBe(false);
    expect((await rejection(store.signerFor('demo-nobody'))).code).toBe('key-not-found');
    expect((await rejection(store.signerFor('../root-ca'))).code).toBe('key-not-found');
  });

  it('when a signer is serialised or inspected, then no key material appears', async () => {
    const signer = await store.signerFor('demo-carrier');
    expectNoKeyMaterial(JSON.stringify(signer), 'demo-carrier');
    expectNoKeyMaterial(inspect(signer, { depth: 5 }), 'demo-carrier');
  });
});

describe('sealing keys with AES-256-GCM', () => {
  const masterKey = randomBytes(32);
  const pem = certsDevText('parties/demo-carrier.key.pem');

  it('when a key is sealed and opened with the same master key, then the same private key comes back', () => {
    const sealed = sealPrivateKey(pem, masterKey, 'demo-carrier');
    expect(sealed).toMatchObject({ v: 1, alg: 'A256GCM', keyId: 'demo-carrier' });
    const opened = openSealedKey(JSON.parse(JSON.stringify(sealed)), masterKey, 'demo-carrier');
    expect(createPublicKey(opened).export({ type: 'spki', format: 'der' })).toEqual(
      createPublicKey(pem).export({ type: 'spki', format: 'der' }),
    );
    expectNoKeyMaterial(JSON.stringify(sealed), 'demo-carrier');
  });

  it('when sealed twice, then the IVs and ciphertexts differ', () => {
    const a = sealPrivateKey(pem, masterKey, 'demo-carrier');
    const b = sealPrivateKey(pem, masterKey, 'demo-carrier');
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
  });

  const flip = (value: string, at: number): string => {
    const bytes = Buffer.from(value, 'base64url');
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    return bytes.toString('base64url');
  };

  it.each<[string, (s: SealedKey) => SealedKey]>([
    ['one ciphertext bit', (s) => ({ ...s, ct: flip(s.ct, 10) })],
    ['one tag bit', (s) => ({ ...s, tag: flip(s.tag, 0) })],
    ['one IV bit', (s) => ({ ...s, iv: flip(s.iv, 3) })],
  ])('when %s is changed, then opening fails with key-unseal-failed', (_what, tamper) => {
    const sealed = tamper(sealPrivateKey(pem, masterKey, 'demo-carrier'));
    expect(syncRejection(() => openSealedKey(sealed, masterKey, 'demo-carrier')).code).toBe('key-unseal-failed');
  });

  it('when a record is relabelled for another party, then it does not open', () => {
    const sealed = { ...sealPrivateKey(pem, masterKey, 'demo-carrier'), keyId: 'demo-terminal' };
    expect(syncRejection(() => openSealedKey(sealed, masterKey, 'demo-terminal')).code).toBe('key-unseal-failed');
    expect(syncRejection(() => openSealedKey(sealPrivateKey(pem, masterKey, 'demo-carrier'), masterKey, 'demo-terminal')).code).toBe('key-record-invalid');
  });

  it('when the master key is wrong, then opening fails with key-unseal-failed and the message holds no key bytes', () => {
    const wrongKey = randomBytes(32);
    const error = syncRejection(() => openSealedKey(sealPrivateKey(pem, masterKey, 'demo-carrier'), wrongKey, 'demo-carrier'));
    expect(error.code).toBe('key-unseal-failed');
    expect(error.message).toContain('master key');
    const text = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;
    expectNoKeyMaterial(text, 'demo-carrier');
    for (const key of [masterKey, wrongKey]) {
      expect(text).not.toContain(key.toString('hex'));
      expect(text).not.toContain(key.toString('base64'));
    }
  });

  it('when the master key is not 32 bytes, then it is refused with master-key-invalid', () => {
    expect(syncRejection(() => sealPrivateKey(pem, randomBytes(16), 'demo-carrier')).code).toBe('master-key-invalid');
    expect(syncRejection(() => new EncryptedKeyStore(randomBytes(31), { records: new Map() })).code).toBe('master-key-invalid');
  });

  it('when the record is malformed, then opening fails with key-record-invalid', () => {
    const sealed = sealPrivateKey(pem, masterKey, 'demo-carrier');
    for (const bad of [null, 'text', { ...sealed, v: 2 }, { ...sealed, alg: 'A128GCM' }, { ...sealed, iv: 'AA' }, { ...sealed, ct: 42 }]) {
      expect(syncRejection(() => openSealedKey(bad, masterKey, 'demo-carrier')).code).toBe('key-record-invalid');
    }
  });
});

describe('EncryptedKeyStore', () => {
  const masterKey = randomBytes(32);
  const record = (partyId: string): SealedPartyKey => ({
    sealed: sealPrivateKey(certsDevText(`parties/${partyId}.key.pem`), masterKey, partyId),
    certificate: certsDevCertificate(`parties/${partyId}.pem`),
    chain: [certsDevCertificate('issuing-ca.pem')],
  });
  const records = new Map([
    ['demo-carrier', record('demo-carrier')],
    ['demo-forwarder', record('demo-forwarder')],
  ]);

  it.each(['demo-carrier', 'demo-forwarder'])('when %s signs from sealed records, then its signatures verify', async (partyId) => {
    const store = new EncryptedKeyStore(masterKey, { records });
    expect(await store.has(partyId)).toBe(true);
    await expectVerifies(await store.signerFor(partyId));
  });

  it('when the records sit in a directory, then the store reads them from there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdx-sealed-'));
    try {
      await writeSealedPartyKey(dir, 'demo-carrier', record('demo-carrier'));
      const store = new EncryptedKeyStore(masterKey, { directory: dir });
      expect(await store.has('demo-carrier')).toBe(true);
      expect(await store.has('demo-terminal')).toBe(false);
      const signer = await store.signerFor('demo-carrier');
      expect(signer.chain).toHaveLength(1);
      await expectVerifies(signer);
      expect((await rejection(store.signerFor('demo-terminal'))).code).toBe('key-not-found');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when a party signs again, then the key opened for its first signature serves it', async () => {
    const store = new EncryptedKeyStore(masterKey, { records });
    const first = await store.signerFor('demo-carrier');
    expect(await store.signerFor('demo-carrier')).toBe(first);
    await expectVerifies(first);
  });

  it('when a generation\'s files change in the directory, then the next signature reads and opens them again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdx-sealed-'));
    try {
      await writeSealedPartyKey(dir, 'demo-carrier', record('demo-carrier'));
      const store = new EncryptedKeyStore(masterKey, { directory: dir });
      const first = await store.signerFor('demo-carrier');
      await expectVerifies(first);
      // Re-sealed under another master key: this store can no longer open it, and must notice.
      const foreign = { ...record('demo-carrier'), sealed: sealPrivateKey(certsDevText('parties/demo-carrier.key.pem'), randomBytes(32), 'demo-carrier') };
      await writeSealedPartyKey(dir, 'demo-carrier', foreign);
      expect((await rejection(store.signerFor('demo-carrier'))).code).toBe('key-unseal-failed');
      // Sealed right again: opened afresh, and a failure before it was not remembered.
      await writeSealedPartyKey(dir, 'demo-carrier', record('demo-carrier'));
      const again = await store.signerFor('demo-carrier');
      expect(again).not.toBe(first);
      await expectVerifies(again);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the store has the wrong master key, then signerFor fails with key-unseal-failed and leaks nothing', async () => {
    const store = new EncryptedKeyStore(randomBytes(32), { records });
    const error = await rejection(store.signerFor('demo-carrier'));
    expect(error.code).toBe('key-unseal-failed');
    expectNoKeyMaterial(`${error.message} ${String(error.stack)}`, 'demo-carrier');
  });

  it('when a sealed key is paired with another party certificate, then signerFor fails with key-certificate-mismatch', async () => {
    const mixed = new Map([['demo-carrier', { ...record('demo-carrier'), certificate: certsDevCertificate('parties/demo-terminal.pem') }]]);
    const error = await rejection(new EncryptedKeyStore(masterKey, { records: mixed }).signerFor('demo-carrier'));
    expect(error.code).toBe('key-certificate-mismatch');
  });

  it('when the store or a signer is serialised, then neither the master key nor the private key appears', async () => {
    const store = new EncryptedKeyStore(masterKey, { records });
    const signer = await store.signerFor('demo-carrier');
    const text = JSON.stringify({ store, signer }) + inspect({ store, signer }, { depth: 6 });
    expect(text).not.toContain(masterKey.toString('hex'));
    expect(text).not.toContain(masterKey.toString('base64'));
    expectNoKeyMaterial(text, 'demo-carrier');
  });
});
