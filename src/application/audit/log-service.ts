import { leafHash } from '../../domain/audit-log/merkle-hash';
import { checkConsistency, checkInclusion } from '../../domain/audit-log/merkle-proofs';
import { takesPart } from '../../domain/document/document';
import { SdxError } from '../../domain/shared/errors';
import type { Finding } from '../../domain/verification/finding';
import { storedEventBody } from '../events/signed-event';
import type { PartySigner } from '../ports/key-store.port';
import type { AuditLogStore, DocumentStore, StoredEvent } from '../ports/store.port';
import { consistencyProofFromStore, inclusionProofFromStore } from './log-proofs';
import { signTreeHead, type SignedTreeHead } from './tree-head';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

export const MAX_ENTRIES_PAGE = 1000;

export interface InclusionCheck {
  logIndex: number;
  treeSize: number;
  included: boolean;
  reason?: string;
}

/**
 * The audit log as readers see it. Tree heads are signed on demand: a head is signed when one is
 * asked for and the log has grown since the last one, so a served head is never stale; between
 * requests no head is published, and the signed heads form a history of every size ever read.
 */
export class LogService {
  private signing: Promise<SignedTreeHead> | undefined;

  constructor(
    private readonly deps: {
      store: AuditLogStore & Pick<DocumentStore, 'getDocument' | 'listEvents'>;
      logSigner: PartySigner;
      clock: () => Date;
      /** Resolves when heads may be published; rejects when the stored trail failed its audit. */
      gate?: () => Promise<void>;
    },
  ) {}

  /** A head signed over the log as stored now, not published: for auditing before publishing. */
  async unpublishedHead(): Promise<SignedTreeHead> {
    const state = await this.deps.store.logState();
    return signTreeHead({ size: state.size, rootHash: hex(state.rootHash), timestamp: this.deps.clock().toISOString() }, this.deps.logSigner);
  }

  async currentTreeHead(): Promise<SignedTreeHead> {
    await this.deps.gate?.();
    // One signing at a time: concurrent readers share the head being signed.
    this.signing ??= this.signIfGrown().finally(() => {
      this.signing = undefined;
    });
    return this.signing;
  }

  private async signIfGrown(): Promise<SignedTreeHead> {
    const [state, latest] = await Promise.all([this.deps.store.logState(), this.deps.store.latestTreeHead()]);
    if (latest && latest.size === state.size) return latest;
    const head = await signTreeHead(
      { size: state.size, rootHash: hex(state.rootHash), timestamp: this.deps.clock().toISOString() },
      this.deps.logSigner,
    );
    try {
      await this.deps.store.putTreeHead(head);
    } catch (error) {
      // Another process signed a head for this size first; serve that one.
      const stored = await this.deps.store.latestTreeHead();
      if (error instanceof SdxError && error.code === 'store-conflict' && stored?.size === head.size) return stored;
      throw error;
    }
    return head;
  }

  /**
   * Log entries for a reader: an auditor sees every entry, any other party only those of documents
   * it takes part in (the rest of the range is left out, not revealed).
   */
  async entriesFor(viewer: { partyId: string; roles: readonly string[] }, start: number, end: number): Promise<StoredEvent[]> {
    const entries = await this.entries(start, end);
    if (viewer.roles.includes('auditor')) return entries;
    const visible = new Map<string, boolean>();
    const out: StoredEvent[] = [];
    for (const entry of entries) {
      let seen = visible.get(entry.documentId);
      if (seen === undefined) {
        const document = await this.deps.store.getDocument(entry.documentId);
        seen = document !== undefined && takesPart(document.state, viewer.partyId);
        visible.set(entry.documentId, seen);
      }
      if (seen) out.push(entry);
    }
    return out;
  }

