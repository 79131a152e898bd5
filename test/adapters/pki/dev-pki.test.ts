import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate as NodeCertificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpSync } from 'node:fs';
import { generateDevPki, reissueDevPartyCertificates } from '../../../src/adapters/pki/dev-pki';
import { partyIdentityOf } from '../../../src/adapters/pki/party-identity';
import { ID_KP_DOCUMENT_SIGNING, ID_KP_EMAIL_PROTECTION, ID_KP_TIME_STAMPING } from '../../../src/adapters/pki/pki-oids';
import { x509 } from '../../../src/adapters/pki/x509';
import { parseDemoParties } from '../../../src/application/demo-parties';
import { certsDev, certsDevPath, certsDevText } from '../../support/certs-dev';
import { repoRoot } from '../../support/examples';
import { itWith } from '../../support/external-tools';

const issueDate = new Date('2026-01-01T00:00:00Z');
const out = mkdtempSync(join(tmpdir(), 'sdx-dev-pki-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function certificate(dir: string, relative: string): x509.X509Certificate {
  return new x509.X509Certificate(readFileSync(join(dir, relative), 'utf8'));
}

function keyUsage(cert: x509.X509Certificate) {
  return cert.getExtension(x509.KeyUsagesExtension);
}

function ekus(cert: x509.X509Certificate) {
  return cert.getExtension(x509.ExtendedKeyUsageExtension);
}

describe('generateDevPki', () => {
  beforeAll(async () => {
    await generateDevPki({
      outDir: out,
      now: issueDate,
      parties: [
        { id: 'demo-carrier', name: 'Pearl Ocean Container Line (demo)', unifiedSocialCreditCode: '91310000000000001Y' },
        { id: 'demo-forwarder', name: 'Bund Freight Forwarding (demo)', keyType: 'rsa' },
      ],
    });
  });

  it('when run, then it writes the documented layout', () => {
    const files = [
      'root-ca.pem', 'root-ca.key.pem', 'root-ca.crl.pem', 'issuing-ca.pem', 'issuing-ca.key.pem', 'issuing-ca.crl.pem',
      'tsa.pem', 'tsa.key.pem', 'log-signing.pem', 'log-signing.key.pem',
      'parties/demo-carrier.pem', 'parties/demo-carrier.key.pem', 'parties/demo-forwarder.pem', 'parties/demo-forwarder.key.pem',
      'revoked/revoked-signer.pem', 'revoked/revoked-signer.key.pem', 'expired/expired-signer.pem', 'expired/expired-signer.key.pem',
    ];
    expect(files.filter((file) => !existsSync(join(out, file)))).toEqual([]);
    expect(readFileSync(join(out, 'issuing-ca.crl.pem'), 'utf8')).toMatch(/^-----BEGIN X509 CRL-----/);
    expect(readFileSync(join(out, 'parties/demo-carrier.key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('when run, then the root is a self-signed CA for certificates and CRLs only', async () => {
    const root = certificate(out, 'root-ca.pem');
    expect(await root.isSelfSigned()).toBe(true);
    const basic = root.getExtension(x509.BasicConstraintsExtension);
    expect(basic).toMatchObject({ ca: true, critical: true });
    expect(keyUsage(root)).toMatchObject({ critical: true, usages: x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign });
  });

  it('when run, then the TSA certificate has exactly the critical timeStamping EKU and is issued by the issuing CA', async () => {
    const tsa = certificate(out, 'tsa.pem');
    const issuing = certificate(out, 'issuing-ca.pem');
    expect(ekus(tsa)).toMatchObject({ critical: true, usages: [ID_KP_TIME_STAMPING] });
    expect(keyUsage(tsa)?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(await tsa.verify({ publicKey: issuing.publicKey, signatureOnly: true })).toBe(true);
  });

  it('when run, then a party certificate names the party, allows signing, has both EKUs and key identifiers', () => {
    const party = certificate(out, 'parties/demo-carrier.pem');
    const issuing = certificate(out, 'issuing-ca.pem');
    expect(party.subjectName.getField('CN')).toEqual(['Pearl Ocean Container Line (demo)']);
    expect(party.subjectName.getField('O')).toEqual(['demo-carrier']);
    expect(keyUsage(party)).toMatchObject({ critical: true, usages: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation });
    expect(ekus(party)?.usages).toEqual([ID_KP_EMAIL_PROTECTION, ID_KP_DOCUMENT_SIGNING]);
    const ski = issuing.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    expect(party.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(ski);
    expect(party.getExtension(x509.SubjectKeyIdentifierExtension)).not.toBeNull();
    expect(party.notBefore).toEqual(issueDate);
    expect(party.notAfter).toEqual(new Date('2036-01-01T00:00:00Z'));
  });

  it('when run, then a party certificate names the SDX party in a SAN URI and, with a USCC, carries it as organizationIdentifier', () => {
    const carrier = certificate(out, 'parties/demo-carrier.pem');
    expect(carrier.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => [n.type, n.value])).toEqual([
      ['url', 'urn:sdx:party:demo-carrier'],
    ]);
    expect(carrier.subjectName.getField('2.5.4.97')).toEqual(['NTRCN-91310000000000001Y']);
    expect(partyIdentityOf(new Uint8Array(carrier.rawData))).toEqual({
      partyId: 'demo-carrier',
      name: 'Pearl Ocean Container Line (demo)',
      legalId: '91310000000000001Y',
    });
    // No USCC, no organizationIdentifier; the SAN is there all the same.
    const forwarder = certificate(out, 'parties/demo-forwarder.pem');
    expect(forwarder.subjectName.getField('2.5.4.97')).toEqual([]);
    expect(partyIdentityOf(new Uint8Array(forwarder.rawData))).toMatchObject({ partyId: 'demo-forwarder', legalId: null });
  });

  it('when party certificates are re-issued, then keys and CAs stay, the certificates match their keys and chain to the same root', async () => {
    const copy = `${out}-reissued`;
    cpSync(out, copy, { recursive: true });
    const before = readFileSync(join(copy, 'parties/demo-forwarder.pem'), 'utf8');
    const keep = ['root-ca.pem', 'issuing-ca.pem', 'issuing-ca.key.pem', 'tsa.pem', 'parties/demo-carrier.key.pem', 'parties/demo-forwarder.key.pem'];
    const kept = keep.map((file) => readFileSync(join(copy, file), 'utf8'));
    const written = await reissueDevPartyCertificates({
      certsDir: copy,
      now: issueDate,
      parties: [
        { id: 'demo-carrier', name: 'Pearl Ocean Container Line (demo)', unifiedSocialCreditCode: '91310000000000001Y' },
        { id: 'demo-forwarder', name: 'Bund Freight Forwarding (demo)', unifiedSocialCreditCode: '91310000000000008L' },
      ],
    });
    expect(written).toEqual([join(copy, 'parties/demo-carrier.pem'), join(copy, 'parties/demo-forwarder.pem')]);
    expect(keep.map((file) => readFileSync(join(copy, file), 'utf8'))).toEqual(kept);
    expect(readFileSync(join(copy, 'parties/demo-forwarder.pem'), 'utf8')).not.toBe(before);
    const issuing = certificate(copy, 'issuing-ca.pem');
    for (const id of ['demo-carrier', 'demo-forwarder']) {
      const cert = new NodeCertificate(readFileSync(join(copy, `parties/${id}.pem`)));
      expect(cert.checkPrivateKey(createPrivateKey(readFileSync(join(copy, `parties/${id}.key.pem`))))).toBe(true);
      const reissued = certificate(copy, `parties/${id}.pem`);
      expect(await reissued.verify({ publicKey: issuing.publicKey, signatureOnly: true })).toBe(true);
      expect(partyIdentityOf(new Uint8Array(reissued.rawData)).partyId).toBe(id);
    }
    expect(partyIdentityOf(new Uint8Array(certificate(copy, 'parties/demo-forwarder.pem').rawData)).legalId).toBe('91310000000000008L');
    rmSync(copy, { recursive: true, force: true });
  });

  it('when a party asks for RSA, then it gets an RSA-3072 key, and EC P-256 otherwise', () => {
    const rsa = createPrivateKey(readFileSync(join(out, 'parties/demo-forwarder.key.pem')));
    const ec = createPrivateKey(readFileSync(join(out, 'parties/demo-carrier.key.pem')));
    expect(rsa.asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(ec.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('when run, then the expired signer lived one day and the issuing CA CRL lists the revoked signer only', () => {
    const expired = certificate(out, 'expired/expired-signer.pem');
    expect(expired.notAfter.getTime() - expired.notBefore.getTime()).toBe(24 * 60 * 60 * 1000);
    const crl = new x509.X509Crl(readFileSync(join(out, 'issuing-ca.crl.pem'), 'utf8'));
    expect(crl.entries.map((entry) => entry.serialNumber)).toEqual([certificate(out, 'revoked/revoked-signer.pem').serialNumber]);
    expect(new x509.X509Crl(readFileSync(join(out, 'root-ca.crl.pem'), 'utf8')).entries).toHaveLength(0);
  });

  it('when run again with the same options, then names, serials and validity match the committed certs-dev', () => {
    for (const file of ['root-ca.pem', 'issuing-ca.pem', 'tsa.pem', 'ocsp.pem', 'parties/demo-carrier.pem', 'revoked/revoked-signer.pem']) {
      const fresh = certificate(out, file);
      const committed = certificate(certsDev, file);
      expect([fresh.subject, fresh.issuer, fresh.serialNumber, fresh.notBefore, fresh.notAfter]).toEqual([
        committed.subject, committed.issuer, committed.serialNumber, committed.notBefore, committed.notAfter,
      ]);
    }
  });
});

describe('committed certs-dev', () => {
  const demo = parseDemoParties(JSON.parse(certsDevText('demo-parties.json')));

  it('when read, then every demo party has a certificate and a matching PKCS#8 key; demo-forwarder is RSA', () => {
    for (const { party } of demo.parties) {
      const cert = new NodeCertificate(readFileSync(certsDevPath(`parties/${party.id}.pem`)));
      const key = createPrivateKey(readFileSync(certsDevPath(`parties/${party.id}.key.pem`)));
      expect(cert.checkPrivateKey(key)).toBe(true);
      expect(cert.subject).toContain(`CN=${party.name.en}`);
      expect(key.asymmetricKeyType).toBe(party.id === 'demo-forwarder' ? 'rsa' : 'ec');
    }
  });

  it('when read, then every party certificate names its party in the SAN and its USCC, where it has one, as organizationIdentifier', () => {
    for (const { party } of demo.parties) {
      const der = new Uint8Array(new NodeCertificate(readFileSync(certsDevPath(`parties/${party.id}.pem`))).raw);
      expect({ id: party.id, identity: partyIdentityOf(der) }).toEqual({
        id: party.id,
        identity: { partyId: party.id, name: party.name.en, legalId: party.identifiers?.unifiedSocialCreditCode ?? null },
      });
    }
  });

  it('when read, then the README says the material is not secret and how to regenerate it', () => {
    const readme = certsDevText('README.md');
    expect(readme).toContain('NOT SECRET');
    expect(readme).toContain('npm run certs:dev');
  });

  it('when package.json is read, then certs:dev builds and runs the generator', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['certs:dev']).toBe('npm run build && node dist/adapters/pki/generate-dev-pki.js');
  });
});

describe('party certificates in S/MIME and PDF tools (the EKU choice)', () => {
  const message = join(out, 'message.txt');
  const signature = (partyId: string) => join(out, `${partyId}.p7s`);
  beforeAll(() => writeFileSync(message, 'Delivery order DO-2026-0001\n'));

  itWith('openssl').each(['demo-agent-sha', 'demo-forwarder'])(
    'when %s signs with openssl cms, then openssl cms -verify against the dev root accepts it without -purpose any',
    (partyId) => {
      const signed = spawnSync('openssl', [
        'cms', '-sign', '-binary', '-in', message, '-signer', certsDevPath(`parties/${partyId}.pem`),
        '-inkey', certsDevPath(`parties/${partyId}.key.pem`), '-certfile', certsDevPath('issuing-ca.pem'),
        '-outform', 'DER', '-out', signature(partyId),
      ], { encoding: 'utf8' });
      expect(signed.status).toBe(0);
      const verified = spawnSync('openssl', [
        'cms', '-verify', '-binary', '-inform', 'DER', '-in', signature(partyId), '-content', message,
        '-CAfile', certsDevPath('root-ca.pem'), '-out', '/dev/null',
      ], { encoding: 'utf8' });
      expect(verified.stderr).toContain('Verification successful');
      expect(verified.status).toBe(0);
    },
  );

  itWith('certutil')('when NSS (what pdfsig uses) checks party certificates as email signers, then they are valid', () => {
    const db = join(out, 'nssdb');
    const certutil = (args: string[]) => spawnSync('certutil', ['-d', `sql:${db}`, ...args], { encoding: 'utf8' });
    spawnSync('mkdir', ['-p', db]);
    expect(certutil(['-N', '--empty-password']).status).toBe(0);
    expect(certutil(['-A', '-n', 'root', '-t', 'CT,C,C', '-i', certsDevPath('root-ca.pem')]).status).toBe(0);
    expect(certutil(['-A', '-n', 'issuing', '-t', ',,', '-i', certsDevPath('issuing-ca.pem')]).status).toBe(0);
    for (const partyId of ['demo-agent-sha', 'demo-forwarder']) {
      expect(certutil(['-A', '-n', partyId, '-t', ',,', '-i', certsDevPath(`parties/${partyId}.pem`)]).status).toBe(0);
      const result = certutil(['-V', '-n', partyId, '-u', 'S']);
      expect(result.stdout + result.stderr).toContain('certificate is valid');
    }
  });
});
