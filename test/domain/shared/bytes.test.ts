import { equalBytes } from '../../../src/domain/shared/bytes';
import { latin1 } from '../../../src/adapters/pdf/verify/pdf-syntax';

describe('equalBytes', () => {
  it('when two byte strings have the same bytes, then they are equal, whatever views they sit in', () => {
    const backing = new Uint8Array([9, 1, 2, 3, 9]);
    expect(equalBytes(backing.subarray(1, 4), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('when they differ in one byte or in length, then they are not', () => {
    expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
    expect(equalBytes(new Uint8Array([0]), new Uint8Array(0))).toBe(false);
  });
});

describe('latin1 (the PDF parser reading bytes as characters)', () => {
  const every = Uint8Array.from({ length: 1024 }, (_, i) => (i * 7) % 256);
  const reference = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

  it.each([0, 1, 255, 256, 257, 1024])('when %i bytes of every value are read, then each byte is the character of that code', (length) => {
    const bytes = every.subarray(3, 3 + length);
    expect(latin1(bytes)).toBe(reference(bytes));
    expect(latin1(bytes)).toHaveLength(bytes.length);
  });
});
