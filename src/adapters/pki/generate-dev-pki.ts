/**
 * `npm run certs:dev`: regenerates certs-dev/ from certs-dev/demo-parties.json. An optional first
 * argument writes into another directory instead (tests use a temporary one).
 *
 * `npm run certs:dev -- --reissue-parties [dir]`: re-issues only the party certificates
 * (`parties/<id>.pem`) under the current profile, for the parties' existing keys and from the
 * existing issuing CA; every key, CA, TSA and CRL stays, so what was signed before still verifies.
 *
 * `npm run certs:dev -- --add-ocsp [dir]`: adds the OCSP responder certificate (`ocsp.pem`) from
 * the existing issuing CA, keeping everything else.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDemoParties } from '../../application/demo-parties';
import { generateDevPki, issueDevOcspSigner, reissueDevPartyCertificates, type DevPkiParty } from './dev-pki';

/** A fixed issue date keeps names, serials and validity stable across regenerations. */
export const DEV_PKI_ISSUE_DATE = new Date('2026-01-01T00:00:00Z');

/** The demo party that gets an RSA key, so that RSA signing paths are exercised too. */
const RSA_PARTY = 'demo-forwarder';

async function main(args: string[]): Promise<void> {
  const certsDev = resolve(__dirname, '..', '..', '..', 'certs-dev');
  const reissue = args[0] === '--reissue-parties';
  const addOcsp = args[0] === '--add-ocsp';
  const target = reissue || addOcsp ? args[1] : args[0];
  const outDir = target ? resolve(target) : certsDev;
  const demo = parseDemoParties(JSON.parse(await readFile(resolve(certsDev, 'demo-parties.json'), 'utf8')));
  const parties: DevPkiParty[] = demo.parties.map(({ party }) => ({
    id: party.id,
    name: party.name.en,
    keyType: party.id === RSA_PARTY ? 'rsa' : 'ec',
    ...(party.identifiers?.unifiedSocialCreditCode ? { unifiedSocialCreditCode: party.identifiers.unifiedSocialCreditCode } : {}),
  }));
  if (addOcsp) {
    await issueDevOcspSigner({ certsDir: outDir, now: DEV_PKI_ISSUE_DATE });
    process.stdout.write(`added the OCSP responder certificate to ${outDir} (keys and CAs kept)\n`);
    return;
  }
  if (reissue) {
    const written = await reissueDevPartyCertificates({ certsDir: outDir, now: DEV_PKI_ISSUE_DATE, parties });
    process.stdout.write(`re-issued ${written.length} party certificates in ${outDir} (keys and CAs kept)\n`);
    return;
  }
  await generateDevPki({ outDir, now: DEV_PKI_ISSUE_DATE, parties });
  process.stdout.write(`wrote a development PKI for ${parties.length} parties into ${outDir}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`certs:dev: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
