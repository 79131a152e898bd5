import { blobHash, eventHash } from '../domain/audit-log/event-hash';
import { checkTelexReleaseBacking, type GuaranteeView } from '../domain/delivery-order/release-basis.rule';
import type { DeliveryOrderPayload } from '../domain/delivery-order/delivery-order.schema';
import { isDocumentKind, takesPart, withParticipant, type DocumentKind, type DocumentState } from '../domain/document/document';
import { arrivalStatus, decideAction, decideIssue, isRemoteParty, participantProblems, receivedState, validatePayload } from '../domain/document/document-kinds';
import type { ActionRequest, PartyActor } from '../domain/document/lifecycle';
import type { GateRecord } from '../domain/eir/eir.schema';
import type { Party, PartyRole } from '../domain/party/party';
import { RefusalError, SdxError, ValidationError } from '../domain/shared/errors';
import { parseWith } from '../domain/shared/schema';
import { canonicalHash } from '../domain/shared/canonical-json';
import type { TelexReleaseGuaranteePayload } from '../domain/telex-release/telex-release-guarantee.schema';
import { actionInput, type ActionInput } from './action-input';
import { parsePartyAddress } from '../domain/federation/platform-address';
import type { NoticeEventType } from '../domain/federation/peer-notices';
import type { Platform } from './federation/platform';
import type { AskPeer } from './federation/receiver-validation';
import { peerNoticeSend } from './federation/release-notice';
import { outboundEnvelope, type EnvelopeSend, type TransferInData } from './federation/outbound-envelope';
import { filterOfTerms, type SearchTerms } from './document-search';
import { latestPdfSha256, signEvent, storedEventBody, type EventBody } from './events/signed-event';
import type { DocumentPdfs, PdfContent, SignatureRequest } from './ports/document-pdf.port';
import type { KeyStore } from './ports/key-store.port';
import {
  MissingBlobError,
  StoreConflictError,
  type DocumentChange,
  type DocumentCount,
  type DocumentFilter,
  type DocumentQuery,
  type NewBlob,
  type NewEvent,
  type NewPeerSend,
  type Store,
  type StoredDocument,
  type StoredEvent,
} from './ports/store.port';

/** Counts above this show as "10,000+": exact counts at port volume cost more than they tell. */
export const SEARCH_COUNT_CAP = 10_000;

/** Who is calling: a user acting for its party. */
export interface Caller {
  partyId: string;
  userId: string | null;
}

export interface DocumentServiceDeps {
  store: Store;
  keys: KeyStore;
  pdfs: DocumentPdfs;
  clock: () => Date;
  newId: () => string;
  /**
   * The document id for a party's Idempotency-Key: the same for every process of one deployment,
   * and not computable without its secret (ids are public in QR links).
   */
  idempotentId: (partyId: string, key: string) => string;
  verifyUrl: (documentId: string) => string;
  /** Told of each newly issued document (not of replays), e.g. for metrics. */
  onIssued?: (kind: DocumentKind) => void;
  /** The most bytes of uploads a party may hold that no event references yet; no limit when absent. */
  pendingUploadQuotaBytes?: number;
  /** Transfers to parties of peer platforms; without it only local parties can be named. */
  federation?: DocumentFederation;
}

/** What a transfer to a peer platform needs: this platform, its peers, and a way to ask a peer about a party. */
export interface DocumentFederation {
  platform: Platform;
  isPeer: (code: string) => boolean;
  askPeer: AskPeer;
}

export interface DocumentView extends StoredDocument {
  events: StoredEvent[];
  /** SHA-256 of the current signed PDF. */
  pdfSha256: string | null;
}

/** What each action is called on a PDF signature, in both languages. */
const signatureReasons: Record<string, string> = {
  issue: 'Issued / 签发',
  'gate-record': 'Gate record / 闸口记录',
  countersign: 'Condition acknowledged / 确认箱况',
  accept: 'Guarantee accepted / 接受保函',
};

