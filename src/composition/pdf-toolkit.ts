// The PDF side of the wiring (party keys, TSA, renderer and signer), kept apart from main.ts so
// that a PDF worker thread loads only this, not the whole app.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyStore, TimestampAuthority } from '../application/ports/key-store.port';
import { loadRenderAssets, DocumentRenderer } from '../adapters/pdf/render/render-document';
import { SignedDocumentPdfs } from '../adapters/pdf/signed-document-pdfs';
import { trustFromCertsDir } from './resources';
import { DevTimestampAuthority } from '../adapters/pki/dev-timestamp-authority';
import { EncryptedKeyStore } from '../adapters/pki/encrypted-key-store';
import { PemDirectoryKeyStore } from '../adapters/pki/file-key-store';
import { HttpTimestampAuthority } from '../adapters/pki/http-timestamp-authority';
import { CrlFiles, crlRefreshMs } from '../adapters/pki/crl-files';
import { DevOcspResponder, HttpOcspSource } from '../adapters/pki/ocsp';
import type { PdfWorkerEnv } from '../adapters/pdf/pdf-worker.protocol';
import type { LongTermOptions, PadesLevel } from '../adapters/pdf/sign/pades-ltv';

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
  const longTerm = longTermFromEnv(env, paths.certsDir, clock, timestampAuthority);
  return { pdfs: new SignedDocumentPdfs(renderer, keys, timestampAuthority, longTerm), keys, timestampAuthority };
}

/** The settings of the long-term levels, for PDF worker threads. */
export function pickLongTermEnv(env: NodeJS.ProcessEnv): Pick<PdfWorkerEnv, 'SDX_PADES_LEVEL' | 'SDX_OCSP_URL' | 'SDX_CRL_REFRESH'> {
  const out: Pick<PdfWorkerEnv, 'SDX_PADES_LEVEL' | 'SDX_OCSP_URL' | 'SDX_CRL_REFRESH'> = {};
  if (env.SDX_PADES_LEVEL) out.SDX_PADES_LEVEL = env.SDX_PADES_LEVEL;
  if (env.SDX_OCSP_URL) out.SDX_OCSP_URL = env.SDX_OCSP_URL;
  if (env.SDX_CRL_REFRESH) out.SDX_CRL_REFRESH = env.SDX_CRL_REFRESH;
  return out;
}

// ---- PAdES B-LT / B-LTA (issue 20): level, revocation sources, CRL refresh ----

/**
 * SDX_PADES_LEVEL: T (B-T), LT (B-T plus validation data) or LTA (plus a document timestamp).
 * Unset means B-T here; `sdx serve` defaults it to LT and `sdx demo` to LTA.
 */
export function padesLevelFromEnv(env: NodeJS.ProcessEnv): PadesLevel {
  const text = env.SDX_PADES_LEVEL || 'T';
  const level = ({ T: 'B-T', LT: 'B-LT', LTA: 'B-LTA' } as const)[text.toUpperCase() as 'T' | 'LT' | 'LTA'];
  if (!level) throw new Error(`SDX_PADES_LEVEL must be T, LT or LTA, not "${text}"`);
  return level;
}

/** The certs directory's CRLs, re-read on their nextUpdate or every SDX_CRL_REFRESH. */
export function crlFilesFrom(env: NodeJS.ProcessEnv, certsDir: string, clock: () => Date): CrlFiles {
  return new CrlFiles([join(certsDir, 'issuing-ca.crl.pem'), join(certsDir, 'root-ca.crl.pem')], clock, crlRefreshMs(env.SDX_CRL_REFRESH));
}

/** The development OCSP responder of a certs directory that has one (`ocsp.pem`), answering from its CRLs. */
export function devOcspResponderFrom(certsDir: string, crls: () => Uint8Array[], clock: () => Date): DevOcspResponder | undefined {
  if (!existsSync(join(certsDir, 'ocsp.pem'))) return undefined;
  return DevOcspResponder.fromPem({
    issuerPem: readFileSync(join(certsDir, 'issuing-ca.pem'), 'utf8'),
    certificatePem: readFileSync(join(certsDir, 'ocsp.pem'), 'utf8'),
    keyPem: readFileSync(join(certsDir, 'ocsp.key.pem'), 'utf8'),
    crls,
    clock,
  });
}

/**
 * Validation data after each signature unless SDX_PADES_LEVEL=T: OCSP from SDX_OCSP_URL when set,
 * else the certs directory's own responder in process; CRLs from the certs directory.
 */
export function longTermFromEnv(
  env: NodeJS.ProcessEnv,
  certsDir: string,
  clock: () => Date,
  timestampAuthority: TimestampAuthority,
  level: PadesLevel = padesLevelFromEnv(env),
): LongTermOptions | undefined {
  if (level === 'B-T') return undefined;
  const crls = crlFilesFrom(env, certsDir, clock).current;
  const ocsp = env.SDX_OCSP_URL ? new HttpOcspSource({ url: env.SDX_OCSP_URL }) : devOcspResponderFrom(certsDir, crls, clock);
  const trust = trustFromCertsDir(certsDir);
  return { level, sources: { trust, crls, ...(ocsp ? { ocsp, preferDefault: true } : {}) }, clock, timestampAuthority };
}
