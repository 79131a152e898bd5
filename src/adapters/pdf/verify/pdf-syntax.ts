import { inflateSync, constants as zlibConstants } from 'node:zlib';
import { equalBytes } from '../../../domain/shared/bytes';
import { PdfLimitError, VERIFY_LIMITS } from './verify-limits';

/**
 * A small PDF object parser that works on raw bytes and keeps file offsets. The verifier uses it
 * instead of a high-level PDF library because attacks live in the gap between the bytes that were
 * signed and the document a viewer shows; every value here can be traced back to where it sits.
 */
export type PdfValue =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'number'; value: number }
  | { kind: 'name'; value: string }
  /** `start`/`end` are the offsets of the string token including its delimiters. */
  | { kind: 'string'; bytes: Uint8Array; hex: boolean; start: number; end: number }
  | { kind: 'array'; items: PdfValue[] }
  | { kind: 'dict'; entries: Map<string, PdfValue> }
  | { kind: 'ref'; num: number; gen: number }
  /** `data` is the raw (still encoded) stream data. */
  | { kind: 'stream'; entries: Map<string, PdfValue>; data: Uint8Array };

export type PdfDict = Map<string, PdfValue>;

export interface IndirectObject {
  num: number;
  gen: number;
  value: PdfValue;
  /** Offset of the `N G obj` header and of the first byte after `endobj` (or after the value). */
  start: number;
  end: number;
}

export class PdfSyntaxError extends Error {
  override readonly name = 'PdfSyntaxError';
}

const WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIMITERS = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);

export function isWhitespace(byte: number | undefined): boolean {
  return byte !== undefined && WHITESPACE.has(byte);
}

function isRegular(byte: number | undefined): boolean {
  return byte !== undefined && !WHITESPACE.has(byte) && !DELIMITERS.has(byte);
}

/** The bytes as a Buffer over the same memory (no copy), for Buffer's native searches. */
export function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The bytes as a latin1 string (one character per byte). Short runs, the parser's tokens, skip the
 * Buffer view: making one per token cost more than reading the token.
 */
export function latin1(bytes: Uint8Array): string {
  if (bytes.length <= 256) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  return bufferOf(bytes).toString('latin1');
}