/** The capacity a party signs in, shown bilingually in the signature's appearance. */
const signatureRoles: Record<string, { zh: string; en: string }> = {
  issue: { zh: '签发方', en: 'Issuer' },
  'gate-record': { zh: '场站 · 闸口记录', en: 'Facility · gate record' },
  countersign: { zh: '承运车队 · 确认箱况', en: 'Haulier · condition acknowledged' },
  accept: { zh: '接受方 · 接受保函', en: 'Accepting party' },
};

export class DocumentService {
  constructor(private readonly deps: DocumentServiceDeps) {}

  /**
   * Issues and signs a new document; the caller's party is the issuer. With an idempotency key the
   * document id derives from (party, key), so a repeat, even a concurrent one, finds the first
   * document instead of creating a second; `replayed` tells the caller so.
   */
  async issue(caller: Caller, input: { kind: unknown; payload: unknown }, idempotencyKey?: string): Promise<DocumentView & { replayed: boolean }> {
    const actor = await this.actorOf(caller);
    if (typeof input.kind !== 'string' || !isDocumentKind(input.kind)) {
      throw new ValidationError([{ path: 'kind', code: 'unknown-document-kind', message: 'must be eir, delivery-order or telex-release-guarantee' }]);
    }
    const kind = input.kind;
    const id = idempotencyKey === undefined ? this.deps.newId() : this.deps.idempotentId(actor.partyId, idempotencyKey);
    if (idempotencyKey !== undefined) {
      const first = await this.deps.store.getDocument(id);
      if (first) return this.repeatOf(first, kind, input.payload);
    }
    const changes = await this.issueChanges(caller, actor, kind, input.payload, { id });
    try {
      await this.commit(changes);
    } catch (error) {
      const first = idempotencyKey === undefined ? undefined : await this.deps.store.getDocument(id);
      if (first) return this.repeatOf(first, kind, input.payload);
      throw error;
    }
    this.deps.onIssued?.(kind);
    return { ...(await this.view(id)), replayed: false };
  }

  /** The first result for a repeated idempotency key, unless the key is reused for another request. */
  private async repeatOf(first: StoredDocument, kind: DocumentKind, payload: unknown): Promise<DocumentView & { replayed: true }> {
    const parsed = validatePayload(kind, payload);
    if (first.state.kind !== kind || !parsed.ok || canonicalHash(parsed.value) !== first.state.payloadHash) {
      throw new SdxError('idempotency-key-reused', 'this Idempotency-Key was used for a different request; use a new key');
    }
    return { ...(await this.view(first.state.id)), replayed: true };
  }

