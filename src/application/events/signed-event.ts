import { X509Certificate, createPublicKey, verify as verifySignature } from 'node:crypto';
import type { DocumentKind } from '../../domain/document/document';
import { canonicalize } from '../../domain/shared/canonical-json';
import { SdxError } from '../../domain/shared/errors';
import type { PartySigner, SignatureAlgorithm } from '../ports/key-store.port';

/**
 * The body of one document event. Its canonical JSON is the JWS payload, so any party can check
 * who did what, in which order (`prev` chains each event to the one before it), to which payload.
 */
export interface EventBody {
  v: 1;
  documentId: string;
  kind: DocumentKind;
  seq: number;
  type: string;
  actor: { partyId: string; userId: string | null };
  at: string;
  /** SHA-256 (hex) of the previous event's envelope; null for the first event of a document. */
  prev: string | null;
  payloadHash: string;
  data: Record<string, unknown>;
}

const JWS_TYPE = 'sdx-event+jws';

interface ProtectedHeader {
  alg: SignatureAlgorithm;
  typ: typeof JWS_TYPE;
  /** Signer certificate first, then its issuing CAs (base64 DER, RFC 7515 section 4.1.6). */
  x5c: string[];
}

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** Signs an event body as a compact JWS with the acting party's key; the key never leaves the signer. */
export async function signEvent(body: EventBody, signer: PartySigner): Promise<string> {
  const header: ProtectedHeader = {
    alg: signer.algorithm,
    typ: JWS_TYPE,
    x5c: [signer.certificate, ...signer.chain].map((der) => Buffer.from(der).toString('base64')),
  };
  const signingInput = `${b64u(canonicalize(header))}.${b64u(canonicalize(body))}`;
  const signature = await signer.sign(Buffer.from(signingInput, 'ascii'), 'jws');
  return `${signingInput}.${b64u(signature)}`;
}

export interface OpenedEvent {
  body: EventBody;
  header: ProtectedHeader;
  /** The signer's certificate, DER. Whether it is trusted is for the caller to decide. */
  certificate: Uint8Array;
}

/**
 * Checks an envelope's signature against the certificate it carries and returns its body.
 * Throws `event-signature-invalid` or `event-malformed`; trust in the certificate is checked elsewhere.
 */
export function openEvent(envelope: string): OpenedEvent {
  const parts = envelope.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) {
    throw new SdxError('event-malformed', 'an event envelope is a compact JWS: three base64url parts');
  }
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = parseJson(headerPart, 'header') as Partial<ProtectedHeader>;
  if (header.typ !== JWS_TYPE || !isAlgorithm(header.alg) || !Array.isArray(header.x5c) || typeof header.x5c[0] !== 'string') {
    throw new SdxError('event-malformed', `the JWS header must carry typ ${JWS_TYPE}, a supported alg and x5c`);
  }
  const certificate = Buffer.from(header.x5c[0], 'base64');
  const publicKey = createPublicKey(new X509Certificate(certificate).publicKey.export({ format: 'pem', type: 'spki' }));
  const signingInput = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');
  const signature = Buffer.from(signaturePart, 'base64url');
  const ok =
    header.alg === 'ES256'
      ? verifySignature('sha256', signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
      : header.alg === 'PS256'
        ? verifySignature('sha256', signingInput, { key: publicKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }, signature)
        : verifySignature('sha256', signingInput, publicKey, signature);
  if (!ok) throw new SdxError('event-signature-invalid', 'the event signature does not verify with the certificate it carries');
  const body = parseJson(payloadPart, 'payload') as EventBody;
  if (canonicalize(body) !== Buffer.from(payloadPart, 'base64url').toString('utf8')) {
    throw new SdxError('event-malformed', 'the event payload is not in RFC 8785 canonical form');
  }
  return { body, header: header as ProtectedHeader, certificate };
}

function isAlgorithm(value: unknown): value is SignatureAlgorithm {
  return value === 'ES256' || value === 'PS256' || value === 'RS256';
}

function parseJson(part: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    throw new SdxError('event-malformed', `the JWS ${what} is not JSON`);
  }
}
