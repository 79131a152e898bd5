// The trust a certs directory gives; light enough for `sdx verify` to load.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTrustMaterialFromPem, type TrustMaterial } from '../adapters/pki/trust-material';

/** Trust anchors, intermediates and CRLs of a certs-dev style directory. */
export function trustFromCertsDir(certsDir: string, extraAnchorPems: readonly string[] = []): TrustMaterial {
  const read = (name: string) => readFileSync(join(certsDir, name), 'utf8');
  return loadTrustMaterialFromPem({
    anchors: extraAnchorPems.length > 0 ? [...extraAnchorPems] : [read('root-ca.pem')],
    intermediates: [read('issuing-ca.pem')],
    crls: [read('issuing-ca.crl.pem'), read('root-ca.crl.pem')],
  });
}
