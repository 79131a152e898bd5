import { createHash } from 'node:crypto';
import { kindOfPayload, mayArriveFor } from '../../domain/document/document-kinds';
import { signedContentChecksum } from '../../domain/federation/compact-jws';
import {
  chainIssuer,
  checkEnvelope,
  decideReceipt,
  responseStatus,
  signReceipt,
  type CheckedEnvelope,
  type FinishedResponse,
  type PlatformKeys,
} from '../../domain/federation/pint-envelope';
import { hasRole } from '../../domain/party/party';
import { SdxError } from '../../domain/shared/errors';
import type { DocumentService } from '../document-service';
import type { FederationStore } from '../ports/federation-store.port';
import type { Store } from '../ports/store.port';
import { storedEventBody } from '../events/signed-event';
import type { TransferInData } from './outbound-envelope';
import type { PeerDirectory, Platform } from './platform';

/** How long an envelope may wait for its additional documents. */
const ENVELOPE_WAIT_MS = 60 * 60 * 1000;

/** A PINT answer: its HTTP status and body (a signed response, or PINT's unsigned started response). */
export interface PintAnswer {
  status: number;
  body: unknown;
}

interface WaitingEnvelope {
  peer: string;
  envelope: unknown;
}

/**
 * The receiving side of PINT: checks an envelope from a peer (every signature against the
 * platform that made it, checksums, chain links, handover to a party here), answers with a signed
 * response, waits for missing additional documents, and on acceptance records the document as
 * received. A refused envelope stores nothing. What was accepted before is read back from the
 * document's transfer-in events, so a replay is DUPE and a conflicting chain DISE on every node.
 */
export class EnvelopeReceiver {
  constructor(
    private readonly deps: {
      store: Store;
      federation: FederationStore;
      platform: Platform;
      keys: PlatformKeys;
      /** Whom each peer hosts: the issuers its ISSUE entries may name. */
      peers: Pick<PeerDirectory, 'hostsOf'>;
      documents: DocumentService;
      clock: () => Date;
      /** The most bytes of additional documents a peer may have here that no accepted envelope cites yet (as a party's uploads). */
      pendingUploadQuotaBytes?: number;
    },
  ) {}

  /** POST /envelopes. */
  async start(peer: string, body: unknown): Promise<PintAnswer> {
    const checked = await this.check(peer, body);
    if ('status' in checked) return checked;
    return this.settle(peer, checked, 'start');
  }

  /** PUT /envelopes/{ref}/additional-documents/{checksum}: the document's bytes, as PINT's base64 JSON string. */
  async putDocument(peer: string, reference: string, checksum: string, body: unknown): Promise<PintAnswer> {
    const waiting = await this.waiting(peer, reference);
    const checked = await this.check(peer, waiting.envelope);
    if ('status' in checked) return checked;
    const declared = (checked.manifest.supportingDocuments ?? []).find((d) => d.documentChecksum === checksum);
    const bytes = typeof body === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(body) ? Buffer.from(body, 'base64') : undefined;
    const refuse = (reason: string) => this.signed({ lastEnvelopeTransferChainEntrySignedContentChecksum: checked.lastChecksum, responseCode: 'INCD', reason });
    if (!declared) return refuse(`${checksum} is not an additional document of this envelope`);
    if (!bytes || createHash('sha256').update(bytes).digest('hex') !== checksum || bytes.byteLength !== declared.size) {
      return refuse(`the document sent does not have checksum ${checksum} and size ${declared.size}`);
    }
    // Counted as the peer's uploads (`<code>:`, never a party id) so that a peer cannot fill the store with documents it never finishes.
    const quota = this.deps.pendingUploadQuotaBytes;
    await this.deps.store.putBlob(bytes, declared.mediaType, { at: this.deps.clock().toISOString(), partyId: `${peer}:`, ...(quota === undefined ? {} : { quotaBytes: quota }) });
    return { status: 204, body: undefined };
  }

