import { createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { signPdf } from '../../../src/adapters/pdf/sign/pades-signer';
import { verifyPdf, type PdfVerificationReport } from '../../../src/adapters/pdf/verify/verify-pdf';
import { auditCertificateCheck } from '../../../src/adapters/pki/audit-certificate-check';
import { revokeDevCertificates, rotateDevPartyKey } from '../../../src/adapters/pki/dev-pki';
import { EncryptedKeyStore } from '../../../src/adapters/pki/encrypted-key-store';
import { PemDirectoryKeyStore } from '../../../src/adapters/pki/file-key-store';
import { createKeyObjectSigner } from '../../../src/adapters/pki/key-object-signer';
import { partyIdentityOf } from '../../../src/adapters/pki/party-identity';
import { decodePem } from '../../../src/adapters/pki/pem';
import { x509 } from '../../../src/adapters/pki/x509';
import { openEvent, signEvent, type EventBody } from '../../../src/application/events/signed-event';
import type { KeyStore, PartySigner } from '../../../src/application/ports/key-store.port';
import { SdxError } from '../../../src/domain/shared/errors';
import { keysCommand } from '../../../src/cli/keys.command';
import { trustFromCertsDir } from '../../../src/main';
import { appearanceFont } from '../../support/appearance-font';
import { unsignedPdf } from '../../support/pdf-test-signing';
import { findingOf, folderTsa, signerCertificates, tempDevPki } from '../../support/temp-dev-pki';
import { settingsOrThrow } from '../../../src/settings';

// One party's keys over a pinned timeline, so that every date comparison is exact.
const issuedAt = new Date('2026-01-01T00:00:00Z');
const signedWithFirstKey = new Date('2026-02-01T09:00:00Z');
const rotatedAt = new Date('2026-03-01T00:00:00Z');
const signedWithSecondKey = new Date('2026-03-15T09:00:00Z');
const firstKeyRevokedAt = new Date('2026-04-01T00:00:00Z');
const signedAfterRevocation = new Date('2026-04-15T09:00:00Z');
const verifiedAt = new Date('2026-06-01T00:00:00Z');
const PARTY = 'demo-carrier';

let dir: string;
let firstCertificate: Uint8Array;
let secondCertificate: Uint8Array;
/** PDFs by who signed them when; filled in as the timeline goes. */
const pdfs: Record<string, Uint8Array> = {};

beforeAll(async () => {
  dir = await tempDevPki(issuedAt, [{ id: PARTY, name: 'Pearl Ocean Container Line (demo)', unifiedSocialCreditCode: '91310000000000001Y' }]);
  firstCertificate = certificateIn(`parties/${PARTY}.pem`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function certificateIn(relative: string): Uint8Array {
  const der = decodePem(readFileSync(join(dir, relative), 'utf8'), 'CERTIFICATE')[0];
  if (!der) throw new Error(`${relative} holds no certificate`);
  return der;
}

/** The development key store over the folder, trusting its CRLs as they are now, at `now`. */
function pemStore(now: Date): PemDirectoryKeyStore {
  return new PemDirectoryKeyStore(dir, { trust: trustFromCertsDir(dir), clock: () => now });
}

/** A one-signature PAdES PDF; B-T (time-stamped at `at`) unless `timestamped` is false. */
async function signedPdf(signer: PartySigner, at: Date, timestamped = true): Promise<Uint8Array> {
  return signPdf(await unsignedPdf({ text: `signed ${at.toISOString()}` }), {
    signer,
    fieldName: 'sdx-sig-1',
    signerName: 'Pearl Ocean Container Line',
    appearanceFont: await appearanceFont(),
    signingTime: at,
    ...(timestamped ? { timestampAuthority: folderTsa(dir, () => at) } : {}),
  });
}

function verify(pdf: Uint8Array): Promise<PdfVerificationReport> {
  return verifyPdf(pdf, { trust: trustFromCertsDir(dir), now: verifiedAt });
}

async function rejection(promise: Promise<unknown>): Promise<SdxError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(SdxError);
  return error as SdxError;
}

/** The first generation's key, used directly (as a thief would), bypassing the key store's refusal. */
function firstKeySigner(): PartySigner {
  return createKeyObjectSigner({
    partyId: PARTY,
    privateKey: createPrivateKey(readFileSync(join(dir, 'parties', `${PARTY}.key.pem`), 'utf8')),
    certificate: firstCertificate,
    chain: [certificateIn('issuing-ca.pem')],
  });
}

async function eventSignedBy(keys: KeyStore | PartySigner, at: Date): Promise<string> {
  const signer = 'signerFor' in keys ? await keys.signerFor(PARTY) : keys;
  const body: EventBody = {
    v: 1,
    documentId: 'doc-rotation',
    kind: 'delivery-order',
    seq: 1,
    type: 'issue',
    actor: { partyId: PARTY, userId: null },
    at: at.toISOString(),
    prev: null,
    payloadHash: '0'.repeat(64),
    data: {},
  };
  return signEvent(body, signer);
}

describe('rotating a party key in the development PKI folder', () => {
  it('when the party has one key, then the key store signs with it and the PDF verifies', async () => {
    const signer = await pemStore(signedWithFirstKey).signerFor(PARTY);
    expect(Buffer.from(signer.certificate)).toEqual(Buffer.from(firstCertificate));
    pdfs['first key, time-stamped'] = await signedPdf(signer, signedWithFirstKey);
    pdfs['first key, no time-stamp'] = await signedPdf(signer, signedWithFirstKey, false);
    expect((await verify(pdfs['first key, time-stamped']!)).verdict).toBe('valid');
  });

  it('when rotated, then generation 2 is written beside generation 1 with the same subject and another key', async () => {
    const rotated = await rotateDevPartyKey({ certsDir: dir, partyId: PARTY, now: rotatedAt });
    secondCertificate = rotated.certificate;
    expect(rotated.generation).toBe(2);
    expect(rotated.certificatePath).toBe(join(dir, 'parties', `${PARTY}.2.pem`));
    expect(existsSync(join(dir, 'parties', `${PARTY}.2.key.pem`))).toBe(true);
    expect(existsSync(join(dir, 'parties', `${PARTY}.pem`))).toBe(true);
    const [first, second] = [firstCertificate, secondCertificate].map((der) => new x509.X509Certificate(der));
    expect(second!.subject).toBe(first!.subject);
    // The SAN party URI and the organizationIdentifier move to the new generation too.
    expect(partyIdentityOf(secondCertificate)).toEqual(partyIdentityOf(firstCertificate));
    expect(partyIdentityOf(secondCertificate)).toMatchObject({ partyId: PARTY, legalId: '91310000000000001Y' });
    expect(second!.serialNumber).not.toBe(first!.serialNumber);
    expect(second!.notBefore).toEqual(rotatedAt);
    expect(Buffer.from(second!.publicKey.rawData)).not.toEqual(Buffer.from(first!.publicKey.rawData));
  });

  it('when rotated, then the key store signs with the newest certificate, and documents signed before and after both verify', async () => {
    const signer = await pemStore(signedWithSecondKey).signerFor(PARTY);
    expect(Buffer.from(signer.certificate)).toEqual(Buffer.from(secondCertificate));
    pdfs['second key, time-stamped'] = await signedPdf(signer, signedWithSecondKey);
    expect(signerCertificates(pdfs['second key, time-stamped']!)).toEqual([Buffer.from(secondCertificate)]);
    for (const name of ['first key, time-stamped', 'first key, no time-stamp', 'second key, time-stamped']) {
      expect({ name, verdict: (await verify(pdfs[name]!)).verdict }).toEqual({ name, verdict: 'valid' });
    }
  });

  it('when asked at a time before the rotation, then the store still chooses the first key (the newest valid then)', async () => {
    const signer = await pemStore(signedWithFirstKey).signerFor(PARTY);
    expect(Buffer.from(signer.certificate)).toEqual(Buffer.from(firstCertificate));
  });

  it('when rotated, then events signed with either certificate pass the audit certificate check', async () => {
    const check = auditCertificateCheck(trustFromCertsDir(dir));
    for (const [envelope, at] of [
      [await eventSignedBy(pemStore(signedWithFirstKey), signedWithFirstKey), signedWithFirstKey],
      [await eventSignedBy(pemStore(signedWithSecondKey), signedWithSecondKey), signedWithSecondKey],
    ] as const) {
      const opened = openEvent(envelope);
      expect(await check(opened.certificate, opened.chain, at, 'event')).toBeUndefined();
    }
  });
});

describe('revoking the first certificate on the issuing CA CRL', () => {
  beforeAll(async () => {
    await revokeDevCertificates({ certsDir: dir, certificates: [firstCertificate], revokedAt: firstKeyRevokedAt, now: firstKeyRevokedAt });
    pdfs['first key after revocation, time-stamped'] = await signedPdf(firstKeySigner(), signedAfterRevocation);
  });

  it('when the CRL is rewritten, then it lists the first certificate from the revocation time and keeps the dev revoked signer', () => {
    const crl = new x509.X509Crl(readFileSync(join(dir, 'issuing-ca.crl.pem'), 'utf8'));
    const first = new x509.X509Certificate(firstCertificate);
    expect(crl.findRevoked(first)?.revocationDate).toEqual(firstKeyRevokedAt);
    expect(crl.findRevoked(new x509.X509Certificate(certificateIn('revoked/revoked-signer.pem')))).not.toBeNull();
    expect(crl.findRevoked(new x509.X509Certificate(secondCertificate))).toBeNull();
  });

  it('when the party has a newer unrevoked certificate, then the key store keeps signing with it', async () => {
    const signer = await pemStore(signedAfterRevocation).signerFor(PARTY);
    expect(Buffer.from(signer.certificate)).toEqual(Buffer.from(secondCertificate));
  });

  it('when a PDF was signed and time-stamped before the revocation, then it stays valid and the finding names the revocation time', async () => {
    const report = await verify(pdfs['first key, time-stamped']!);
    expect(report.verdict).toBe('valid');
    const revocation = findingOf(report.findings, 'signature[0].revocation');
    expect(revocation).toMatchObject({ status: 'valid', code: 'revoked-after-signing', required: true });
    expect(revocation.message).toContain(firstKeyRevokedAt.toISOString());
    expect(revocation.message).toContain(signedWithFirstKey.toISOString());
  });

  it('when a PDF signed before the revocation has no time-stamp, then nothing proves when it was signed and it is revoked', async () => {
    const report = await verify(pdfs['first key, no time-stamp']!);
    expect(report.verdict).toBe('invalid');
    const revocation = findingOf(report.findings, 'signature[0].revocation');
    expect(revocation).toMatchObject({ status: 'invalid', code: 'certificate-revoked' });
    expect(revocation.message).toContain(firstKeyRevokedAt.toISOString());
    expect(revocation.message).toMatch(/no trusted time-stamp proves/);
  });

  it('when the revoked key signs after the revocation time, then the report marks the signature revoked from that time', async () => {
    const report = await verify(pdfs['first key after revocation, time-stamped']!);
    expect(report.verdict).toBe('invalid');
    expect(findingOf(report.findings, 'signature[0].timestamp')).toMatchObject({ status: 'valid' });
    const revocation = findingOf(report.findings, 'signature[0].revocation');
    expect(revocation).toMatchObject({ status: 'invalid', code: 'certificate-revoked' });
    expect(revocation.message).toContain(`was revoked on ${firstKeyRevokedAt.toISOString()}`);
    expect(revocation.message).toContain(signedAfterRevocation.toISOString());
  });

  it('when the second certificate verifies after the first is revoked, then documents it signed are untouched', async () => {
    const report = await verify(pdfs['second key, time-stamped']!);
    expect(report.verdict).toBe('valid');
    expect(findingOf(report.findings, 'signature[0].revocation')).toMatchObject({ status: 'valid', code: 'ok' });
  });

  it('when the audit checks events of the revoked certificate, then those before the revocation pass and those after fail with its time', async () => {
    const check = auditCertificateCheck(trustFromCertsDir(dir));
    const before = openEvent(await eventSignedBy(firstKeySigner(), signedWithFirstKey));
    const after = openEvent(await eventSignedBy(firstKeySigner(), signedAfterRevocation));
    expect(await check(before.certificate, before.chain, signedWithFirstKey, 'event')).toBeUndefined();
    const reason = await check(after.certificate, after.chain, signedAfterRevocation, 'event');
    expect(reason).toContain(`was revoked on ${firstKeyRevokedAt.toISOString()}`);
    expect(reason).toContain('[certificate-revoked]');
  });
});

describe('revoking every certificate of the party', () => {
  const allRevokedAt = new Date('2026-05-01T00:00:00Z');
  beforeAll(async () => {
    await revokeDevCertificates({ certsDir: dir, certificates: [firstCertificate, secondCertificate], revokedAt: allRevokedAt, now: allRevokedAt });
  });

  it('when no certificate is left, then the key store refuses with signer-revoked, naming the newest certificate and its revocation time', async () => {
    const error = await rejection(pemStore(new Date('2026-05-02T00:00:00Z')).signerFor(PARTY));
    expect(error.code).toBe('signer-revoked');
    expect(error.message).toContain(new x509.X509Certificate(secondCertificate).serialNumber);
    expect(error.message).toContain(allRevokedAt.toISOString());
    expect(error.message).toContain(`sdx keys rotate --party ${PARTY}`);
    expect(error.message).not.toContain(dir);
  });

  it('when a certificate already on the CRL is revoked again, then it keeps its first revocation time', () => {
    const crl = new x509.X509Crl(readFileSync(join(dir, 'issuing-ca.crl.pem'), 'utf8'));
    expect(crl.findRevoked(new x509.X509Certificate(firstCertificate))?.revocationDate).toEqual(firstKeyRevokedAt);
  });

  it('when the store is asked at a time before the revocation, then it still signs (revocation takes effect at its time)', async () => {
    const signer = await pemStore(new Date('2026-04-20T00:00:00Z')).signerFor(PARTY);
    expect(Buffer.from(signer.certificate)).toEqual(Buffer.from(secondCertificate));
  });

  it('when the store trusts no CRL, then it cannot know and signs with the newest certificate', async () => {
    const signer = await new PemDirectoryKeyStore(dir, { clock: () => new Date('2026-05-02T00:00:00Z') }).signerFor(PARTY);
    expect(Buffer.from(signer.certificate)).toEqual(Buffer.from(secondCertificate));
  });

  it('when every certificate is past its validity, then the key store refuses with signer-expired', async () => {
    const error = await rejection(new PemDirectoryKeyStore(dir, { clock: () => new Date('2040-01-01T00:00:00Z') }).signerFor(PARTY));
    expect(error.code).toBe('signer-expired');
    expect(error.message).toMatch(/not at 2040-01-01T00:00:00.000Z/);
  });
});

describe('rotating a sealed key with sdx keys rotate', () => {
  const masterKey = randomBytes(32);
  const env = { SDX_MASTER_KEY: masterKey.toString('base64') };
  let sealedDir: string;
  let pki: string;
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };

  beforeAll(async () => {
    pki = await tempDevPki(issuedAt, [{ id: PARTY, name: 'Pearl Ocean Container Line (demo)' }]);
    sealedDir = join(pki, 'sealed');
    expect(await keysCommand(['seal', '--from', pki, '--out', sealedDir], io, settingsOrThrow(env))).toBe(0);
  });
  afterAll(() => rmSync(pki, { recursive: true, force: true }));

  function sealedStore(now: Date): EncryptedKeyStore {
    return new EncryptedKeyStore(masterKey, { directory: sealedDir }, { trust: trustFromCertsDir(pki), clock: () => now });
  }

  it('when a new key and certificate are sealed as the next generation, then the store signs with them and the old PDF still verifies', async () => {
    const before = await sealedStore(signedWithFirstKey).signerFor(PARTY);
    const oldPdf = await signPdf(await unsignedPdf(), {
      signer: before,
      fieldName: 'sdx-sig-1',
      signerName: 'Pearl Ocean Container Line',
      appearanceFont: await appearanceFont(),
      signingTime: signedWithFirstKey,
      timestampAuthority: folderTsa(pki, () => signedWithFirstKey),
    });

    // The party's CA issues the new key pair; here the folder's development CA does.
    const issued = await rotateDevPartyKey({ certsDir: pki, partyId: PARTY, now: rotatedAt });
    const code = await keysCommand(['rotate', '--party', PARTY, '--key', issued.keyPath, '--cert', issued.certificatePath, '--keys-dir', sealedDir, '--certs-dir', pki], io, settingsOrThrow(env));
    expect({ code, lines }).toMatchObject({ code: 0 });
    expect(lines).toContain(`rotated ${PARTY}: sealed generation 2 in ${sealedDir}`);
    expect(existsSync(join(sealedDir, `${PARTY}.2.sealed.json`))).toBe(true);
    expect(readFileSync(join(sealedDir, `${PARTY}.2.sealed.json`), 'utf8')).not.toContain(readFileSync(issued.keyPath, 'utf8').split('\n')[1]);

    const after = await sealedStore(signedWithSecondKey).signerFor(PARTY);
    expect(Buffer.from(after.certificate)).toEqual(Buffer.from(issued.certificate));
    expect(after.chain.map((c) => Buffer.from(c))).toEqual(before.chain.map((c) => Buffer.from(c)));
    const report = await verifyPdf(oldPdf, { trust: trustFromCertsDir(pki), now: verifiedAt });
    expect(report.verdict).toBe('valid');

    await revokeDevCertificates({ certsDir: pki, certificates: [issued.certificate, before.certificate], revokedAt: firstKeyRevokedAt, now: firstKeyRevokedAt });
    expect((await rejection(sealedStore(signedAfterRevocation).signerFor(PARTY))).code).toBe('signer-revoked');
  });
});
