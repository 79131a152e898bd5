// X.509 certificates and CRLs read straight from their DER with the verifier's TLV walker, keys and
// signatures checked by node:crypto: `sdx verify` starts without an ASN.1 schema library, and
// reading a certificate costs a walk over its bytes, not an object model.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import {
  bitStringAt,
  childrenOf,
  contentOf,
  DerError,
  expectTag,
  fieldsOf,
  oidAt,
  readTlv,
  smallIntegerAt,
  textAt,
  timeAt,
  type Tlv,
} from '../pdf/verify/der-reader';
import { signatureVerifies, type SignatureAlgorithm } from './signature-algorithms';

/** One attribute of a distinguished name: its type, and its text (undefined for a value that is not a string). */
export interface NameAttribute {
  type: string;
  text: string | undefined;
  /** The value's whole encoding. */
  der: Uint8Array;
}

/** A distinguished name: its RDNs in order, each a set of attributes. */
export type DistinguishedName = NameAttribute[][];

export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** The extnValue's octets: the extension's own DER. */
  value: Uint8Array;
}

/** Key usage bits as RFC 5280 numbers them: bit n is 1 << n (digitalSignature 1, nonRepudiation 2, keyCertSign 32). */
export const KEY_USAGE = { digitalSignature: 1, nonRepudiation: 2, keyCertSign: 32, cRLSign: 64 } as const;

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.6': 'C',
  '0.9.2342.19200300.100.1.25': 'DC', '1.2.840.113549.1.9.1': 'E', '2.5.4.42': 'G', '2.5.4.43': 'I', '2.5.4.4': 'SN', '2.5.4.12': 'T',
};

/** The string types a directory name's value may have (and IA5String): anything else is shown as #hex of its encoding. */
const NAME_STRING_TAGS = new Set([0x0c, 0x13, 0x14, 0x16, 0x1c, 0x1e]);