  /** PUT /envelopes/{ref}/finish-transfer. */
  async finish(peer: string, reference: string): Promise<PintAnswer> {
    const waiting = await this.waiting(peer, reference);
    const checked = await this.check(peer, waiting.envelope);
    if ('status' in checked) return checked;
    return this.settle(peer, checked, 'finish');
  }

  private async check(peer: string, body: unknown): Promise<CheckedEnvelope | PintAnswer> {
    const checked = await checkEnvelope(body, { sender: peer, receiver: this.deps.platform.code, keys: this.deps.keys, hostsOf: (code) => this.deps.peers.hostsOf(code) });
    if (!checked.ok) {
      return this.signed({ lastEnvelopeTransferChainEntrySignedContentChecksum: checked.lastChecksum ?? '0'.repeat(64), responseCode: checked.responseCode, reason: checked.reason });
    }
    const handover = checked.entries[checked.entries.length - 1]?.transactions.at(-1);
    const code = handover?.recipient?.identifyingCodes.find((c) => c.codeListProvider === this.deps.platform.code)?.partyCode;
    const party = code && /^[a-z0-9][a-z0-9-]{1,62}$/.test(code) ? await this.deps.store.getParty(code) : undefined;
    const benv = (reason: string) => this.signed({ lastEnvelopeTransferChainEntrySignedContentChecksum: checked.lastChecksum, responseCode: 'BENV', reason });
    if (!party || (party.roles.length === 1 && hasRole(party, 'auditor'))) return benv(`the recipient takes no documents on ${this.deps.platform.code}`);
    const kind = kindOfPayload(checked.envelope.transportDocument);
    if (kind === undefined) return benv('the document is not a payload this platform knows');
    if (!mayArriveFor(kind, checked.envelope.transportDocument, party.id)) return benv(`a ${kind} from another platform goes only to the party it is addressed to`);
    if (!(checked.manifest.supportingDocuments ?? []).some((d) => d.mediaType === 'application/pdf')) return benv('the envelope carries no signed PDF');
    return checked;
  }

  private async settle(peer: string, checked: CheckedEnvelope, step: 'start' | 'finish'): Promise<PintAnswer> {
    const documentId = await this.documentIdOf(checked);
    const known = await this.known(documentId);
    const here = await this.deps.store.getDocument(documentId);
    if (here?.state.status === 'released' && !known.acceptedLast.has(checked.lastChecksum)) {
      return this.signed({ lastEnvelopeTransferChainEntrySignedContentChecksum: checked.lastChecksum, responseCode: 'DISE', reason: 'this document was released' });
    }
    const received = new Set<string>();
    for (const doc of checked.manifest.supportingDocuments ?? []) {
      if (await this.deps.store.getBlob(doc.documentChecksum)) received.add(doc.documentChecksum);
    }
    const decision = decideReceipt(checked, known, received, this.deps.platform.code);
    const last = checked.lastChecksum;
    const receivedList = [...received];
    switch (decision.responseCode) {
      case 'DUPE':
        return this.signed({
          lastEnvelopeTransferChainEntrySignedContentChecksum: last,
          responseCode: 'DUPE',
          duplicateOfAcceptedEnvelopeTransferChainEntrySignedContent: checked.envelope.envelopeTransferChain.at(-1) ?? '',
          receivedAdditionalDocumentChecksums: receivedList,
        });
      case 'DISE':
        return this.signed({ lastEnvelopeTransferChainEntrySignedContentChecksum: last, responseCode: 'DISE', reason: 'the transfer chain conflicts with one this platform accepted for the same document' });
      case 'MDOC': {
        const missing = decision.missing ?? [];
        if (step === 'finish') return this.signed({ lastEnvelopeTransferChainEntrySignedContentChecksum: last, responseCode: 'MDOC', missingAdditionalDocumentChecksums: missing });
        const waiting: WaitingEnvelope = { peer, envelope: checked.envelope };
        const now = this.deps.clock();
        await this.deps.federation.remember('envelope', last, JSON.stringify(waiting), new Date(now.getTime() + ENVELOPE_WAIT_MS).toISOString(), now.toISOString());
        return {
          status: 201,
          body: { envelopeReference: last, transportDocumentChecksum: checked.manifest.transportDocumentChecksum, lastEnvelopeTransferChainEntrySignedContentChecksum: last, missingAdditionalDocumentChecksums: missing },
        };
      }
      case 'RECE': {
        const handover = checked.entries.at(-1)?.transactions.at(-1);
        const pdf = (checked.manifest.supportingDocuments ?? []).find((d) => d.mediaType === 'application/pdf');
        const data: TransferInData = { from: peer, chain: checked.envelope.envelopeTransferChain, lastChecksum: last, pdfSha256: pdf?.documentChecksum ?? '' };
        await this.deps.documents.receiveTransfer({
          documentId,
          kind: kindOfPayload(checked.envelope.transportDocument) ?? 'delivery-order',
          payload: checked.envelope.transportDocument,
          issuer: chainIssuer(checked.envelope.envelopeTransferChain) ?? `${peer}:unknown`,
          holder: handover?.recipient?.identifyingCodes.find((c) => c.codeListProvider === this.deps.platform.code)?.partyCode ?? '',
          data,
        });
        return this.signed({ lastEnvelopeTransferChainEntrySignedContentChecksum: last, responseCode: 'RECE', receivedAdditionalDocumentChecksums: receivedList });
      }
    }
  }

