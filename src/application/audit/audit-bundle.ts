import { z } from 'zod';
import { partyRoles } from '../../domain/party/party';
import { ValidationError, type ValidationIssue } from '../../domain/shared/errors';
import { jsonDepthWithin } from '../../domain/shared/json-depth';
import { parseWith, type ParseResult } from '../../domain/shared/schema';
import type { AuditLogStore, DocumentStore, PartyStore } from '../ports/store.port';
import type { PartyRoles } from './lifecycle-replay';
import type { SignedTreeHead } from './tree-head';

/**
 * What an auditor takes away to check offline: every logged event in log order and the signed tree
 * head that commits to them. Self-contained: each envelope carries its signer's certificates in
 * `x5c` and the head carries the log's; only the trust anchors come from the auditor. Version 2
 * adds what replaying the lifecycle needs: each document's payload on its issue event (bound by the
 * payload hash the events sign) and the exchange's parties with their roles (as the exchange
 * states them: no signature covers roles).
 */
export interface AuditBundle {
  format: 'sdx-audit-bundle';
  version: 2;
  exportedAt: string;
  treeHead: SignedTreeHead;
  parties: PartyRoles[];
  /** In log order, log indexes 0 .. treeHead.size - 1. */
  events: LoggedEvent[];
}

/** One leaf of the log: the signed event (compact JWS) and where the log says it belongs. */
export interface LoggedEvent {
  logIndex: number;
  documentId: string;
  seq: number;
  envelope: string;
  /** On a document's issue event (seq 1) and its transfer-in events: its payload, whose hash the event signs, so its rules can be replayed. */
  payload?: unknown;
}

export type AuditBundleHeader = Omit<AuditBundle, 'events'>;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const signedTreeHeadSchema: z.ZodType<SignedTreeHead> = z.strictObject({
  size: count,
  rootHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash in lowercase hex (64 characters)'),
  timestamp: z.string().min(1),
  signature: z.string().min(1),
});

export const loggedEventSchema: z.ZodType<LoggedEvent> = z.strictObject({
  logIndex: count,
  documentId: z.string().min(1),
  seq: count,
  envelope: z.string().min(1),
  payload: z.unknown().optional(),
});

export const partyRolesSchema: z.ZodType<PartyRoles> = z.strictObject({ id: z.string().min(1), roles: z.array(z.enum(partyRoles)) });

const headerShape = {
  format: z.literal('sdx-audit-bundle', { error: 'must be "sdx-audit-bundle": this is not an SDX audit bundle' }),
  version: z.literal(2, {
    error: (issue) =>
      issue.input === 1
        ? 'must be 2: this bundle was written by an older sdx, without the payloads and parties the rule check needs; export it again'
        : 'must be 2: this bundle was written by a newer sdx; upgrade it to read the bundle',
  }),
  exportedAt: z.string().min(1),
  treeHead: signedTreeHeadSchema,
  parties: z.array(partyRolesSchema),
};

export const auditBundleHeaderSchema: z.ZodType<AuditBundleHeader> = z.strictObject(headerShape);
export const auditBundleSchema: z.ZodType<AuditBundle> = z.strictObject({ ...headerShape, events: z.array(loggedEventSchema) });

/** Validates a parsed bundle file; issues name the path, e.g. `events[3].envelope`. */
export function parseAuditBundle(input: unknown): ParseResult<AuditBundle> {
  return parseWith(auditBundleSchema, input);
}

export function parseSignedTreeHead(input: unknown): ParseResult<SignedTreeHead> {
  return parseWith(signedTreeHeadSchema, input);
}

/** Store rows are read in pages of this many, so an export holds one page at a time. */
export const EXPORT_PAGE_SIZE = 10_000;

/**
 * The log's events with indexes [0, size), in log order, read from the store page by page: what an
 * audit of a store iterates over without loading the log into memory; with `payloads`, each issue
 * and transfer-in event carries its document's payload, as a bundle does.
 */
export async function* storeLogEvents(
  store: Pick<AuditLogStore, 'logEntries'> & Partial<Pick<DocumentStore, 'getDocument'>>,
  size: number,
  { pageSize = EXPORT_PAGE_SIZE, payloads = false, from = 0 }: { pageSize?: number; payloads?: boolean; from?: number } = {},
): AsyncGenerator<LoggedEvent> {
  for (let start = from; start < size; start += pageSize) {
    const page = await store.logEntries(start, Math.min(start + pageSize, size));
    // A short page means rows are missing; the audit reports the gap.
    for (const e of page) {
      const row: LoggedEvent = { logIndex: e.logIndex, documentId: e.documentId, seq: e.seq, envelope: e.envelope };
      // A transfer-in's chain is checked against the document it is for (see crossPlatformCheck).
      if (payloads && (e.seq === 1 || e.type === 'transfer-in') && store.getDocument) {
        const document = await store.getDocument(e.documentId);
        if (document) row.payload = document.payload;
      }
      yield row;
    }
  }
}

/** The exchange's parties and roles, as a bundle lists them. */
export async function storeParties(store: Pick<PartyStore, 'listParties'>): Promise<PartyRoles[]> {
  return (await store.listParties()).map((p) => ({ id: p.id, roles: [...p.roles] }));
}

