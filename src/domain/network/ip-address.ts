/**
 * IP addresses as bytes (4 for IPv4, 16 for IPv6), parsed strictly: IPv4 only as four decimal parts
 * without leading zeros (what `net.isIPv4` and the WHATWG URL parser produce), so that `0177.0.0.1`
 * or `127.1` is not an address here; hosts are normalised by the URL parser before they get here.
 */
export type IpBytes = Uint8Array;

const V4_PART = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const V4 = new RegExp(`^${V4_PART}\\.${V4_PART}\\.${V4_PART}\\.${V4_PART}$`);

export function parseIpv4(text: string): IpBytes | undefined {
  const match = V4.exec(text);
  return match ? Uint8Array.from(match.slice(1, 5), Number) : undefined;
}

/** IPv6 text, optionally in brackets and with a zone (`fe80::1%eth0`), which is dropped. */
export function parseIpv6(input: string): IpBytes | undefined {
  let text = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  const zone = text.indexOf('%');
  if (zone !== -1) {
    if (zone === text.length - 1) return undefined;
    text = text.slice(0, zone);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string | undefined): number[] | undefined => {
    if (!half) return [];
    const parts = half.split(':');
    const groups: number[] = [];
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (!v4) return undefined;
        groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
        groups.push(parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  if (!head || !tail) return undefined;
  // A dotted IPv4 tail is only allowed in the last half.
  if (halves.length === 2 && halves[0]?.includes('.')) return undefined;
  const compressed = halves.length === 2;
  const given = head.length + tail.length;
  if (compressed ? given > 7 : given !== 8) return undefined;
  const groups = [...head, ...new Array<number>(8 - given).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/** An IPv4 or IPv6 address in text (IPv6 possibly in brackets), or undefined for anything else. */
export function parseIp(text: string): IpBytes | undefined {
  return parseIpv4(text) ?? (text.includes(':') ? parseIpv6(text) : undefined);
}

/** Whether `bytes` starts with the first `length` bits of `prefix`. */
export function inPrefix(bytes: IpBytes, prefix: IpBytes, length: number): boolean {
  if (bytes.length !== prefix.length) return false;
  for (let bit = 0; bit < length; bit += 8) {
    const remaining = Math.min(8, length - bit);
    const mask = (0xff << (8 - remaining)) & 0xff;
    if (((bytes[bit / 8] ?? 0) & mask) !== ((prefix[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}