  /**
   * Where the document lives here: a document this platform sent that comes back is the one it
   * sent (found by a chain entry it signed); any other has the id `receivedDocumentId` gives it.
   */
  private async documentIdOf(checked: CheckedEnvelope): Promise<string> {
    const now = this.deps.clock().toISOString();
    for (const [index, entry] of checked.entries.entries()) {
      const checksum = checked.checksums[index];
      if (entry.eblPlatform !== this.deps.platform.code || checksum === undefined) continue;
      const sent = await this.deps.federation.recall('sent', checksum, now);
      if (sent !== undefined) return sent;
    }
    return receivedDocumentId(checked);
  }

  /** What this platform accepted before for the document, from its transfer-in events. */
  private async known(documentId: string): Promise<{ acceptedLast: Set<string>; acceptedChain: string[] }> {
    const acceptedLast = new Set<string>();
    let acceptedChain: string[] = [];
    if (!(await this.deps.store.getDocument(documentId))) return { acceptedLast, acceptedChain };
    for (const event of await this.deps.store.listEvents(documentId)) {
      const body = storedEventBody(event.envelope);
      if (body.type !== 'transfer-in') continue;
      const data = body.data as Partial<TransferInData> | undefined;
      if (data?.lastChecksum) acceptedLast.add(data.lastChecksum);
      const chain = (data?.chain ?? []).map(signedContentChecksum);
      if (chain.length > acceptedChain.length) acceptedChain = chain;
    }
    return { acceptedLast, acceptedChain };
  }

  private async waiting(peer: string, reference: string): Promise<WaitingEnvelope> {
    const stored = await this.deps.federation.recall('envelope', reference, this.deps.clock().toISOString());
    const waiting = stored === undefined ? undefined : (JSON.parse(stored) as WaitingEnvelope);
    if (!waiting || waiting.peer !== peer) throw new SdxError('not-found', `no envelope transfer ${reference} from ${peer} is in progress`);
    return waiting;
  }

  private signed(response: FinishedResponse): PintAnswer {
    return { status: responseStatus[response.responseCode], body: signReceipt(response, this.deps.platform.signer) };
  }
}

/**
 * The id a received document has here: the same for every envelope of the same document (the
 * platform that issued it and its payload checksum), so what was accepted before is found again.
 */
export function receivedDocumentId(checked: CheckedEnvelope): string {
  return receivedDocumentIdOf(checked.entries[0]?.eblPlatform ?? '', checked.manifest.transportDocumentChecksum);
}

export function receivedDocumentIdOf(issuingPlatform: string, transportDocumentChecksum: string): string {
  return `doc-pint-${createHash('sha256').update(`${issuingPlatform}\n${transportDocumentChecksum}`).digest('hex').slice(0, 32)}`;
}
