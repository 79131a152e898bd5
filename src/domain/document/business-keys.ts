import type { DocumentKind } from './document';
import type { PayloadByKind } from './document-kinds';

/** The numbers and names people search documents by. */
export const businessKeyNames = ['do-number', 'bl-number', 'container', 'eir-number', 'plate', 'consignee', 'guarantee-number'] as const;
export type BusinessKeyName = (typeof businessKeyNames)[number];

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

type Extractor<P> = (payload: P) => [BusinessKeyName, string | undefined][];

const extractors: { [K in DocumentKind]: Extractor<PayloadByKind[K]> } = {
  'delivery-order': (p) => [
    ['do-number', p.deliveryOrderNumber],
    ['bl-number', p.billOfLadingNumber],
    ...p.containers.map((c): [BusinessKeyName, string] => ['container', c.number]),
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
    ...p.containers.map((c): [BusinessKeyName, string] => ['container', c.number]),
    ['consignee', p.consignee.name],
    ['consignee', p.consignee.nameZh],
  ],
};

/** The business numbers and names of a payload as written, in a fixed order, each (key, text) once. */
export function businessNumbersOf(kind: DocumentKind, payload: unknown): { key: BusinessKeyName; text: string }[] {
  const extract = extractors[kind] as Extractor<unknown> | undefined;
  let pairs: [BusinessKeyName, string | undefined][];
  try {
    pairs = extract ? extract(payload) : [];
  } catch {
    // Stored payloads were validated when issued; a malformed one is searchable by nothing.
    return [];
  }
  const seen = new Set<string>();
  const numbers: { key: BusinessKeyName; text: string }[] = [];
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
  return keys;
}
