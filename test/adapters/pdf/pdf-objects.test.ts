import { PDFContext, PDFRawStream, type PDFObject } from 'pdf-lib';
import { BulkStream, SerializedObject } from '../../../src/adapters/pdf/pdf-objects';

function written(object: PDFObject): Buffer {
  const bytes = new Uint8Array(object.sizeInBytes());
  expect(object.copyBytesInto(bytes, 0)).toBe(bytes.length);
  return Buffer.from(bytes);
}

describe('objects written in one copy', () => {
  const context = PDFContext.create();
  const contents = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256);

  it('a BulkStream writes, sizes and reads as the PDFRawStream pdf-lib would write', () => {
    const dict = { Type: 'EmbeddedFile', Filter: 'FlateDecode', Params: { Size: 12 } };
    const bulk = new BulkStream(context.obj(dict), contents);
    const raw = PDFRawStream.of(context.obj(dict), contents);
    expect(written(bulk).equals(written(raw))).toBe(true);
    expect(bulk.toString()).toBe(raw.toString());
    expect(Buffer.from(bulk.asUint8Array()).equals(Buffer.from(raw.asUint8Array()))).toBe(true);
    expect(written(bulk.clone(context)).equals(written(raw))).toBe(true);
  });

  it('a BulkStream written at an offset leaves the bytes around it alone', () => {
    const bulk = new BulkStream(context.obj({}), contents.subarray(0, 10));
    const buffer = new Uint8Array(bulk.sizeInBytes() + 8).fill(0x25);
    const length = bulk.copyBytesInto(buffer, 4);
    expect([...buffer.subarray(0, 4), ...buffer.subarray(4 + length)]).toEqual(Array(8).fill(0x25));
    expect(Buffer.from(buffer.subarray(4, 4 + length)).toString('latin1')).toMatch(/^<<\n\/Length 10\n>>\nstream\n[\s\S]{10}\nendstream$/);
  });

  it('a SerializedObject writes the bytes of the object it was made from, however often it is written', () => {
    const widths = context.obj([1, [500, 1000.5, 0.25, -3, 1e-7], 9, [600]]);
    const kept = SerializedObject.of(widths);
    expect(written(kept).equals(written(widths))).toBe(true);
    expect(written(kept).equals(written(widths))).toBe(true);
    expect(kept.toString()).toBe(widths.toString());
  });
});
