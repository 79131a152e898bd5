// PAdES B-LT: after each signature a DSS update carries the signer's and the TSA's paths and fresh
// revocation data. Checked by the verifier's strict SDX profile and, independently, by openssl
// (crl -verify, ocsp -respin), qpdf and pdfsig.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addValidationData } from '../../../../src/adapters/pdf/sign/pades-ltv';
import { revokeDevCertificates } from '../../../../src/adapters/pki/dev-pki';
import { PemDirectoryKeyStore } from '../../../../src/adapters/pki/file-key-store';
import { x509 } from '../../../../src/adapters/pki/x509';
import type { DocumentKind } from '../../../../src/domain/document/document';
import { certsDevPath } from '../../../support/certs-dev';
import { itWith } from '../../../support/external-tools';
import { expectLastSignatureSoundInPdfsig, expectVerdict, verifyOffline } from '../../../support/forgery-expect';
import { demoDocuments, type GenuineDocument } from '../../../support/forgery-sources';
import { dssOf, folderRevocationSources } from '../../../support/ltv-sources';
import { qpdfCheck, run, scratchDir } from '../../../support/pdf-signature-tools';
import { partySigner, sdxStyleSign } from '../../../support/pdf-forgery-kit';
import { demoPkiParties, signerCertificates, tempDevPki } from '../../../support/temp-dev-pki';

jest.setTimeout(60_000);

const demo = new Map<DocumentKind, GenuineDocument>();
let dOrder: Uint8Array;
let eir: Uint8Array;
beforeAll(async () => {
  for (const doc of await demoDocuments()) demo.set(doc.kind, doc);
  const sources = folderRevocationSources();
  dOrder = await addValidationData((demo.get('delivery-order') as GenuineDocument).firstSigned, sources, new Date());
  const eirDoc = demo.get('eir') as GenuineDocument;
  // Issuer signs, B-LT; the haulier countersigns the B-LT file, B-LT again.
  const first = await addValidationData(eirDoc.firstSigned, sources, new Date());
  eir = await addValidationData(await sdxStyleSign(first, partySigner(eirDoc.countersigner ?? 'demo-haulier-a')), sources, new Date());
});

describe('PAdES B-LT validation data', () => {
  it('when a DSS follows the signature, then the document is still valid under the strict SDX profile', async () => {
    expectVerdict(await verifyOffline(dOrder), 'valid');
  });

  it('when a DSS follows each of two signatures, then the countersigned EIR stays valid and the DSS keeps both VRI entries', async () => {
    expectVerdict(await verifyOffline(eir), 'valid');
    expect(dssOf(eir).vriKeys).toHaveLength(2);
  });

  it('when the DSS is read back, then it holds the path to the root of the signer and of the TSA, CRLs, and OCSP answers', () => {
    const dss = dssOf(dOrder);
    const subjects = dss.certs.map((der) => new x509.X509Certificate(der).subject);
    expect(subjects).toEqual(expect.arrayContaining([expect.stringContaining('Root CA'), expect.stringContaining('Issuing CA'), expect.stringContaining('Time-Stamping'), expect.stringContaining('OCSP Responder')]));
    // One OCSP answer for the signer and one for the TSA (both issued by the issuing CA); the issuing CA by the root's CRL.
    expect(dss.ocsps).toHaveLength(2);
    expect(dss.crls.length).toBeGreaterThanOrEqual(2);
  });

  itWith('openssl')('when openssl checks the embedded CRLs and OCSP responses, then each verifies against the development root', () => {
    const dir = scratchDir();
    const dss = dssOf(dOrder);
    const chain = join(dir, 'chain.pem');
    writeFileSync(chain, `${x509.PemConverter.encode(dss.certs.map((der) => new Uint8Array(der).buffer as ArrayBuffer), 'CERTIFICATE')}\n`);
    for (const [index, crl] of dss.crls.entries()) {
      const file = join(dir, `crl-${index}.der`);
      writeFileSync(file, crl);
      const issuer = run('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-issuer']).output.includes('Root CA') ? 'root-ca.pem' : 'issuing-ca.pem';
      const result = run('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-CAfile', certsDevPath(issuer)]);
      expect(result.output).toContain('verify OK');
    }
    for (const [index, ocsp] of dss.ocsps.entries()) {
      const file = join(dir, `ocsp-${index}.der`);
      writeFileSync(file, ocsp);
      const result = run('openssl', ['ocsp', '-respin', file, '-CAfile', certsDevPath('root-ca.pem'), '-verify_other', chain, '-resp_text']);
      expect(result.output).toContain('Response verify OK');
      expect(result.output).toContain('Cert Status: good');
    }
  });

  itWith('qpdf')('when qpdf checks the B-LT files, then it finds no errors', () => {
    for (const pdf of [dOrder, eir]) expect(qpdfCheck(pdf).ok).toBe(true);
  });

  itWith('pdfsig', 'certutil')('when pdfsig reads the B-LT EIR, then its last signature is still valid', () => {
    expectLastSignatureSoundInPdfsig(eir);
  });

  it('when the signer is revoked after the service started, then the next B-LT signature is refused without a restart', async () => {
    const dir = await tempDevPki(new Date('2026-01-01T00:00:00Z'), demoPkiParties().filter((p) => p.id === 'demo-terminal'));
    const sources = folderRevocationSources(dir);
    const signer = await new PemDirectoryKeyStore(dir).signerFor('demo-terminal');
    const signed = await sdxStyleSign(demo.get('eir')?.firstSigned ?? new Uint8Array(), signer);
    await expect(addValidationData(signed, sources, new Date())).resolves.toBeInstanceOf(Uint8Array);
    const [terminal] = signerCertificates(signed).slice(-1);
    await revokeDevCertificates({ certsDir: dir, certificates: [terminal as Uint8Array], revokedAt: new Date(Date.now() - 60_000), now: new Date() });
    await expect(addValidationData(signed, sources, new Date())).rejects.toMatchObject({ code: 'signer-revoked' });
  });
});