/** RFC 4514-style text of a name, `O=Org, CN=Name`: the form findings and reports show (and names are compared in). */
export function nameText(name: DistinguishedName): string {
  return name
    .map((rdn) => rdn.map((atv) => `${SHORT_NAMES[atv.type] ?? atv.type}=${atv.text === undefined ? `#${Buffer.from(atv.der).toString('hex')}` : escapeNameValue(atv.text)}`).join('+'))
    .join(', ');
}

function escapeNameValue(value: string): string {
  return value
    .replace(/([,+"\\<>;])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/([ ]$)/, '\\$1')
    .replace(/([\r\n\t])/, (char) => `\\${Buffer.from(char).toString('hex').toUpperCase()}`);
}

export function readName(bytes: Uint8Array, tlv: Tlv | undefined): DistinguishedName {
  return childrenOf(bytes, expectTag(tlv, 0x30, 'a name')).map((rdn) =>
    childrenOf(bytes, expectTag(rdn, 0x31, 'a relative distinguished name')).map((atv) => {
      const [type, value] = childrenOf(bytes, expectTag(atv, 0x30, 'a name attribute'));
      if (!value) throw new DerError('a name attribute has no value');
      return { type: oidAt(bytes, type, 'a name attribute type'), text: NAME_STRING_TAGS.has(value.tag) ? textAt(bytes, value) : undefined, der: bytes.subarray(value.start, value.end) };
    }),
  );
}

/** The values of one attribute type in a name, as text. */
export function nameValues(name: DistinguishedName, type: string): string[] {
  return name.flatMap((rdn) => rdn.filter((atv) => atv.type === type).map((atv) => atv.text ?? Buffer.from(atv.der).toString('hex')));
}

function algorithmAt(bytes: Uint8Array, tlv: Tlv | undefined, what: string): SignatureAlgorithm {
  const [oid, parameters] = childrenOf(bytes, expectTag(tlv, 0x30, what));
  return { algorithm: oidAt(bytes, oid, what), ...(parameters ? { parameters: bytes.subarray(parameters.start, parameters.end) } : {}) };
}

/** What a certificate and a CRL share: SEQUENCE { to-be-signed, signature algorithm, signature BIT STRING }. */
function signedParts(der: Uint8Array, names: { whole: string; tbs: string; algorithm: string; signature: string }) {
  const [tbsTlv, algorithm, signature] = childrenOf(der, expectTag(readTlv(der, 0), 0x30, names.whole));
  const tbs = expectTag(tbsTlv, 0x30, names.tbs);
  return {
    tbsTlv: tbs,
    tbs: der.subarray(tbs.start, tbs.end),
    signatureAlgorithm: algorithmAt(der, algorithm, names.algorithm),
    signature: bitStringAt(der, signature, names.signature),
  };
}

function extensionsAt(bytes: Uint8Array, tlv: Tlv | undefined): CertificateExtension[] {
  if (!tlv) return [];
  return childrenOf(bytes, expectTag(tlv, 0x30, 'the extensions')).map((extension) => {
    const fields = childrenOf(bytes, expectTag(extension, 0x30, 'an extension'));
    const critical = fields[1]?.tag === 0x01;
    const value = expectTag(fields[critical ? 2 : 1], 0x04, 'an extension value');
    return { oid: oidAt(bytes, fields[0], 'an extension id'), critical: critical && contentOf(bytes, fields[1] as Tlv)[0] !== 0, value: contentOf(bytes, value) };
  });
}

/** Hex of an INTEGER's octets without the sign octet DER adds before a high bit. */
function serialHex(serial: Uint8Array): string {
  const trimmed = serial.length > 1 && serial[0] === 0 && (serial[1] ?? 0) > 0x7f ? serial.subarray(1) : serial;
  return Buffer.from(trimmed).toString('hex');
}

/** An INTEGER's octets without leading zero octets, for comparing serial numbers. */
export function unsignedOctets(value: Uint8Array): Uint8Array {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  return value.subarray(i);
}

/** A certificate read from DER. Throws a DerError when the bytes are not one. */
export class Certificate {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly serial: Uint8Array;
  /** Lower-case hex, as people see it. */
  readonly serialNumber: string;
  readonly issuerName: DistinguishedName;
  readonly subjectName: DistinguishedName;
  /** Names as text (nameText): links are matched on these. */
  readonly issuer: string;
  readonly subject: string;
  /** The issuer and subject Name elements as encoded. */
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo DER, and the key's bits (what an OCSP CertID hashes). */
  readonly spki: Uint8Array;
  readonly subjectPublicKey: Uint8Array;
  readonly extensions: readonly CertificateExtension[];
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly signature: Uint8Array;
  #publicKey: KeyObject | undefined;

  constructor(der: Uint8Array) {
    this.der = der;
    const signed = signedParts(der, { whole: 'a certificate', tbs: 'the TBSCertificate', algorithm: 'the signature algorithm', signature: 'the certificate signature' });
    const tbs = signed.tbsTlv;
    this.tbs = signed.tbs;
    this.signatureAlgorithm = signed.signatureAlgorithm;
    this.signature = signed.signature;
    const fields = childrenOf(der, tbs);
    let i = fields[0]?.tag === 0xa0 ? 1 : 0;
    this.serial = contentOf(der, expectTag(fields[i++], 0x02, 'the serial number'));
    this.serialNumber = serialHex(this.serial);
    i++; // the signature algorithm inside the TBSCertificate
    const issuer = fields[i++];
    this.issuerName = readName(der, issuer);
    this.issuerDer = der.subarray((issuer as Tlv).start, (issuer as Tlv).end);
    const [notBefore, notAfter] = childrenOf(der, expectTag(fields[i++], 0x30, 'the validity'));
    this.notBefore = timeAt(der, notBefore, 'notBefore');
    this.notAfter = timeAt(der, notAfter, 'notAfter');
    const subject = fields[i++];
    this.subjectName = readName(der, subject);
    this.subjectDer = der.subarray((subject as Tlv).start, (subject as Tlv).end);
    const spki = expectTag(fields[i++], 0x30, 'the subject public key info');
    this.spki = der.subarray(spki.start, spki.end);
    this.subjectPublicKey = bitStringAt(der, childrenOf(der, spki)[1], 'the subject public key');
    const extensions = fields.slice(i).find((field) => field.tag === 0xa3);
    this.extensions = extensions ? extensionsAt(der, childrenOf(der, extensions)[0]) : [];
    this.issuer = nameText(this.issuerName);
    this.subject = nameText(this.subjectName);
  }

  get publicKey(): KeyObject {
    this.#publicKey ??= createPublicKey({ key: Buffer.from(this.spki), format: 'der', type: 'spki' });
    return this.#publicKey;
  }

  extension(oid: string): CertificateExtension | undefined {
    return this.extensions.find((extension) => extension.oid === oid);
  }

  /** Whether `issuer`'s key signed this certificate (the signature only: names are the caller's to match). */
  signedBy(issuer: Certificate): boolean {
    return verifiesWithKeyOf(issuer, this.signatureAlgorithm, this.tbs, this.signature);
  }

  /** basicConstraints (2.5.29.19), undefined when absent. */
  basicConstraints(): { ca: boolean; pathLength?: number } | undefined {
    const extension = this.extension('2.5.29.19');
    if (!extension) return undefined;
    const [first, second] = fieldsOf(extension.value);
    const ca = first?.tag === 0x01 && contentOf(extension.value, first)[0] !== 0;
    const length = first?.tag === 0x02 ? first : second;
    return { ca, ...(length ? { pathLength: smallIntegerAt(extension.value, length, 'pathLenConstraint') } : {}) };
  }

  /** keyUsage (2.5.29.15) bits (KEY_USAGE), undefined when absent. */
  keyUsage(): number | undefined {
    const extension = this.extension('2.5.29.15');
    if (!extension) return undefined;
    const bits = bitStringAt(extension.value, readTlv(extension.value, 0), 'the key usage');
    let usages = 0;
    for (let bit = 0; bit < Math.min(bits.length * 8, 16); bit++) {
      if (((bits[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) usages |= 1 << bit;
    }
    return usages;
  }

  /** extKeyUsage (2.5.29.37) purposes, undefined when absent. */
  extendedKeyUsages(): string[] | undefined {
    const extension = this.extension('2.5.29.37');
    return extension ? fieldsOf(extension.value).map((oid) => oidAt(extension.value, oid, 'an extended key usage')) : undefined;
  }

  /** The URIs of subjectAltName (2.5.29.17). */
  alternativeNameUris(): string[] {
    const extension = this.extension('2.5.29.17');
    if (!extension) return [];
    return fieldsOf(extension.value)
      .filter((name) => name.tag === 0x86)
      .map((name) => Buffer.from(contentOf(extension.value, name)).toString('latin1'));
  }

  /** subjectKeyIdentifier (2.5.29.14), undefined when absent. */
  subjectKeyIdentifier(): Uint8Array | undefined {
    const extension = this.extension('2.5.29.14');
    return extension ? contentOf(extension.value, expectTag(readTlv(extension.value, 0), 0x04, 'the subject key identifier')) : undefined;
  }
}

/**
 * Values read from DER, shared by every array that holds the same bytes: the documents of an
 * archive (and the signatures of one document) carry the same CA, TSA and responder certificates,
 * CRLs and OCSP responses, so each is read, its key made and its signatures checked once per
 * process or worker, not once per file. Keyed by the bytes' SHA-256; `read` gets its own copy of
 * the bytes, so a cached value holds no caller's buffer. Bounded: when full, it starts over.
 */
export class ByContent<T> {
  readonly #byArray = new WeakMap<Uint8Array, { value: T }>();
  readonly #byDigest = new Map<string, { value: T }>();

  constructor(private readonly limit = 512) {}

  get(der: Uint8Array, read: (der: Uint8Array) => T): T {
    let entry = this.#byArray.get(der);
    if (entry === undefined) {
      const digest = createHash('sha256').update(der).digest('base64');
      entry = this.#byDigest.get(digest);
      if (entry === undefined) {
        entry = { value: read(new Uint8Array(der)) };
        if (this.#byDigest.size >= this.limit) this.#byDigest.clear();
        this.#byDigest.set(digest, entry);
      }
      this.#byArray.set(der, entry);
    }
    return entry.value;
  }
}

const certificates = new ByContent<Certificate | Error>();

/**
 * The certificate in `der`, read once per content (ByContent): one verification hands the same
 * certificate to the chain check, the identity check and the trust material of every signature.
 * Throws, every time, when `der` is not a certificate.
 */
export function certificateOf(der: Uint8Array): Certificate {
  const certificate = certificates.get(der, (own) => {
    try {
      return new Certificate(own);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  });
  if (certificate instanceof Error) throw certificate;
  return certificate;
}

export interface RevokedEntry {
  serial: Uint8Array;
  revocationDate: Date;
  /** The invalidityDate entry extension (2.5.29.24), when present. */
  invalidity?: Date;
}

/** A CRL read from DER. Throws a DerError when the bytes are not one. */
export class CertificateList {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly issuer: string;
  readonly thisUpdate: Date;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly signature: Uint8Array;
  /** Every entry, read when the CRL is: a CRL with an unreadable entry is unreadable, as a whole. */
  readonly #revoked: RevokedEntry[];

  constructor(der: Uint8Array) {
    this.der = der;
    const signed = signedParts(der, { whole: 'a CRL', tbs: 'the TBSCertList', algorithm: 'the CRL signature algorithm', signature: 'the CRL signature' });
    const tbs = signed.tbsTlv;
    this.tbs = signed.tbs;
    this.signatureAlgorithm = signed.signatureAlgorithm;
    this.signature = signed.signature;
    const fields = childrenOf(der, tbs);
    let i = fields[0]?.tag === 0x02 ? 1 : 0;
    i++; // signature algorithm
    this.issuer = nameText(readName(der, fields[i++]));
    this.thisUpdate = timeAt(der, fields[i++], 'thisUpdate');
    if (fields[i]?.tag === 0x17 || fields[i]?.tag === 0x18) i++; // nextUpdate
    this.#revoked = (fields[i]?.tag === 0x30 ? childrenOf(der, fields[i] as Tlv) : []).map((entry) => {
      const [serial, date, extensions] = childrenOf(der, expectTag(entry, 0x30, 'a CRL entry'));
      const invalidityExtension = extensionsAt(der, extensions).find((extension) => extension.oid === '2.5.29.24');
      const invalidity = invalidityExtension ? timeAt(invalidityExtension.value, readTlv(invalidityExtension.value, 0), 'an invalidity date') : undefined;
      return {
        serial: unsignedOctets(contentOf(der, expectTag(serial, 0x02, 'a revoked serial number'))),
        revocationDate: timeAt(der, date, 'a revocation date'),
        ...(invalidity ? { invalidity } : {}),
      };
    });
  }

  /** Whether `issuer`'s key signed this CRL (false also when that key cannot be used). */
  signedBy(issuer: Certificate): boolean {
    return verifiesWithKeyOf(issuer, this.signatureAlgorithm, this.tbs, this.signature);
  }

  /** The entry listing `certificate`'s serial number, if any. */
  findRevoked(certificate: Certificate): RevokedEntry | undefined {
    const wanted = Buffer.from(unsignedOctets(certificate.serial));
    return this.#revoked.find((entry) => wanted.equals(entry.serial));
  }
}

/** Whether `signer`'s key verifies `signature` over `signedBytes`; false also when its key cannot be used. */
export function verifiesWithKeyOf(signer: Certificate, algorithm: SignatureAlgorithm, signedBytes: Uint8Array, signature: Uint8Array): boolean {
  try {
    return signatureVerifies(algorithm, signer.publicKey, signedBytes, signature);
  } catch {
    return false;
  }
}