  /** Applies one lifecycle action; `expectedSeq` is the If-Match precondition, when given. */
  async act(caller: Caller, documentId: string, body: unknown, expectedSeq?: number): Promise<DocumentView> {
    const actor = await this.actorOf(caller);
    const document = await this.visibleDocument(actor, documentId);
    const parsed = parseWith(actionInput, body);
    if (!parsed.ok) throw new ValidationError(parsed.issues);
    const action = parsed.value;
    if (expectedSeq !== undefined && expectedSeq !== document.seq) {
      throw new SdxError('precondition-failed', `document ${documentId} is at version ${document.seq}, not ${expectedSeq}; reload it`);
    }
    const now = this.deps.clock();
    const request: ActionRequest = { type: action.type, actor, now: now.toISOString() };
    const away = action.type === 'transfer' ? await this.peerTarget(action.to) : undefined;
    if (away) {
      request.target = { partyId: away.address, roles: [] };
    } else if ('to' in action) {
      const local = parsePartyAddress(action.to)?.party ?? action.to;
      const target = await this.deps.store.getParty(local);
      if (!target) throw new ValidationError([{ path: 'to', code: 'unknown-party', message: `no party ${action.to}` }]);
      request.target = { partyId: target.id, roles: target.roles };
    }
    const decision = decideAction(document.state, request);
    const events = await this.deps.store.listEvents(documentId);
    if (!decision.ok) {
      // A former holder acting on a D/O it has just passed on lost a race (or acted on a stale view):
      // that is a conflict with the document's new state, not a lack of rights.
      if (decision.refusal.code === 'not-holder' && events.some((e) => e.type === 'transfer' && e.actor === actor.partyId)) {
        throw new SdxError(
          'concurrent-update',
          `document ${documentId} changed meanwhile: ${actor.partyId} passed it on and no longer holds it; reload it`,
        );
      }
      throw new RefusalError(decision.refusal);
    }

    const data = await this.actionData(actor, document, events, action, now);
    // The party as resolved: `<own code>:<party>` is recorded as the bare local id, a peer's party with its platform.
    if ('to' in action && request.target) data.event = { ...data.event, to: request.target.partyId };
    const peerSends = away ? [await this.envelopeSend(document, events, actor.partyId, away, now)] : [];
    const federation = this.deps.federation;
    if (federation && isRemoteParty(document.state.issuer)) {
      // A document received from another platform released, decided or used here: its issuer's platform is told, in a notice this platform signs.
      const actedBy = { partyId: actor.partyId, name: (await this.requireParty(actor.partyId)).name.en };
      const notice = peerNoticeSend({ platform: federation.platform, state: document.state, events, action: action.type, actedBy, at: now, newId: this.deps.newId });
      if (notice && federation.isPeer(notice.peer)) peerSends.push(notice);
    }
    const bodies: Omit<EventBody, 'seq' | 'prev'>[] = [this.bodyOf(document.state, caller, action.type, now, data.event)];
    for (const effect of decision.effects) {
      if (effect.type === 'release-notice') {
        bodies.push(this.bodyOf(document.state, caller, 'release-notice', now, { to: effect.to }));
      }
    }
    let next = decision.next;
    const extra: DocumentChange[] = [];
    if (action.type === 'amend') {
      const successor = await this.issueChanges(caller, actor, document.state.kind, action.payload, {
        version: document.state.version + 1,
        supersedes: document.state.id,
        holder: document.state.holder,
      });
      const newId = successor[0]?.documentId ?? '';
      next = { ...next, supersededBy: newId };
      bodies[0] = this.bodyOf(document.state, caller, 'amend', now, { supersededBy: newId, reason: action.reason });
      extra.push(...successor);
    }
    const change = await this.change(caller, document.seq, next, events, bodies, now);
    await this.commit([{ ...change, ...(data.newBlobs ? { newBlobs: data.newBlobs } : {}), ...(peerSends.length > 0 ? { peerSends } : {}) }, ...extra]);
    return this.view(documentId);
  }

  /**
   * For a transfer to `<platform>:<party>` of a peer: the party as the peer names it. A party the
   * peer says it does not have is refused now; a peer out of reach is not (the send is retried).
   */
  private async peerTarget(to: string): Promise<{ platform: string; address: string; name: string } | undefined> {
    const address = parsePartyAddress(to);
    const federation = this.deps.federation;
    if (address?.platform === undefined || address.platform === federation?.platform.code) return undefined;
    if (!federation?.isPeer(address.platform)) throw new SdxError('peer-unavailable', `${address.platform} is not a platform this one exchanges documents with`);
    const full = `${address.platform}:${address.party}`;
    const answer = await federation.askPeer(address, 'en').catch((error: unknown) => {
      if (error instanceof SdxError && error.code === 'peer-unavailable') return undefined;
      throw error;
    });
    if (answer && !answer.found) throw new SdxError('pint-party-unknown', `${full} takes no documents, or its platform does not say`);
    return { platform: address.platform, address: full, name: answer?.partyName ?? address.party };
  }

