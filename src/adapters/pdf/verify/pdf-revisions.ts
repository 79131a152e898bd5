import {
  bufferOf,
  PdfReader,
  PdfSyntaxError,
  decodeStream,
  dictOf,
  latin1,
  isWhitespace,
  nameOf,
  numberOf,
  parseIndirectObjectAt,
  type IndirectObject,
  type PdfDict,
  type PdfValue,
} from './pdf-syntax';
import { PdfLimitError, VERIFY_LIMITS } from './verify-limits';
import { nextEndobj, nextObjectHeader, nextSignatureKey } from './byte-scan';

/**
 * The byte-level structure of a PDF: where each revision ends, what each revision's cross-reference
 * data says, and where every signature dictionary and its /Contents sit in the raw bytes.
 */

export interface RevisionBoundary {
  /** Offset of the `%%EOF` marker. */
  eofOffset: number;
  /** Offset just after `%%EOF`, and just after the end-of-line that follows it (if any). */
  endWithoutEol: number;
  end: number;
}

export type XrefEntry =
  | { type: 'free' }
  | { type: 'offset'; offset: number; gen: number }
  | { type: 'compressed'; stream: number; index: number };

const EOF_MARKER = '%%EOF';

function tooManyObjects(): PdfLimitError {
  return new PdfLimitError('too-many-objects', `the document has more than ${VERIFY_LIMITS.maxObjects} objects`);
}

/**
 * An xref table entry in its standard 20-byte form (`nnnnnnnnnn ggggg n` and a two-byte end of
 * line), read straight from the bytes and the reader moved past it; undefined for any other
 * spelling, which the word-by-word reading then takes. Tables have one entry per object, and
 * reading each as three words cost more than the rest of opening a revision.
 */
function standardXrefEntry(bytes: Uint8Array, reader: PdfReader): { field1: number; gen: number; type: 'n' | 'f' } | undefined {
  reader.skipWhitespaceAndComments();
  const at = reader.pos;
  if (at + 20 > bytes.length || bytes[at + 10] !== 0x20 || bytes[at + 16] !== 0x20) return undefined;
  const type = bytes[at + 17];
  const eol1 = bytes[at + 18];
  const eol2 = bytes[at + 19];
  if (type !== 0x6e && type !== 0x66) return undefined;
  if (!((eol1 === 0x20 && (eol2 === 0x0d || eol2 === 0x0a)) || (eol1 === 0x0d && eol2 === 0x0a))) return undefined;
  let field1 = 0;
  for (let k = at; k < at + 10; k++) {
    const digit = (bytes[k] as number) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    field1 = field1 * 10 + digit;
  }
  let gen = 0;
  for (let k = at + 11; k < at + 16; k++) {
    const digit = (bytes[k] as number) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    gen = gen * 10 + digit;
  }
  reader.pos = at + 20;
  return { field1, gen, type: type === 0x6e ? 'n' : 'f' };
}

export function findRevisionBoundaries(bytes: Uint8Array): RevisionBoundary[] {
  // Searched in the bytes: no text copy of the whole file.
  const buffer = bufferOf(bytes);
  const boundaries: RevisionBoundary[] = [];
  for (let at = buffer.indexOf(EOF_MARKER, 0, 'latin1'); at >= 0; at = buffer.indexOf(EOF_MARKER, at + 1, 'latin1')) {
    const endWithoutEol = at + EOF_MARKER.length;
    let end = endWithoutEol;
    if (bytes[end] === 0x0d) end++;
    if (bytes[end] === 0x0a) end++;
    boundaries.push({ eofOffset: at, endWithoutEol, end });
  }
  return boundaries;
}

/** Index of the revision that ends exactly at `offset` (with or without its end-of-line), or null. */
export function revisionEndingAt(boundaries: readonly RevisionBoundary[], offset: number): number | null {
  const index = boundaries.findIndex((b) => b.end === offset || b.endWithoutEol === offset);
  return index >= 0 ? index : null;
}

/**
 * The document as a reader sees it when it stops at `limit`: the cross-reference chain that starts
 * at the last `startxref` before `limit`, followed through /Prev and /XRefStm, seeing no byte at or
 * after `limit`.
 */
export class DocumentView {
  readonly entries = new Map<number, XrefEntry>();
  readonly trailer: PdfDict;
  /** Offsets of the cross-reference sections read, newest first. */
  readonly xrefSections: number[] = [];
  /** Every object offset any cross-reference section read names, older definitions included. */
  readonly referencedOffsets = new Set<number>();
  /** Each object's value once loaded: null while it loads (and when missing), or why it cannot be. */
  private readonly cache = new Map<number, PdfValue | null | Error>();
  /** Objects parsed at each offset (or why not): many entries may point at one offset. */
  private readonly parsedAt = new Map<number, IndirectObject | Error>();
  private readonly objectStreams = new Map<number, { offsets: number[]; data: Uint8Array; first: number }>();
  private decodedBytes = 0;

