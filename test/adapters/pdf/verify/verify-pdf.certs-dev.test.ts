import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { signPdf } from '../../../../src/adapters/pdf/sign/pades-signer';
import { DocumentRenderer, loadRenderAssets } from '../../../../src/adapters/pdf/render/render-document';
import { verifyPdf } from '../../../../src/adapters/pdf/verify/verify-pdf';
import { createKeyObjectSigner } from '../../../../src/adapters/pki/key-object-signer';
import { PemDirectoryKeyStore } from '../../../../src/adapters/pki/file-key-store';
import type { PartySigner } from '../../../../src/application/ports/key-store.port';
import { canonicalHash } from '../../../../src/domain/shared/canonical-json';
import { appearanceFont } from '../../../support/appearance-font';
import { certsDev, certsDevCertificate, certsDevText, certsDevTrust } from '../../../support/certs-dev';
import { examplePayload, repoRoot } from '../../../support/examples';

/** Real documents signed with certs-dev identities: the trust checks a gate clerk depends on. */
const payload = examplePayload('delivery-order');
const payloadHash = canonicalHash(payload);
let unsigned: Uint8Array;

beforeAll(async () => {
  const renderer = await DocumentRenderer.create(await loadRenderAssets(join(repoRoot, 'templates')));
  unsigned = await renderer.render({
    kind: 'delivery-order',
    payload,
    documentId: 'do-verify-1',
    version: 1,
    payloadHash,
    verifyUrl: 'http://127.0.0.1:8080/verify/do-verify-1',
    issuedAt: '2026-11-28T02:00:00.000Z',
    issuerName: 'Huangpu Shipping Agency (demo)',
    issuerPartyId: 'demo-agent-sha',
  });
}, 30_000);

function signerFrom(dir: 'revoked' | 'expired'): PartySigner {
  return createKeyObjectSigner({
    partyId: `${dir}-signer`,
    privateKey: createPrivateKey(certsDevText(`${dir}/${dir}-signer.key.pem`)),
    certificate: certsDevCertificate(`${dir}/${dir}-signer.pem`),
    chain: [certsDevCertificate('issuing-ca.pem')],
  });
}

async function signedBy(signer: PartySigner): Promise<Uint8Array> {
  return signPdf(unsigned, { signer, fieldName: 'sdx-issuer', signerName: 'test', appearanceFont: await appearanceFont(), signingTime: new Date('2026-11-28T02:00:00Z') });
}

const now = new Date('2026-11-28T03:00:00Z');

function invalidCodes(report: Awaited<ReturnType<typeof verifyPdf>>): string[] {
  return report.findings.filter((f) => f.status === 'invalid').map((f) => `${f.check}:${f.code}`);
}

describe('verifying documents signed with certs-dev identities', () => {
  it('when a demo party signs and the ledger hash matches, then every required finding is valid', async () => {
    const pdf = await signedBy(await new PemDirectoryKeyStore(certsDev).signerFor('demo-agent-sha'));
    const report = await verifyPdf(pdf, { trust: certsDevTrust(), now, expectedPayloadHash: payloadHash });
    expect(invalidCodes(report)).toEqual([]);
    expect(report.verdict).toBe('valid');
    expect(report.findings).toContainEqual(expect.objectContaining({ check: 'document.payload-hash', status: 'valid' }));
    // People know it by its D/O number (from the embedded payload), not by the ledger id.
    expect(report.document).toMatchObject({ kind: 'delivery-order', documentId: 'do-verify-1', number: payload.deliveryOrderNumber });
  });

  it('when the ledger holds another payload hash, then payload-hash-mismatch', async () => {
    const pdf = await signedBy(await new PemDirectoryKeyStore(certsDev).signerFor('demo-agent-sha'));
    const report = await verifyPdf(pdf, { trust: certsDevTrust(), now, expectedPayloadHash: canonicalHash({ other: true }) });
    expect(invalidCodes(report)).toEqual(['document.payload-hash:payload-hash-mismatch']);
  });

  it('when the signer certificate is on the issuing CA CRL, then certificate-revoked', async () => {
    const report = await verifyPdf(await signedBy(signerFrom('revoked')), { trust: certsDevTrust(), now });
    // The test signers name no SDX party, so the document's issuer check fails too.
    expect(invalidCodes(report)).toEqual(['signature[0].revocation:certificate-revoked', 'signature[0].signer:signer-not-identified']);
    expect(report.verdict).toBe('invalid');
  });

  it('when the signer certificate has expired, then certificate-expired', async () => {
    const report = await verifyPdf(await signedBy(signerFrom('expired')), { trust: certsDevTrust(), now });
    expect(invalidCodes(report)).toEqual(['signature[0].validity:certificate-expired', 'signature[0].signer:signer-not-identified']);
  });

  it('when the chain does not reach a configured anchor, then chain-untrusted', async () => {
    const pdf = await signedBy(await new PemDirectoryKeyStore(certsDev).signerFor('demo-forwarder'));
    const trust = { ...certsDevTrust(), anchors: [certsDevCertificate('tsa.pem')] };
    const report = await verifyPdf(pdf, { trust, now });
    expect(invalidCodes(report)).toContain('signature[0].chain:chain-untrusted');
  });
});
