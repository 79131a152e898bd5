import type { DocumentKind } from '../../domain/document/document';
import type { PartySigner } from '../ports/key-store.port';
import { openCompactJws, signCompactJws, type ProtectedHeader } from './compact-jws';

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

/** Signs an event body as a compact JWS with the acting party's key; the key never leaves the signer. */
export function signEvent(body: EventBody, signer: PartySigner): Promise<string> {
  return signCompactJws(body, signer, JWS_TYPE);
}

export interface OpenedEvent {
  body: EventBody;
  header: ProtectedHeader;
  /** The signer's certificate, DER. Whether it is trusted is for the caller to decide. */
  certificate: Uint8Array;
  chain: Uint8Array[];
  signerOrganization: string | undefined;
}

/**
 * Checks an envelope's signature against the certificate it carries and returns its body.
 * Throws `event-signature-invalid` or `event-malformed`; trust in the certificate is checked elsewhere.
 */
export function openEvent(envelope: string): OpenedEvent {
  const opened = openCompactJws(envelope, JWS_TYPE);
  return { ...opened, body: opened.body as EventBody };
}

/**
 * The body of an envelope the store already holds (its signature was checked when it was committed,
 * and the audit re-checks it): read without verifying again.
 */
export function storedEventBody(envelope: string): Partial<EventBody> {
  try {
    const body: unknown = JSON.parse(Buffer.from(envelope.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof body === 'object' && body !== null ? (body as Partial<EventBody>) : {};
  } catch {
    return {};
  }
}

/** The SHA-256 of a document's current PDF: the one its latest event that cites a PDF names. */
export function latestPdfSha256(events: readonly { envelope: string }[]): string | null {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const event = events[i];
    const sha = event ? storedEventBody(event.envelope).data?.['pdfSha256'] : undefined;
    if (typeof sha === 'string') return sha;
  }
  return null;
}
