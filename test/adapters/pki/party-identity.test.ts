import { webcrypto } from 'node:crypto';
import { partyIdentityOf } from '../../../src/adapters/pki/party-identity';
import { x509 } from '../../../src/adapters/pki/x509';
import { certsDevCertificate } from '../../support/certs-dev';

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
let keys: webcrypto.CryptoKeyPair;
beforeAll(async () => {
  keys = (await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
});

/** A self-signed certificate with the given subject and SAN URIs: only what partyIdentityOf reads. */
async function certificate(subject: x509.JsonName, uris: string[] = []): Promise<Uint8Array> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: subject,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
    keys,
    signingAlgorithm: ECDSA,
    extensions: uris.length > 0 ? [new x509.SubjectAlternativeNameExtension(uris.map((value) => ({ type: 'url' as const, value })))] : [],
  });
  return new Uint8Array(cert.rawData);
}

describe('partyIdentityOf', () => {
  it('when given a committed certs-dev party certificate, then it names the party, its name and its USCC', () => {
    expect(partyIdentityOf(certsDevCertificate('parties/demo-carrier.pem'))).toEqual({
      partyId: 'demo-carrier',
      name: 'Pearl Ocean Container Line (demo)',
      legalId: '91310000000000001Y',
    });
    expect(partyIdentityOf(certsDevCertificate('parties/demo-shipper.pem'))).toEqual({
      partyId: 'demo-shipper',
      name: 'Hanbit Trading Co. (demo)',
      legalId: null,
    });
  });

  it('when the subject says O=<party id> but there is no SAN party URI, then it names no party', async () => {
    const der = await certificate([{ O: ['demo-carrier'] }, { CN: ['Pearl Ocean Container Line (demo)'] }]);
    expect(partyIdentityOf(der)).toEqual({ partyId: null, name: 'Pearl Ocean Container Line (demo)', legalId: null });
  });

  it('when the SAN has other URIs beside the party URI, then it takes the party URI', async () => {
    const der = await certificate([{ CN: ['X'] }], ['https://example.com/x', 'urn:sdx:party:demo-depot']);
    expect(partyIdentityOf(der).partyId).toBe('demo-depot');
  });

  it('when the SAN names two different parties, then it names none; the same one twice is fine', async () => {
    expect(partyIdentityOf(await certificate([{ CN: ['X'] }], ['urn:sdx:party:demo-depot', 'urn:sdx:party:demo-carrier'])).partyId).toBeNull();
    expect(partyIdentityOf(await certificate([{ CN: ['X'] }], ['urn:sdx:party:demo-depot', 'urn:sdx:party:demo-depot'])).partyId).toBe('demo-depot');
  });

  it('when the party URI holds something that is not a party id, then it names no party', async () => {
    for (const uri of ['urn:sdx:party:', 'urn:sdx:party:Demo Carrier', 'urn:sdx:party:demo-carrier/extra', 'URN:SDX:PARTY:demo-carrier']) {
      expect({ uri, partyId: partyIdentityOf(await certificate([{ CN: ['X'] }], [uri])).partyId }).toEqual({ uri, partyId: null });
    }
  });

  it('when organizationIdentifier has another scheme than NTRCN-, then there is no legal id', async () => {
    expect(partyIdentityOf(await certificate([{ CN: ['X'] }, { '2.5.4.97': ['VATDE-123456789'] }])).legalId).toBeNull();
    expect(partyIdentityOf(await certificate([{ CN: ['X'] }, { '2.5.4.97': ['NTRCN-'] }])).legalId).toBeNull();
    expect(partyIdentityOf(await certificate([{ CN: ['X'] }, { '2.5.4.97': ['NTRCN-91310000000000001Y'] }])).legalId).toBe('91310000000000001Y');
  });

  it('when the bytes are not a certificate, then it names nobody instead of throwing', () => {
    expect(partyIdentityOf(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]))).toEqual({ partyId: null, name: null, legalId: null });
    expect(partyIdentityOf(new Uint8Array())).toEqual({ partyId: null, name: null, legalId: null });
  });
});
