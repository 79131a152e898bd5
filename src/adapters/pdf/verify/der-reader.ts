import { PdfLimitError, VERIFY_LIMITS } from './verify-limits';

/**
 * A minimal BER/DER TLV walker. The verifier needs the exact bytes of some CMS parts (the signed
 * attributes, the embedded certificates) as the signer wrote them; re-encoding a parsed structure
 * could change them and hide or invent a mismatch.
 */
export interface Tlv {
  /** The first identifier octet (class, constructed bit and low tag number). */
  tag: number;
  start: number;
  contentStart: number;
  /** End of the content (exclusive); for indefinite lengths, the offset of the end-of-contents octets. */
  contentEnd: number;
  end: number;
}

export class DerError extends Error {
  override readonly name = 'DerError';
}

/**
 * Walks every constructed element of the structure at the start of `bytes` and throws a
 * PdfLimitError when it nests deeper or holds more elements than the verifier reads, before an
 * ASN.1 library (whose recursion and work are not bounded) is handed it.
 */
export function assertDerWithinLimits(bytes: Uint8Array): void {
  let elements = 0;
  const walk = (tlv: Tlv, depth: number): void => {
    if (depth > VERIFY_LIMITS.maxDerDepth) {
      throw new PdfLimitError('der-too-complex', `the ASN.1 structure nests more than ${VERIFY_LIMITS.maxDerDepth} levels deep`);
    }
    if (++elements > VERIFY_LIMITS.maxDerElements) {
      throw new PdfLimitError('der-too-complex', `the ASN.1 structure has more than ${VERIFY_LIMITS.maxDerElements} elements`);
    }
    if ((tlv.tag & 0x20) === 0) return;
    for (const child of childrenOf(bytes, tlv)) walk(child, depth + 1);
  };
  walk(readTlv(bytes, 0), 0);
}

export function readTlv(bytes: Uint8Array, start: number, limit = bytes.length, depth = 0): Tlv {
  if (depth > 64) throw new DerError('ASN.1 nested too deeply');
  let pos = start;
  const tag = bytes[pos++];
  if (tag === undefined || pos > limit) throw new DerError(`no ASN.1 element at ${start}`);
  if ((tag & 0x1f) === 0x1f) {
    while (((bytes[pos] ?? 0) & 0x80) !== 0) pos++;
    pos++;
  }
  const first = bytes[pos++];
  if (first === undefined) throw new DerError(`truncated ASN.1 length at ${start}`);
  if (first === 0x80) {
    if ((tag & 0x20) === 0) throw new DerError(`indefinite length on a primitive element at ${start}`);
    let child = pos;
    for (;;) {
      if (child + 1 >= limit) throw new DerError(`unterminated indefinite-length element at ${start}`);
      if (bytes[child] === 0 && bytes[child + 1] === 0) {
        return { tag, start, contentStart: pos, contentEnd: child, end: child + 2 };
      }
      child = readTlv(bytes, child, limit, depth + 1).end;
    }
  }
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count > 4) throw new DerError(`ASN.1 length too large at ${start}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[pos++] ?? Number.NaN);
  }
  const end = pos + length;
  if (!Number.isFinite(end) || end > limit) throw new DerError(`ASN.1 element at ${start} runs past its container`);
  return { tag, start, contentStart: pos, contentEnd: end, end };
}

export function childrenOf(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = parent.contentStart; pos < parent.contentEnd; ) {
    const child = readTlv(bytes, pos, parent.contentEnd);
    out.push(child);
    pos = child.end;
  }
  return out;
}

export function bytesOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}
