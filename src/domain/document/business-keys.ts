import type { DocumentKind } from './document';
import type { PayloadByKind } from './document-kinds';

/** The numbers and names people search documents by: what "any number" matches. */
export const numberKeyNames = ['do-number', 'bl-number', 'container', 'eir-number', 'plate', 'consignee', 'guarantee-number'] as const;
type NumberKeyName = (typeof numberKeyNames)[number];

/**
 * Every indexed key: the numbers, and `valid-day`, each Beijing day (YYYYMMDD) an EIR's validity
 * window touches, so a gate's "expected today" is one index lookup however many EIRs wait.
 */
export const businessKeyNames = [...numberKeyNames, 'valid-day'] as const;
export type BusinessKeyName = (typeof businessKeyNames)[number];

/** Days indexed per EIR: windows are hours to days; one longer than this is found on its first days. */
const MAX_VALID_DAYS = 62;
const DAY_MS = 24 * 3600 * 1000;
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/** The Beijing calendar day of an instant, as a `valid-day` key value (YYYYMMDD). */
export function beijingDayKey(instant: Date): string {
  return new Date(instant.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');
}

/** The Beijing days [from, until] touches, at most MAX_VALID_DAYS; none when either end is not a time. */
function beijingDaysOf(from: unknown, until: unknown): string[] {
  const start = typeof from === 'string' ? Date.parse(from) : NaN;
  const end = typeof until === 'string' ? Date.parse(until) : NaN;
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return [];
  const days: string[] = [];
  const last = beijingDayKey(new Date(end));
  for (let at = start; days.length < MAX_VALID_DAYS; at += DAY_MS) {
    const day = beijingDayKey(new Date(at));
    days.push(day);
    if (day === last) break;
  }
  return days;
}

/** Keys a prefix may find: people type the start of a container or B/L number. */
export const prefixKeyNames: readonly BusinessKeyName[] = ['container', 'bl-number'];

export interface BusinessKey {
  key: BusinessKeyName;
  /** Normalised with `normaliseKeyValue`. */
  value: string;
}

/**
 * The form a key is stored and searched in: full-width forms folded (NFKC), upper case, and no
 * spaces or separators, so "mscu 123-456/7", "MSCU1234567" and "ＭＳＣＵ１２３４５６７" meet.
 */
export function normaliseKeyValue(raw: string): string {
  return raw
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-_/.,·:;'"()（）]+/gu, '');
}

type Extractor<P> = (payload: P) => [NumberKeyName, string | undefined][];

const extractors: { [K in DocumentKind]: Extractor<PayloadByKind[K]> } = {
  'delivery-order': (p) => [
    ['do-number', p.deliveryOrderNumber],
    ['bl-number', p.billOfLadingNumber],
    ...p.containers.map((c): [NumberKeyName, string] => ['container', c.number]),
    ['consignee', p.consignee.name],
    ['consignee', p.consignee.nameZh],
  ],
  eir: (p) => [
    ['eir-number', p.eirNumber],
    ['container', p.container.number],
    ['bl-number', p.billOfLadingNumber],
    ['plate', p.truckPlate],
  ],
  'telex-release-guarantee': (p) => [
    ['guarantee-number', p.guaranteeNumber],
    ['bl-number', p.billOfLadingNumber],
    ...p.containers.map((c): [NumberKeyName, string] => ['container', c.number]),
    ['consignee', p.consignee.name],
    ['consignee', p.consignee.nameZh],
  ],
};

/** The business numbers and names of a payload as written, in a fixed order, each (key, text) once. */
export function businessNumbersOf(kind: DocumentKind, payload: unknown): { key: NumberKeyName; text: string }[] {
  const extract = extractors[kind] as Extractor<unknown> | undefined;
  let pairs: [NumberKeyName, string | undefined][];
  try {
    pairs = extract ? extract(payload) : [];
  } catch {
    // Stored payloads were validated when issued; a malformed one is searchable by nothing.
    return [];
  }
  const seen = new Set<string>();
  const numbers: { key: NumberKeyName; text: string }[] = [];
  for (const [key, text] of pairs) {
    if (typeof text !== 'string' || text.trim() === '' || seen.has(`${key}\u0000${text}`)) continue;
    seen.add(`${key}\u0000${text}`);
    numbers.push({ key, text });
  }
  return numbers;
}

/** Where each kind's payload keeps the number people know the document by. */
const ownNumberField: Readonly<Record<DocumentKind, string>> = {
  'delivery-order': 'deliveryOrderNumber',
  eir: 'eirNumber',
  'telex-release-guarantee': 'guaranteeNumber',
};

/** The document's own number as written (D/O, EIR or guarantee number), for people; undefined where the payload has none. */
export function ownNumberOf(kind: DocumentKind, payload: unknown): string | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const value = (payload as Record<string, unknown>)[ownNumberField[kind]];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The business keys of a valid payload of `kind`, normalised, each (key, value) once, in a fixed
 * order. A payload that is not of that kind's shape gives the keys it has.
 */
export function businessKeysOf(kind: DocumentKind, payload: unknown): BusinessKey[] {
  const seen = new Set<string>();
  const keys: BusinessKey[] = [];
  for (const { key, text } of businessNumbersOf(kind, payload)) {
    const value = normaliseKeyValue(text);
    if (value === '' || seen.has(`${key}\u0000${value}`)) continue;
    seen.add(`${key}\u0000${value}`);
    keys.push({ key, value });
  }
  if (kind === 'eir' && payload !== null && typeof payload === 'object') {
    const { validFrom, validUntil } = payload as Record<string, unknown>;
    for (const day of beijingDaysOf(validFrom, validUntil)) keys.push({ key: 'valid-day', value: day });
  }
  return keys;
}