  /** The outbox row of a transfer to a peer: its envelope, built and signed once so that every retry sends the same bytes. */
  private async envelopeSend(
    document: StoredDocument,
    events: readonly StoredEvent[],
    actor: string,
    to: { platform: string; address: string; name: string },
    now: Date,
  ): Promise<NewPeerSend> {
    const federation = this.deps.federation as DocumentFederation;
    const pdfSha256 = latestPdfSha256(events);
    const pdf = pdfSha256 ? await this.deps.store.getBlob(pdfSha256) : undefined;
    if (!pdf) throw new SdxError('not-found', `document ${document.state.id} has no PDF to send`);
    const names = new Map<string, string>();
    for (const event of events) {
      const body = storedEventBody(event.envelope);
      for (const id of [event.actor, body.data?.['to']]) {
        if (typeof id === 'string' && !names.has(id) && !id.includes(':')) names.set(id, (await this.deps.store.getParty(id))?.name.en ?? id);
      }
    }
    names.set(actor, (await this.deps.store.getParty(actor))?.name.en ?? actor);
    const built = outboundEnvelope({
      platform: federation.platform,
      payload: document.payload as Record<string, unknown>,
      events,
      handover: { actor, to: to.address, toName: to.name, at: now.toISOString() },
      pdf: { sha256: pdf.sha256, size: pdf.size, name: `${document.state.id}.pdf` },
      nameOf: (id) => names.get(id) ?? id,
    });
    const send: EnvelopeSend = { ...built, returnTo: { holder: document.state.holder, status: document.state.status } };
    return { id: `snd-${this.deps.newId()}`, peer: to.platform, kind: 'envelope', body: JSON.stringify(send) };
  }

  /**
   * Records a document received from another platform (its envelope checked and accepted): created
   * here, or taken up again if it was here before, held by `holder`; the transfer-in event, signed
   * for the new holder, keeps the accepted chain and cites the received PDF.
   */
  async receiveTransfer(input: { documentId: string; kind: DocumentKind; payload: unknown; issuer: string; holder: string; data: TransferInData }): Promise<void> {
    const caller: Caller = { partyId: input.holder, userId: null };
    const now = this.deps.clock();
    const existing = await this.deps.store.getDocument(input.documentId);
    const data = { ...input.data };
    if (existing) {
      const events = await this.deps.store.listEvents(input.documentId);
      const next: DocumentState = {
        ...existing.state,
        status: 'transferred',
        holder: input.holder,
        participants: withParticipant(existing.state.participants, { partyId: input.holder, role: 'transferee' }),
      };
      await this.commit([await this.change(caller, existing.seq, next, events, [this.bodyOf(existing.state, caller, 'transfer-in', now, data)], now)]);
      return;
    }
    const state = receivedState({ id: input.documentId, kind: input.kind, payload: input.payload, issuer: input.issuer, holder: input.holder, status: arrivalStatus(input.kind) });
    if (!state) throw new ValidationError([{ path: 'transportDocument', code: 'invalid-payload', message: `not a valid ${input.kind}` }]);
    const change = await this.change(caller, 0, state, [], [this.bodyOf(state, caller, 'transfer-in', now, data)], now);
    await this.commit([{ ...change, payload: input.payload }]);
  }

  /**
   * Records what a peer platform answered or told about a document that left here: `transferred-out`
   * (a signed RECE or DUPE), `transfer-refused` (a signed refusal: the document returns to `state`),
   * `released-elsewhere` (a signed release notice). The event is signed for `actor`, the party that
   * handed the document over; `once` skips it when an event of that type already carries that value
   * under `key`, so an answer read twice is recorded once.
   */
  async recordPeerOutcome(
    documentId: string,
    input: { actor: string; type: 'transferred-out' | 'transfer-refused' | NoticeEventType; data: Record<string, unknown>; once: string; state?: Partial<Pick<DocumentState, 'holder' | 'status'>> },
  ): Promise<void> {
    const stored = await this.deps.store.getDocument(documentId);
    if (!stored) throw new SdxError('not-found', `no document ${documentId}`);
    const events = await this.deps.store.listEvents(documentId);
    const seen = events.some((e) => e.type === input.type && storedEventBody(e.envelope).data?.[input.once] === input.data[input.once]);
    if (seen) return;
    const caller: Caller = { partyId: input.actor, userId: null };
    const now = this.deps.clock();
    const next: DocumentState = { ...stored.state, ...(input.state ?? {}) };
    await this.commit([await this.change(caller, stored.seq, next, events, [this.bodyOf(stored.state, caller, input.type, now, input.data)], now)]);
  }

  async get(caller: Caller, documentId: string): Promise<DocumentView> {
    const actor = await this.actorOf(caller);
    await this.visibleDocument(actor, documentId);
    return this.view(documentId);
  }

