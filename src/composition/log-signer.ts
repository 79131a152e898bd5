// The audit log's signing key, kept apart from main.ts so that `sdx verify --sign` loads only this.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PartySigner } from '../application/ports/key-store.port';
import { createKeyObjectSigner } from '../adapters/pki/key-object-signer';
import { decodePem } from '../adapters/pki/pem';
import { resourcePaths } from './resources';

export function logKeyFile(env: NodeJS.ProcessEnv): string {
  return env.SDX_LOG_KEY_FILE ?? join(resourcePaths(env).certsDir, 'log-signing.key.pem');
}

/**
 * The audit log's signing key: SDX_LOG_KEY_FILE and SDX_LOG_CERT_FILE (PEM), by default the
 * development log key in the certs directory.
 */
export function logSignerFromEnv(env: NodeJS.ProcessEnv): PartySigner {
  const { certsDir } = resourcePaths(env);
  const keyFile = logKeyFile(env);
  const certFile = env.SDX_LOG_CERT_FILE ?? join(certsDir, 'log-signing.pem');
  const [certificate] = decodePem(readFileSync(certFile, 'utf8'), 'CERTIFICATE');
  if (!certificate) throw new Error(`${certFile} holds no certificate`);
  return createKeyObjectSigner({
    partyId: 'sdx-audit-log',
    privateKey: createPrivateKey(readFileSync(keyFile, 'utf8')),
    certificate,
    chain: decodePem(readFileSync(join(certsDir, 'issuing-ca.pem'), 'utf8'), 'CERTIFICATE'),
  });
}
