// Revocation sources over the committed development PKI (or a temporary copy): its CRLs, read on
// every call so that a revocation written to the folder shows at once, and its OCSP responder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RevocationSources } from '../../src/adapters/pdf/sign/validation-data';
import { loadTrustMaterialFromPem } from '../../src/adapters/pki/certificate-validation';
import { DevOcspResponder } from '../../src/adapters/pki/ocsp';
import { DocumentView } from '../../src/adapters/pdf/verify/pdf-revisions';
import { readDss, type DssContents } from '../../src/adapters/pdf/verify/dss-reader';
import { certsDev } from './certs-dev';

export function folderCrls(dir: string): () => Uint8Array[] {
  return () => loadTrustMaterialFromPem({ anchors: [], crls: [readFileSync(join(dir, 'issuing-ca.crl.pem'), 'utf8'), readFileSync(join(dir, 'root-ca.crl.pem'), 'utf8')] }).crls;
}

export function folderOcsp(dir: string, clock: () => Date): DevOcspResponder {
  return DevOcspResponder.fromPem({
    issuerPem: readFileSync(join(dir, 'issuing-ca.pem'), 'utf8'),
    certificatePem: readFileSync(join(dir, 'ocsp.pem'), 'utf8'),
    keyPem: readFileSync(join(dir, 'ocsp.key.pem'), 'utf8'),
    crls: folderCrls(dir),
    clock,
  });
}

export function folderRevocationSources(dir: string = certsDev, clock: () => Date = () => new Date()): RevocationSources {
  const pems = loadTrustMaterialFromPem({ anchors: [readFileSync(join(dir, 'root-ca.pem'), 'utf8')], intermediates: [readFileSync(join(dir, 'issuing-ca.pem'), 'utf8')] });
  return { trust: pems, crls: folderCrls(dir), ocsp: folderOcsp(dir, clock), preferDefault: true };
}

/** The DSS of a PDF as its final revision names it, read with the verifier's own parser: DER of each list. */
export function dssOf(pdf: Uint8Array): DssContents {
  return readDss(DocumentView.open(pdf));
}
