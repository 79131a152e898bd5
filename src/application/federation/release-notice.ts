import { z } from 'zod';
import { jwsKid, openJws, signJws, signedContentChecksum } from '../../domain/federation/compact-jws';
import { pintPartyOf } from '../../domain/federation/pint-envelope';
import { parsePartyAddress } from '../../domain/federation/platform-address';
import type { DocumentState } from '../../domain/document/document';
import type { ActionType } from '../../domain/document/lifecycle';
import { noticeOutcomes, noticeTypeOf, noticeTypes, type NoticeType } from '../../domain/federation/peer-notices';
import type { DocumentService } from '../document-service';
import { storedEventBody } from '../events/signed-event';
import type { FederationStore } from '../ports/federation-store.port';
import type { NewPeerSend, Store, StoredEvent } from '../ports/store.port';
import type { TransferInData } from './outbound-envelope';
import type { PintAnswer } from './envelope-receiver';
import type { Platform, PeerDirectory } from './platform';

/**
 * SDX's extension to PINT: PINT ends with the holder surrendering an eBL to its carrier; a D/O is
 * released by a terminal, often on another platform than the carrier's, a guarantee decided by the
 * carrier's agent on its own platform, an EIR used at a facility on another. The platform where that
 * happens to a document it received tells the issuing platform in a notice it signs (see
 * domain/federation/peer-notices.ts), naming the chain entries it accepted; the issuer's platform
 * records it and answers with a signed acknowledgement, so the sender knows the notice arrived.
 */
const notice = z.strictObject({
  noticeType: z.enum(noticeTypes as [NoticeType, ...NoticeType[]]),
  eblPlatform: z.string().max(4),
  transportDocumentChecksum: z.string().regex(/^[0-9a-f]{64}$/),
  envelopeTransferChainEntrySignedContentChecksums: z.array(z.string().regex(/^[0-9a-f]{64}$/)).min(1).max(100),
  actor: z.looseObject({ partyName: z.string(), eblPlatform: z.string() }),
  actionDateTime: z.iso.datetime({ offset: false, precision: 3 }),
});
export type ReleaseNotice = z.infer<typeof notice>;

const noticeBody = z.strictObject({ noticeSignedContent: z.string().max(20_000) });

/** The outbox row of `action` on a document received from another platform: a notice to its issuing platform; none for a local document or an action no notice tells. */
export function peerNoticeSend(input: {
  platform: Platform;
  state: DocumentState;
  events: readonly StoredEvent[];
  action: ActionType;
  actedBy: { partyId: string; name: string };
  at: Date;
  newId: () => string;
}): NewPeerSend | undefined {
  const issuing = parsePartyAddress(input.state.issuer)?.platform;
  const noticeType = noticeTypeOf(input.state.kind, input.action);
  if (issuing === undefined || noticeType === undefined) return undefined;
  const received = [...input.events].reverse().map((e) => storedEventBody(e.envelope)).find((b) => b.type === 'transfer-in')?.data as Partial<TransferInData> | undefined;
  if (!received?.chain?.length) return undefined;
  const signed: ReleaseNotice = {
    noticeType,
    eblPlatform: input.platform.code,
    transportDocumentChecksum: input.state.payloadHash,
    envelopeTransferChainEntrySignedContentChecksums: received.chain.map(signedContentChecksum),
    actor: pintPartyOf(input.platform.code, input.actedBy.partyId, input.actedBy.name),
    actionDateTime: input.at.toISOString(),
  };
  const body = { noticeSignedContent: signJws(signed, input.platform.signer) };
  return { id: `snd-${input.newId()}`, peer: issuing, kind: 'notice', body: JSON.stringify(body) };
}

/** The signed acknowledgement of a notice: its checksum and whether it was recorded (RECE) or not (BENV, with a reason). */
export interface NoticeAcknowledgement {
  noticeChecksum: string;
  responseCode: 'RECE' | 'BENV';
  reason?: string;
}