/** Reads PDF tokens and objects from `bytes`, starting at `pos`. */
export class PdfReader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  skipWhitespaceAndComments(): void {
    const b = this.bytes;
    while (this.pos < b.length) {
      const c = b[this.pos];
      if (isWhitespace(c)) {
        this.pos++;
      } else if (c === 0x25) {
        while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
      } else {
        return;
      }
    }
  }

  /** A keyword or number token (regular characters), or '' when the next thing is a delimiter. */
  peekWord(): string {
    this.skipWhitespaceAndComments();
    let end = this.pos;
    while (end < this.bytes.length && isRegular(this.bytes[end])) end++;
    return latin1(this.bytes.subarray(this.pos, end));
  }

  readWord(): string {
    const word = this.peekWord();
    this.pos += word.length;
    return word;
  }

  readValue(depth = 0): PdfValue {
    if (depth > VERIFY_LIMITS.maxNesting) {
      throw new PdfLimitError('nesting-too-deep', `objects are nested more than ${VERIFY_LIMITS.maxNesting} levels deep`);
    }
    this.skipWhitespaceAndComments();
    const b = this.bytes;
    const c = b[this.pos];
    if (c === undefined) throw new PdfSyntaxError('unexpected end of data');
    if (c === 0x2f) return { kind: 'name', value: this.readName() };
    if (c === 0x28) return this.readLiteralString();
    if (c === 0x3c && b[this.pos + 1] === 0x3c) return this.readDictOrStream(depth);
    if (c === 0x3c) return this.readHexString();
    if (c === 0x5b) {
      this.pos++;
      const items: PdfValue[] = [];
      for (;;) {
        this.skipWhitespaceAndComments();
        if (this.pos >= b.length) throw new PdfSyntaxError('unterminated array');
        if (b[this.pos] === 0x5d) {
          this.pos++;
          return { kind: 'array', items };
        }
        if (items.length >= VERIFY_LIMITS.maxItems) throw tooManyItems(this.pos);
        items.push(this.readValue(depth + 1));
      }
    }
    const word = this.readWord();
    if (word === '') throw new PdfSyntaxError(`unexpected byte 0x${c.toString(16)} at ${this.pos}`);
    if (word === 'true' || word === 'false') return { kind: 'bool', value: word === 'true' };
    if (word === 'null') return { kind: 'null' };
    if (/^[+-]?[\d.]/.test(word) && word.length > VERIFY_LIMITS.maxNumberLength) {
      throw new PdfLimitError('number-too-long', `a ${word.length}-character number at ${this.pos - word.length}; numbers have at most ${VERIFY_LIMITS.maxNumberLength}`);
    }
    if (/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(word)) {
      if (/^\d+$/.test(word)) {
        // `N G R` is a reference; look ahead without consuming anything else.
        const save = this.pos;
        const gen = this.readWord();
        if (/^\d+$/.test(gen) && this.readWord() === 'R') {
          return { kind: 'ref', num: Number(word), gen: Number(gen) };
        }
        this.pos = save;
      }
      return { kind: 'number', value: Number(word) };
    }
    throw new PdfSyntaxError(`unexpected token '${word.slice(0, 20)}' at ${this.pos - word.length}`);
  }

  private readName(): string {
    const b = this.bytes;
    this.pos++;
    const out: number[] = [];
    while (this.pos < b.length && isRegular(b[this.pos])) {
      const ch = b[this.pos] as number;
      if (ch === 0x23 && this.pos + 2 < b.length) {
        const hex = latin1(b.subarray(this.pos + 1, this.pos + 3));
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
          out.push(parseInt(hex, 16));
          this.pos += 3;
          continue;
        }
      }
      out.push(ch);
      this.pos++;
    }
    return Buffer.from(out).toString('latin1');
  }

  private readLiteralString(): PdfValue {
    const b = this.bytes;
    const start = this.pos;
    // Find the closing parenthesis before decoding: a string that never closes then costs one pass
    // and no allocation (the signature scan may try many such strings, each to the end of the file).
    if (closingParenthesis(b, start) < 0) throw new PdfSyntaxError(`unterminated string at ${start}`);
    this.pos++;
    const out: number[] = [];
    let nesting = 1;
    while (this.pos < b.length) {
      const ch = b[this.pos++] as number;
      if (ch === 0x5c) {
        const next = b[this.pos++];
        if (next === undefined) break;
        const simple: Record<number, number> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x66: 0x0c };
        if (simple[next] !== undefined) out.push(simple[next] as number);
        else if (next >= 0x30 && next <= 0x37) {
          let value = next - 0x30;
          for (let i = 0; i < 2; i++) {
            const d = b[this.pos];
            if (d === undefined || d < 0x30 || d > 0x37) break;
            value = value * 8 + (d - 0x30);
            this.pos++;
          }
          out.push(value & 0xff);
        } else if (next === 0x0d) {
          if (b[this.pos] === 0x0a) this.pos++;
        } else if (next !== 0x0a) out.push(next);
        continue;
      }
      if (ch === 0x28) nesting++;
      if (ch === 0x29 && --nesting === 0) {
        return { kind: 'string', bytes: Uint8Array.from(out), hex: false, start, end: this.pos };
      }
      out.push(ch);
    }
    throw new PdfSyntaxError(`unterminated string at ${start}`);
  }

  private readHexString(): PdfValue {
    const b = this.bytes;
    const start = this.pos;
    // Searched and checked natively: a signature's /Contents is tens of kilobytes of hex digits.
    const close = b.indexOf(0x3e, this.pos + 1);
    const text = latin1(b.subarray(this.pos + 1, close === -1 ? b.length : close));
    // A byte that is neither a hex digit nor whitespace before the next '>' makes it a bad string.
    if (/[^0-9a-fA-F\0\t\n\f\r ]/.test(text)) throw new PdfSyntaxError(`bad hex string at ${start}`);
    if (close === -1) throw new PdfSyntaxError(`unterminated hex string at ${start}`);
    let digits = text.replace(/[\0\t\n\f\r ]/g, '');
    if (digits.length % 2 === 1) digits += '0';
    this.pos = close + 1;
    return { kind: 'string', bytes: new Uint8Array(Buffer.from(digits, 'hex')), hex: true, start, end: this.pos };
  }

  private readDictOrStream(depth: number): PdfValue {
    const b = this.bytes;
    this.pos += 2;
    const entries: PdfDict = new Map();
    for (;;) {
      this.skipWhitespaceAndComments();
      if (this.pos >= b.length) throw new PdfSyntaxError('unterminated dictionary');
      if (b[this.pos] === 0x3e && b[this.pos + 1] === 0x3e) {
        this.pos += 2;
        break;
      }
      if (b[this.pos] !== 0x2f) throw new PdfSyntaxError(`dictionary key is not a name at ${this.pos}`);
      const key = this.readName();
      if (entries.size >= VERIFY_LIMITS.maxItems) throw tooManyItems(this.pos);
      entries.set(key, this.readValue(depth + 1));
    }
    const save = this.pos;
    if (this.readWord() !== 'stream') {
      this.pos = save;
      return { kind: 'dict', entries };
    }
    // The keyword is followed by CRLF or LF (a lone CR is tolerated, as viewers do).
    if (b[this.pos] === 0x0d) this.pos++;
    if (b[this.pos] === 0x0a) this.pos++;
    const dataStart = this.pos;
    const length = entries.get('Length');
    let dataEnd = -1;
    if (length?.kind === 'number' && Number.isInteger(length.value) && length.value >= 0) {
      const candidate = dataStart + length.value;
      const after = new PdfReader(b, candidate);
      if (after.peekWord() === 'endstream') {
        dataEnd = candidate;
        this.pos = after.pos + 'endstream'.length;
      }
    }
    if (dataEnd < 0) {
      // An indirect or wrong /Length: fall back to the keyword, as viewers do.
      const keyword = bufferOf(b).indexOf('endstream', dataStart, 'latin1');
      if (keyword < 0) throw new PdfSyntaxError(`stream at ${dataStart} has no endstream`);
      dataEnd = keyword;
      if (b[dataEnd - 1] === 0x0a) dataEnd--;
      if (b[dataEnd - 1] === 0x0d) dataEnd--;
      this.pos = keyword + 'endstream'.length;
    }
    return { kind: 'stream', entries, data: b.subarray(dataStart, dataEnd) };
  }
}

