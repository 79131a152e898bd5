/** The few DER primitives the ASN.1 libraries do not expose on their own. */

export function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function derTlv(tag: number, content: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.of(tag), derLength(content.length), content]);
}

/** DER OBJECT IDENTIFIER, e.g. for attribute values that are a bare OID. */
export function derObjectIdentifier(oid: string): Uint8Array {
  const arcs = oid.split('.').map((arc) => BigInt(arc));
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined) throw new RangeError(`"${oid}" is not an object identifier`);
  const bytes: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let value = arc >> 7n; value > 0n; value >>= 7n) chunk.unshift(Number(value & 0x7fn) | 0x80);
    bytes.push(...chunk);
  }
  return derTlv(0x06, Uint8Array.from(bytes));
}

/** Content octets of a positive INTEGER (two's complement, minimal). */
export function derUnsignedInteger(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError('a negative integer was given where a serial number is expected');
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Uint8Array.of(0), bytes]) : bytes;
}

export interface Tlv {
  tag: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just after the element. */
  end: number;
}

/** Reads the tag-length header at `offset` (single-byte tags, definite lengths only, as DER has). */
export function readTlv(bytes: Uint8Array, offset: number): Tlv {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined) throw new RangeError('DER element truncated');
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new RangeError('DER length is indefinite or too long');
    length = 0;
    for (let i = 0; i < count; i++) {
      const byte = bytes[contentStart + i];
      if (byte === undefined) throw new RangeError('DER length truncated');
      length = length * 256 + byte;
    }
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > bytes.length) throw new RangeError('DER element runs past the end of the input');
  return { tag, contentStart, end };
}

/** X.690 11.6: DER orders SET OF elements by their encodings, shorter first where one is a prefix. */
export function compareDer(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}
