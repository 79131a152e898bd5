import { createCipheriv, createDecipheriv, createPrivateKey, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyStore, PartySigner } from '../../application/ports/key-store.port';
import { fileStamp, StampedReads } from '../stamped-reads';
import type { PartyId } from '../../domain/party/party';
import { SdxError } from '../../domain/shared/errors';
import { partyId as partyIdSchema } from '../../domain/shared/schema';
import { createKeyObjectSigner } from './key-object-signer';
import { generationBase, generationsOf } from './party-key-generations';
import { decodePem, encodePem } from './pem';
import { SignerSelection, type SignerCandidate, type SignerSelectionOptions } from './signer-selection';

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
  /**
   * `<partyId>.sealed.json` (a SealedKey) and `<partyId>.pem` (certificate, then its chain) per
   * party; each rotation adds `<partyId>.2.sealed.json` and `<partyId>.2.pem`, and so on.
   */
  | { directory: string }
  /** One record (one generation) per party, held in memory. */
  | { records: ReadonlyMap<PartyId, SealedPartyKey> };

/** Writes one generation (default the first) of a party's record in the directory layout EncryptedKeyStore reads. */
export async function writeSealedPartyKey(directory: string, partyId: PartyId, record: SealedPartyKey, generation = 1): Promise<void> {
  if (!partyIdSchema.safeParse(partyId).success) throw new SdxError('key-record-invalid', `"${partyId}" is not a party id`);
  const base = generationBase(partyId, generation);
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, `${base}.sealed.json`), JSON.stringify(record.sealed, null, 2) + '\n', { mode: 0o600 });
  const pems = [record.certificate, ...record.chain].map((der) => encodePem(der, 'CERTIFICATE'));
  await writeFile(join(directory, `${base}.pem`), pems.join(''));
}

/** The generation a new key of the party gets in a sealed-key directory: one after the newest. */
export async function nextSealedGeneration(directory: string, partyId: PartyId): Promise<number> {
  return Math.max(0, ...(await generationsOf(directory, partyId, '.sealed.json'))) + 1;
}

/**
 * Custodial key store: each party's private keys sealed with AES-256-GCM under one 32-byte master
 * key, opened only when a signer is asked for, and only the one that signs: the party's newest
 * certificate that is valid and not revoked now. The master key is copied in at construction.
 */
export class EncryptedKeyStore implements KeyStore {
  readonly #masterKey: Uint8Array;
  readonly #source: EncryptedKeyStoreSource;
  readonly #selection: SignerSelection;
  /** Per generation (file base): its candidate, kept until the generation's files change. */
  readonly #generations = new StampedReads<SignerCandidate>();

  constructor(masterKey: Uint8Array, source: EncryptedKeyStoreSource, options: SignerSelectionOptions = {}) {
    masterKeyObject(masterKey);
    this.#masterKey = Uint8Array.from(masterKey);
    this.#source = source;
    this.#selection = new SignerSelection(options);
  }

  async has(partyId: PartyId): Promise<boolean> {
    return (await this.generations(partyId)).length > 0;
  }

  async signerFor(partyId: PartyId): Promise<PartySigner> {
    const generations = await this.generations(partyId);
    if (generations.length === 0) {
      throw new SdxError('key-not-found', `no sealed key for party "${partyId}"; seal one with sealPrivateKey and store it with writeSealedPartyKey`);
    }
    const candidates = await Promise.all(generations.map((generation) => this.candidate(partyId, generation)));
    return (await this.#selection.choose(partyId, candidates)).open();
  }

  /**
   * One generation's certificates, and its key once opened. Both are read again when the
   * generation's files change (a re-sealed key, a re-issued certificate): opening a key on every
   * signature cost ~2 ms (file reads, AES-GCM, key parsing, the key-certificate check), most of an
   * issue. The opened key stays inside its signer, as the master key stays inside this store.
   */
  private candidate(partyId: PartyId, generation: number): Promise<SignerCandidate> {
    const base = generationBase(partyId, generation);
    return this.#generations.get(base, this.stampOf(base), async () => {
      const { certificate, chain } = await this.certificates(partyId, generation);
      let signer: Promise<PartySigner> | undefined;
      const open = (): Promise<PartySigner> => {
        if (signer) return signer;
        const opening = this.sealedRecord(partyId, generation).then((record) =>
          createKeyObjectSigner({ partyId, privateKey: openSealedKey(record, this.#masterKey, partyId), certificate, chain }),
        );
        // A key that did not open is tried again next time (the file may be fixed); a newer try is kept.
        opening.catch(() => {
          if (signer === opening) signer = undefined;
        });
        return (signer = opening);
      };
      return { generation, certificate, chain, open };
    });
  }

  /** What changes when a generation's files are replaced or edited; records held in memory never change. */
  private stampOf(base: string): string {
    const source = this.#source;
    if ('records' in source) return 'in-memory';
    return `${fileStamp(join(source.directory, `${base}.pem`))} ${fileStamp(join(source.directory, `${base}.sealed.json`))}`;
  }

  /** Never serialise the master key, even by accident. */
  toJSON(): { kind: string } {
    return { kind: 'EncryptedKeyStore' };
  }

  /** Generations with both a sealed key and a certificate. */
  private async generations(partyId: PartyId): Promise<number[]> {
    const source = this.#source;
    if ('records' in source) return source.records.has(partyId) ? [1] : [];
    const [sealed, certificates] = await Promise.all([
      generationsOf(source.directory, partyId, '.sealed.json'),
      generationsOf(source.directory, partyId, '.pem'),
    ]);
    return sealed.filter((generation) => certificates.includes(generation));
  }

  private inMemory(records: ReadonlyMap<PartyId, SealedPartyKey>, partyId: PartyId): SealedPartyKey {
    const record = records.get(partyId);
    if (!record) throw new SdxError('key-not-found', `no sealed key for party "${partyId}"`);
    return record;
  }

  private async certificates(partyId: PartyId, generation: number): Promise<{ certificate: Uint8Array; chain: Uint8Array[] }> {
    const source = this.#source;
    if ('records' in source) return this.inMemory(source.records, partyId);
    const pemPath = join(source.directory, `${generationBase(partyId, generation)}.pem`);
    const [certificate, ...chain] = decodePem(await readFile(pemPath, 'utf8'), 'CERTIFICATE');
    if (!certificate) throw new SdxError('key-record-invalid', `${pemPath} holds no certificate; write it with writeSealedPartyKey`);
    return { certificate, chain };
  }

  /** The stored sealed key, unchecked: openSealedKey checks it. */
  private async sealedRecord(partyId: PartyId, generation: number): Promise<unknown> {
    const source = this.#source;
    if ('records' in source) return this.inMemory(source.records, partyId).sealed;
    const sealedPath = join(source.directory, `${generationBase(partyId, generation)}.sealed.json`);
    try {
      return JSON.parse(await readFile(sealedPath, 'utf8')) as unknown;
    } catch {
      throw new SdxError('key-record-invalid', `${sealedPath} is not JSON; write it with writeSealedPartyKey`);
    }
  }
}
