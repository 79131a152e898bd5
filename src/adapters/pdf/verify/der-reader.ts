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

/** The content octets of an element. */
export function contentOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.contentStart, tlv.contentEnd);
}

/** The children of the element at the start of `der` (a SEQUENCE or SET read as a whole). */
export function fieldsOf(der: Uint8Array): Tlv[] {
  return childrenOf(der, readTlv(der, 0));
}

/** The element, which must carry `tag`; a DerError names `what` otherwise. */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv?.tag !== tag) throw new DerError(`${what} is missing or not the expected ASN.1 type`);
  return tlv;
}

/** Dotted text of OBJECT IDENTIFIER content octets. */
export function decodeOid(content: Uint8Array): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

export function oidAt(bytes: Uint8Array, tlv: Tlv | undefined, what: string): string {
  return decodeOid(contentOf(bytes, expectTag(tlv, 0x06, what)));
}

/** A UTCTime (two-digit years: 1950-2049, RFC 5280) or GeneralizedTime (fractions of a second kept to milliseconds), in UTC. */
export function timeAt(bytes: Uint8Array, tlv: Tlv | undefined, what: string): Date {
  if (tlv?.tag !== 0x17 && tlv?.tag !== 0x18) throw new DerError(`${what} is not a time`);
  const text = Buffer.from(contentOf(bytes, tlv)).toString('latin1');
  const match = (tlv.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.(\d+))?Z$/).exec(text);
  if (!match) throw new DerError(`${what} "${text}" is not a UTC time`);
  let year = Number(match[1]);
  if (tlv.tag === 0x17) year += year < 50 ? 2000 : 1900;
  const millis = match[7] ? Math.floor(Number(`0.${match[7]}`) * 1000) : 0;
  const time = Date.UTC(year, Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6] ?? 0), millis);
  return new Date(time);
}

/** The bits of a BIT STRING without its unused-bits octet. */
export function bitStringAt(bytes: Uint8Array, tlv: Tlv | undefined, what: string): Uint8Array {
  return contentOf(bytes, expectTag(tlv, 0x03, what)).subarray(1);
}

/** A small non-negative INTEGER (a version, a path length, a salt length). */
export function smallIntegerAt(bytes: Uint8Array, tlv: Tlv | undefined, what: string): number {
  const content = contentOf(bytes, expectTag(tlv, 0x02, what));
  if (content.length > 6 || (content[0] ?? 0) & 0x80) throw new DerError(`${what} is not a small non-negative integer`);
  let value = 0;
  for (const byte of content) value = value * 256 + byte;
  return value;
}

/** The text of a string element (UTF8, Printable, IA5, Teletex, BMP, Universal), or undefined for another type. */
export function textAt(bytes: Uint8Array, tlv: Tlv): string | undefined {
  const content = Buffer.from(contentOf(bytes, tlv));
  switch (tlv.tag) {
    case 0x0c:
      return content.toString('utf8');
    case 0x13:
    case 0x16:
    case 0x14:
      return content.toString('latin1');
    case 0x1e:
      return Buffer.from(content).swap16().toString('utf16le');
    case 0x1c: {
      let text = '';
      for (let i = 0; i + 3 < content.length; i += 4) text += String.fromCodePoint(content.readUInt32BE(i));
      return text;
    }
    default:
      return undefined;
  }
}

/** An OCTET STRING's octets, also when BER splits it into a constructed string of parts. */
export function octetsAt(bytes: Uint8Array, tlv: Tlv | undefined, what: string): Uint8Array {
  if (tlv?.tag === 0x04) return contentOf(bytes, tlv);
  if (tlv?.tag !== 0x24) throw new DerError(`${what} is not an OCTET STRING`);
  return Buffer.concat(childrenOf(bytes, tlv).map((part) => octetsAt(bytes, part, what)));
}
