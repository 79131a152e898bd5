import { formatBeijingTime, isIsoDateTime } from '../../../domain/shared/beijing-time';
import type { ValueSpec } from './layout.schema';

export const MISSING = '—';
const NO_SEALS = '无铅封 No seals';

/** The value at a dot path, or undefined when any step is absent. */
export function valueAt(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

export function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

export interface FormatContext {
  /** Photo number (1-based) by SHA-256, as the photo section shows them. */
  photoNumbers: ReadonlyMap<string, number>;
}

/** The text a cell shows for a value; newlines separate lines the layout keeps apart. */
export function formatValue(value: unknown, spec: ValueSpec, context: FormatContext): string {
  if (isMissing(value)) return MISSING;
  switch (spec.format) {
    case 'enum':
      return formatEnum(value, spec);
    case 'party':
      return formatParty(record(value));
    case 'location':
      return joinPresent([str(record(value).unLocode), str(record(value).name)], '  ');
    case 'vessel': {
      const vessel = record(value);
      return joinPresent(
        [str(vessel.vesselName), prefixed('Voy. ', vessel.voyageNumber), prefixed('IMO ', vessel.imoNumber)],
        '  ',
      );
    }
    case 'photo-refs':
      return formatPhotoRefs(value, context);
    case 'seals':
      return formatSeals(value, spec);
    case 'text':
      return formatText(value, spec.unit);
  }
}

function formatText(value: unknown, unit: string | undefined): string {
  if (Array.isArray(value)) return value.length === 0 ? MISSING : value.map((item) => formatText(item, undefined)).join(', ');
  const raw = typeof value === 'number' ? String(value) : str(value);
  // Instants are shown in Beijing time, in the one format every PDF uses.
  const text = typeof value === 'string' && isIsoDateTime(value) ? (formatBeijingTime(value) ?? raw) : raw;
  return unit ? `${text} ${unit}` : text;
}

function formatEnum(value: unknown, spec: ValueSpec): string {
  const key = String(value);
  const label = spec.enum?.[key];
  return label ? `${label.zh} ${label.en}` : key;
}

/** Name and Chinese name (on one line when they fit), the identifiers on the next, then the address. */
function formatParty(party: Record<string, unknown>): string {
  const identifiers = [
    prefixed('SDX ', party.partyId),
    prefixed('', party.unLocode),
    prefixed('SCAC ', party.scac),
    // The official term alone: with "USCC" added the line no longer fits a two-column cell.
    prefixed('统一社会信用代码 ', party.unifiedSocialCreditCode),
  ].filter((part) => part !== '');
  const names = [str(party.name), str(party.nameZh)].filter((part) => part !== '').join(' ');
  return joinPresent([names, identifiers.join(' · '), str(party.address)], '\n');
}

function formatSeals(value: unknown, spec: ValueSpec): string {
  if (!Array.isArray(value)) return MISSING;
  if (value.length === 0) return NO_SEALS;
  return value
    .map((seal) => {
      const { number, type } = record(seal);
      return joinPresent([str(number), isMissing(type) ? '' : formatEnum(type, spec)], ' ');
    })
    .join('\n');
}

function formatPhotoRefs(value: unknown, context: FormatContext): string {
  if (!Array.isArray(value) || value.length === 0) return MISSING;
  return value
    .map((sha) => {
      const number = context.photoNumbers.get(String(sha));
      return number === undefined ? String(sha) : `#${number}`;
    })
    .join(' ');
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function prefixed(prefix: string, value: unknown): string {
  return isMissing(value) ? '' : `${prefix}${str(value)}`;
}

function joinPresent(parts: string[], separator: string): string {
  const present = parts.filter((part) => part !== '');
  return present.length === 0 ? MISSING : present.join(separator);
}
