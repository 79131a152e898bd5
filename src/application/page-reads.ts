import type { CertificateCheck } from './audit/audit-trail';
import { auditDocumentEvents, type EventAudit } from './audit/document-audit';
import type { LogService } from './audit/log-service';
import { openTreeHead, type SignedTreeHead } from './audit/tree-head';
import { documentFacts } from './document-facts';
import type { SearchTerms } from './document-search';
import type { Caller, DocumentService } from './document-service';
import { storedEventBody } from './events/signed-event';
import { liveStatusFor, passRefusalAt, passRefusalFor, type GatePasses } from './gate-passes';
import { verifyAgainstDecoy, verifyPassword } from './passwords';
import type { DocumentCount, Store, StoredDocument, StoredEvent } from './ports/store.port';
import { businessNumbersOf, ownNumberOf } from '../domain/document/business-keys';
import type { GateRecord } from '../domain/eir/eir.schema';
import type { GateFacts, LiveStatus, PassRefusalCode } from '../domain/gate/gate-pass';
import type { Party } from '../domain/party/party';
import { SdxError } from '../domain/shared/errors';

/** Who a web session belongs to: the user and the party they act for. */
export interface SessionPrincipal {
  userId: string;
  userName: string;
  party: Party;
}

/** One line of a document list: what a clerk or auditor scans. */
export interface DocumentLine {
  id: string;
  kind: string;
  status: string;
  number: string | undefined;
  bl: string | undefined;
  containers: string[];
  /** The consignee's names as the payload gives them: English first, then Chinese where given. */
  consigneeNames: string[];
  createdAt: string;
  updatedAt: string;
}