  async list(caller: Caller, query: Omit<DocumentQuery, 'partyId'>): Promise<{ items: StoredDocument[]; nextCursor: string | null }> {
    const actor = await this.actorOf(caller);
    const everything = actor.roles.includes('auditor');
    return this.deps.store.listDocuments(everything ? query : { ...query, partyId: actor.partyId });
  }

  /**
   * Documents matching what the caller typed, newest first, with how many match in all. A party
   * finds only documents it takes part in; the auditor finds every one. `within` narrows the
   * search to one worklist (a role, a status, a holder...): it only ever adds conditions.
   */
  async search(
    caller: Caller,
    terms: SearchTerms,
    page: { limit: number; after?: string | undefined; within?: Omit<DocumentFilter, 'partyId'> | undefined },
  ): Promise<{ items: StoredDocument[]; nextCursor: string | null; total: DocumentCount }> {
    const actor = await this.actorOf(caller);
    const typed = filterOfTerms(terms, actor.partyId);
    const within = page.within ?? {};
    const keys = [...(typed.keys ?? []), ...(within.keys ?? [])];
    const [asked, allowed] = [typed.status, within.status].map((s) => (s === undefined || typeof s !== 'string' ? s : [s]));
    const status = asked && allowed ? asked.filter((s) => allowed.includes(s)) : asked ?? allowed;
    const filter: DocumentFilter = {
      ...typed,
      ...within,
      ...(keys.length > 0 ? { keys } : {}),
      ...(status === undefined ? {} : { status }),
      ...(actor.roles.includes('auditor') ? {} : { partyId: actor.partyId }),
    };
    const [found, total] = await Promise.all([
      this.deps.store.listDocuments({ ...filter, limit: page.limit, newestFirst: true, ...(page.after === undefined ? {} : { after: page.after }) }),
      this.deps.store.countDocuments(filter, SEARCH_COUNT_CAP),
    ]);
    return { ...found, total };
  }

  /**
   * What a QR link reveals to anyone: kind, status, issuer, payload hash and when it last changed.
   * No payload, parties or history.
   */
  async publicStatus(documentId: string): Promise<{
    id: string;
    kind: DocumentKind;
    status: string;
    issuer: { id: string; name: string };
    payloadHash: string;
    lastEventAt: string;
  }> {
    const stored = await this.deps.store.getDocument(documentId);
    if (!stored) throw new SdxError('not-found', `no document ${documentId}`);
    const issuer = await this.deps.store.getParty(stored.state.issuer);
    return {
      id: stored.state.id,
      kind: stored.state.kind,
      status: stored.state.status,
      issuer: { id: stored.state.issuer, name: issuer?.name.en ?? stored.state.issuer },
      payloadHash: stored.state.payloadHash,
      lastEventAt: stored.updatedAt,
    };
  }

  /**
   * Stores a photo or paper for a document the caller takes part in; the next event references it.
   * Until then the upload is pending: it counts against the party's quota and is swept when old.
   */
  async attach(caller: Caller, documentId: string, bytes: Uint8Array, mediaType: string): Promise<{ sha256: string; size: number; mediaType: string }> {
    const actor = await this.actorOf(caller);
    const document = await this.visibleDocument(actor, documentId);
    if (actor.roles.includes('auditor') && !takesPart(document.state, actor.partyId)) {
      throw new RefusalError({ code: 'read-only-party', category: 'forbidden', message: 'an auditor reads documents and changes nothing' });
    }
    const { sha256, size } = await this.deps.store.putBlob(bytes, mediaType, {
      at: this.deps.clock().toISOString(),
      partyId: actor.partyId,
      ...(this.deps.pendingUploadQuotaBytes === undefined ? {} : { quotaBytes: this.deps.pendingUploadQuotaBytes }),
    });
    return { sha256, size, mediaType };
  }

  async currentPdf(caller: Caller, documentId: string): Promise<Uint8Array> {
    const view = await this.get(caller, documentId);
    const blob = view.pdfSha256 ? await this.deps.store.getBlob(view.pdfSha256) : undefined;
    if (!blob) throw new SdxError('not-found', `document ${documentId} has no PDF`);
    return blob.bytes;
  }

