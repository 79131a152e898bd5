import type { ValidationIssue } from '../domain/shared/errors';
import { csvRecords } from './csv-records';

export type ImportFormat = 'jsonl' | 'csv';

/** A payload read from one line (a CSV record: the line it starts on), or why none could be read. */
export type ImportRecord = { line: number; input: unknown } | { line: number; issues: ValidationIssue[] };

/** `.jsonl`/`.ndjson` and `.csv`, by the file's name; undefined for any other name. */
export function importFormatOf(file: string): ImportFormat | undefined {
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  if (/\.csv$/i.test(file)) return 'csv';
  return undefined;
}

export function importRecords(text: string, format: ImportFormat): ImportRecord[] {
  return format === 'jsonl' ? jsonLines(text) : csvPayloads(text);
}

/** One JSON payload per line; blank lines are skipped but counted. */
function jsonLines(text: string): ImportRecord[] {
  const records: ImportRecord[] = [];
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split(/\r?\n/);
  lines.forEach((raw, index) => {
    if (raw.trim() === '') return;
    const line = index + 1;
    try {
      records.push({ line, input: JSON.parse(raw) as unknown });
    } catch {
      records.push({ line, issues: [{ path: '', code: 'invalid-json', message: 'not valid JSON (one payload per line)' }] });
    }
  });
  return records;
}

const columnTypes = ['string', 'number', 'boolean', 'json'] as const;
type ColumnType = (typeof columnTypes)[number];

interface Column {
  /** The header cell, for messages. */
  name: string;
  /** Object keys and array indexes, e.g. `seals[0].number` → ['seals', 0, 'number']. */
  keys: (string | number)[];
  type: ColumnType;
}

const FIELD_PATH = /^[A-Za-z_$][\w$]*(\[\d{1,3}\])*(\.[A-Za-z_$][\w$]*(\[\d{1,3}\])*)*$/;
/** Names that reach an object's prototype instead of a field of its own: never a field of a payload. */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

type ColumnProblem = 'not-a-path' | 'reserved';

function columnOf(name: string): Column | ColumnProblem {
  const [path = '', type = 'string', ...extra] = name.trim().split(':');
  if (extra.length > 0 || !FIELD_PATH.test(path) || !(columnTypes as readonly string[]).includes(type)) return 'not-a-path';
  const keys = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : (m[1] as string)));
  if (keys.some((key) => typeof key === 'string' && RESERVED_NAMES.has(key))) return 'reserved';
  return { name: name.trim(), keys, type: type as ColumnType };
}

/**
 * The paths taken so far: where a column ends, and every path a column goes through. A column
 * clashes with one that ends on its way, or that ends at or goes on past its end. Linear in the
 * header's length: each column looks up its own prefixes only.
 */
interface TakenPaths {
  ends: Map<string, Column>;
  through: Map<string, Column>;
}

const segment = (key: string | number) => (typeof key === 'number' ? `[${key}]` : `.${key}`);

/** The column this one clashes with, or undefined after taking its path. */
function takePath(taken: TakenPaths, column: Column): Column | undefined {
  const prefixes: string[] = [];
  let path = '';
  for (const key of column.keys) {
    path += segment(key);
    prefixes.push(path);
  }
  const full = prefixes.pop() ?? '';
  for (const prefix of prefixes) {
    const ended = taken.ends.get(prefix);
    if (ended) return ended;
  }
  const clash = taken.ends.get(full) ?? taken.through.get(full);
  if (clash) return clash;
  taken.ends.set(full, column);
  for (const prefix of prefixes) if (!taken.through.has(prefix)) taken.through.set(prefix, column);
  return undefined;
}

