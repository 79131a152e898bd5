// The PDF side of the wiring (party keys, TSA, renderer and signer), kept apart from main.ts so
// that a PDF worker thread loads only this, not the whole app.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyStore, TimestampAuthority } from '../application/ports/key-store.port';
import { loadRenderAssets, DocumentRenderer } from '../adapters/pdf/render/render-document';
import { SignedDocumentPdfs } from '../adapters/pdf/signed-document-pdfs';
import { trustFromCertsDir } from './resources';
import { DevTimestampAuthority } from '../adapters/pki/dev-timestamp-authority';
import { EncryptedKeyStore } from '../adapters/pki/encrypted-key-store';
import { PemDirectoryKeyStore } from '../adapters/pki/file-key-store';
import { HttpTimestampAuthority } from '../adapters/pki/http-timestamp-authority';

/** SDX_MASTER_KEY: 32 bytes, base64. Undefined when not configured (development keys are used then). */
export function masterKeyFromEnv(env: NodeJS.ProcessEnv): Uint8Array | undefined {
  const text = env.SDX_MASTER_KEY;
  if (!text) return undefined;
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('SDX_MASTER_KEY must be 32 bytes, base64-encoded (sdx keys new-master-key makes one)');
  return key;
}

/**
 * Party keys: sealed with AES-256-GCM under SDX_MASTER_KEY in SDX_KEYS_DIR when a master key is
 * configured, else the development keys of the certs directory. Either signs with a party's newest
 * certificate that the certs directory's CRLs do not revoke.
 */
export function keyStoreFromEnv(env: NodeJS.ProcessEnv, certsDir: string): KeyStore {
  const selection = { trust: trustFromCertsDir(certsDir) };
  const masterKey = masterKeyFromEnv(env);
  if (!masterKey) return new PemDirectoryKeyStore(certsDir, selection);
  if (!env.SDX_KEYS_DIR) throw new Error('SDX_MASTER_KEY is set, so SDX_KEYS_DIR must name the directory of sealed keys');
  return new EncryptedKeyStore(masterKey, { directory: env.SDX_KEYS_DIR }, selection);
}

/** An RFC 3161 service at SDX_TSA_URL, else the development TSA of the certs directory. */
export function timestampAuthorityFrom(env: NodeJS.ProcessEnv, certsDir: string, clock: () => Date): TimestampAuthority {
  if (env.SDX_TSA_URL) return new HttpTimestampAuthority({ url: env.SDX_TSA_URL });
  return DevTimestampAuthority.fromPem({
    certificatePem: readFileSync(join(certsDir, 'tsa.pem'), 'utf8'),
    privateKeyPem: readFileSync(join(certsDir, 'tsa.key.pem'), 'utf8'),
    chainPem: readFileSync(join(certsDir, 'issuing-ca.pem'), 'utf8'),
    clock,
    nextSerial: () => BigInt(`0x${randomBytes(8).toString('hex')}`),
  });
}

export interface PdfToolkit {
  pdfs: SignedDocumentPdfs;
  keys: KeyStore;
  timestampAuthority: TimestampAuthority;
}

/** Renderer (fonts parsed once), party keys and the dev TSA, wired for signing documents. */
export async function openPdfToolkit(
  paths: { templatesDir: string; certsDir: string },
  env: NodeJS.ProcessEnv,
  clock: () => Date,
): Promise<PdfToolkit> {
  const renderer = await DocumentRenderer.create(await loadRenderAssets(paths.templatesDir));
  const timestampAuthority = timestampAuthorityFrom(env, paths.certsDir, clock);
  const keys = keyStoreFromEnv(env, paths.certsDir);
  return { pdfs: new SignedDocumentPdfs(renderer, keys, timestampAuthority), keys, timestampAuthority };
}

