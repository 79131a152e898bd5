import { createCipheriv, createDecipheriv, createPrivateKey, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyStore, PartySigner } from '../../application/ports/key-store.port';
import type { PartyId } from '../../domain/party/party';
import { SdxError } from '../../domain/shared/errors';
import { partyId as partyIdSchema } from '../../domain/shared/schema';
import { createKeyObjectSigner } from './key-object-signer';
import { decodePem, encodePem } from './pem';

/**
 * A PKCS#8 private key encrypted with AES-256-GCM under the master key. Binary fields are
 * base64url. The additional authenticated data binds the record to `keyId` (the party id), so a
 * record copied onto another party does not open.
 */
export interface SealedKey {
  v: 1;
  alg: 'A256GCM';
  keyId: string;
  iv: string;
  tag: string;
  ct: string;
}

/** What the store keeps per party: the sealed key and its (public) certificates, DER. */
export interface SealedPartyKey {
  sealed: SealedKey;
  certificate: Uint8Array;
  /** Issuing CA certificates, nearest first, root excluded. */
  chain: Uint8Array[];
}

const MASTER_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

function masterKeyObject(masterKey: Uint8Array): KeyObject {
  if (masterKey.length !== MASTER_KEY_BYTES) {
    throw new SdxError(
      'master-key-invalid',
      `the key-store master key must be ${MASTER_KEY_BYTES} bytes (it is ${masterKey.length}); configure 32 random bytes`,
    );
  }
  return createSecretKey(masterKey);
}

function aad(keyId: string): Buffer {
  return Buffer.from(`sdx:sealed-key:v1:${keyId}`, 'utf8');
}

/** Seals a PKCS#8 private key (DER, or PEM text) for `keyId`. */
export function sealPrivateKey(pkcs8: Uint8Array | string, masterKey: Uint8Array, keyId: string): SealedKey {
  const key = masterKeyObject(masterKey);
  const der = typeof pkcs8 === 'string' ? decodePem(pkcs8, 'PRIVATE KEY')[0] : pkcs8;
  if (!der) throw new SdxError('key-record-invalid', `the key to seal for "${keyId}" is not a PKCS#8 PEM ("BEGIN PRIVATE KEY")`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(keyId));
  const ct = Buffer.concat([cipher.update(der), cipher.final()]);
  return {
    v: 1,
    alg: 'A256GCM',
    keyId,
    iv: iv.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
    ct: ct.toString('base64url'),
  };
}

function parseSealedKey(record: unknown, expectedKeyId: string): SealedKey {
  const invalid = (why: string) =>
    new SdxError('key-record-invalid', `the sealed key record of "${expectedKeyId}" ${why}; seal the key again with sealPrivateKey`);
  if (typeof record !== 'object' || record === null) throw invalid('is not an object');
  const r = record as Record<string, unknown>;
  if (r.v !== 1 || r.alg !== 'A256GCM') throw invalid('is not version 1 with alg A256GCM');
  if (r.keyId !== expectedKeyId) throw invalid('belongs to another key id');
  const field = (name: 'iv' | 'tag' | 'ct', bytes?: number): string => {
    const value = r[name];
    if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value)) throw invalid(`has no base64url "${name}"`);
    if (bytes !== undefined && Buffer.from(value, 'base64url').length !== bytes) throw invalid(`has a "${name}" that is not ${bytes} bytes`);
    return value;
  };
  return { v: 1, alg: 'A256GCM', keyId: expectedKeyId, iv: field('iv', IV_BYTES), tag: field('tag', TAG_BYTES), ct: field('ct') };
}

/**
 * Opens a sealed key. Fails with `key-unseal-failed` when the master key is not the one it was
 * sealed with or the record was altered (GCM cannot tell these apart), `key-record-invalid` when
 * the record is malformed. Error messages never include key bytes.
 */
