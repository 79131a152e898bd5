import type { SearchTerms } from '../../../application/document-search';
import type { Caller, DocumentService } from '../../../application/document-service';
import { openEvent } from '../../../application/events/signed-event';
import type { DocumentCount, DocumentQuery, StoredDocument, StoredEvent } from '../../../application/ports/store.port';
import type { DocumentState } from '../../../domain/document/document';
import { decideAction } from '../../../domain/document/document-kinds';
import type { ActionType, PartyActor } from '../../../domain/document/lifecycle';
import type { GateRecord } from '../../../domain/eir/eir.schema';
import { ValidationError } from '../../../domain/shared/errors';
import { LIST_PAGE_SIZE, pageFromQuery, termsFromQuery } from '../document-list.view';

/** Pages of the party's documents read per list, and rows shown: a desk is a worklist, not an archive. */
const PAGE_SIZE = 100;
const MAX_PAGES = 10;
export const LIST_LIMIT = 200;

/**
 * The party's documents matching `query` and `keep`, most recently changed first. Only documents
 * the party takes part in are ever read (the service filters by party).
 */
export async function collect(
  documents: DocumentService,
  caller: Caller,
  query: Omit<DocumentQuery, 'partyId' | 'limit' | 'after'>,
  keep: (stored: StoredDocument) => boolean = () => true,
): Promise<StoredDocument[]> {
  const found: StoredDocument[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { items, nextCursor } = await documents.list(caller, { ...query, limit: PAGE_SIZE, ...(after ? { after } : {}) });
    found.push(...items.filter(keep));
    if (!nextCursor) break;
    after = nextCursor;
  }
  return found.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, LIST_LIMIT);
}

/** The same query for several participant roles, each document once. */
export async function collectByRoles(
  documents: DocumentService,
  caller: Caller,
  roles: readonly NonNullable<DocumentQuery['role']>[],
  query: Omit<DocumentQuery, 'partyId' | 'limit' | 'after' | 'role'>,
  keep?: (stored: StoredDocument) => boolean,
): Promise<StoredDocument[]> {
  const lists = await Promise.all(roles.map((role) => collect(documents, caller, { ...query, role }, keep)));
  const byId = new Map(lists.flat().map((stored) => [stored.state.id, stored]));
  return [...byId.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, LIST_LIMIT);
}

/** A desk's searchable list: what was asked, one page of what matched, and the terms refused. */
export interface DeskListing {
  terms: SearchTerms;
  items: StoredDocument[];
  nextCursor: string | null;
  total: DocumentCount;
  offset: number;
  badTerms: string[];
}

/**
 * The page of the party's documents of one kind and role that the query string asks for: its
 * search terms, newest first, 50 at a time. Terms the exchange refuses are marked and the list is
 * shown without them, so the desk never becomes an error page.
 */
export async function deskListing(
  documents: DocumentService,
  caller: Caller,
  query: Record<string, unknown>,
  fixed: { kind: NonNullable<DocumentQuery['kind']>; role: NonNullable<DocumentQuery['role']> },
): Promise<DeskListing> {
  const terms = termsFromQuery(query);
  const at = pageFromQuery(query);
  try {
    const found = await documents.search(caller, { ...terms, kind: fixed.kind }, { limit: LIST_PAGE_SIZE, after: at.after, role: fixed.role });
    return { terms, ...found, offset: at.offset, badTerms: [] };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const found = await documents.search(caller, { kind: fixed.kind }, { limit: LIST_PAGE_SIZE, role: fixed.role });
    return { terms, ...found, offset: 0, badTerms: error.issues.map((issue) => issue.path) };
  }
}

/** One event as the desk shows it: who did what when, and the reason given, if any. */
export interface EventLine {
  seq: number;
  type: string;
  actor: string;
  userId: string | null;
  at: string;
  reason?: string;
  to?: string;
  gateRecord?: GateRecord;
}

/** Reads each event's signed body; an event that does not open is shown by its stored type alone. */
export function eventLines(events: readonly StoredEvent[]): EventLine[] {
  return events.map((event) => {
    try {
      const { body } = openEvent(event.envelope);
      const data = body.data;
      return {
        seq: event.seq,
        type: body.type,
        actor: body.actor.partyId,
        userId: body.actor.userId,
        at: body.at,
        ...(typeof data['reason'] === 'string' ? { reason: data['reason'] } : {}),
        ...(typeof data['to'] === 'string' ? { to: data['to'] } : {}),
        ...(typeof data['gateRecord'] === 'object' && data['gateRecord'] !== null ? { gateRecord: data['gateRecord'] as GateRecord } : {}),
      };
    } catch {
      return { seq: event.seq, type: event.type, actor: event.actor, userId: null, at: event.recordedAt };
    }
  });
}

/** The gate record of an EIR, once one is recorded. */
export function gateRecordOf(lines: readonly EventLine[]): GateRecord | undefined {
  return [...lines].reverse().find((line) => line.gateRecord)?.gateRecord;
}

/** Actions a desk offers as a button, each a plain form post. */
export const DESK_ACTIONS = ['accept', 'reject', 'withdraw', 'void', 'release', 'reject-presentation'] as const;
export type DeskAction = (typeof DESK_ACTIONS)[number];

export function isDeskAction(value: unknown): value is DeskAction {
  return typeof value === 'string' && (DESK_ACTIONS as readonly string[]).includes(value);
}

/**
 * What this party may do to the document now, decided by the same lifecycle rules the exchange
 * applies, so a page never offers a button the exchange would refuse for who is asking.
 */
export function allowedActions(state: DocumentState, actor: PartyActor, now: Date): Set<ActionType> {
  const candidates: ActionType[] = [...DESK_ACTIONS, 'amend', 'gate-record'];
  return new Set(candidates.filter((type) => decideAction(state, { type, actor, now: now.toISOString() }).ok));
}