  private constructor(readonly bytes: Uint8Array, startxref: number | null) {
    if (startxref === null) {
      this.trailer = this.rebuildFromObjectHeaders();
      return;
    }
    let trailer: PdfDict | undefined;
    const pending = [startxref];
    while (pending.length > 0) {
      const offset = pending.shift() as number;
      if (this.xrefSections.includes(offset)) continue;
      if (this.xrefSections.length > 1000) throw new PdfSyntaxError('too many cross-reference sections');
      this.xrefSections.push(offset);
      const sectionTrailer = this.readXrefSection(offset);
      trailer ??= sectionTrailer;
      const xrefStm = numberOf(sectionTrailer.get('XRefStm'));
      if (xrefStm !== undefined) pending.unshift(xrefStm);
      const prev = numberOf(sectionTrailer.get('Prev'));
      if (prev !== undefined) pending.push(prev);
    }
    if (!trailer) throw new PdfSyntaxError('no trailer');
    this.trailer = trailer;
  }

  /** Opens the view of the revision ending at `limit` (the whole file when `limit` is its length). */
  static open(bytes: Uint8Array, limit = bytes.length): DocumentView {
    const visible = bytes.subarray(0, limit);
    // Searched in the bytes: a text copy of the whole revision for every view opened is garbage.
    const at = bufferOf(visible).lastIndexOf('startxref', undefined, 'latin1');
    if (at < 0) throw new PdfSyntaxError('no startxref before offset ' + String(limit));
    const reader = new PdfReader(visible, at + 'startxref'.length);
    const word = reader.readWord();
    const offset = /^\d+$/.test(word) ? Number(word) : Number.NaN;
    if (!Number.isInteger(offset) || offset < 0 || offset >= limit) {
      throw new PdfSyntaxError(`startxref points outside the revision (${offset})`);
    }
    return new DocumentView(visible, offset);
  }

  /**
   * Rebuilds the object table by scanning for object headers (the last definition wins), as viewers
   * do when the cross-reference data is damaged.
   */
  static reconstruct(bytes: Uint8Array, limit = bytes.length): DocumentView {
    return new DocumentView(bytes.subarray(0, limit), null);
  }

  private rebuildFromObjectHeaders(): PdfDict {
    // Searched in the bytes, as findSignatureDictionaries does: no text copy of the whole file.
    const bytes = bufferOf(this.bytes);
    const xrefStreams: number[] = [];
    for (let match = nextObjectHeader(bytes, 0); match; match = nextObjectHeader(bytes, match.end)) {
      if (match.start > 0 && !isWhitespace(bytes[match.start - 1])) continue;
      const { num, gen, start } = match;
      if (!this.entries.has(num) && this.entries.size >= VERIFY_LIMITS.maxObjects) throw tooManyObjects();
      this.entries.set(num, { type: 'offset', offset: start, gen });
      this.referencedOffsets.add(start);
      if (/^[^]{0,200}\/Type\s*\/XRef\b/.test(latin1(bytes.subarray(match.end, start + 400)))) xrefStreams.push(start);
    }
    // The last `trailer` keyword that is followed by a dictionary naming /Root (the word may also
    // appear in comments), else the last readable xref stream; a bounded number of tries each.
    let trailer: PdfDict | undefined;
    let tries = 0;
    for (let at = bytes.lastIndexOf('trailer'); at >= 0 && !trailer && tries < VERIFY_LIMITS.maxRepairAttempts; at = bytes.lastIndexOf('trailer', at - 1), tries++) {
      try {
        const candidate = dictOf(new PdfReader(this.bytes, at + 'trailer'.length).readValue());
        if (candidate?.has('Root')) trailer = candidate;
      } catch {
        // Not a trailer dictionary; keep looking further back.
      }
      if (at === 0) break;
    }
    for (const offset of xrefStreams.reverse().slice(0, VERIFY_LIMITS.maxRepairAttempts)) {
      if (trailer) break;
      try {
        trailer = dictOf(parseIndirectObjectAt(this.bytes, offset).value);
      } catch {
        // A damaged xref stream contributes no trailer.
      }
    }
    if (!trailer?.has('Root')) throw new PdfSyntaxError('no trailer with /Root found while reconstructing');
    return trailer;
  }