function tooManyItems(at: number): PdfLimitError {
  return new PdfLimitError('too-many-items', `an array or dictionary at ${at} has more than ${VERIFY_LIMITS.maxItems} items`);
}

/** Offset of the `)` that closes the literal string opening at `start`, or -1. */
function closingParenthesis(b: Uint8Array, start: number): number {
  let nesting = 0;
  for (let i = start; i < b.length; i++) {
    const ch = b[i];
    if (ch === 0x5c) i++;
    else if (ch === 0x28) nesting++;
    else if (ch === 0x29 && --nesting === 0) return i;
  }
  return -1;
}

/** Parses the indirect object whose `N G obj` header starts at `offset`. */
export function parseIndirectObjectAt(bytes: Uint8Array, offset: number): IndirectObject {
  const reader = new PdfReader(bytes, offset);
  const num = reader.readWord();
  const gen = reader.readWord();
  const keyword = reader.readWord();
  if (!/^\d+$/.test(num) || !/^\d+$/.test(gen) || keyword !== 'obj') {
    throw new PdfSyntaxError(`no object header at offset ${offset}`);
  }
  const value = reader.readValue();
  if (reader.peekWord() === 'endobj') reader.pos += 'endobj'.length;
  return { num: Number(num), gen: Number(gen), value, start: offset, end: reader.pos };
}

export function dictOf(value: PdfValue | undefined): PdfDict | undefined {
  if (value?.kind === 'dict' || value?.kind === 'stream') return value.entries;
  return undefined;
}

export function nameOf(value: PdfValue | undefined): string | undefined {
  return value?.kind === 'name' ? value.value : undefined;
}

export function numberOf(value: PdfValue | undefined): number | undefined {
  return value?.kind === 'number' ? value.value : undefined;
}

