import type { CertificateCheck } from './audit/audit-trail';
import { auditDocumentEvents, type EventAudit } from './audit/document-audit';
import type { LogService } from './audit/log-service';
import { openTreeHead, type SignedTreeHead } from './audit/tree-head';
import type { DocumentService } from './document-service';
import { liveStatusFor, type GatePasses } from './gate-passes';
import { verifyAgainstDecoy, verifyPassword } from './passwords';
import type { Store } from './ports/store.port';
import type { Party } from '../domain/party/party';

/** Who a web session belongs to: the user and the party they act for. */
export interface SessionPrincipal {
  userId: string;
  userName: string;
  party: Party;
}

/** What the auditor's page shows: the current head, whether it verifies, and one document's events. */
export interface AuditOverview {
  head: SignedTreeHead;
  headProblem: string | undefined;
  query: string;
  document?: { id: string; kind: string; status: string; events: EventAudit[] };
  notFound: boolean;
}

export type PassStatusResult =
  | { outcome: 'valid'; status: ReturnType<typeof liveStatusFor> }
  | { outcome: 'invalid' | 'unknown-key' };

export interface PageReadDependencies {
  store: Store;
  documents: DocumentService;
  log: LogService;
  passes: GatePasses;
  checkCertificate: CertificateCheck;
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

  /** The current tree head checked against the trusted log certificate, and one document's audited events. */
  async auditOverview(query: string): Promise<AuditOverview> {
    const head = await this.deps.log.currentTreeHead();
    let headProblem: string | undefined;
    try {
      const { certificate, chain } = openTreeHead(head);
      headProblem = await this.deps.checkCertificate(certificate, chain, new Date(head.timestamp), 'log');
    } catch (error) {
      headProblem = error instanceof Error ? error.message : 'the head does not verify';
    }
    const stored = query ? await this.deps.store.getDocument(query) : undefined;
    const document = stored
      ? {
          id: stored.state.id,
          kind: stored.state.kind,
          status: stored.state.status,
          events: await auditDocumentEvents(await this.deps.store.listEvents(stored.state.id), head, this.deps.log, this.deps.checkCertificate),
        }
      : undefined;
    return { head, headProblem, query, ...(document ? { document } : {}), notFound: query !== '' && !stored };
  }

  /** What a gate pass says now: its document's live status, when the pass's signature verifies. */
  async passStatus(token: string): Promise<PassStatusResult> {
    const opened = this.deps.passes.open(token);
    if (opened.outcome !== 'valid' || !opened.claims) return { outcome: opened.outcome === 'unknown-key' ? 'unknown-key' : 'invalid' };
    const stored = await this.deps.store.getDocument(opened.claims.d);
    return { outcome: 'valid', status: liveStatusFor(opened.claims, stored) };
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
