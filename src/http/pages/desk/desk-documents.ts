import type { SearchTerms } from '../../../application/document-search';
import type { Caller, DocumentService } from '../../../application/document-service';
import { openEvent } from '../../../application/events/signed-event';
import type { DocumentCount, DocumentFilter, StoredDocument, StoredEvent } from '../../../application/ports/store.port';
import type { DocumentState } from '../../../domain/document/document';
import { decideAction } from '../../../domain/document/document-kinds';
import type { ActionType, PartyActor } from '../../../domain/document/lifecycle';
import type { GateRecord } from '../../../domain/eir/eir.schema';
import { ValidationError } from '../../../domain/shared/errors';
import { LIST_PAGE_SIZE, pageFromQuery, termsFromQuery } from '../document-list.view';

/** One worklist of a desk page: what its rows have in common, whatever is searched. */
export interface DeskList {
  /** Its section's anchor, and the `list` its search form and pager send. */
  id: string;
  within: Omit<DocumentFilter, 'partyId'>;
  /** The statuses its search form offers; none for a list of one status. */
  statuses: readonly string[];
  /** The page's main list reads terms sent without `list` (older bookmarks, the API's names). */
  main?: boolean;
}

/** A desk's searchable list: what was asked, one page of what matched, and the terms refused. */
export interface DeskListing {
  list: DeskList;
  terms: SearchTerms;
  items: StoredDocument[];
  nextCursor: string | null;
  total: DocumentCount;
  offset: number;
  badTerms: string[];
}

/**
 * The page of a worklist the query string asks for, newest first, 50 at a time. The query's terms
 * are this list's when its `list` names it; other lists on the page show their first page. Terms
 * the exchange refuses are marked and the list is shown without them, so the desk never becomes
 * an error page.
 */
export async function deskListing(documents: DocumentService, caller: Caller, query: Record<string, unknown>, list: DeskList): Promise<DeskListing> {
  const mine = query['list'] === list.id || (list.main === true && query['list'] === undefined);
  const terms = mine ? termsFromQuery(query) : {};
  const at = mine ? pageFromQuery(query) : { offset: 0 };
  try {
    const found = await documents.search(caller, terms, { limit: LIST_PAGE_SIZE, after: at.after, within: list.within });
    return { list, terms, ...found, offset: at.offset, badTerms: [] };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const found = await documents.search(caller, {}, { limit: LIST_PAGE_SIZE, within: list.within });
    return { list, terms, ...found, offset: 0, badTerms: error.issues.map((issue) => issue.path) };
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