  private async issueChanges(
    caller: Caller,
    actor: PartyActor,
    kind: DocumentKind,
    rawPayload: unknown,
    options: { id?: string; version?: number; supersedes?: string; holder?: string | null },
  ): Promise<DocumentChange[]> {
    const parsed = validatePayload(kind, rawPayload);
    if (!parsed.ok) throw new ValidationError(parsed.issues.map((i) => ({ ...i, path: i.path ? `payload.${i.path}` : 'payload' })));
    const payload = parsed.value;
    const id = options.id ?? this.deps.newId();
    const decision = decideIssue({
      id,
      kind,
      payload,
      issuer: actor,
      ...(options.version ? { version: options.version } : {}),
      ...(options.supersedes ? { supersedes: options.supersedes } : {}),
      ...(options.holder !== undefined ? { holder: options.holder } : {}),
    });
    if (!decision.ok) throw new RefusalError(decision.refusal);
    const state = decision.state;
    await this.requireKnownParties(state);

    const now = this.deps.clock();
    const changes: DocumentChange[] = [];
    if (kind === 'delivery-order') {
      const backing = await this.telexBacking(caller, actor, id, payload as DeliveryOrderPayload, options.supersedes, now);
      if (backing) changes.push(backing);
    }
    const issuerParty = await this.requireParty(actor.partyId);
    const pdf = await this.deps.pdfs.renderSigned(
      this.pdfContent(state, payload, issuerParty, now),
      actor.partyId,
      this.signatureRequest(issuerParty, 'issue', now, 'issuer'),
    );
    // The PDF goes into the issuing commit itself: one durable write, no blob without its event.
    const body = this.bodyOf(state, caller, 'issue', now, {
      pdfSha256: blobHash(pdf),
      version: state.version,
      ...(options.supersedes ? { supersedes: options.supersedes } : {}),
    });
    const change: DocumentChange = {
      ...(await this.change(caller, 0, state, [], [body], now)),
      payload,
      newBlobs: [{ bytes: pdf, mediaType: 'application/pdf' }],
    };
    return [change, ...changes];
  }

  /** For a telex-release D/O: the rule check, and the guarantee's record of the D/O it now backs. */
  private async telexBacking(
    caller: Caller,
    actor: PartyActor,
    deliveryOrderId: string,
    payload: DeliveryOrderPayload,
    replacing: string | undefined,
    now: Date,
  ): Promise<DocumentChange | undefined> {
    if (payload.releaseBasis.type !== 'telex-release') return undefined;
    const stored = await this.deps.store.getDocument(payload.releaseBasis.guaranteeId);
    const visible = stored && (takesPart(stored.state, actor.partyId) || actor.roles.includes('auditor'));
    const guarantee: GuaranteeView | undefined = visible
      ? { state: stored.state, payload: stored.payload as TelexReleaseGuaranteePayload }
      : undefined;
    const backedId = stored?.state.backsDeliveryOrder ?? null;
    const backed = backedId ? await this.deps.store.getDocument(backedId) : undefined;
    const refusal = checkTelexReleaseBacking({
      payload,
      issuer: actor.partyId,
      guarantee,
      backedDeliveryOrder: backed?.state,
      ...(replacing ? { replacing } : {}),
    });
    if (refusal) throw new RefusalError(refusal);
    if (!stored) return undefined;
    const events = await this.deps.store.listEvents(stored.state.id);
    const next: DocumentState = { ...stored.state, backsDeliveryOrder: deliveryOrderId };
    const body = this.bodyOf(stored.state, caller, 'backing-recorded', now, { deliveryOrderId });
    return this.change(caller, stored.seq, next, events, [body], now);
  }