/** Whether `token` is `peer`'s signed acknowledgement of the notice sent. */
export async function isAcknowledged(token: unknown, peer: string, sent: string, peers: PeerDirectory): Promise<boolean> {
  if (typeof token !== 'string') return false;
  const kid = jwsKid(token);
  const key = await peers.keyFor(peer, kid);
  const opened = openJws(token, (k) => (k === kid ? key : undefined));
  if (!opened.ok) return false;
  const ack = opened.payload as Partial<NoticeAcknowledgement>;
  const { noticeSignedContent } = JSON.parse(sent) as { noticeSignedContent: string };
  return ack.noticeChecksum === signedContentChecksum(noticeSignedContent);
}

/**
 * The issuing side: a peer's signed notice for a document this platform sent, found by the chain
 * entries it signed and of the kind the notice is for; recorded once as its event
 * (`released-elsewhere`, `accepted-elsewhere`, `rejected-elsewhere`, `gate-recorded-elsewhere`:
 * webhooks fire as for any event) that gives the document here the status it has there.
 */
export class NoticeReceiver {
  constructor(
    private readonly deps: { store: Store; federation: FederationStore; platform: Platform; peers: PeerDirectory; documents: DocumentService; clock: () => Date },
  ) {}

  async receive(peer: string, body: unknown): Promise<PintAnswer> {
    const parsedBody = noticeBody.safeParse(body);
    const token = parsedBody.success ? parsedBody.data.noticeSignedContent : '';
    const answer = (responseCode: 'RECE' | 'BENV', reason?: string): PintAnswer => ({
      status: responseCode === 'RECE' ? 200 : 422,
      body: signJws({ noticeChecksum: signedContentChecksum(token), responseCode, ...(reason ? { reason } : {}) } satisfies NoticeAcknowledgement, this.deps.platform.signer),
    });
    if (!parsedBody.success) return answer('BENV', 'the body must be {noticeSignedContent}');
    const kid = jwsKid(token);
    const key = await this.deps.peers.keyFor(peer, kid);
    const opened = openJws(token, (k) => (k === kid ? key : undefined));
    if (!opened.ok) return answer('BENV', `the notice is not signed by ${peer}'s key`);
    const parsed = notice.safeParse(opened.payload);
    if (!parsed.success || parsed.data.eblPlatform !== peer) return answer('BENV', 'the notice is malformed');
    const now = this.deps.clock().toISOString();
    let documentId: string | undefined;
    for (const checksum of parsed.data.envelopeTransferChainEntrySignedContentChecksums) {
      documentId ??= await this.deps.federation.recall('sent', checksum, now);
    }
    const stored = documentId ? await this.deps.store.getDocument(documentId) : undefined;
    if (!stored || stored.state.payloadHash !== parsed.data.transportDocumentChecksum) return answer('BENV', 'the notice names no document this platform sent');
    const outcome = noticeOutcomes[parsed.data.noticeType];
    if (outcome.kind !== stored.state.kind) return answer('BENV', `notice type ${parsed.data.noticeType} does not apply to kind ${stored.state.kind}`);
    // A D/O may travel on and be released anywhere; a guarantee or EIR goes to its addressee's platform only, which alone may tell its outcome.
    if (outcome.kind !== 'delivery-order' && parsePartyAddress(stored.state.holder ?? '')?.platform !== peer) return answer('BENV', `this ${stored.state.kind} was not sent to ${peer}`);
    await this.deps.documents.recordPeerOutcome(stored.state.id, {
      actor: stored.state.issuer,
      type: outcome.event,
      data: { peer, ...(outcome.event === 'released-elsewhere' ? { releasedAt: parsed.data.actionDateTime } : { at: parsed.data.actionDateTime }), notice: token },
      once: 'notice',
      state: { status: outcome.status },
    });
    return answer('RECE');
  }
}
