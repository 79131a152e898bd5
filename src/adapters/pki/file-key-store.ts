import { createPrivateKey } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyStore, PartySigner } from '../../application/ports/key-store.port';
import type { PartyId } from '../../domain/party/party';
import { SdxError } from '../../domain/shared/errors';
import { partyId as partyIdSchema } from '../../domain/shared/schema';
import { createKeyObjectSigner } from './key-object-signer';
import { decodePem } from './pem';

/**
 * Development key store over the certs-dev layout: `parties/<id>.pem` (certificate),
 * `parties/<id>.key.pem` (unencrypted PKCS#8) and `issuing-ca.pem` (the chain). Keys are plain
 * files, so this store is for development only; deployments use EncryptedKeyStore.
 */
export class PemDirectoryKeyStore implements KeyStore {
  /** Parsed signers, so that keys and certificates are read and parsed once per party. */
  private readonly signers = new Map<PartyId, Promise<PartySigner>>();

  constructor(readonly directory: string) {}

  async has(partyId: PartyId): Promise<boolean> {
    const paths = this.pathsFor(partyId);
    if (!paths) return false;
    try {
      await Promise.all([access(paths.certificate), access(paths.key)]);
      return true;
    } catch {
      return false;
    }
  }

  signerFor(partyId: PartyId): Promise<PartySigner> {
    let signer = this.signers.get(partyId);
    if (!signer) {
      signer = this.load(partyId);
      this.signers.set(partyId, signer);
      // A failed load is not remembered: the key may be added later.
      signer.catch(() => this.signers.delete(partyId));
    }
    return signer;
  }

  private async load(partyId: PartyId): Promise<PartySigner> {
    const paths = this.pathsFor(partyId);
    if (!paths || !(await this.has(partyId))) {
      throw new SdxError(
        'key-not-found',
        `no development key for party "${partyId}" in ${join(this.directory, 'parties')}; add the party to certs-dev/demo-parties.json and run "npm run certs:dev"`,
      );
    }
    const [certificatePem, keyPem, chainPem] = await Promise.all([
      readFile(paths.certificate, 'utf8'),
      readFile(paths.key, 'utf8'),
      readFile(join(this.directory, 'issuing-ca.pem'), 'utf8'),
    ]);
    const certificate = decodePem(certificatePem, 'CERTIFICATE')[0];
    if (!certificate) {
      throw new SdxError('key-record-invalid', `${paths.certificate} holds no certificate; run "npm run certs:dev"`);
    }
    let privateKey;
    try {
      privateKey = createPrivateKey({ key: keyPem, format: 'pem' });
    } catch {
      // The parser's message may quote the input, so it is not passed on.
      throw new SdxError('key-record-invalid', `${paths.key} is not a PEM private key; run "npm run certs:dev"`);
    }
    return createKeyObjectSigner({ partyId, privateKey, certificate, chain: decodePem(chainPem, 'CERTIFICATE') });
  }

  /** Undefined for an id that is not a party id, which also keeps paths inside the directory. */
  private pathsFor(partyId: PartyId): { certificate: string; key: string } | undefined {
    if (!partyIdSchema.safeParse(partyId).success) return undefined;
    const base = join(this.directory, 'parties', partyId);
    return { certificate: `${base}.pem`, key: `${base}.key.pem` };
  }
}