/** A PDF text string: UTF-16BE with a BOM, UTF-8 with a BOM, else PDFDocEncoding (read as latin1). */
export function textOf(value: PdfValue | undefined): string | undefined {
  if (value?.kind !== 'string') return undefined;
  const b = Buffer.from(value.bytes);
  if (b[0] === 0xfe && b[1] === 0xff) return b.subarray(2).swap16().toString('utf16le');
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
  return b.toString('latin1');
}

/** Decodes a stream's data for the filters the verifier needs (FlateDecode with PNG predictors). */
export function decodeStream(value: Extract<PdfValue, { kind: 'stream' }>): Uint8Array {
  const filters = value.entries.get('Filter');
  const names = filters?.kind === 'array' ? filters.items.map(nameOf) : filters ? [nameOf(filters)] : [];
  if (names.length > VERIFY_LIMITS.maxStreamFilters) {
    throw new PdfLimitError('stream-too-large', `a stream names ${names.length} filters; the verifier applies at most ${VERIFY_LIMITS.maxStreamFilters}`);
  }
  let data: Uint8Array = value.data;
  for (const filter of names) {
    if (filter !== 'FlateDecode') throw new PdfSyntaxError(`unsupported stream filter ${String(filter)}`);
    data = inflateBounded(data);
  }
  const parms = dictOf(value.entries.get('DecodeParms'));
  const predictor = numberOf(parms?.get('Predictor')) ?? 1;
  if (predictor >= 10) data = undoPngPredictor(data, numberOf(parms?.get('Columns')) ?? 1);
  else if (predictor !== 1) throw new PdfSyntaxError(`unsupported predictor ${predictor}`);
  return data;
}

/** Inflates at most {@link VERIFY_LIMITS.maxDecodedStreamBytes}: a few kilobytes can inflate to gigabytes. */
function inflateBounded(data: Uint8Array): Uint8Array {
  try {
    return inflateSync(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: VERIFY_LIMITS.maxDecodedStreamBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PdfLimitError('stream-too-large', `a stream inflates to more than ${VERIFY_LIMITS.maxDecodedStreamBytes} bytes`);
    }
    throw error;
  }
}

function undoPngPredictor(data: Uint8Array, columns: number): Uint8Array {
  if (!Number.isInteger(columns) || columns < 1 || columns > 65_536) throw new PdfSyntaxError(`bad predictor /Columns ${columns}`);
  const rowLength = columns + 1;
  const rows = Math.floor(data.length / rowLength);
  const out = new Uint8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const type = data[r * rowLength];
    for (let c = 0; c < columns; c++) {
      const raw = data[r * rowLength + 1 + c] as number;
      const left = c > 0 ? (out[r * columns + c - 1] as number) : 0;
      const up = r > 0 ? (out[(r - 1) * columns + c] as number) : 0;
      const upLeft = r > 0 && c > 0 ? (out[(r - 1) * columns + c - 1] as number) : 0;
      let value: number;
      switch (type) {
        case 0: value = raw; break;
        case 1: value = raw + left; break;
        case 2: value = raw + up; break;
        case 3: value = raw + Math.floor((left + up) / 2); break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left), pb = Math.abs(p - up), pc = Math.abs(p - upLeft);
          value = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
          break;
        }
        default: throw new PdfSyntaxError(`bad PNG predictor row type ${String(type)}`);
      }
      out[r * columns + c] = value & 0xff;
    }
  }
  return out;
}

/** Structural equality of two values (stream data compared byte for byte). */
export function sameValue(a: PdfValue | undefined, b: PdfValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'null': return true;
    case 'bool': case 'number': case 'name':
      return a.value === (b as typeof a).value;
    case 'string': return equalBytes(a.bytes, (b as typeof a).bytes);
    case 'ref': return a.num === (b as typeof a).num && a.gen === (b as typeof a).gen;
    case 'array': {
      const items = (b as typeof a).items;
      return a.items.length === items.length && a.items.every((item, i) => sameValue(item, items[i]));
    }
    case 'dict': return sameEntries(a.entries, (b as typeof a).entries);
    case 'stream':
      return sameEntries(a.entries, (b as typeof a).entries) && equalBytes(a.data, (b as typeof a).data);
  }
}

function sameEntries(a: PdfDict, b: PdfDict): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (!sameValue(value, b.get(key))) return false;
  return true;
}