  private readXrefSection(offset: number): PdfDict {
    if (offset < 0 || offset >= this.bytes.length) throw new PdfSyntaxError(`cross-reference offset ${offset} is out of bounds`);
    const reader = new PdfReader(this.bytes, offset);
    if (reader.peekWord() === 'xref') {
      reader.readWord();
      for (;;) {
        const word = reader.readWord();
        if (word === 'trailer') break;
        const countWord = reader.readWord();
        // Number('') is 0: without the digit test, the end of the data reads as an empty subsection forever.
        const start = /^\d+$/.test(word) ? Number(word) : Number.NaN;
        const count = /^\d+$/.test(countWord) ? Number(countWord) : Number.NaN;
        if (!Number.isInteger(start) || !Number.isInteger(count) || count < 0) {
          throw new PdfSyntaxError(`bad cross-reference subsection at ${reader.pos}`);
        }
        if (count > VERIFY_LIMITS.maxObjects) throw tooManyObjects();
        for (let i = 0; i < count; i++) {
          const standard = standardXrefEntry(this.bytes, reader);
          if (standard) {
            const num = start + i;
            if (standard.type === 'n') this.referencedOffsets.add(standard.field1);
            if (this.entries.has(num)) continue;
            if (this.entries.size >= VERIFY_LIMITS.maxObjects) throw tooManyObjects();
            this.entries.set(num, standard.type === 'n' ? { type: 'offset', offset: standard.field1, gen: standard.gen } : { type: 'free' });
            continue;
          }
          const field1Word = reader.readWord();
          const genWord = reader.readWord();
          const type = reader.readWord();
          const field1 = /^\d+$/.test(field1Word) ? Number(field1Word) : Number.NaN;
          const gen = /^\d+$/.test(genWord) ? Number(genWord) : Number.NaN;
          if (!Number.isInteger(field1) || !Number.isInteger(gen) || (type !== 'n' && type !== 'f')) {
            throw new PdfSyntaxError(`bad cross-reference entry at ${reader.pos}`);
          }
          const num = start + i;
          if (type === 'n') this.referencedOffsets.add(field1);
          if (this.entries.has(num)) continue;
          if (this.entries.size >= VERIFY_LIMITS.maxObjects) throw tooManyObjects();
          this.entries.set(num, type === 'n' ? { type: 'offset', offset: field1, gen } : { type: 'free' });
        }
      }
      const trailer = dictOf(reader.readValue());
      if (!trailer) throw new PdfSyntaxError(`trailer at ${reader.pos} is not a dictionary`);
      return trailer;
    }
    const object = parseIndirectObjectAt(this.bytes, offset);
    if (object.value.kind !== 'stream' || nameOf(object.value.entries.get('Type')) !== 'XRef') {
      throw new PdfSyntaxError(`startxref/Prev offset ${offset} is neither an xref table nor an xref stream`);
    }
    const dict = object.value.entries;
    const widths = arrayOfNumbers(dict.get('W'));
    const size = numberOf(dict.get('Size')) ?? 0;
    const index = dict.has('Index') ? arrayOfNumbers(dict.get('Index')) : [0, size];
    const rowLength = widths.reduce((a, b) => a + b, 0);
    // A row of no bytes would never run out of data; a field wider than 6 bytes overflows a safe integer.
    if (widths.length !== 3 || rowLength === 0 || widths.some((w) => w > 6)) throw new PdfSyntaxError(`xref stream at ${offset} has a bad /W`);
    const data = this.decode(object.value);
    let row = 0;
    for (let s = 0; s + 1 < index.length; s += 2) {
      const start = index[s] as number;
      const count = index[s + 1] as number;
      for (let i = 0; i < count; i++, row++) {
        const fields: number[] = [];
        let at = row * rowLength;
        if (at + rowLength > data.length) throw new PdfSyntaxError(`xref stream at ${offset} is truncated`);
        for (const width of widths) {
          let value = 0;
          for (let k = 0; k < width; k++) value = value * 256 + (data[at++] as number);
          fields.push(value);
        }
        const type = widths[0] === 0 ? 1 : (fields[0] as number);
        const num = start + i;
        if (type === 1) this.referencedOffsets.add(fields[1] as number);
        if (this.entries.has(num)) continue;
        if (this.entries.size >= VERIFY_LIMITS.maxObjects) throw tooManyObjects();
        if (type === 0) this.entries.set(num, { type: 'free' });
        else if (type === 1) this.entries.set(num, { type: 'offset', offset: fields[1] as number, gen: fields[2] as number });
        else if (type === 2) this.entries.set(num, { type: 'compressed', stream: fields[1] as number, index: fields[2] as number });
      }
    }
    return dict;
  }

