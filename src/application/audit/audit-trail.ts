import { eventHash } from '../../domain/audit-log/event-hash';
import { emptyRoot, equalHashes, leafHash } from '../../domain/audit-log/merkle-hash';
import { appendLeaves, rootFromFrontier, type Frontier } from '../../domain/audit-log/merkle-tree';
import { isSystemEventType, SYSTEM_ACTOR_ID } from '../../domain/document/lifecycle';
import { SdxError } from '../../domain/shared/errors';
import { openEvent, type EventBody, type OpenedEvent } from '../events/signed-event';
import type { RefusalCode } from '../../domain/shared/errors';
import type { LoggedEvent } from './audit-bundle';
import { LifecycleReplay, type PartyRoles, type RuleProblemCode } from './lifecycle-replay';
import { openTreeHead, type SignedTreeHead } from './tree-head';
import type { CrossPlatformProblem } from '../federation/cross-platform-audit';

/** What a certificate is checked for: signing events, or signing the log's tree heads. */
export type CertificatePurpose = 'event' | 'log';

/**
 * Decides whether a certificate (DER, with the chain that came with it) was trustworthy for
 * `purpose` at `at`: undefined when it was, else the reason it was not.
 */
export type CertificateCheck = (certificate: Uint8Array, chain: Uint8Array[], at: Date, purpose: CertificatePurpose) => Promise<string | undefined>;

