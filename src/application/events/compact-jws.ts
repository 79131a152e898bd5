import { X509Certificate, constants, verify as verifySignature, type KeyObject } from 'node:crypto';
import { canonicalize } from '../../domain/shared/canonical-json';
import { SdxError } from '../../domain/shared/errors';
import { jsonDepthWithin } from '../../domain/shared/json-depth';
import type { PartySigner, SignatureAlgorithm } from '../ports/key-store.port';

/**
 * Compact JWS over RFC 8785 canonical JSON, with the signer's certificate chain in `x5c`, so that
 * anyone can check a signed record offline. `typ` keeps an event from passing for a tree head.
 */
export interface ProtectedHeader {
  alg: SignatureAlgorithm;
  typ: string;
  /** Signer certificate first, then its issuing CAs (base64 DER, RFC 7515 section 4.1.6). */
  x5c: string[];
}

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

export async function signCompactJws(body: unknown, signer: PartySigner, typ: string): Promise<string> {
  const header: ProtectedHeader = {
    alg: signer.algorithm,
    typ,
    x5c: [signer.certificate, ...signer.chain].map((der) => Buffer.from(der).toString('base64')),
  };
  const signingInput = `${b64u(canonicalize(header))}.${b64u(canonicalize(body))}`;
  const signature = await signer.sign(Buffer.from(signingInput, 'ascii'), 'jws');
  return `${signingInput}.${b64u(signature)}`;
}

export interface OpenedJws {
  body: unknown;
  header: ProtectedHeader;
  /** The signer's certificate and the chain it carried, DER. Whether they are trusted is for the caller. */
  certificate: Uint8Array;
  chain: Uint8Array[];
  /** The signer certificate's subject O: the party id for SDX party certificates. */
  signerOrganization: string | undefined;
}

interface ParsedSigner {
  publicKey: KeyObject;
  organization: string | undefined;
}

/** Parsing a certificate costs more than checking a signature; the same few signers recur. */
const signers = new Map<string, ParsedSigner>();
const MAX_CACHED_SIGNERS = 1000;

function parsedSigner(x5c0: string): ParsedSigner {
  let parsed = signers.get(x5c0);
  if (!parsed) {
    const certificate = new X509Certificate(Buffer.from(x5c0, 'base64'));
    const organization = /^O=(.*)$/m.exec(certificate.subject)?.[1];
    parsed = { publicKey: certificate.publicKey, organization };
    if (signers.size >= MAX_CACHED_SIGNERS) signers.clear();
    signers.set(x5c0, parsed);
  }
  return parsed;
}

/**
 * Checks a compact JWS's signature against the certificate it carries and returns its body. Throws
 * `event-malformed` or `event-signature-invalid`.
 */
export function openCompactJws(envelope: string, typ: string): OpenedJws {
  const parts = envelope.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) {
    throw new SdxError('event-malformed', 'a signed record is a compact JWS: three base64url parts');
  }
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = parseJson(headerPart, 'header') as Partial<ProtectedHeader>;
  if (header.typ !== typ || !isAlgorithm(header.alg) || !Array.isArray(header.x5c) || typeof header.x5c[0] !== 'string') {
    throw new SdxError('event-malformed', `the JWS header must carry typ ${typ}, a supported alg and x5c`);
  }
  const [certificate = Buffer.alloc(0), ...chain] = header.x5c.map((c) => Buffer.from(String(c), 'base64'));
  let signer: ParsedSigner;
  try {
    signer = parsedSigner(header.x5c[0]);
  } catch {
    throw new SdxError('event-malformed', 'the JWS x5c does not start with a readable certificate');
  }
  const { publicKey } = signer;
  const mismatch = algorithmMismatch(header.alg, publicKey);
  if (mismatch) throw new SdxError('event-alg-mismatch', mismatch);
  const signingInput = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');
  const signature = Buffer.from(signaturePart, 'base64url');
  const ok =
    header.alg === 'ES256'
      ? verifySignature('sha256', signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
      : header.alg === 'PS256'
        ? verifySignature('sha256', signingInput, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
        : verifySignature('sha256', signingInput, publicKey, signature);
  if (!ok) throw new SdxError('event-signature-invalid', 'the signature does not verify with the certificate it carries');
  const body = parseJson(payloadPart, 'payload');
  if (canonicalize(body) !== Buffer.from(payloadPart, 'base64url').toString('utf8')) {
    throw new SdxError('event-malformed', 'the signed payload is not in RFC 8785 canonical form');
  }
  return { body, header: header as ProtectedHeader, certificate, chain, signerOrganization: signer.organization };
}

/**
 * Why `alg` cannot be the algorithm of this key, or undefined: ES256 is ECDSA on P-256, PS256 and
 * RS256 are RSA. Checked before verifying, so a header can never pick how a key is used.
 */
export function algorithmMismatch(alg: SignatureAlgorithm, key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  const ok = alg === 'ES256' ? type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' : type === 'rsa' || (alg === 'PS256' && type === 'rsa-pss');
  if (ok) return undefined;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `the JWS says alg ${alg}, but the signer's certificate holds ${curve ? `an ${String(type)} ${curve}` : `an ${String(type)}`} key`;
}

/** Signed records nest a few levels; deeper JSON is refused before anything walks it. */
const MAX_JSON_DEPTH = 64;

function isAlgorithm(value: unknown): value is SignatureAlgorithm {
  return value === 'ES256' || value === 'PS256' || value === 'RS256';
}

function parseJson(part: string, what: string): unknown {
  const text = Buffer.from(part, 'base64url').toString('utf8');
  if (!jsonDepthWithin(text, MAX_JSON_DEPTH)) throw new SdxError('event-malformed', `the JWS ${what} nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SdxError('event-malformed', `the JWS ${what} is not JSON`);
  }
}
