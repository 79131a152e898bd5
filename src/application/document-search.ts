import type { DocumentFilter, KeySearch } from './ports/store.port';
import { normaliseKeyValue, numberKeyNames, type BusinessKeyName } from '../domain/document/business-keys';
import { deliveryOrderStatuses, documentKinds, eirStatuses, guaranteeStatuses, type DocumentKind, type DocumentStatus } from '../domain/document/document';
import type { PartyId } from '../domain/party/party';
import { ValidationError, type ValidationIssue } from '../domain/shared/errors';

/**
 * What a person or a client types to find documents, as the API's query parameters and the desk's
 * search form name it. Every term is optional; the ones given must all hold.
 */
export interface SearchTerms {
  /** Any business number: D/O, B/L, container, EIR, plate, consignee, guarantee. */
  q?: string | undefined;
  bl?: string | undefined;
  container?: string | undefined;
  /** The document's own number: D/O, EIR or guarantee number. */
  number?: string | undefined;
  plate?: string | undefined;
  consignee?: string | undefined;
  kind?: string | undefined;
  /** One status, or several separated by commas. */
  status?: string | undefined;
  /** A Beijing date (YYYY-MM-DD) or an ISO 8601 instant with its offset; `to` includes its whole day. */
  from?: string | undefined;
  to?: string | undefined;
  /** `me`: only documents the caller holds now. */
  holder?: string | undefined;
}

export const searchTermNames = ['q', 'bl', 'container', 'number', 'plate', 'consignee', 'kind', 'status', 'from', 'to', 'holder'] as const;

const keysOfTerm: Record<'q' | 'bl' | 'container' | 'number' | 'plate' | 'consignee', readonly BusinessKeyName[]> = {
  q: numberKeyNames,
  bl: ['bl-number'],
  container: ['container'],
  number: ['do-number', 'eir-number', 'guarantee-number'],
  plate: ['plate'],
  consignee: ['consignee'],
};

const knownStatuses: ReadonlySet<string> = new Set([...deliveryOrderStatuses, ...eirStatuses, ...guaranteeStatuses]);
const MAX_TERM = 100;
const BEIJING_OFFSET = '+08:00';

/**
 * The store filter for `terms`, searched by `caller`; refuses with one issue per bad term, its
 * path the term's name, so the API and the desk can point at the parameter or the input.
 */
export function filterOfTerms(terms: SearchTerms, caller: PartyId): DocumentFilter {
  const issues: ValidationIssue[] = [];
  const filter: DocumentFilter = {};
  const keys: KeySearch[] = [];
  for (const term of ['q', 'bl', 'container', 'number', 'plate', 'consignee'] as const) {
    const typed = terms[term]?.trim();
    if (!typed) continue;
    const value = normaliseKeyValue(typed);
    if (typed.length > MAX_TERM) issues.push({ path: term, code: 'search-too-long', message: `use at most ${MAX_TERM} characters` });
    else if (value === '') issues.push({ path: term, code: 'search-empty', message: 'type letters or digits of a number or name' });
    else keys.push({ keys: keysOfTerm[term], value });
  }
  if (keys.length > 0) filter.keys = keys;

  const kind = terms.kind?.trim();
  if (kind) {
    if ((documentKinds as readonly string[]).includes(kind)) filter.kind = kind as DocumentKind;
    else issues.push({ path: 'kind', code: 'unknown-kind', message: `must be one of ${documentKinds.join(', ')}` });
  }

  const status = terms.status?.trim();
  if (status) {
    const statuses = [...new Set(status.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
    const unknown = statuses.filter((s) => !knownStatuses.has(s));
    if (unknown.length > 0 || statuses.length === 0) {
      issues.push({ path: 'status', code: 'unknown-status', message: `${unknown.join(', ') || status} is not a document status` });
    } else {
      filter.status = statuses as DocumentStatus[];
    }
  }

  const from = terms.from?.trim() ? instantOf(terms.from.trim(), 'start') : undefined;
  const to = terms.to?.trim() ? instantOf(terms.to.trim(), 'end') : undefined;
  if (from === null) issues.push({ path: 'from', code: 'invalid-date', message: 'use a date (2026-12-03) or a time with its offset (2026-12-03T08:00:00+08:00)' });
  else if (from !== undefined) filter.createdFrom = from;
  if (to === null) issues.push({ path: 'to', code: 'invalid-date', message: 'use a date (2026-12-03) or a time with its offset (2026-12-03T18:00:00+08:00)' });
  else if (to !== undefined) filter.createdBefore = to;
  if (filter.createdFrom !== undefined && filter.createdBefore !== undefined && filter.createdFrom >= filter.createdBefore) {
    issues.push({ path: 'to', code: 'invalid-range', message: 'must be after from' });
  }

  const holder = terms.holder?.trim();
  if (holder) {
    if (holder === 'me') filter.holder = caller;
    else issues.push({ path: 'holder', code: 'unknown-holder', message: 'the only holder one can ask for is "me"' });
  }

  if (issues.length > 0) throw new ValidationError(issues);
  return filter;
}

/**
 * A date is a day in Beijing: `from` starts at its midnight, `to` ends at the next one. An instant
 * must carry its offset (a time without one would be read in the server's zone); `to` includes it.
 * Null when the text is neither.
 */
function instantOf(text: string, edge: 'start' | 'end'): string | null {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    // Date.UTC rolls 2026-02-30 over to March: a day that does not come back unchanged does not exist.
    if (new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10) !== text) return null;
    const start = new Date(`${text}T00:00:00${BEIJING_OFFSET}`);
    return new Date(start.getTime() + (edge === 'end' ? 86_400_000 : 0)).toISOString();
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) return null;
  return new Date(at.getTime() + (edge === 'end' ? 1 : 0)).toISOString();
}
