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
    const bytes = new Uint8Array(object.sizeInBytes());
    object.copyBytesInto(bytes, 0);
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
