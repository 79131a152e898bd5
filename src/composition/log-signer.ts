// The audit log's signing key, kept apart from main.ts so that `sdx verify --sign` loads only this.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PartySigner } from '../application/ports/key-store.port';
import { createKeyObjectSigner } from '../adapters/pki/key-object-signer';
import { decodePem } from '../adapters/pki/pem';

/** Where the audit log's key and certificate are (SDX_LOG_KEY_FILE, SDX_LOG_CERT_FILE, the certs directory's chain). */
export interface LogSignerFiles {
  readonly logKeyFile: string;
  readonly logCertFile: string;
  readonly paths: { readonly certsDir: string };
}

/** The audit log's signing key: by default the development log key in the certs directory. */
export function openLogSigner(files: LogSignerFiles): PartySigner {
  const [certificate] = decodePem(readFileSync(files.logCertFile, 'utf8'), 'CERTIFICATE');
  if (!certificate) throw new Error(`${files.logCertFile} holds no certificate`);
  return createKeyObjectSigner({
    partyId: 'sdx-audit-log',
    privateKey: createPrivateKey(readFileSync(files.logKeyFile, 'utf8')),
    certificate,
    chain: decodePem(readFileSync(join(files.paths.certsDir, 'issuing-ca.pem'), 'utf8'), 'CERTIFICATE'),
  });
}