  private async actionData(
    actor: PartyActor,
    document: StoredDocument,
    events: readonly StoredEvent[],
    action: ActionInput,
    now: Date,
  ): Promise<{ event: Record<string, unknown>; newBlobs?: NewBlob[] }> {
    switch (action.type) {
      case 'transfer':
      case 'present':
        return { event: { to: action.to } };
      case 'reject-presentation':
      case 'void':
      case 'reject':
        return { event: { reason: action.reason } };
      case 'withdraw':
        return { event: action.reason ? { reason: action.reason } : {} };
      case 'gate-record': {
        const party = await this.requireParty(actor.partyId);
        const photos = await this.photosOf(actor, action.gateRecord);
        const pdf = await this.deps.pdfs.renderSigned(
          {
            // "Issued at" stays the time of issue: the first event of a document is its issue.
            ...this.pdfContent(document.state, document.payload, await this.issuerParty(document.state.issuer), issuedAtOf(events, now)),
            gateRecord: action.gateRecord,
            photos,
          },
          actor.partyId,
          this.signatureRequest(party, 'gate-record', now, 'issuer'),
        );
        return { event: { gateRecord: action.gateRecord, pdfSha256: blobHash(pdf) }, newBlobs: [{ bytes: pdf, mediaType: 'application/pdf' }] };
      }
      case 'countersign':
      case 'accept': {
        const party = await this.requireParty(actor.partyId);
        const current = latestPdfSha256(events);
        const blob = current ? await this.deps.store.getBlob(current) : undefined;
        if (!blob) throw new SdxError('not-found', `document ${document.state.id} has no PDF to countersign`);
        const pdf = await this.deps.pdfs.countersign(
          blob.bytes,
          actor.partyId,
          this.signatureRequest(party, action.type, now, 'counter'),
        );
        return { event: { pdfSha256: blobHash(pdf) }, newBlobs: [{ bytes: pdf, mediaType: 'application/pdf' }] };
      }
      case 'release':
      case 'amend':
        return { event: {} };
    }
  }

  /**
   * The photos a gate record cites. A photo the actor may not see (another party's upload that no
   * document of the actor's references) is refused exactly as one that does not exist.
   */
  private async photosOf(actor: PartyActor, record: GateRecord): Promise<NonNullable<PdfContent['photos']>> {
    const hashes = [...record.photoSha256, ...record.damages.flatMap((d) => d.photoSha256 ?? [])];
    const photos: NonNullable<PdfContent['photos']> = [];
    for (const sha256 of new Set(hashes)) {
      const blob = await this.deps.store.getBlob(sha256, { visibleTo: actor.partyId });
      if (!blob || (blob.mediaType !== 'image/jpeg' && blob.mediaType !== 'image/png')) throw unknownPhoto(sha256);
      photos.push({ sha256, mediaType: blob.mediaType, bytes: blob.bytes });
    }
    return photos;
  }

  private bodyOf(
    state: DocumentState,
    caller: Caller,
    type: string,
    now: Date,
    data: Record<string, unknown>,
  ): Omit<EventBody, 'seq' | 'prev'> {
    return {
      v: 1,
      documentId: state.id,
      kind: state.kind,
      type,
      actor: { partyId: caller.partyId, userId: caller.userId },
      at: now.toISOString(),
      payloadHash: state.payloadHash,
      data,
    };
  }

  /** Signs each body in turn, chaining it to the event before it. */
  private async change(
    caller: Caller,
    expectedSeq: number,
    next: DocumentState,
    history: readonly StoredEvent[],
    bodies: readonly Omit<EventBody, 'seq' | 'prev'>[],
    now: Date,
  ): Promise<DocumentChange> {
    const signer = await this.deps.keys.signerFor(caller.partyId);
    let prev = history[history.length - 1]?.hash ?? null;
    const events: NewEvent[] = [];
    for (const [i, body] of bodies.entries()) {
      const envelope = await signEvent({ ...body, seq: expectedSeq + i + 1, prev }, signer);
      prev = eventHash(envelope);
      events.push({ type: body.type, actor: caller.partyId, recordedAt: body.at, envelope });
    }
    const blobs = [...new Set(bodies.flatMap((body) => blobsCitedBy(body.data)))];
    return { documentId: next.id, expectedSeq, state: next, events, at: now.toISOString(), ...(blobs.length > 0 ? { blobs } : {}) };
  }

  private async commit(changes: DocumentChange[]): Promise<void> {
    try {
      await this.deps.store.commit(changes);
    } catch (error) {
      if (error instanceof StoreConflictError) {
        throw new SdxError('concurrent-update', `document ${error.documentId} changed meanwhile; reload it and try again`, { cause: error });
      }
      // Swept between the check and the commit: the same answer as a photo never uploaded.
      if (error instanceof MissingBlobError) throw unknownPhoto(error.sha256);
      throw error;
    }
  }

