import { eventHash } from '../../domain/audit-log/event-hash';
import type { StoredEvent } from '../ports/store.port';
import { checkEvent, type AuditProblem, type CertificateCheck } from './audit-trail';
import type { InclusionCheck, LogService } from './log-service';
import type { SignedTreeHead } from './tree-head';

/** One event of a document as an auditor checks it: its signature, its link to the one before, its leaf. */
export interface EventAudit {
  seq: number;
  logIndex: number;
  type: string;
  actor: string;
  at: string;
  /** Problems with the JWS itself: signature, shape, signer's certificate, signer vs actor. */
  signatureProblems: AuditProblem[];
  /** Whether `prev` names the SHA-256 of the previous event (null for the first). */
  chained: boolean;
  inclusion: InclusionCheck;
}

/** Audits one document's events against a signed tree head, with the same checks as the full audit. */
export async function auditDocumentEvents(
  events: readonly StoredEvent[],
  head: SignedTreeHead,
  log: Pick<LogService, 'checkIncluded'>,
  checkCertificate: CertificateCheck,
): Promise<EventAudit[]> {
  const inclusions = await log.checkIncluded(events, head);
  const audits: EventAudit[] = [];
  let previousHash: string | null = null;
  for (const [i, event] of events.entries()) {
    const problems: AuditProblem[] = [];
    const opened = await checkEvent(event, checkCertificate, (problem) => problems.push(problem));
    audits.push({
      seq: event.seq,
      logIndex: event.logIndex,
      type: event.type,
      actor: event.actor,
      at: event.recordedAt,
      signatureProblems: problems,
      chained: opened !== undefined && opened.body.prev === previousHash,
      inclusion: inclusions[i] ?? { logIndex: event.logIndex, treeSize: head.size, included: false, reason: 'not checked' },
    });
    previousHash = eventHash(event.envelope);
  }
  return audits;
}
