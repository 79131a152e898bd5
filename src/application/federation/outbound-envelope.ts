import { parsePartyAddress } from '../../domain/federation/platform-address';
import { pintPartyOf, sealEnvelope, signChainEntry, type Envelope, type PintParty } from '../../domain/federation/pint-envelope';
import { pintTransactionsOf, type HistoryStep } from '../../domain/federation/pint-transactions';
import { signedContentChecksum } from '../../domain/federation/compact-jws';
import { storedEventBody } from '../events/signed-event';
import type { DocumentStatus } from '../../domain/document/document';
import type { StoredEvent } from '../ports/store.port';
import type { Platform } from './platform';

/** What a transfer-in event keeps of the envelope it accepted: the chain, to go on from when the document moves on. */
export interface TransferInData {
  from: string;
  chain: string[];
  lastChecksum: string;
  pdfSha256: string;
}

/** The envelope for a document leaving this platform, and what the sender needs to send it. */
export interface OutboundEnvelope {
  envelope: Envelope;
  lastChecksum: string;
  pdfSha256: string;
}

/** An envelope's outbox row: what to send, and whom the document returns to if the peer refuses it. */
export interface EnvelopeSend extends OutboundEnvelope {
  returnTo: { holder: string | null; status: DocumentStatus };
}

/**
 * Builds the PINT envelope for a holder's transfer of a document to a party of another platform:
 * the payload as PINT's transportDocument, the signed PDF as a supporting document, and the
 * transfer chain — the entries received with the document (when it came from another platform)
 * and one new entry, signed by this platform, whose transactions are the document's possession
 * changes here (ISSUE, TRANSFER), the handover to `to` last. Events PINT has no action code for
 * (present, rejected presentation) stay in this platform's own log.
 */
export function outboundEnvelope(input: {
  platform: Platform;
  payload: Record<string, unknown>;
  /** The document's history here, before the handover. */
  events: readonly StoredEvent[];
  handover: { actor: string; to: string; toName: string; at: string };
  pdf: { sha256: string; size: number; name: string };
  /** A local party's display name. */
  nameOf: (partyId: string) => string;
}): OutboundEnvelope {
  const { platform } = input;
  const party = (id: string, name?: string): PintParty => {
    const address = parsePartyAddress(id);
    if (address?.platform !== undefined) return pintPartyOf(address.platform, address.party, name ?? address.party);
    return pintPartyOf(platform.code, id, name ?? input.nameOf(id));
  };
  let received: string[] = [];
  let steps: (HistoryStep & { actorId: string })[] = [];
  for (const event of input.events) {
    const body = storedEventBody(event.envelope);
    const data = body.data ?? {};
    const actorId = body.actor?.partyId ?? event.actor;
    const at = body.at ?? event.recordedAt;
    if (body.type === 'transfer-in') {
      // The chain so far came with the document; this platform's entry starts from its arrival.
      received = (data as Partial<TransferInData>).chain ?? [];
      steps = [];
    } else if (body.type === 'issue') {
      steps.push({ type: 'issue', actor: party(actorId), at, actorId });
    } else if (body.type === 'transfer' && typeof data['to'] === 'string') {
      steps.push({ type: 'transfer', actor: party(actorId), recipient: party(data['to']), at, actorId });
    } else if (body.type === 'transfer-refused') {
      // A handover the other platform refused did not happen.
      steps.pop();
    }
  }
  steps.push({ type: 'transfer', actor: party(input.handover.actor), recipient: party(input.handover.to, input.handover.toName), at: input.handover.at, actorId: input.handover.actor });
  // The ISSUE's recipient is the first holder: whoever handed the document on next.
  const withRecipients = steps.map((step, i) => (step.type === 'issue' ? { ...step, recipient: party(steps[i + 1]?.actorId ?? input.handover.actor) } : step));
  const entry = signChainEntry(
    {
      platform: platform.code,
      document: input.payload,
      ...(received.length > 0 ? { previous: received[received.length - 1] as string } : {}),
      transactions: pintTransactionsOf(withRecipients),
    },
    platform.signer,
  );
  const chain = [...received, entry];
  const envelope = sealEnvelope(
    {
      document: input.payload,
      chain,
      supportingDocuments: [{ name: input.pdf.name, size: input.pdf.size, mediaType: 'application/pdf', documentChecksum: input.pdf.sha256 }],
    },
    platform.signer,
  );
  return { envelope, lastChecksum: signedContentChecksum(entry), pdfSha256: input.pdf.sha256 };
}
