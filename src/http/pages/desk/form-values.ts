/**
 * A desk form as the browser sends it: single fields by name, and repeated rows (the container
 * list) whose fields share a name prefix, e.g. `containers.number`, `containers.sizeType`. The same
 * shape is what a form is prefilled from, so a refused submission comes back exactly as typed.
 */
export interface FormValues {
  fields: Record<string, string>;
  rows: Record<string, string>[];
}

export const emptyForm = (): FormValues => ({ fields: {}, rows: [] });

const MAX_ROWS = 200;

/**
 * Reads a urlencoded body (`extended: false`, so a repeated name is an array). Rows with every
 * `significant` field (all of them by default) empty are dropped: a blank line the clerk did not
 * fill is not a container, and a seal row with only its preset type is not a seal.
 */
export function formValuesOf(body: unknown, rowPrefix: string, rowFields: readonly string[], significant: readonly string[] = rowFields): FormValues {
  const source = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (name.startsWith(`${rowPrefix}.`)) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') fields[name] = first;
  }
  const columns = rowFields.map((field) => {
    const value = source[`${rowPrefix}.${field}`];
    return (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : ''));
  });
  const count = Math.min(MAX_ROWS, Math.max(0, ...columns.map((c) => c.length)));
  const rows: Record<string, string>[] = [];
  for (let i = 0; i < count; i += 1) {
    const row = Object.fromEntries(rowFields.map((field, f) => [field, columns[f]?.[i] ?? '']));
    if (significant.some((field) => (row[field] ?? '').trim() !== '')) rows.push(row);
  }
  return { fields, rows };
}

/** A trimmed value, or undefined when empty (so the schema says "is required" where it must). */
export function textOf(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** A number when the text is one; otherwise the text itself, so the schema names the problem. */
export function numberOf(value: string | undefined): number | string | undefined {
  const trimmed = textOf(value);
  if (trimmed === undefined) return undefined;
  const number = Number(trimmed.replace(/,/g, ''));
  return Number.isFinite(number) ? number : trimmed;
}

/** Comma-, space- or full-width-comma-separated values (seal numbers). */
export function listOf(value: string | undefined): string[] {
  return (value ?? '').split(/[,，\s]+/).map((v) => v.trim()).filter(Boolean);
}

/** Drops undefined members and objects left with none, as a hand-written payload would. */
export function compact<T extends Record<string, unknown>>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

/**
 * Dates on the desk are typed as wall time in China (UTC+8 all year, no daylight saving); the
 * payload wants ISO 8601 with an offset.
 */
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

export function isoFromLocalInput(value: string | undefined): string | undefined {
  const trimmed = textOf(value);
  if (trimmed === undefined) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2})?$/.exec(trimmed);
  return match ? `${match[1]}${match[2] ?? ':00'}+08:00` : trimmed;
}

export function localInputFromIso(iso: string | undefined): string {
  const at = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(at) ? '' : new Date(at + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16);
}

/** Midnight to midnight in China, as instants. */
export function shanghaiDay(now: Date): { start: number; end: number } {
  const day = 24 * 3600 * 1000;
  const start = Math.floor((now.getTime() + SHANGHAI_OFFSET_MS) / day) * day - SHANGHAI_OFFSET_MS;
  return { start, end: start + day };
}

/** `days` from today at 23:59 in China, as a datetime-local value: the usual default for a deadline. */
export function endOfDayInput(now: Date, days: number): string {
  const { start } = shanghaiDay(now);
  return localInputFromIso(new Date(start + days * 24 * 3600 * 1000 + (23 * 60 + 59) * 60 * 1000).toISOString());
}
