// The committed development PKI (certs-dev/, made by `npm run certs:dev`), read for tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTrustMaterialFromPem, type TrustMaterial } from '../../src/adapters/pki/certificate-validation';
import { decodePem } from '../../src/adapters/pki/pem';
import { repoRoot } from './examples';

export const certsDev = join(repoRoot, 'certs-dev');

export function certsDevPath(relative: string): string {
  return join(certsDev, relative);
}

export function certsDevText(relative: string): string {
  return readFileSync(certsDevPath(relative), 'utf8');
}

/** The first certificate in a certs-dev PEM file, as DER. */
export function certsDevCertificate(relative: string): Uint8Array {
  const der = decodePem(certsDevText(relative), 'CERTIFICATE')[0];
  if (!der) throw new Error(`${relative} holds no certificate: run "npm run certs:dev"`);
  return der;
}

/** Root as anchor, issuing CA as intermediate, and (unless `withCrl` is false) both CAs' CRLs. */
export function certsDevTrust(options: { withCrl?: boolean } = {}): TrustMaterial {
  return loadTrustMaterialFromPem({
    anchors: [certsDevText('root-ca.pem')],
    intermediates: [certsDevText('issuing-ca.pem')],
    crls: options.withCrl === false ? [] : [certsDevText('issuing-ca.crl.pem'), certsDevText('root-ca.crl.pem')],
  });
}