export async function exportBundle(store: Pick<AuditLogStore, 'logEntries'> & Pick<DocumentStore, 'getDocument'> & Pick<PartyStore, 'listParties'>, treeHead: SignedTreeHead, exportedAt: Date = new Date()): Promise<AuditBundle> {
  const events: LoggedEvent[] = [];
  for await (const event of storeLogEvents(store, treeHead.size, { payloads: true })) events.push(event);
  return { ...bundleHeader(treeHead, await storeParties(store), exportedAt), events };
}

export function bundleHeader(treeHead: SignedTreeHead, parties: readonly PartyRoles[], exportedAt: Date = new Date()): AuditBundleHeader {
  return {
    format: 'sdx-audit-bundle',
    version: 2,
    exportedAt: exportedAt.toISOString(),
    treeHead: { size: treeHead.size, rootHash: treeHead.rootHash, timestamp: treeHead.timestamp, signature: treeHead.signature },
    parties: parties.map((p) => ({ id: p.id, roles: [...p.roles] })),
  };
}

/** No bundle line nests deeper: a row and its payload take a handful of levels. */
export const MAX_BUNDLE_DEPTH = 64;

// A bundle of a million events is gigabytes: more than one JavaScript string can hold. So bundles
// are written as JSON laid out one event per line, which a reader can take line by line; any other
// layout of the same JSON is still accepted whole.
const EVENTS_OPEN = '"events":[';

/** The bundle as text chunks in the line layout: header line, one line per event, closing line. */
export async function* bundleLines(header: AuditBundleHeader, events: AsyncIterable<LoggedEvent> | Iterable<LoggedEvent>): AsyncGenerator<string> {
  const head = JSON.stringify(header);
  yield `${head.slice(0, -1)},${EVENTS_OPEN}\n`;
  let first = true;
  for await (const e of events) {
    const row: LoggedEvent = { logIndex: e.logIndex, documentId: e.documentId, seq: e.seq, envelope: e.envelope, ...(e.payload !== undefined ? { payload: e.payload } : {}) };
    yield `${first ? '' : ',\n'}${JSON.stringify(row)}`;
    first = false;
  }
  yield `${first ? '' : '\n'}]}\n`;
}

/**
 * Reads a bundle in the line layout, one line at a time: `header` first (or undefined when the
 * first line is not of that layout; read the file whole instead), then `event` per line, then `end`.
 * Throws a ValidationError naming the line and field.
 */
export class BundleLineReader {
  private state: 'start' | 'events' | 'done' = 'start';
  private line = 0;
  private lastEventSeen = false;
  private eventsSeen = false;

  header(firstLine: string): AuditBundleHeader | undefined {
    this.line = 1;
    const text = firstLine.trimEnd();
    if (this.state !== 'start' || !text.endsWith(EVENTS_OPEN)) return undefined;
    if (!jsonDepthWithin(text, MAX_BUNDLE_DEPTH)) throw this.invalid('(root)', `nests deeper than ${MAX_BUNDLE_DEPTH} levels`);
    let json: unknown;
    try {
      json = JSON.parse(`${text.slice(0, -EVENTS_OPEN.length - 1)}}`);
    } catch {
      return undefined;
    }
    const parsed = parseWith(auditBundleHeaderSchema, json);
    if (!parsed.ok) throw new ValidationError(parsed.issues);
    this.state = 'events';
    return parsed.value;
  }

  /** The event on this line, or undefined for the closing line; blank lines are skipped. */
  next(rawLine: string): LoggedEvent | undefined | 'blank' {
    this.line += 1;
    let text = rawLine.trim();
    if (text === '') return 'blank';
    if (this.state !== 'events') throw this.invalid('(root)', 'unexpected text after the end of the bundle');
    if (text === ']}') {
      if (this.eventsSeen && !this.lastEventSeen) throw this.invalid('events', 'the last event is followed by a comma');
      this.state = 'done';
      return undefined;
    }
    if (this.lastEventSeen) throw this.invalid('events', 'an event follows one without a comma after it');
    if (text.endsWith(',')) text = text.slice(0, -1);
    else this.lastEventSeen = true;
    this.eventsSeen = true;
    if (!jsonDepthWithin(text, MAX_BUNDLE_DEPTH)) throw this.invalid('events', `nests deeper than ${MAX_BUNDLE_DEPTH} levels`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.invalid('events', 'is not a JSON object on one line');
    }
    const parsed = parseWith(loggedEventSchema, json);
    if (!parsed.ok) {
      throw new ValidationError(parsed.issues.map((i) => ({ ...i, path: `line ${this.line}: event.${i.path || '(row)'}` })));
    }
    return parsed.value;
  }

  /** Throws unless the closing line was seen. */
  finish(): void {
    if (this.state !== 'done') throw this.invalid('events', 'the bundle ends before its closing "]}": it was cut short');
  }

  private invalid(path: string, message: string): ValidationError {
    const issue: ValidationIssue = { path: `line ${this.line}: ${path}`, code: 'invalid-value', message };
    return new ValidationError([issue]);
  }
}