  /** The current value of object `num`, or undefined when it is free or missing. */
  object(num: number): PdfValue | undefined {
    const cached = this.cache.get(num);
    if (cached instanceof Error) throw cached;
    if (cached !== undefined) return cached ?? undefined;
    // An object reached again while it loads counts as missing, not as an endless loop.
    this.cache.set(num, null);
    try {
      const value = this.loadObject(num);
      this.cache.set(num, value ?? null);
      return value;
    } catch (error) {
      // Unreadable on every read, not only the first: a later check that found it merely missing
      // would judge another document than the one the first check saw.
      this.cache.set(num, error instanceof Error ? error : new PdfSyntaxError(String(error)));
      throw error;
    }
  }

  private loadObject(num: number): PdfValue | undefined {
    const entry = this.entries.get(num);
    if (!entry || entry.type === 'free') return undefined;
    if (entry.type === 'offset') {
      const object = this.objectAt(entry.offset);
      if (object.num !== num) {
        throw new PdfSyntaxError(`cross-reference entry for object ${num} points at object ${object.num}`);
      }
      return object.value;
    }
    const container = this.objectStream(entry.stream);
    const offset = container.offsets[entry.index * 2 + 1];
    if (container.offsets[entry.index * 2] !== num || offset === undefined) {
      throw new PdfSyntaxError(`object stream ${entry.stream} does not hold object ${num} at index ${entry.index}`);
    }
    return new PdfReader(container.data, container.first + offset).readValue();
  }

  private objectStream(num: number): { offsets: number[]; data: Uint8Array; first: number } {
    const known = this.objectStreams.get(num);
    if (known) return known;
    const entry = this.entries.get(num);
    if (entry?.type !== 'offset') throw new PdfSyntaxError(`object stream ${num} is not a plain object`);
    const stream = this.objectAt(entry.offset).value;
    if (stream.kind !== 'stream' || nameOf(stream.entries.get('Type')) !== 'ObjStm') {
      throw new PdfSyntaxError(`object ${num} is not an object stream`);
    }
    const data = this.decode(stream);
    const n = numberOf(stream.entries.get('N')) ?? 0;
    const first = numberOf(stream.entries.get('First')) ?? 0;
    // Each of the N pairs takes at least four bytes ("1 0 "); a larger N is a lie.
    if (!Number.isInteger(n) || n < 0 || n * 4 > data.length || !Number.isInteger(first) || first < 0 || first > data.length) {
      throw new PdfSyntaxError(`object stream ${num} has a bad /N (${n}) or /First (${first})`);
    }
    const reader = new PdfReader(data, 0);
    const offsets: number[] = [];
    for (let i = 0; i < 2 * n; i++) {
      const word = reader.readWord();
      if (!/^\d+$/.test(word)) throw new PdfSyntaxError(`object stream ${num} has a bad offset table`);
      offsets.push(Number(word));
    }
    const parsed = { offsets, data, first };
    this.objectStreams.set(num, parsed);
    return parsed;
  }

  /**
   * A stream's decoded data, counted against the view's total: decoded data lives outside the V8
   * heap, where the worker's memory limit does not reach.
   */
  private decode(stream: Extract<PdfValue, { kind: 'stream' }>): Uint8Array {
    const data = decodeStream(stream);
    this.decodedBytes += data.length;
    if (this.decodedBytes > VERIFY_LIMITS.maxDecodedBytesPerView) {
      throw new PdfLimitError('stream-too-large', `the document's streams decode to more than ${VERIFY_LIMITS.maxDecodedBytesPerView} bytes`);
    }
    return data;
  }

  /** The indirect object at `offset`, parsed once. */
  private objectAt(offset: number): IndirectObject {
    let parsed = this.parsedAt.get(offset);
    if (!parsed) {
      try {
        parsed = parseIndirectObjectAt(this.bytes, offset);
      } catch (error) {
        parsed = error instanceof Error ? error : new PdfSyntaxError(String(error));
      }
      this.parsedAt.set(offset, parsed);
    }
    if (parsed instanceof Error) throw parsed;
    return parsed;
  }

  /** Follows a reference (once per level) to its value; other values are returned as they are. */
  resolve(value: PdfValue | undefined): PdfValue | undefined {
    let current = value;
    for (let depth = 0; current?.kind === 'ref' && depth < 32; depth++) current = this.object(current.num);
    return current?.kind === 'ref' ? undefined : current;
  }

