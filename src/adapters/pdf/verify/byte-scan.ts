// Scans over a PDF's raw bytes that used to decode the whole file to a latin1 string and run a
// regular expression over it: Node decodes latin1 at a few hundred MB/s, which was a fifth of a
// verification. Each function matches exactly what the expression beside it in its comment
// matches (test/adapters/pdf/verify/byte-scan.test.ts holds them side by side) and stays linear:
// every backward or forward walk covers bytes no other walk covers.
import { bufferOf, isWhitespace } from './pdf-syntax';

const isDigit = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x30 && byte <= 0x39;

/** `\w` of a regular expression without the u flag, on latin1 characters. */
const isWordByte = (byte: number | undefined): boolean =>
  byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x5f);

/** `\s` on latin1 characters: tab, line feed, vertical tab, form feed, carriage return, space, no-break space. */
const isRegexSpace = (byte: number | undefined): boolean =>
  byte !== undefined && ((byte >= 0x09 && byte <= 0x0d) || byte === 0x20 || byte === 0xa0);

/**
 * The first `N G obj` header that starts at or after `from`, as
 * `/(?<!\d)(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj\b/g` with `lastIndex = from` finds it:
 * `start` is the offset of N, `end` the offset just after `obj`, `num` and `gen` the two numbers.
 */
export function nextObjectHeader(bytes: Uint8Array, from: number): { start: number; end: number; num: number; gen: number } | undefined {
  const view = bufferOf(bytes);
  for (let obj = view.indexOf('obj', Math.max(0, from)); obj >= 0; obj = view.indexOf('obj', obj + 1)) {
    if (isWordByte(view[obj + 3])) continue;
    // Walking back from `obj`: spaces, the generation (1 to 5 digits), spaces, the number (1 to 10).
    // Each run is whole: a longer run of digits cannot be cut to fit, as the spaces or the
    // lookbehind before it would then meet a digit.
    const genEnd = obj - runBefore(view, obj, isWhitespace);
    const genStart = genEnd - runBefore(view, genEnd, isDigit, 5);
    const numEnd = genStart - runBefore(view, genStart, isWhitespace);
    const start = numEnd - runBefore(view, numEnd, isDigit, 10);
    if (genEnd === obj || genEnd - genStart > 5 || genStart === genEnd || numEnd === genStart || numEnd - start > 10 || start === numEnd) continue;
    if (start < from) continue;
    return { start, end: obj + 3, num: digitsValue(view, start, numEnd), gen: digitsValue(view, genStart, genEnd) };
  }
  return undefined;
}

/** The decimal number the digits in `view[from..to)` spell. */
function digitsValue(view: Buffer, from: number, to: number): number {
  let value = 0;
  for (let at = from; at < to; at++) value = value * 10 + ((view[at] ?? 0x30) - 0x30);
  return value;
}

/** How many bytes just before `at` pass `test`, counting no further than `max + 1`. */
function runBefore(view: Buffer, at: number, test: (byte: number | undefined) => boolean, max = Number.MAX_SAFE_INTEGER): number {
  let length = 0;
  while (length <= max && test(view[at - length - 1])) length++;
  return length;
}

/**
 * Where the first key that marks a signature dictionary starts at or after `from`, as
 * `/\/ByteRange|\/Type\s*\/(?:Sig|DocTimeStamp)\b/g` with `lastIndex = from` finds it; the length of
 * the bytes when there is none. Both keys are looked for in windows that start small and double:
 * searching the whole rest of the file for one while the other comes first, or a large window
 * when the key is near, would make the verifier's scan quadratic.
 */
export function nextSignatureKey(bytes: Uint8Array, from: number): number {
  const view = bufferOf(bytes);
  for (let chunk = Math.max(0, from), size = 256; chunk < view.length; chunk += size, size = Math.min(size * 2, 1 << 16)) {
    const chunkEnd = Math.min(view.length, chunk + size);
    // Windows that end where a key starting before chunkEnd would end: what indexOf finds in them starts in this chunk.
    const byteRange = view.subarray(0, Math.min(view.length, chunkEnd + '/ByteRange'.length - 1)).indexOf('/ByteRange', chunk);
    const typeWindow = view.subarray(0, Math.min(view.length, chunkEnd + '/Type'.length - 1));
    const before = byteRange < 0 ? chunkEnd : byteRange;
    for (let type = typeWindow.indexOf('/Type', chunk); type >= 0 && type < before; type = typeWindow.indexOf('/Type', type + 1)) {
      if (namesSignatureType(view, type + '/Type'.length)) return type;
    }
    if (byteRange >= 0) return byteRange;
  }
  return view.length;
}

/** Whether `\s*\/(?:Sig|DocTimeStamp)\b` matches at `at`. */
function namesSignatureType(view: Buffer, at: number): boolean {
  while (isRegexSpace(view[at])) at++;
  if (view[at] !== 0x2f) return false;
  return ['Sig', 'DocTimeStamp'].some((name) => {
    const end = at + 1 + name.length;
    return end <= view.length && view.toString('latin1', at + 1, end) === name && !isWordByte(view[end]);
  });
}

/** The offset of the first `endobj` at or after `from`, or the length of the bytes. */
export function nextEndobj(bytes: Uint8Array, from: number): number {
  const view = bufferOf(bytes);
  const at = view.indexOf('endobj', Math.max(0, from));
  return at < 0 ? view.length : at;
}
