/**
 * Characters that make a text display differently from what it is. A direction control can make an
 * EIR number read one way in the wallet and another in the signed PDF; a zero-width or tag character
 * makes two numbers that look alike differ in the signed payload. Business documents need none of
 * them, so every text field refuses them (`forbidden-character`), whatever the field is.
 */

/**
 * `line`: a single line (numbers, names, plates). `lines`: free text, where tab and line breaks
 * (LF, CR) are fine (remarks, descriptions, addresses, reasons).
 */
export type TextLayout = 'line' | 'lines';

export type ForbiddenKind =
  | 'direction control'
  | 'control character'
  | 'invisible format character'
  | 'line or paragraph separator'
  | 'unpaired surrogate'
  | 'private-use character'
  | 'invisible character';

export interface ForbiddenCharacter {
  /** `U+202E`, as the refusal names it. */
  codePoint: string;
  kind: ForbiddenKind;
  /** Position in the text, counted in characters (code points) from 1. */
  position: number;
}

/** The Unicode bidirectional formatting characters (UAX #9 §2): embeddings, overrides, isolates, marks. */
const DIRECTION_CONTROL = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;
const CONTROL = /\p{Cc}/u;
const ALLOWED_IN_LINES = /[\t\n\r]/u;
/** General category Cf: zero-width space and joiners, word joiner, BOM, soft hyphen, tags, ... */
const FORMAT = /\p{Cf}/u;
const SEPARATOR = /[\p{Zl}\p{Zp}]/u;
const SURROGATE = /\p{Cs}/u;
/** Shown by whatever glyph a font assigns, if any: a different one in each place the text is read. */
const PRIVATE_USE = /\p{Co}/u;
/**
 * Drawn as nothing although not format characters: combining grapheme joiner, Hangul fillers,
 * variation selectors (which can also carry hidden data), and the noncharacters such as U+FFFE.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]/u;

function kindOf(character: string, layout: TextLayout): ForbiddenKind | undefined {
  if (DIRECTION_CONTROL.test(character)) return 'direction control';
  if (CONTROL.test(character)) return layout === 'lines' && ALLOWED_IN_LINES.test(character) ? undefined : 'control character';
  if (FORMAT.test(character)) return 'invisible format character';
  if (SEPARATOR.test(character)) return 'line or paragraph separator';
  if (SURROGATE.test(character)) return 'unpaired surrogate';
  if (PRIVATE_USE.test(character)) return 'private-use character';
  if (INVISIBLE.test(character)) return 'invisible character';
  return undefined;
}

/** `U+202E`, `U+E0041`: at least four hex digits, capitals. */
export function formatCodePoint(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first character of `value` that a field of this layout refuses, or undefined. */
export function findForbiddenCharacter(value: string, layout: TextLayout): ForbiddenCharacter | undefined {
  let position = 0;
  // for...of walks code points; an unpaired surrogate comes out alone.
  for (const character of value) {
    position += 1;
    const kind = kindOf(character, layout);
    if (kind) return { codePoint: formatCodePoint(character.codePointAt(0) ?? 0), kind, position };
  }
  return undefined;
}

export function forbiddenCharacterMessage(found: ForbiddenCharacter): string {
  return `contains ${found.codePoint} (${found.kind}) at character ${found.position}; delete it: such characters make text display differently from what is signed`;
}

/** The code point a `forbidden-character` message names, for views that say it in their own words. */
export function codePointNamedIn(message: string): string | undefined {
  return /\bU\+[0-9A-F]{4,6}\b/.exec(message)?.[0];
}

/** Identifiers are compared as typed: the composed form (NFC) makes two that look alike one value. */
export function composed(value: string): string {
  return value.normalize('NFC');
}
