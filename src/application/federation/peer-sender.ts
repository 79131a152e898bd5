import { jwsKid } from '../../domain/federation/compact-jws';
import { isAccepted, openReceipt, type FinishedResponse } from '../../domain/federation/pint-envelope';
import type { DocumentService } from '../document-service';
import type { FederationStore, PeerSend } from '../ports/federation-store.port';
import type { Store } from '../ports/store.port';
import type { EnvelopeSend } from './outbound-envelope';
import { isAcknowledged } from './release-notice';
import type { PeerDirectory } from './platform';
import { RepeatingPass } from '../repeating-pass';

/** A signed PINT call to a peer (the HTTP adapter signs and sends it). */
export type CallPeer = (peer: string, method: 'POST' | 'PUT', path: string, body: unknown) => Promise<{ status: number; body: unknown }>;

export interface PeerSenderOptions {
  /** The first retry's delay; each next one doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  pollMs: number;
  batchSize: number;
}

export const defaultPeerSenderOptions: PeerSenderOptions = { baseDelayMs: 2_000, maxDelayMs: 10 * 60_000, pollMs: 1_000, batchSize: 10 };

/** How long a claimed send is this sender's before another node may take it. */
const LEASE_MS = 60_000;

/**
 * Sends the peer outbox: each queued envelope until the receiving platform gives a signed answer
 * naming the envelope's last chain entry. Only such an answer is relied on: RECE or DUPE records
 * the document as transferred out (keeping the signed receipt), BSIG, BENV, INCD or DISE hand it
 * back to the party that sent it; anything else (no answer, an unsigned or unverifiable one) is
 * tried again after a delay that doubles up to a bound. Every try sends the same signed envelope,
 * so a receiver that got an earlier try answers DUPE, never a second document.
 */
export class PeerSender {
  private readonly passes = new RepeatingPass();

  constructor(
    private readonly deps: {
      store: Store;
      federation: FederationStore;
      peers: PeerDirectory;
      call: CallPeer;
      documents: DocumentService;
      clock: () => Date;
      options?: Partial<PeerSenderOptions>;
    },
  ) {}

  private get options(): PeerSenderOptions {
    return { ...defaultPeerSenderOptions, ...this.deps.options };
  }

  /** One pass over the due sends; answers how many were tried. */
  async runOnce(): Promise<number> {
    const now = this.deps.clock();
    const due = await this.deps.federation.claimPeerSends(now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString(), this.options.batchSize);
    for (const send of due) {
      let error: string | null;
      try {
        error = send.kind === 'envelope' ? await this.sendEnvelope(send) : await this.sendNotice(send);
      } catch (thrown) {
        error = thrown instanceof Error ? thrown.message : String(thrown);
      }
      const at = this.deps.clock();
      const delay = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.min(send.attempts, 30));
      await this.deps.federation.recordPeerSendAttempt(send.id, {
        at: at.toISOString(),
        done: error === null,
        error,
        nextAttemptAt: error === null ? null : new Date(at.getTime() + delay).toISOString(),
      });
    }
    return due.length;
  }

  /** Sends until `stop`; a full batch means more may be due, so the next pass runs at once. */
  start(onError: (error: unknown) => void = () => undefined): void {
    this.passes.start(async () => ((await this.runOnce()) >= this.options.batchSize ? 0 : this.options.pollMs), onError, this.options.pollMs);
  }

  stop(): Promise<void> {
    return this.passes.stop();
  }

  /** Sends one envelope and acts on the signed answer; the reason to try again, or null when done. */
  private async sendEnvelope(send: PeerSend): Promise<string | null> {
    const sent = JSON.parse(send.body) as EnvelopeSend;
    const receipt = await this.transfer(send.peer, sent);
    if (typeof receipt === 'string') return receipt;
    const { response, token } = receipt;
    const data = { peer: send.peer, responseCode: response.responseCode, lastChecksum: sent.lastChecksum, receipt: token };
    const actor = sent.returnTo.holder ?? '';
    if (isAccepted(response.responseCode)) {
      await this.deps.documents.recordPeerOutcome(send.documentId, { actor, type: 'transferred-out', data, once: 'lastChecksum' });
      await this.deps.federation.remember('sent', sent.lastChecksum, send.documentId, null, this.deps.clock().toISOString());
      return null;
    }
    if (response.responseCode === 'MDOC') return `${send.peer} still misses ${(response.missingAdditionalDocumentChecksums ?? []).join(', ')}`;
    await this.deps.documents.recordPeerOutcome(send.documentId, {
      actor,
      type: 'transfer-refused',
      data: { ...data, ...(response.reason ? { reason: response.reason } : {}), returnTo: sent.returnTo },
      once: 'lastChecksum',
      state: { holder: sent.returnTo.holder, status: sent.returnTo.status },
    });
    return null;
  }

  /** PINT's exchange: the envelope, then each additional document asked for, then finish; the signed answer or why there is none. */
  private async transfer(peer: string, sent: EnvelopeSend): Promise<{ response: FinishedResponse; token: string } | string> {
    const started = await this.deps.call(peer, 'POST', '/pint/v3/envelopes', sent.envelope);
    if (started.status !== 201) return this.opened(peer, started, sent.lastChecksum);
    const body = started.body as { envelopeReference?: unknown; missingAdditionalDocumentChecksums?: unknown };
    const reference = typeof body.envelopeReference === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(body.envelopeReference) ? body.envelopeReference : undefined;
    if (!reference) return `${peer} started the transfer without a usable envelope reference`;
    const missing = Array.isArray(body.missingAdditionalDocumentChecksums) ? body.missingAdditionalDocumentChecksums : [];
    for (const checksum of missing) {
      // Only what the manifest declares is sent, whatever the receiver asks for.
      if (checksum !== sent.pdfSha256) return `${peer} asked for ${String(checksum)}, which the envelope does not declare`;
      const blob = await this.deps.store.getBlob(checksum);
      if (!blob) return `the PDF ${checksum} is no longer stored here`;
      const put = await this.deps.call(peer, 'PUT', `/pint/v3/envelopes/${reference}/additional-documents/${checksum}`, Buffer.from(blob.bytes).toString('base64'));
      if (put.status !== 204) return this.opened(peer, put, sent.lastChecksum);
    }
    return this.opened(peer, await this.deps.call(peer, 'PUT', `/pint/v3/envelopes/${reference}/finish-transfer`, undefined), sent.lastChecksum);
  }

  /** A peer's answer as a signed response about this envelope, or why it is not one. */
  private async opened(peer: string, answer: { status: number; body: unknown }, lastChecksum: string): Promise<{ response: FinishedResponse; token: string } | string> {
    const token = answer.body;
    if (typeof token !== 'string') return `${peer} answered ${answer.status} without a signed response`;
    const kid = jwsKid(token);
    const key = await this.deps.peers.keyFor(peer, kid);
    const response = openReceipt(token, (k) => (k === kid ? key : undefined), lastChecksum);
    return response ? { response, token } : `${peer} answered ${answer.status} with a response not signed by its key for this envelope`;
  }

  /** Sends a signed notice (see release-notice.ts); done on the peer's signed acknowledgement only. */
  private async sendNotice(send: PeerSend): Promise<string | null> {
    const answer = await this.deps.call(send.peer, 'POST', '/pint/v3/sdx/notices', JSON.parse(send.body) as unknown);
    return (await isAcknowledged(answer.body, send.peer, send.body, this.deps.peers)) ? null : `${send.peer} answered the notice ${answer.status} without a signed acknowledgement`;
  }
}