/** The header row's columns, or its problems (reported on line 1's record). */
function columnsOf(header: readonly string[]): { columns: Column[] } | { issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const columns: Column[] = [];
  const taken: TakenPaths = { ends: new Map(), through: new Map() };
  header.forEach((name, index) => {
    const column = columnOf(name);
    const path = `column ${index + 1} "${name}"`;
    if (column === 'reserved') {
      issues.push({ path, code: 'csv-column', message: `a field path may not name __proto__, constructor or prototype` });
      return;
    }
    if (column === 'not-a-path') {
      issues.push({
        path,
        code: 'csv-column',
        message: `not a field path such as container.number or seals[0].number, optionally with :${columnTypes.slice(1).join(', :')}`,
      });
      return;
    }
    const clash = takePath(taken, column);
    if (clash) {
      issues.push({ path, code: 'csv-column', message: `names the same field as (or a part of) column "${clash.name}"` });
      return;
    }
    columns.push(column);
  });
  return issues.length > 0 ? { issues } : { columns };
}

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** A cell's value by its column's type, or a message saying why it is not one. */
function cellValue(cell: string, type: ColumnType): { value: unknown } | { problem: string } {
  switch (type) {
    case 'string':
      return { value: cell };
    case 'number':
      return NUMBER.test(cell.trim()) ? { value: Number(cell) } : { problem: `"${cell}" is not a number` };
    case 'boolean':
      return cell === 'true' || cell === 'false' ? { value: cell === 'true' } : { problem: `"${cell}" is not true or false` };
    case 'json':
      try {
        return { value: JSON.parse(cell) as unknown };
      } catch {
        return { problem: 'is not valid JSON' };
      }
  }
}

type Node = Record<string, unknown> | unknown[];

/** An object with no prototype, so that no field name can reach Object.prototype. */
const record = (): Record<string, unknown> => Object.create(null) as Record<string, unknown>;

/** Own fields only: a record is built without reading anything through a prototype. */
function child(node: Node, key: string | number): unknown {
  return Object.hasOwn(node, key) ? (node as Record<string | number, unknown>)[key] : undefined;
}

function setChild(node: Node, key: string | number, value: unknown): void {
  if (Array.isArray(node)) node[key as number] = value;
  else node[key as string] = value;
}

function setPath(root: Record<string, unknown>, keys: readonly (string | number)[], value: unknown): void {
  let node: Node = root;
  keys.forEach((key, i) => {
    const next = keys[i + 1];
    if (next === undefined) {
      setChild(node, key, value);
      return;
    }
    let inner = child(node, key);
    if (inner === undefined) {
      inner = typeof next === 'number' ? [] : record();
      setChild(node, key, inner);
    }
    node = inner as Node;
  });
}

/** An array a column names is there (maybe empty) whenever the object holding it is. */
function ensureArrays(root: Record<string, unknown>, keys: readonly (string | number)[]): void {
  let node: unknown = root;
  for (let i = 0; i < keys.length - 1; i += 1) {
    if (typeof node !== 'object' || node === null) return;
    const key = keys[i] as string | number;
    if (typeof keys[i + 1] === 'number' && child(node as Node, key) === undefined) setChild(node as Node, key, []);
    node = child(node as Node, key);
  }
}

/**
 * A header row of field paths, then one payload per row: `container.number`, `seals[0].number`;
 * a `:number`, `:boolean` or `:json` suffix converts the cell (`container.grossWeightKg:number`).
 * An empty cell leaves its field out. An array a column names is present in every row (maybe
 * empty) and filled from [0] up: a row with fewer seals leaves the later seal columns empty.
 */
function csvPayloads(text: string): ImportRecord[] {
  const { records: rows, problem } = csvRecords(text);
  const syntaxRecord = problem ? [{ line: problem.line, issues: [{ path: '(row)', code: 'csv-syntax', message: problem.message }] }] : [];
  const [header, ...body] = rows;
  if (!header) return syntaxRecord;
  const parsed = columnsOf(header.cells);
  if ('issues' in parsed) return [{ line: header.line, issues: parsed.issues }, ...syntaxRecord];
  const { columns } = parsed;
  const records: ImportRecord[] = body.map(({ line, cells }) => {
    if (cells.length !== header.cells.length) {
      return { line, issues: [{ path: '(row)', code: 'csv-cell-count', message: `has ${cells.length} cells; the header has ${header.cells.length}` }] };
    }
    const payload = record();
    const issues: ValidationIssue[] = [];
    columns.forEach((column, index) => {
      const cell = cells[index] ?? '';
      if (cell === '') return;
      const converted = cellValue(cell, column.type);
      if ('problem' in converted) issues.push({ path: column.name, code: 'csv-cell', message: converted.problem });
      else setPath(payload, column.keys, converted.value);
    });
    for (const column of columns) ensureArrays(payload, column.keys);
    return issues.length > 0 ? { line, issues } : { line, input: payload };
  });
  return [...records, ...syntaxRecord];
}