export interface AuditInput {
  /** The logged events in log order. */
  events: AsyncIterable<LoggedEvent> | Iterable<LoggedEvent>;
  treeHead: SignedTreeHead;
  /** A head saved earlier by the auditor: the log must have grown from it, never changed. */
  olderHead?: SignedTreeHead;
  validateCertificate: CertificateCheck;
  /**
   * The exchange's parties and their roles: when given, every document's events are replayed
   * through the domain lifecycle (an issue event's row then carries the document's payload).
   */
  parties?: readonly PartyRoles[];
  /** When auditing a store: its stored leaf (level-0 node) at a log index, to compare with the recomputed one. */
  storedLeaf?: (logIndex: number) => Promise<Uint8Array | undefined>;
  /**
   * Resume after `olderHead` instead of starting at leaf 0: `events` then starts at index
   * olderHead.size, `frontier` is the stored tree's frontier at that size (checked against the
   * older head's root: the stored tree is consistent with it) and `previous` gives a document's
   * event stored before the resumed range (its seq and event hash), to check the chain across it.
   * Events before the older head are not read: their check waits for a full audit.
   */
  resume?: { frontier: Frontier; previous: (documentId: string) => Promise<{ seq: number; hash: string } | undefined> };
  /**
   * What other platforms signed in this platform's events (received chains, receipts, release
   * notices), checked against their keys: why an event's does not hold, or undefined.
   */
  crossPlatform?: (body: EventBody, payload?: unknown) => Promise<CrossPlatformProblem | undefined>;
  /** Called every PROGRESS_EVERY events and once at the end; `total` is the head's size. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Stable problem codes; once published, a code keeps its meaning.
 * - `tree-head-invalid` / `tree-head-untrusted`: the head's signature or body, or its log certificate.
 * - `saved-head-invalid` / `saved-head-untrusted`: the same for the auditor's older head.
 * - `inconsistent-with-saved-head`: the log is not an extension of the older head's tree.
 * - `event-malformed`, `event-signature-invalid`, `event-signer-untrusted`: one event's JWS;
 *   `event-signer-mismatch`: it is signed by another party's certificate than its actor's (or a system
 *   event, signed by the log key, names a party as its actor).
 * - `event-row-mismatch`: the document id or seq the log lists differs from the signed event's.
 * - `event-missing`: log indexes with no event; `log-index-out-of-order`: an index repeats or goes back.
 * - `log-size-mismatch`: the number of events differs from the size the head signs.
 * - `seq-gap`, `seq-out-of-order`, `prev-mismatch`: a document's chain of events is broken.
 * - `root-mismatch`: the events' Merkle root is not the one the head signs.
 * - `leaf-mismatch`: a stored leaf hash is not the hash of the stored event at that index.
 * - `event-alg-mismatch`: the JWS names an algorithm its signer's key cannot make (ES256 on RSA).
 * - `tree-head-predates-events`: the head is dated before an event it covers.
 * - `cross-platform-signature-invalid`: a chain, receipt or notice another platform signed, kept in
 *   an event, does not verify under that platform's key (or names the wrong envelope).
 * - `transfer-chain-invalid`: a transfer-in's chain the receiver's rules refuse (an issuer its
 *   platform may not issue for, an entry not made by the platform the one before handed to, a
 *   broken link), or a transfer-in row without the payload to check it against.
 * - the rule codes of LifecycleReplay (`event-breaks-lifecycle`, ...): a correctly signed event the
 *   lifecycle does not allow, with the domain's refusal code in `rule`.
 * - `too-many-problems`: the list stops after MAX_LISTED_PROBLEMS; `audit-failed`: reading failed.
 */
export type AuditProblemCode =
  | 'tree-head-invalid'
  | 'tree-head-untrusted'
  | 'saved-head-invalid'
  | 'saved-head-untrusted'
  | 'inconsistent-with-saved-head'
  | 'event-malformed'
  | 'event-signature-invalid'
  | 'event-signer-untrusted'
  | 'event-signer-mismatch'
  | 'event-row-mismatch'
  | 'event-missing'
  | 'log-index-out-of-order'
  | 'log-size-mismatch'
  | 'seq-gap'
  | 'seq-out-of-order'
  | 'prev-mismatch'
  | 'root-mismatch'
  | 'leaf-mismatch'
  | 'event-alg-mismatch'
  | 'tree-head-predates-events'
  | 'cross-platform-signature-invalid'
  | 'transfer-chain-invalid'
  | RuleProblemCode
  | 'too-many-problems'
  | 'audit-failed';

export interface AuditProblem {
  code: AuditProblemCode;
  logIndex?: number;
  documentId?: string;
  seq?: number;
  /** For a lifecycle problem: the domain's refusal code. */
  rule?: RefusalCode;
  message: string;
}

export interface AuditResult {
  ok: boolean;
  problems: AuditProblem[];
  /** `events`: the events read (resuming, only those after the older head). */
  checked: { events: number; documents: number; treeSize: number };
}

export const MAX_LISTED_PROBLEMS = 100;
export const PROGRESS_EVERY = 1000;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
/** `log index 4 has` or `log indexes 4..7 have`, for [start, end). */
const indexRange = (start: number, end: number) => (end - start === 1 ? `log index ${start} has` : `log indexes ${start}..${end - 1} have`);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Checks a log of signed events against a signed tree head, the same way offline (a bundle) and in
 * the server (its store): the head's signature and log certificate; every event's signature and
 * signer certificate at the event's time; log indexes 0..size-1 without gaps; each document's
 * sequence and `prev` chain; and the Merkle root recomputed from the events, against the head and,
 * at its size, against an older saved head. One pass, O(log n) memory for the tree (the frontier)
 * plus one entry per document. Reports problems; never throws.
 */
export async function auditTrail(input: AuditInput): Promise<AuditResult> {
  const problems: AuditProblem[] = [];
  let found = 0;
  const report = (problem: AuditProblem) => {
    found += 1;
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push(problem);
  };
  const checkCertificate: CertificateCheck = async (...args) => {
    try {
      return await input.validateCertificate(...args);
    } catch (error) {
      return `the certificate could not be checked: ${messageOf(error)}`;
    }
  };

  const head = input.treeHead;
  const headCheck = await checkHead(head, 'tree-head', checkCertificate, report);
  const headSize = headCheck ? head.size : undefined;
  const older = input.olderHead;
  let olderSize: number | undefined;
  if (older && (await checkHead(older, 'saved-head', checkCertificate, report))) {
    if (headSize !== undefined && older.size > headSize) {
      report({
        code: 'inconsistent-with-saved-head',
        message: `the saved head signs ${older.size} events but the log now has only ${headSize}: the log shrank`,
      });
    } else {
      olderSize = older.size;
    }
  }

  let events = 0;
  const documents = new Map<string, { seq: number; hash: string }>();
  const resume = input.resume && older ? input.resume : undefined;
  // Resuming, the log is checked from the older head's size on (or not at all when that head is unusable).
  const start = resume ? (olderSize ?? headSize ?? 0) : 0;
  // A replay needs each document's whole history, which a resumed audit does not read.
  const replay = input.parties && !resume ? new LifecycleReplay(input.parties) : undefined;
  /** The latest event time the head covers, to compare with the head's own time. */
  let latest: { at: number; logIndex: number } | undefined;
  try {
    // The tree is kept as its frontier alone, so memory stays O(log n) whatever the log's size.
    let size = 0;
    let frontier: Frontier = [];
    let headRoot = headSize === 0 ? emptyRoot() : undefined;
    let olderRoot = olderSize === 0 ? emptyRoot() : undefined;
    let nextIndex = 0;
    if (resume && olderSize !== undefined && olderSize > 0) {
      size = olderSize;
      frontier = resume.frontier;
      olderRoot = rootFromFrontier(size, frontier);
      if (size === headSize) headRoot = olderRoot;
      nextIndex = size;
    }
    const seen = new Set<string>();

    for await (const row of input.events) {
      if (row.logIndex < start) continue;
      events += 1;
      if (input.onProgress && events % PROGRESS_EVERY === 0) input.onProgress(start + events, head.size);
      const where = { logIndex: row.logIndex, documentId: row.documentId, seq: row.seq };

      if (row.logIndex > nextIndex) {
        report({
          code: 'event-missing',
          logIndex: nextIndex,
          message: `${indexRange(nextIndex, row.logIndex)} no event; the log goes on at ${row.logIndex}`,
        });
      } else if (row.logIndex < nextIndex) {
        report({
          code: 'log-index-out-of-order',
          ...where,
          message: `log index ${row.logIndex} comes after index ${nextIndex - 1}: the log's order was changed or an event repeats`,
        });
      }
      nextIndex = Math.max(nextIndex, row.logIndex + 1);

      const bytes = Buffer.from(row.envelope, 'utf8');
      const leaf = leafHash(bytes);
      ({ size, frontier } = appendLeaves(size, frontier, [leaf]));
      if (size === headSize) headRoot = rootFromFrontier(size, frontier);
      if (size === olderSize) olderRoot = rootFromFrontier(size, frontier);

      if (input.storedLeaf) {
        const stored = await input.storedLeaf(row.logIndex);
        if (!stored || !equalHashes(stored, leaf)) {
          report({
            code: 'leaf-mismatch',
            ...where,
            message: stored
              ? `the stored leaf ${hex(stored)} is not the hash ${hex(leaf)} of the event stored at this index`
              : 'the log stores no leaf at this index',
          });
        }
      }

      const opened = await checkEvent(row, checkCertificate, report);
      const eventAt = opened ? Date.parse(opened.body.at) : NaN;
      if (headSize !== undefined && row.logIndex < headSize && eventAt > (latest?.at ?? -Infinity)) latest = { at: eventAt, logIndex: row.logIndex };
      // The chain follows the signed values where the event could be read, else the listed ones.
      const documentId = opened?.body.documentId ?? row.documentId;
      const seq = opened?.body.seq ?? row.seq;
      if (resume && !seen.has(documentId)) {
        seen.add(documentId);
        const previous = await resume.previous(documentId);
        if (previous) documents.set(documentId, previous);
      }
      const last = documents.get(documentId);
      const expectedSeq = (last?.seq ?? 0) + 1;
      const at = { logIndex: row.logIndex, documentId, seq };
      if (seq > expectedSeq) {
        report({ code: 'seq-gap', ...at, message: `seq ${seq} follows seq ${expectedSeq - 1}: events ${expectedSeq}..${seq - 1} of this document are missing` });
      } else if (seq < expectedSeq) {
        report({
          code: 'seq-out-of-order',
          ...at,
          message: `seq ${seq} comes after seq ${expectedSeq - 1}: this document's events were reordered or one repeats`,
        });
        continue; // The chain goes on from the latest event; a stray earlier one does not reset it.
      } else if (opened) {
        for (const found of replay?.next(opened.body, row.payload) ?? []) report({ ...found, ...at });
        const foreign = await input.crossPlatform?.(opened.body, row.payload);
        if (foreign !== undefined) report({ ...foreign, ...at });
        const expectedPrev = last?.hash ?? null;
        if (opened.body.prev !== expectedPrev) {
          report({
            code: 'prev-mismatch',
            ...at,
            message:
              expectedPrev === null
                ? `the first event of the document names a previous event (${String(opened.body.prev)})`
                : `prev is ${String(opened.body.prev)}, not ${expectedPrev}, the SHA-256 of the document's previous event: that event was changed or replaced`,
          });
        }
      }
      documents.set(documentId, { seq, hash: eventHash(row.envelope) });
    }

    for (const { documentId, problem } of replay?.finish() ?? []) report({ ...problem, documentId });
    // Only a signed time says when the head was made.
    if (headCheck === 'signed' && latest && latest.at > Date.parse(head.timestamp)) {
      report({
        code: 'tree-head-predates-events',
        logIndex: latest.logIndex,
        message: `the tree head is dated ${head.timestamp}, before the event at log index ${latest.logIndex} (${new Date(latest.at).toISOString()}) it covers`,
      });
    }
    if (headSize !== undefined) {
      if (nextIndex < headSize) {
        report({
          code: 'event-missing',
          logIndex: nextIndex,
          message: `${indexRange(nextIndex, headSize)} no event: the log ends before the size the head signs`,
        });
      }
      if (start + events !== headSize) {
        report({ code: 'log-size-mismatch', message: `the log holds ${start + events} events but the tree head signs a tree of ${headSize}` });
      }
      if (headRoot && hex(headRoot) !== head.rootHash) {
        report({
          code: 'root-mismatch',
          message: `the Merkle root of the first ${headSize} events is ${hex(headRoot)}, not ${head.rootHash} as the tree head signs: events were changed, removed, added or reordered`,
        });
      }
    }
    if (older && olderSize !== undefined) {
      if (!olderRoot) {
        report({ code: 'inconsistent-with-saved-head', message: `the log holds ${start + events} events, fewer than the ${olderSize} the saved head signs` });
      } else if (hex(olderRoot) !== older.rootHash) {
        report({
          code: 'inconsistent-with-saved-head',
          message: resume
            ? `the stored tree of the first ${olderSize} events has the root ${hex(olderRoot)}, not ${older.rootHash} as the saved head signs: the log was rewritten since that head`
            : `the first ${olderSize} events have the Merkle root ${hex(olderRoot)}, not ${older.rootHash} as the saved head signs: the log was rewritten since that head`,
        });
      }
    }
  } catch (error) {
    report({ code: 'audit-failed', message: `the audit stopped after ${events} events: ${messageOf(error)}` });
  }
  input.onProgress?.(start + events, head.size);

  if (found > problems.length) {
    problems.push({ code: 'too-many-problems', message: `stopped listing after ${MAX_LISTED_PROBLEMS} problems; ${found - problems.length} more were found` });
  }
  return { ok: found === 0, problems, checked: { events, documents: documents.size, treeSize: head.size } };
}

/**
 * Checks a head's signature and log certificate. False when its size and root cannot even be
 * compared; 'signed' when its signature covers them and its time.
 */
async function checkHead(
  head: SignedTreeHead,
  which: 'tree-head' | 'saved-head',
  checkCertificate: CertificateCheck,
  report: (problem: AuditProblem) => void,
): Promise<false | 'unsigned' | 'signed'> {
  const name = which === 'tree-head' ? 'the tree head' : 'the saved tree head';
  const invalid = which === 'tree-head' ? 'tree-head-invalid' : 'saved-head-invalid';
  if (!Number.isSafeInteger(head.size) || head.size < 0 || !/^[0-9a-f]{64}$/.test(head.rootHash)) {
    report({ code: invalid, message: `${name} needs a whole-number size and a 64-character lowercase hex root hash` });
    return false;
  }
  let opened: { certificate: Uint8Array; chain: Uint8Array[] };
  try {
    opened = openTreeHead(head);
  } catch (error) {
    report({ code: invalid, message: `${name}: ${messageOf(error)}` });
    return 'unsigned'; // Its size and root are still compared, so that every failure is listed.
  }
  const at = new Date(head.timestamp);
  if (Number.isNaN(at.getTime())) {
    report({ code: invalid, message: `${name}'s timestamp "${head.timestamp}" is not a date` });
    return 'unsigned';
  }
  const reason = await checkCertificate(opened.certificate, opened.chain, at, 'log');
  if (reason) {
    report({ code: which === 'tree-head' ? 'tree-head-untrusted' : 'saved-head-untrusted', message: `${name} is signed by an untrusted log certificate: ${reason}` });
  }
  return 'signed';
}

/** One event's JWS, body and signer; returns the opened event if its signature holds. */
export async function checkEvent(
  row: LoggedEvent,
  checkCertificate: CertificateCheck,
  report: (problem: AuditProblem) => void,
): Promise<OpenedEvent | undefined> {
  const where = { logIndex: row.logIndex, documentId: row.documentId, seq: row.seq };
  let opened: OpenedEvent;
  try {
    opened = openEvent(row.envelope);
  } catch (error) {
    const code =
      error instanceof SdxError && (error.code === 'event-signature-invalid' || error.code === 'event-alg-mismatch') ? error.code : 'event-malformed';
    report({ code, ...where, message: `the signed event does not verify: ${messageOf(error)}` });
    return undefined;
  }
  const shape = bodyProblem(opened.body);
  if (shape) {
    report({ code: 'event-malformed', ...where, message: `the signed event ${shape}` });
    return undefined;
  }
  const { body } = opened;
  if (body.documentId !== row.documentId || body.seq !== row.seq) {
    report({
      code: 'event-row-mismatch',
      ...where,
      message: `the log lists this event as document ${row.documentId} seq ${row.seq}, but it is signed as document ${body.documentId} seq ${body.seq}`,
    });
  }
  // SDX's own events (archive renewals) are signed with the log key, checked as the log's certificate.
  const system = isSystemEventType(body.type);
  if (system ? body.actor.partyId !== SYSTEM_ACTOR_ID : opened.signerOrganization !== body.actor.partyId) {
    report({
      code: 'event-signer-mismatch',
      ...where,
      message: system
        ? `a ${body.type} event is recorded by SDX itself (actor ${SYSTEM_ACTOR_ID}), not by ${body.actor.partyId}`
        : `the event names ${body.actor.partyId} as its actor but is signed by a certificate of ${opened.signerOrganization ?? 'no party'}`,
    });
  }
  const reason = await checkCertificate(opened.certificate, opened.chain, new Date(body.at), system ? 'log' : 'event');
  if (reason) report({ code: 'event-signer-untrusted', ...where, message: `the event's signer is not trusted at ${body.at}: ${reason}` });
  return opened;
}

/** What is wrong with a signed body's fields the audit relies on, or undefined. */
function bodyProblem(body: Partial<EventBody> | null): string | undefined {
  if (typeof body !== 'object' || body === null) return 'has no JSON object as its body';
  if (typeof body.documentId !== 'string' || body.documentId === '') return 'has no documentId';
  if (!Number.isSafeInteger(body.seq) || (body.seq ?? 0) < 1) return 'has no seq of 1 or more';
  if (body.prev !== null && !(typeof body.prev === 'string' && /^[0-9a-f]{64}$/.test(body.prev))) return 'has a prev that is neither null nor a SHA-256 hex hash';
  if (typeof body.at !== 'string' || Number.isNaN(new Date(body.at).getTime())) return 'has no valid time (at)';
  if (typeof body.actor !== 'object' || body.actor === null || typeof body.actor.partyId !== 'string') return 'has no actor party';
  if (typeof body.type !== 'string' || typeof body.kind !== 'string' || typeof body.payloadHash !== 'string') return 'has no type, kind or payloadHash';
  if (typeof body.data !== 'object' || body.data === null || Array.isArray(body.data)) return 'has no data object';
  return undefined;
}