  private async view(documentId: string): Promise<DocumentView> {
    const stored = await this.deps.store.getDocument(documentId);
    if (!stored) throw new SdxError('not-found', `no document ${documentId}`);
    const events = await this.deps.store.listEvents(documentId);
    return { ...stored, events, pdfSha256: latestPdfSha256(events) };
  }

  private async visibleDocument(actor: PartyActor, documentId: string): Promise<StoredDocument> {
    const stored = await this.deps.store.getDocument(documentId);
    // A party that takes no part in a document is told it does not exist.
    if (!stored || !(takesPart(stored.state, actor.partyId) || actor.roles.includes('auditor'))) {
      throw new SdxError('not-found', `no document ${documentId}`);
    }
    return stored;
  }

  private async actorOf(caller: Caller): Promise<PartyActor> {
    const party = await this.requireParty(caller.partyId);
    return { partyId: party.id, roles: party.roles };
  }

  /** The issuer as the PDF names it: a party here, or one of another platform known by its address only. */
  private async issuerParty(id: string): Promise<Party> {
    return isRemoteParty(id) ? { id, name: { en: id }, roles: [], identifiers: {} } : this.requireParty(id);
  }

  private async requireParty(id: string): Promise<Party> {
    const party = await this.deps.store.getParty(id);
    if (!party) throw new SdxError('not-found', `no party ${id}`);
    return party;
  }

  private async requireKnownParties(state: DocumentState): Promise<void> {
    const roles = new Map<string, readonly PartyRole[]>();
    for (const { partyId } of state.participants) {
      const party = await this.deps.store.getParty(partyId);
      if (party) roles.set(partyId, party.roles);
    }
    const issues = participantProblems(state, (id) => roles.get(id));
    if (issues.length > 0) throw new ValidationError(issues);
  }

  private pdfContent(state: DocumentState, payload: unknown, issuer: Party, now: Date): PdfContent {
    return {
      kind: state.kind,
      payload,
      documentId: state.id,
      version: state.version,
      payloadHash: state.payloadHash,
      verifyUrl: this.deps.verifyUrl(state.id),
      issuedAt: now.toISOString(),
      issuerName: issuer.name.zh ? `${issuer.name.en} ${issuer.name.zh}` : issuer.name.en,
      issuerPartyId: issuer.id,
    };
  }

  private signatureRequest(party: Party, action: string, at: Date, box: SignatureRequest['box']): SignatureRequest {
    const role = signatureRoles[action];
    return {
      signerName: party.name.en,
      ...(party.name.zh ? { signerNameZh: party.name.zh } : {}),
      ...(role ? { role } : {}),
      reason: signatureReasons[action] ?? action,
      at,
      box,
    };
  }
}

function unknownPhoto(sha256: string): ValidationError {
  return new ValidationError([{ path: 'gateRecord.photoSha256', code: 'unknown-attachment', message: `no photo ${sha256}; upload it first` }]);
}

/** The blobs an event's data cites: its signed PDF and a gate record's photos. */
function blobsCitedBy(data: Record<string, unknown>): string[] {
  const cited: string[] = [];
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  if (typeof data['pdfSha256'] === 'string') cited.push(data['pdfSha256']);
  const record = data['gateRecord'];
  if (typeof record === 'object' && record !== null) {
    const { photoSha256, damages } = record as { photoSha256?: unknown; damages?: unknown };
    cited.push(...strings(photoSha256));
    if (Array.isArray(damages)) {
      for (const damage of damages) {
        if (typeof damage === 'object' && damage !== null) cited.push(...strings((damage as { photoSha256?: unknown }).photoSha256));
      }
    }
  }
  return cited;
}

function issuedAtOf(events: readonly StoredEvent[], fallback: Date): Date {
  const first = events[0];
  const at = first ? new Date(first.recordedAt) : fallback;
  return Number.isNaN(at.getTime()) ? fallback : at;
}
