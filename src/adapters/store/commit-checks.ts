import type { DocumentFilter } from '../../application/ports/store.port';
import type { DocumentStatus, ParticipantRole } from '../../domain/document/document';
import { ValidationError } from '../../domain/shared/errors';

/*
 * Input checks the port requires of every adapter (a commit's changes are checked by the commit
 * planner), with the same issue codes in every store, so callers see one behaviour whichever runs.
 */

export const MAX_PAGE = 500;
/** The most log entries one `logEntries` call returns; readers page through larger ranges. */
export const MAX_LOG_ENTRIES = 10_000;

/** Refuses a log range that is not [start, end) of whole numbers or is longer than one page. */
export function checkLogRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new ValidationError([
      { path: 'start', code: 'invalid-range', message: 'start and end are whole numbers with 0 <= start <= end' },
    ]);
  }
  if (end - start > MAX_LOG_ENTRIES) {
    throw new ValidationError([
      { path: 'end', code: 'range-too-long', message: `ask for at most ${MAX_LOG_ENTRIES} entries at a time and page through the rest` },
    ]);
  }
}

export function checkTreeSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new ValidationError([{ path: 'size', code: 'invalid-size', message: 'a tree size is a whole number from 0' }]);
  }
}

export function clampLimit(limit: number): number {
  if (!Number.isFinite(limit)) return 1;
  return Math.min(MAX_PAGE, Math.max(1, Math.trunc(limit)));
}

/**
 * A page cursor is the creation order (`ord`) of the last document on the page and the order it
 * was read in, opaque to callers.
 */
export function encodeCursor(ord: number, newestFirst = false): string {
  return Buffer.from(JSON.stringify(newestFirst ? { ord, newest: true } : { ord }), 'utf8').toString('base64url');
}

/** The `ord` the next page starts beyond; anything the store did not make for this order is a validation error. */
export function decodeCursor(cursor: string, newestFirst = false): number {
  const invalid = new ValidationError([
    { path: 'after', code: 'invalid-cursor', message: 'is not a cursor from a previous page; start again without it' },
  ]);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (typeof value !== 'object' || value === null || !('ord' in value)) throw invalid;
  if (('newest' in value && value.newest === true) !== newestFirst) throw invalid;
  const ord = value.ord;
  if (typeof ord !== 'number' || !Number.isSafeInteger(ord) || ord < 0) throw invalid;
  return ord;
}

/** Statuses as a list, whether the filter named one or several. */
export function statusesOf(filter: DocumentFilter): readonly DocumentStatus[] | undefined {
  if (filter.status === undefined) return undefined;
  return typeof filter.status === 'string' ? [filter.status] : filter.status;
}

export function rolesOf(filter: DocumentFilter): readonly ParticipantRole[] | undefined {
  if (filter.role === undefined) return undefined;
  return typeof filter.role === 'string' ? [filter.role] : filter.role;
}

/** The largest count `countDocuments` answers exactly. */
export const MAX_COUNT = 10_000;
