import { PDFDict, PDFObject, PDFStream, type PDFContext } from 'pdf-lib';

const STREAM = Buffer.from('\nstream\n', 'latin1');
const ENDSTREAM = Buffer.from('\nendstream', 'latin1');

/**
 * A stream of finished bytes, written as pdf-lib 1.17's PDFRawStream writes one (dictionary with
 * /Length, `stream`, the bytes, `endstream`), but copied into the file in one call: pdf-lib copies
 * stream contents byte by byte, and a document's font program, pages and payload are most of its bytes.
 */
export class BulkStream extends PDFStream {
  constructor(
    dict: PDFDict,
    readonly contents: Uint8Array,
  ) {
    super(dict);
  }

  override getContents(): Uint8Array {
    return this.contents;
  }

  override getContentsSize(): number {
    return this.contents.length;
  }

  /** As PDFRawStream's: a copy of the bytes. */
  asUint8Array(): Uint8Array {
    return this.contents.slice();
  }

  override getContentsString(): string {
    return Buffer.from(this.contents.buffer, this.contents.byteOffset, this.contents.byteLength).toString('latin1');
  }

  override clone(context?: PDFContext): BulkStream {
    return new BulkStream(this.dict.clone(context), this.contents.slice());
  }

  override copyBytesInto(buffer: Uint8Array, offset: number): number {
    this.updateDict();
    let at = offset + this.dict.copyBytesInto(buffer, offset);
    buffer.set(STREAM, at);
    at += STREAM.length;
    buffer.set(this.contents, at);
    at += this.contents.length;
    buffer.set(ENDSTREAM, at);
    at += ENDSTREAM.length;
    return at - offset;
  }
}

/**
 * An object kept as the bytes pdf-lib wrote for it: a font's /W array of a few hundred widths is the
 * same for every document with the same glyphs, and building and writing its numbers one by one
 * cost as much as the rest of the font objects together.
 */
export class SerializedObject extends PDFObject {
  private constructor(private readonly bytes: Uint8Array) {
    super();
  }

  static of(object: PDFObject): SerializedObject {
    return new SerializedObject(bytesOf(object));
  }

  /** An object whose PDF syntax the caller has written already. */
  static ofBytes(bytes: Uint8Array): SerializedObject {
    return new SerializedObject(bytes);
  }

  override clone(): SerializedObject {
    return this;
  }

  override toString(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('latin1');
  }

  override sizeInBytes(): number {
    return this.bytes.length;
  }

  override copyBytesInto(buffer: Uint8Array, offset: number): number {
    buffer.set(this.bytes, offset);
    return this.bytes.length;
  }
}

// pdf-lib 1.17 interns every PDFName it makes (PDFName.of) in a module-level pool that is never
// emptied. Names that differ per document (a font subset's tag, a VRI key) would so stay in a PDF
// worker's heap for as long as it runs, about 100 bytes each. Such names are written with the
// objects below instead: the same bytes in the file, nothing kept after the document is written.

const HEX = '0123456789ABCDEF';

/** `/name` as ISO 32000-1 7.3.5 writes it (and as pdf-lib's PDFName does): irregular bytes as #XX. */
function encodedName(name: string): Uint8Array {
  let text = '/';
  for (let i = 0; i < name.length; i += 1) {
    const code = name.charCodeAt(i);
    if (code > 0xff) throw new Error(`a PDF name holds bytes, not "${name}"`);
    const regular = code >= 0x21 && code <= 0x7e && !'#%()/<>[]{}'.includes(name[i] as string);
    text += regular ? name[i] : `#${HEX[code >> 4]}${HEX[code & 15]}`;
  }
  return Buffer.from(text, 'latin1');
}

/** A name value written from its bytes, outside pdf-lib's name pool. */
export function unpooledName(name: string): SerializedObject {
  return SerializedObject.ofBytes(encodedName(name));
}

/**
 * A dictionary whose keys are written as {@link unpooledName}s, laid out as pdf-lib's PDFDict lays
 * one out (`<<`, one `key value` per line, `>>`), from names as decoded text (a VRI key's hex).
 */
export function unpooledKeyDict(entries: Iterable<readonly [string, PDFObject]>): SerializedObject {
  const parts: Uint8Array[] = [DICT_OPEN];
  for (const [name, value] of entries) parts.push(encodedName(name), SPACE, bytesOf(value), NEWLINE);
  parts.push(DICT_CLOSE);
  return SerializedObject.ofBytes(Buffer.concat(parts));
}

const DICT_OPEN = Buffer.from('<<\n', 'latin1');
const DICT_CLOSE = Buffer.from('>>', 'latin1');
const SPACE = Buffer.from(' ', 'latin1');
const NEWLINE = Buffer.from('\n', 'latin1');

function bytesOf(object: PDFObject): Uint8Array {
  const bytes = new Uint8Array(object.sizeInBytes());
  object.copyBytesInto(bytes, 0);
  return bytes;
}