  async entries(start: number, end: number): Promise<StoredEvent[]> {
    const { size } = await this.deps.store.logState();
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new SdxError('validation-failed', 'start and end are whole numbers with 0 <= start <= end');
    }
    if (end - start > MAX_ENTRIES_PAGE) {
      throw new SdxError('validation-failed', `ask for at most ${MAX_ENTRIES_PAGE} entries at a time`);
    }
    // A range starting at or past the end of the log is an empty page, not an invalid one.
    return this.deps.store.logEntries(start, Math.max(start, Math.min(end, size)));
  }

  async inclusionProof(index: number, size: number): Promise<{ leafIndex: number; treeSize: number; proof: string[] }> {
    await this.requireSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new SdxError('validation-failed', `index must be from 0 to ${size - 1}`);
    }
    return { leafIndex: index, treeSize: size, proof: (await inclusionProofFromStore(this.deps.store, index, size)).map(hex) };
  }

  async consistencyProof(from: number, to: number): Promise<{ from: number; to: number; proof: string[] }> {
    await this.requireSize(to);
    if (!Number.isSafeInteger(from) || from < 1 || from > to) {
      throw new SdxError('validation-failed', `from must be from 1 to ${to}`);
    }
    return { from, to, proof: (await consistencyProofFromStore(this.deps.store, from, to)).map(hex) };
  }

  eventsOf(documentId: string): Promise<StoredEvent[]> {
    return this.deps.store.listEvents(documentId);
  }

  /** Checks that each event is a leaf of the tree `head` signs, with a proof read from the store. */
  async checkIncluded(events: readonly StoredEvent[], head: SignedTreeHead): Promise<InclusionCheck[]> {
    const root = fromHex(head.rootHash);
    const checks: InclusionCheck[] = [];
    for (const event of events) {
      if (event.logIndex >= head.size) {
        checks.push({ logIndex: event.logIndex, treeSize: head.size, included: false, reason: 'not yet in the signed tree' });
        continue;
      }
      const proof = await inclusionProofFromStore(this.deps.store, event.logIndex, head.size);
      const check = checkInclusion(event.logIndex, head.size, leafHash(Buffer.from(event.envelope, 'utf8')), proof, root);
      checks.push(check.ok ? { logIndex: event.logIndex, treeSize: head.size, included: true } : { logIndex: event.logIndex, treeSize: head.size, included: false, reason: check.reason });
    }
    return checks;
  }

  /**
   * What the ledger says about a document, for a verification report: its payload hash, its status
   * (informational) and whether every one of its events is a leaf of the current signed tree.
   */
  async ledgerView(documentId: string): Promise<LedgerView | undefined> {
    const document = await this.deps.store.getDocument(documentId);
    if (!document) return undefined;
    const events = await this.deps.store.listEvents(documentId);
    const revisions = pdfRevisionsOf(events);
    let head: SignedTreeHead;
    try {
      head = await this.currentTreeHead();
    } catch (error) {
      if (!(error instanceof SdxError && error.code === 'log-integrity-failed')) throw error;
      return {
        payloadHash: document.state.payloadHash,
        status: document.state.status,
        revisions,
        findings: [{ check: 'ledger.integrity', status: 'invalid', code: 'log-integrity-failed', message: error.message, required: true }],
      };
    }
    const checks = await this.checkIncluded(events, head);
    const missing = checks.filter((c) => !c.included);
    return {
      payloadHash: document.state.payloadHash,
      status: document.state.status,
      revisions,
      findings: [
        {
          check: 'document.status',
          status: 'valid',
          code: 'ok',
          message: `the ledger shows this ${document.state.kind} as ${document.state.status}`,
          required: false,
        },
        missing.length === 0
          ? { check: 'document.log-inclusion', status: 'valid', code: 'ok', message: `all ${checks.length} events are in the signed tree of size ${head.size}`, required: true }
          : {
              check: 'document.log-inclusion',
              status: 'invalid',
              code: 'event-not-in-log',
              message: `events at log index ${missing.map((m) => m.logIndex).join(', ')} are not in the signed tree of size ${head.size} (${missing[0]?.reason ?? ''})`,
              required: true,
            },
      ],
    };
  }

  /** Proves that an older signed head is a prefix of the current one. */
  async checkConsistent(older: SignedTreeHead, newer: SignedTreeHead): Promise<boolean> {
    if (older.size === 0) return true;
    const proof = await consistencyProofFromStore(this.deps.store, older.size, newer.size);
    return checkConsistency(older.size, newer.size, fromHex(older.rootHash), fromHex(newer.rootHash), proof).ok;
  }

  private async requireSize(size: number): Promise<void> {
    const head = await this.currentTreeHead();
    if (!Number.isSafeInteger(size) || size < 1 || size > head.size) {
      throw new SdxError('validation-failed', `size must be from 1 to the signed tree size ${head.size}`);
    }
  }
}

/** What the ledger recorded of a document, for verifying a PDF that names it. */
export interface LedgerView {
  payloadHash: string;
  status: string;
  findings: Finding[];
  /** Each event that produced a PDF: the SHA-256 of that PDF and the party whose signature made it. */
  revisions: { pdfSha256: string; actorPartyId: string; eventType: string; seq: number }[];
}

function pdfRevisionsOf(events: readonly StoredEvent[]): LedgerView['revisions'] {
  const revisions: LedgerView['revisions'] = [];
  for (const event of events) {
    const body = storedEventBody(event.envelope);
    const sha = body.data?.['pdfSha256'];
    if (typeof sha === 'string') revisions.push({ pdfSha256: sha, actorPartyId: event.actor, eventType: event.type, seq: event.seq });
  }
  return revisions;
}