export function openSealedKey(record: unknown, masterKey: Uint8Array, expectedKeyId: string): KeyObject {
  const sealed = parseSealedKey(record, expectedKeyId);
  const key = masterKeyObject(masterKey);
  let der: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(sealed.keyId));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
    der = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64url')), decipher.final()]);
  } catch {
    throw new SdxError(
      'key-unseal-failed',
      `the sealed key of "${sealed.keyId}" could not be opened: the master key differs from the one it was sealed with, or the record was altered; check the configured master key`,
    );
  }
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    throw new SdxError('key-record-invalid', `the sealed key of "${sealed.keyId}" does not hold a PKCS#8 private key; seal the key again`);
  } finally {
    der.fill(0);
  }
}

export type EncryptedKeyStoreSource =
  /** `<partyId>.sealed.json` (a SealedKey) and `<partyId>.pem` (certificate, then its chain) per party. */
  | { directory: string }
  | { records: ReadonlyMap<PartyId, SealedPartyKey> };

/** Writes one party's record in the directory layout EncryptedKeyStore reads. */
export async function writeSealedPartyKey(directory: string, partyId: PartyId, record: SealedPartyKey): Promise<void> {
  if (!partyIdSchema.safeParse(partyId).success) throw new SdxError('key-record-invalid', `"${partyId}" is not a party id`);
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, `${partyId}.sealed.json`), JSON.stringify(record.sealed, null, 2) + '\n', { mode: 0o600 });
  const pems = [record.certificate, ...record.chain].map((der) => encodePem(der, 'CERTIFICATE'));
  await writeFile(join(directory, `${partyId}.pem`), pems.join(''));
}

/**
 * Custodial key store: each party's private key sealed with AES-256-GCM under one 32-byte master
 * key, opened only when a signer is asked for. The master key is copied in at construction.
 */
export class EncryptedKeyStore implements KeyStore {
  readonly #masterKey: Uint8Array;
  readonly #source: EncryptedKeyStoreSource;

  constructor(masterKey: Uint8Array, source: EncryptedKeyStoreSource) {
    masterKeyObject(masterKey);
    this.#masterKey = Uint8Array.from(masterKey);
    this.#source = source;
  }

  async has(partyId: PartyId): Promise<boolean> {
    return (await this.find(partyId)) !== undefined;
  }

  async signerFor(partyId: PartyId): Promise<PartySigner> {
    const record = await this.find(partyId);
    if (!record) {
      throw new SdxError('key-not-found', `no sealed key for party "${partyId}"; seal one with sealPrivateKey and store it with writeSealedPartyKey`);
    }
    const privateKey = openSealedKey(record.sealed, this.#masterKey, partyId);
    return createKeyObjectSigner({ partyId, privateKey, certificate: record.certificate, chain: record.chain });
  }

  /** Never serialise the master key, even by accident. */
  toJSON(): { kind: string } {
    return { kind: 'EncryptedKeyStore' };
  }

  private async find(partyId: PartyId): Promise<SealedPartyKey | undefined> {
    const source = this.#source;
    if ('records' in source) return source.records.get(partyId);
    if (!partyIdSchema.safeParse(partyId).success) return undefined;
    const sealedPath = join(source.directory, `${partyId}.sealed.json`);
    const pemPath = join(source.directory, `${partyId}.pem`);
    try {
      await Promise.all([access(sealedPath), access(pemPath)]);
    } catch {
      return undefined;
    }
    const [sealedText, pemText] = await Promise.all([readFile(sealedPath, 'utf8'), readFile(pemPath, 'utf8')]);
    let sealed: unknown;
    try {
      sealed = JSON.parse(sealedText);
    } catch {
      throw new SdxError('key-record-invalid', `${sealedPath} is not JSON; write it with writeSealedPartyKey`);
    }
    const [certificate, ...chain] = decodePem(pemText, 'CERTIFICATE');
    if (!certificate) throw new SdxError('key-record-invalid', `${pemPath} holds no certificate; write it with writeSealedPartyKey`);
    return { sealed: parseSealedKey(sealed, partyId), certificate, chain };
  }
}
