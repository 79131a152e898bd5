// A development PKI written by the real generator into a temporary folder, for tests that rotate
// and revoke keys (the committed certs-dev/ is shared by other tests and must not change).
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSignerCertificate, parseCms } from '../../src/adapters/pdf/verify/cms-signature';
import { generateDevPki, type DevPkiParty } from '../../src/adapters/pki/dev-pki';
import { DevTimestampAuthority } from '../../src/adapters/pki/dev-timestamp-authority';
import { parseDemoParties } from '../../src/application/demo-parties';
import type { Finding } from '../../src/domain/verification/finding';
import { certsDev, certsDevText } from './certs-dev';
import { embeddedSignatures } from './pdf-signature-tools';

/**
 * Writes a PKI issued at `now` into a new temporary folder (certs-dev layout) and returns the
 * folder. Top-level certs-dev files the generator does not write (keys of other features) are
 * copied, so that the service starts on the folder.
 */
export async function tempDevPki(now: Date, parties: DevPkiParty[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sdx-rotation-pki-'));
  await generateDevPki({ outDir: dir, now, parties });
  for (const entry of readdirSync(certsDev, { withFileTypes: true })) {
    if (entry.isFile() && !existsSync(join(dir, entry.name))) copyFileSync(join(certsDev, entry.name), join(dir, entry.name));
  }
  return dir;
}

/** Every demo party of certs-dev/demo-parties.json, with EC keys (quicker to make than RSA). */
export function demoPkiParties(): DevPkiParty[] {
  return parseDemoParties(JSON.parse(certsDevText('demo-parties.json'))).parties.map(({ party }) => ({
    id: party.id,
    name: party.name.en,
    ...(party.identifiers?.unifiedSocialCreditCode ? { unifiedSocialCreditCode: party.identifiers.unifiedSocialCreditCode } : {}),
  }));
}

/** The folder's development TSA on the given clock. */
export function folderTsa(dir: string, clock: () => Date): DevTimestampAuthority {
  let serial = 0n;
  return DevTimestampAuthority.fromPem({
    certificatePem: readFileSync(join(dir, 'tsa.pem'), 'utf8'),
    privateKeyPem: readFileSync(join(dir, 'tsa.key.pem'), 'utf8'),
    chainPem: readFileSync(join(dir, 'issuing-ca.pem'), 'utf8'),
    clock,
    nextSerial: () => ++serial,
  });
}

/** The signer certificate (DER) of each signature in a PDF, in file order. */
export function signerCertificates(pdf: Uint8Array): Buffer[] {
  return embeddedSignatures(pdf).map((signature) => {
    const cms = parseCms(signature.cms);
    const certificate = findSignerCertificate(cms.signerInfo, cms.certificates);
    if (!certificate) throw new Error('a signature carries no signer certificate');
    return Buffer.from(certificate);
  });
}

/** The finding of one check, failing the test when the report has none. */
export function findingOf(findings: readonly Finding[], check: string): Finding {
  const found = findings.find((f) => f.check === check);
  if (!found) throw new Error(`no finding ${check} among ${findings.map((f) => f.check).join(', ')}`);
  return found;
}