  dict(value: PdfValue | undefined): PdfDict | undefined {
    return dictOf(this.resolve(value));
  }

  catalog(): PdfDict | undefined {
    return this.dict(this.trailer.get('Root'));
  }

  /** A location key: two views with the same key for an object read the same bytes for it. */
  locationOf(num: number): string {
    const entry = this.entries.get(num);
    if (!entry || entry.type === 'free') return 'free';
    if (entry.type === 'offset') return `@${entry.offset}`;
    // An object stream is itself never compressed; following a chain of them could recurse forever.
    const container = this.entries.get(entry.stream);
    const at = container?.type === 'offset' ? `@${container.offset}` : 'nowhere';
    return `${at}#${entry.stream}:${entry.index}`;
  }
}

function arrayOfNumbers(value: PdfValue | undefined): number[] {
  if (value?.kind !== 'array') return [];
  return value.items.map((item) => numberOf(item) ?? Number.NaN).filter((n) => Number.isInteger(n) && n >= 0);
}

/** A signature dictionary as found in the raw bytes (not through any cross-reference table). */
export interface RawSignatureDictionary {
  objectNumber: number;
  generation: number;
  /** Offset of the `N G obj` header. */
  objectOffset: number;
  objectEnd: number;
  dict: PdfDict;
  /** The /ByteRange numbers as written (may be malformed). */
  byteRange: number[] | null;
  /** Offsets of the /Contents string token in the file, including its delimiters. */
  contents: { start: number; end: number; hex: boolean; bytes: Uint8Array } | null;
}

/**
 * Every uncompressed object in the file that looks like a signature dictionary (/ByteRange and
 * /Contents, or /Type /Sig or /DocTimeStamp), found by scanning the bytes. Scanning rather than
 * following the cross-reference data means a signature that a later revision unlinks or wraps is
 * still seen.
 */
export function findSignatureDictionaries(file: Uint8Array): RawSignatureDictionary[] {
  const bytes = bufferOf(file);
  const found: RawSignatureDictionary[] = [];
  // Offsets of the next `endobj` and the next signature key, each found once and reused by every
  // header before it, so the scan stays linear however many headers precede one `endobj`.
  let endobj = -1;
  let nextMarker = -1;
  let candidates = 0;
  for (let match = nextObjectHeader(bytes, 0), from = 0; match; match = nextObjectHeader(bytes, from)) {
    from = match.end;
    if (match.start > 0 && !isWhitespace(bytes[match.start - 1]) && !isDelimiterBefore(bytes[match.start - 1])) continue;
    if (endobj < match.start) endobj = nextEndobj(bytes, match.start);
    if (nextMarker < match.start) nextMarker = nextSignatureKey(bytes, match.start);
    // Cheap pre-filter: a signature dictionary names one of these keys before its `endobj`.
    if (nextMarker >= endobj) continue;
    // Each parse may read to the end of the file (an unterminated string); real files have one
    // candidate per signature, so many more is an attack on this loop.
    if (++candidates > 2 * VERIFY_LIMITS.maxSignatures) {
      throw new PdfLimitError('too-many-signatures', `more than ${2 * VERIFY_LIMITS.maxSignatures} objects look like signature dictionaries`);
    }
    let object;
    try {
      object = parseIndirectObjectAt(bytes, match.start);
    } catch {
      continue;
    }
    if (object.value.kind !== 'dict') continue;
    const dict = object.value.entries;
    const type = nameOf(dict.get('Type'));
    if (!dict.has('ByteRange') && type !== 'Sig' && type !== 'DocTimeStamp') continue;
    if (!dict.has('ByteRange') && !dict.has('Contents')) continue;
    if (found.length >= VERIFY_LIMITS.maxSignatures) {
      throw new PdfLimitError('too-many-signatures', `the document holds more than ${VERIFY_LIMITS.maxSignatures} signature dictionaries`);
    }
    const range = dict.get('ByteRange');
    const contents = dict.get('Contents');
    found.push({
      objectNumber: object.num,
      generation: object.gen,
      objectOffset: object.start,
      objectEnd: object.end,
      dict,
      byteRange: range?.kind === 'array' ? range.items.map((item) => numberOf(item) ?? Number.NaN) : null,
      contents: contents?.kind === 'string' ? { start: contents.start, end: contents.end, hex: contents.hex, bytes: contents.bytes } : null,
    });
    from = Math.max(from, object.end);
  }
  return found;
}

function isDelimiterBefore(byte: number | undefined): boolean {
  return byte === 0x3e || byte === 0x5d || byte === 0x29 || byte === 0x7d;
}
