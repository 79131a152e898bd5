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
import { CrlFiles } from '../adapters/pki/crl-files';
import { DevOcspResponder, HttpOcspSource } from '../adapters/pki/ocsp';
import type { PdfSettings } from '../adapters/pdf/pdf-worker.protocol';
import type { LongTermOptions, PadesLevel } from '../adapters/pdf/sign/pades-ltv';

/**
 * Party keys: sealed with AES-256-GCM under SDX_MASTER_KEY in SDX_KEYS_DIR when a master key is
 * configured, else the development keys of the certs directory. Either signs with a party's newest
 * certificate that the certs directory's CRLs do not revoke.
 */
export function openKeyStore(settings: Pick<PdfSettings, 'masterKey' | 'keysDir'>, certsDir: string): KeyStore {
  const selection = { trust: trustFromCertsDir(certsDir) };
  if (!settings.masterKey) return new PemDirectoryKeyStore(certsDir, selection);
  if (!settings.keysDir) throw new Error('SDX_MASTER_KEY is set, so SDX_KEYS_DIR must name the directory of sealed keys');
  return new EncryptedKeyStore(settings.masterKey, { directory: settings.keysDir }, selection);
}

/** An RFC 3161 service at SDX_TSA_URL, else the development TSA of the certs directory. */
export function openTimestampAuthority(settings: Pick<PdfSettings, 'tsaUrl' | 'devTsaPolicy'>, certsDir: string, clock: () => Date): TimestampAuthority {
  if (settings.tsaUrl) return new HttpTimestampAuthority({ url: settings.tsaUrl });
  return DevTimestampAuthority.fromPem({
    certificatePem: readFileSync(join(certsDir, 'tsa.pem'), 'utf8'),
    privateKeyPem: readFileSync(join(certsDir, 'tsa.key.pem'), 'utf8'),
    chainPem: readFileSync(join(certsDir, 'issuing-ca.pem'), 'utf8'),
    clock,
    nextSerial: () => BigInt(`0x${randomBytes(8).toString('hex')}`),
    ...(settings.devTsaPolicy ? { policy: settings.devTsaPolicy } : {}),
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
  settings: PdfSettings,
  clock: () => Date,
): Promise<PdfToolkit> {
  const renderer = await DocumentRenderer.create(await loadRenderAssets(paths.templatesDir));
  const timestampAuthority = openTimestampAuthority(settings, paths.certsDir, clock);
  const keys = openKeyStore(settings, paths.certsDir);
  const longTerm = longTermOptions(settings, paths.certsDir, clock, timestampAuthority);
  return { pdfs: new SignedDocumentPdfs(renderer, keys, timestampAuthority, longTerm), keys, timestampAuthority };
}

/** The PDF side of the settings, for PDF worker threads (plain data, no keys opened). */
export function pdfSettingsOf(settings: PdfSettings): PdfSettings {
  const { masterKey, keysDir, tsaUrl, devTsaPolicy, padesLevel, ocspUrl, crlRefreshMs } = settings;
  return {
    crlRefreshMs,
    ...(masterKey ? { masterKey } : {}),
    ...(keysDir ? { keysDir } : {}),
    ...(tsaUrl ? { tsaUrl } : {}),
    ...(devTsaPolicy ? { devTsaPolicy } : {}),
    ...(padesLevel ? { padesLevel } : {}),
    ...(ocspUrl ? { ocspUrl } : {}),
  };
}

// ---- PAdES B-LT / B-LTA (issue 20): level, revocation sources, CRL refresh ----

/** The certs directory's CRLs, re-read on their nextUpdate or every SDX_CRL_REFRESH. */
export function crlFilesFrom(settings: Pick<PdfSettings, 'crlRefreshMs'>, certsDir: string, clock: () => Date): CrlFiles {
  return new CrlFiles([join(certsDir, 'issuing-ca.crl.pem'), join(certsDir, 'root-ca.crl.pem')], clock, settings.crlRefreshMs);
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
 * Validation data after each signature at `level` (SDX_PADES_LEVEL, B-T when unset: none): OCSP
 * from SDX_OCSP_URL when set, else the certs directory's own responder in process; CRLs from the
 * certs directory.
 */
export function longTermOptions(
  settings: PdfSettings,
  certsDir: string,
  clock: () => Date,
  timestampAuthority: TimestampAuthority,
  level: PadesLevel = settings.padesLevel ?? 'B-T',
): LongTermOptions | undefined {
  if (level === 'B-T') return undefined;
  const crls = crlFilesFrom(settings, certsDir, clock).current;
  const ocsp = settings.ocspUrl ? new HttpOcspSource({ url: settings.ocspUrl }) : devOcspResponderFrom(certsDir, crls, clock);
  const trust = trustFromCertsDir(certsDir);
  return { level, sources: { trust, crls, ...(ocsp ? { ocsp, preferDefault: true } : {}) }, clock, timestampAuthority };
}
