// Where the templates, the development PKI and the web scripts are, and the trust they give; light
// enough for `sdx verify` to load without the rest of the wiring.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadTrustMaterialFromPem, type TrustMaterial } from '../adapters/pki/trust-material';

/** The checkout or package this code runs from: the nearest folder above with package.json and templates/. */
export const projectRoot = ((): string => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
  }
  return resolve(__dirname, '..');
})();

/** Where the templates (layouts, fonts) and the development PKI live; overridable for deployments. */
export function resourcePaths(env: NodeJS.ProcessEnv): { templatesDir: string; certsDir: string; webDir: string } {
  return {
    templatesDir: env.SDX_TEMPLATES_DIR ?? join(projectRoot, 'templates'),
    certsDir: env.SDX_CERTS_DIR ?? join(projectRoot, 'certs-dev'),
    // The pages' browser scripts, compiled by `npm run build` from src/web.
    webDir: env.SDX_WEB_DIR ?? join(projectRoot, 'dist', 'web'),
  };
}

/** Trust anchors, intermediates and CRLs of a certs-dev style directory. */
export function trustFromCertsDir(certsDir: string, extraAnchorPems: readonly string[] = []): TrustMaterial {
  const read = (name: string) => readFileSync(join(certsDir, name), 'utf8');
  return loadTrustMaterialFromPem({
    anchors: extraAnchorPems.length > 0 ? [...extraAnchorPems] : [read('root-ca.pem')],
    intermediates: [read('issuing-ca.pem')],
    crls: [read('issuing-ca.crl.pem'), read('root-ca.crl.pem')],
  });
}
