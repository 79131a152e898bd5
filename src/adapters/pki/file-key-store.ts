import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyStore, PartySigner } from '../../application/ports/key-store.port';
import type { PartyId } from '../../domain/party/party';
import { SdxError } from '../../domain/shared/errors';
import { createKeyObjectSigner } from './key-object-signer';
import { generationBase, generationsOf } from './party-key-generations';
import { decodePem } from './pem';
import { SignerSelection, type SignerCandidate, type SignerSelectionOptions } from './signer-selection';

/**
 * Development key store over the certs-dev layout: `parties/<id>.pem` (certificate),
 * `parties/<id>.key.pem` (unencrypted PKCS#8) and `issuing-ca.pem` (the chain); a rotated party
 * also has `parties/<id>.2.pem` and `.2.key.pem`, and so on (see party-key-generations.ts). It signs
 * with the party's newest certificate that is valid and not revoked now. Keys are plain files, so
 * this store is for development only; deployments use EncryptedKeyStore.
 */
export class PemDirectoryKeyStore implements KeyStore {
  /** Parsed generations by file base, so that each key and certificate is read and parsed once. */
  private readonly candidates = new Map<string, Promise<SignerCandidate>>();
  private readonly selection: SignerSelection;

  constructor(
    readonly directory: string,
    options: SignerSelectionOptions = {},
  ) {
    this.selection = new SignerSelection(options);
  }

  async has(partyId: PartyId): Promise<boolean> {
    return (await this.generations(partyId)).length > 0;
  }

  async signerFor(partyId: PartyId): Promise<PartySigner> {
    // Listed on every call, so that a rotation shows without a restart.
    const generations = await this.generations(partyId);
    if (generations.length === 0) {
      throw new SdxError(
        'key-not-found',
        `no development key for party "${partyId}" in ${join(this.directory, 'parties')}; add the party to certs-dev/demo-parties.json and run "npm run certs:dev"`,
      );
    }
    const candidates = await Promise.all(generations.map((generation) => this.candidate(partyId, generation)));
    return (await this.selection.choose(partyId, candidates)).open();
  }

  /** Generations with both a certificate and a key file. */
  private async generations(partyId: PartyId): Promise<number[]> {
    const partiesDir = join(this.directory, 'parties');
    const [certificates, keys] = await Promise.all([generationsOf(partiesDir, partyId, '.pem'), generationsOf(partiesDir, partyId, '.key.pem')]);
    return certificates.filter((generation) => keys.includes(generation));
  }

  private candidate(partyId: PartyId, generation: number): Promise<SignerCandidate> {
    const base = generationBase(partyId, generation);
    let candidate = this.candidates.get(base);
    if (!candidate) {
      candidate = this.load(partyId, generation, base);
      this.candidates.set(base, candidate);
      // A failed load is not remembered: the file may be fixed later.
      candidate.catch(() => this.candidates.delete(base));
    }
    return candidate;
  }

  private async load(partyId: PartyId, generation: number, base: string): Promise<SignerCandidate> {
    const certificatePath = join(this.directory, 'parties', `${base}.pem`);
    const keyPath = join(this.directory, 'parties', `${base}.key.pem`);
    const [certificatePem, chainPem] = await Promise.all([readFile(certificatePath, 'utf8'), readFile(join(this.directory, 'issuing-ca.pem'), 'utf8')]);
    const certificate = decodePem(certificatePem, 'CERTIFICATE')[0];
    if (!certificate) {
      throw new SdxError('key-record-invalid', `${certificatePath} holds no certificate; run "npm run certs:dev"`);
    }
    const chain = decodePem(chainPem, 'CERTIFICATE');
    let signer: Promise<PartySigner> | undefined;
    const open = (): Promise<PartySigner> => {
      signer ??= readFile(keyPath, 'utf8').then((keyPem) => {
        let privateKey;
        try {
          privateKey = createPrivateKey({ key: keyPem, format: 'pem' });
        } catch {
          // The parser's message may quote the input, so it is not passed on.
          throw new SdxError('key-record-invalid', `${keyPath} is not a PEM private key; run "npm run certs:dev"`);
        }
        return createKeyObjectSigner({ partyId, privateKey, certificate, chain });
      });
      signer.catch(() => (signer = undefined));
      return signer;
    };
    return { generation, certificate, chain, open };
  }
}