export function documentLineOf(stored: StoredDocument): DocumentLine {
  const numbers = businessNumbersOf(stored.state.kind, stored.payload);
  return {
    id: stored.state.id,
    kind: stored.state.kind,
    status: stored.state.status,
    number: ownNumberOf(stored.state.kind, stored.payload),
    bl: numbers.find((n) => n.key === 'bl-number')?.text,
    containers: numbers.filter((n) => n.key === 'container').map((n) => n.text),
    consigneeNames: numbers.filter((n) => n.key === 'consignee').map((n) => n.text),
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}

/** A page of a list: its lines, the cursor of the next page, and how many match in all. */
export interface DocumentListPage {
  lines: DocumentLine[];
  nextCursor: string | null;
  total: DocumentCount;
}

/**
 * What the auditor's page shows: the current head, whether it verifies, and either one document's
 * events (found by id or by a business number only it has) or a list of the documents that match.
 */
export interface AuditOverview {
  head: SignedTreeHead;
  headProblem: string | undefined;
  query: string;
  document?: { id: string; kind: string; status: string; number: string | undefined; events: EventAudit[] };
  list?: DocumentListPage;
  notFound: boolean;
  parties: Party[];
}

export type { GateFacts };

const passRefusalDetails: Record<PassRefusalCode, string> = {
  'pass-invalid': 'the pass is not one this service signs: malformed, or its signature does not verify',
  'pass-unknown-key': 'the pass is signed by a key this service does not publish',
  'pass-key-retired': 'the pass was signed by a retired key after its retirement',
  'pass-lifetime-too-long': 'the pass lives longer than the 24 hours any pass of this service lives',
  'pass-expired': 'the pass has expired by this service’s clock; ask the holder for a fresh one',
  'pass-not-yet-valid': 'the pass is issued later than this service’s clock says it is now',
  'pass-window-not-started': 'the document’s validity window has not started',
  'pass-window-ended': 'the document’s validity window has ended',
  'pass-wrong-facility': 'the pass is for another facility’s gate',
};

const passRefused = (code: PassRefusalCode) => new SdxError(code, passRefusalDetails[code]);

/** An EIR's gate move as its facility recorded and signed it. */
export interface GateMove {
  record: GateRecord;
  /** The party that recorded it. */
  by: string;
}

/**
 * The last gate record among a document's events. The store checked each envelope's signature when
 * it was committed, so the body is read without verifying again.
 */
export function gateMoveOf(events: readonly StoredEvent[]): GateMove | undefined {
  for (const event of [...events].reverse()) {
    if (event.type !== 'gate-record') continue;
    const record = storedEventBody(event.envelope).data?.['gateRecord'];
    if (typeof record === 'object' && record !== null) return { record: record as GateRecord, by: event.actor };
  }
  return undefined;
}

export interface PageReadDependencies {
  store: Store;
  documents: DocumentService;
  log: LogService;
  passes: GatePasses;
  checkCertificate: CertificateCheck;
  clock: () => Date;
}

/**
 * The use cases behind the HTML pages that are not document actions: who is signed in, sign-in
 * itself, the public status with its log inclusion, the auditor's overview and a pass's live status.
 * Page handlers call these; they do not read the store.
 */
export class PageReads {
  constructor(private readonly deps: PageReadDependencies) {}

  /** The user and party behind a session, or undefined when either is gone. */
  async principal(userId: string): Promise<SessionPrincipal | undefined> {
    const user = await this.deps.store.getUser(userId);
    if (!user) return undefined;
    const party = await this.deps.store.getParty(user.partyId);
    if (!party) return undefined;
    return { userId: user.id, userName: user.name, party };
  }

  /**
   * Checks a user id and password; an unknown user costs the same time as a wrong password.
   * Returns the user id and its party's roles on success.
   */
  async signIn(userId: string, password: string): Promise<{ userId: string; roles: readonly string[] } | undefined> {
    const user = userId ? await this.deps.store.getUser(userId) : undefined;
    const matches = user?.passwordHash ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDecoy(password);
    if (!user || !matches) return undefined;
    const party = await this.deps.store.getParty(user.partyId);
    return { userId: user.id, roles: party?.roles ?? [] };
  }

  /** The names this exchange knows the given parties by; ids it does not know are left out. */
  async partyNames(partyIds: readonly string[]): Promise<Map<string, Party['name']>> {
    const names = new Map<string, Party['name']>();
    for (const id of new Set(partyIds)) {
      const party = await this.deps.store.getParty(id);
      if (party) names.set(id, party.name);
    }
    return names;
  }

  /** The public status behind a QR link, with whether its events are in the current log. */
  async publicStatusWithLog(documentId: string) {
    const status = await this.deps.documents.publicStatus(documentId);
    const head = await this.deps.log.currentTreeHead();
    const checks = await this.deps.log.checkIncluded(await this.deps.log.eventsOf(status.id), head);
    return { ...status, log: { treeSize: head.size, included: checks.every((c) => c.included) } };
  }

  /**
   * The current tree head checked against the trusted log certificate, and what `terms.q` finds:
   * a document by its id or by a business number only it carries, with its audited events; else
   * the newest documents matching the terms (every document, for the auditor), a page at a time.
   */
  async auditOverview(auditor: Caller, terms: SearchTerms, page: { limit: number; after?: string | undefined }): Promise<AuditOverview> {
    const head = await this.deps.log.currentTreeHead();
    let headProblem: string | undefined;
    try {
      const { certificate, chain } = openTreeHead(head);
      headProblem = await this.deps.checkCertificate(certificate, chain, new Date(head.timestamp), 'log');
    } catch (error) {
      headProblem = error instanceof Error ? error.message : 'the head does not verify';
    }
    const query = terms.q?.trim() ?? '';
    const parties = await this.deps.store.listParties();
    const byId = query ? await this.deps.store.getDocument(query) : undefined;
    // A limit of 0 asks for the head alone (the page shows a refused search without a list).
    const found = byId || page.limit === 0 ? undefined : await this.deps.documents.search(auditor, terms, page);
    const list = found && { lines: found.items.map(documentLineOf), nextCursor: found.nextCursor, total: found.total };
    // A business number only one document carries opens that document, as its id would.
    const only = found && query && page.after === undefined && found.total.count === 1 && !found.total.capped ? found.items[0] : undefined;
    const stored = byId ?? only;
    const document = stored
      ? {
          id: stored.state.id,
          kind: stored.state.kind,
          status: stored.state.status,
          number: ownNumberOf(stored.state.kind, stored.payload),
          events: await auditDocumentEvents(await this.deps.store.listEvents(stored.state.id), head, this.deps.log, this.deps.checkCertificate),
        }
      : undefined;
    return {
      head,
      headProblem,
      query,
      parties,
      ...(document ? { document } : {}),
      ...(list && !document ? { list } : {}),
      notFound: query !== '' && !document && list?.total.count === 0,
    };
  }

  /**
   * What a gate pass says now, by this service's clock: its document's live status, or an SdxError
   * with the pass's refusal code (see passRefusalAt). `gateParty` is the party whose gate asks (a
   * signed-in terminal's or depot's clerk), for the facility check.
   */
  async passStatus(token: string, gateParty?: string): Promise<LiveStatus> {
    const opened = this.deps.passes.open(token);
    if (opened.outcome !== 'valid' || !opened.claims) throw passRefused(passRefusalFor(opened.outcome === 'valid' ? 'invalid' : opened.outcome));
    const stored = await this.deps.store.getDocument(opened.claims.d);
    const refusal = passRefusalAt(opened.claims, stored, this.deps.clock().getTime() / 1000, gateParty);
    if (refusal) throw passRefused(refusal);
    return liveStatusFor(opened.claims, stored);
  }

  /**
   * The facts behind a pass, for a party taking part in its document (a gate clerk's terminal or
   * depot): undefined when the pass does not verify; not-found when the party takes no part.
   */
  async gateFacts(caller: Caller, token: string): Promise<GateFacts | undefined> {
    const opened = this.deps.passes.open(token);
    if (opened.outcome !== 'valid' || !opened.claims) return undefined;
    const view = await this.deps.documents.get(caller, opened.claims.d);
    const facts = documentFacts(view);
    let haulier = facts.haulier;
    if (!haulier && view.state.kind === 'delivery-order' && view.state.holder) {
      const holder = await this.deps.store.getParty(view.state.holder);
      if (holder?.roles.includes('haulier')) haulier = { en: holder.name.en, zh: holder.name.zh ?? null };
    }
    return {
      kind: view.state.kind,
      number: facts.number,
      direction: facts.direction,
      containers: facts.containers.map((number, i) => ({ number, sizeType: facts.sizeTypes[i] ?? null })),
      seals: facts.seals,
      truckPlate: facts.truckPlate,
      haulier,
      facility: facts.facility,
    };
  }

  /** A photo a document's gate record cites, for a party taking part in the document. */
  async documentPhoto(caller: Caller, documentId: string, sha256: string): Promise<{ mediaType: string; bytes: Uint8Array } | undefined> {
    const view = await this.deps.documents.get(caller, documentId);
    const record = gateMoveOf(view.events)?.record;
    const cited = record ? [...record.photoSha256, ...record.damages.flatMap((d) => d.photoSha256 ?? [])] : [];
    return cited.includes(sha256) ? this.photo(sha256) : undefined;
  }

  /** Every registered party (the desk's party book). */
  async parties(): Promise<Party[]> {
    return this.deps.store.listParties();
  }

  /** A stored photo by its hash, when it is an image. */
  async photo(sha256: string): Promise<{ mediaType: string; bytes: Uint8Array } | undefined> {
    const blob = await this.deps.store.getBlob(sha256);
    return blob && ['image/jpeg', 'image/png'].includes(blob.mediaType) ? blob : undefined;
  }
}
