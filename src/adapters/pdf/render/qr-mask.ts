import QRCode from 'qrcode';

/**
 * The modules of `text` as a QR code at error correction level M, the same symbol
 * `QRCode.create(text, { errorCorrectionLevel: 'M' })` gives, in about a third of its time.
 *
 * qrcode picks the mask by scoring all eight (ISO/IEC 18004 7.8.3) through per-module method calls,
 * two thirds of its time. Here the symbol is built once with mask 0, unmasked, and the eight masked
 * versions are scored on plain arrays by the same rules qrcode applies (its run, block, finder-like
 * and balance penalties, the first lowest score winning), with each mask's format information in
 * place as qrcode writes it while scoring.
 */
export function qrModules(text: string): { size: number; data: Uint8Array } {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M', maskPattern: 0 });
  const { size, data: masked0 } = modules;
  const masks = masksFor(size, modules.reservedBit);
  const unmasked = xor(masked0, masks[0]);
  let best: Uint8Array = masked0;
  let lowest = Infinity;
  for (let pattern = 0; pattern < 8; pattern++) {
    let candidate = masked0;
    if (pattern > 0) {
      candidate = xor(unmasked, masks[pattern]);
      writeFormatInformation(candidate, size, pattern);
    }
    const score = penalty(candidate, size);
    if (score < lowest) {
      lowest = score;
      best = candidate;
    }
  }
  return { size, data: best };
}

/**
 * Per symbol size, the modules each mask flips: 1 where the mask is dark and the module holds
 * data (the function patterns and format and version areas, reserved, are never masked). Which
 * modules are reserved depends only on the version, that is on the size.
 */
const maskCache = new Map<number, Uint8Array[]>();

function masksFor(size: number, reserved: Uint8Array): Uint8Array[] {
  let masks = maskCache.get(size);
  if (!masks) {
    masks = Array.from({ length: 8 }, (_, pattern) => {
      const mask = new Uint8Array(size * size);
      for (let row = 0; row < size; row++) {
        for (let col = 0; col < size; col++) {
          if (!reserved[row * size + col] && maskAt(pattern, row, col)) mask[row * size + col] = 1;
        }
      }
      return mask;
    });
    maskCache.set(size, masks);
  }
  return masks;
}

function xor(data: Uint8Array, mask: Uint8Array | undefined): Uint8Array {
  const out = Uint8Array.from(data);
  if (mask) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) ^ (mask[i] ?? 0);
  return out;
}

function maskAt(pattern: number, i: number, j: number): boolean {
  switch (pattern) {
    case 0:
      return (i + j) % 2 === 0;
    case 1:
      return i % 2 === 0;
    case 2:
      return j % 3 === 0;
    case 3:
      return (i + j) % 3 === 0;
    case 4:
      return (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0;
    case 5:
      return ((i * j) % 2) + ((i * j) % 3) === 0;
    case 6:
      return (((i * j) % 2) + ((i * j) % 3)) % 2 === 0;
    default:
      return (((i * j) % 3) + ((i + j) % 2)) % 2 === 0;
  }
}

/** The 15 format bits for level M and `pattern` (BCH(15,5), masked with 101010000010010). */
function formatBits(pattern: number): number {
  const value = (0b00 << 3) | pattern; // level M's indicator is 00
  let remainder = value << 10;
  for (let bit = 14; bit >= 10; bit--) if (remainder & (1 << bit)) remainder ^= 0b10100110111 << (bit - 10);
  return ((value << 10) | remainder) ^ 0b101010000010010;
}

/** Writes the format bits into both of their places, and the dark module, where qrcode puts them. */
function writeFormatInformation(data: Uint8Array, size: number, pattern: number): void {
  const bits = formatBits(pattern);
  const set = (row: number, col: number, bit: number) => {
    data[row * size + col] = bit;
  };
  for (let i = 0; i < 15; i++) {
    const bit = (bits >> i) & 1;
    set(i < 6 ? i : i < 8 ? i + 1 : size - 15 + i, 8, bit);
    set(8, i < 8 ? size - i - 1 : i < 9 ? 15 - i : 14 - i, bit);
  }
  set(size - 8, 8, 1);
}

/** qrcode's score of a masked symbol: runs of five or more, 2x2 blocks, 1:1:3:1:1 patterns, dark balance. */
function penalty(data: Uint8Array, size: number): number {
  let runs = 0;
  let blocks = 0;
  let finders = 0;
  let dark = 0;
  for (let a = 0; a < size; a++) {
    let rowRun = 0;
    let colRun = 0;
    let rowLast = -1;
    let colLast = -1;
    let rowBits = 0;
    let colBits = 0;
    for (let b = 0; b < size; b++) {
      const inRow = data[a * size + b] ?? 0;
      const inCol = data[b * size + a] ?? 0;
      dark += inRow;
      if (inRow === rowLast) rowRun++;
      else {
        if (rowRun >= 5) runs += 3 + rowRun - 5;
        rowLast = inRow;
        rowRun = 1;
      }
      if (inCol === colLast) colRun++;
      else {
        if (colRun >= 5) runs += 3 + colRun - 5;
        colLast = inCol;
        colRun = 1;
      }
      rowBits = ((rowBits << 1) & 0x7ff) | inRow;
      colBits = ((colBits << 1) & 0x7ff) | inCol;
      if (b >= 10 && (rowBits === 0x5d0 || rowBits === 0x05d)) finders++;
      if (b >= 10 && (colBits === 0x5d0 || colBits === 0x05d)) finders++;
      if (a < size - 1 && b < size - 1) {
        const sum = inRow + (data[a * size + b + 1] ?? 0) + (data[(a + 1) * size + b] ?? 0) + (data[(a + 1) * size + b + 1] ?? 0);
        if (sum === 0 || sum === 4) blocks++;
      }
    }
    if (rowRun >= 5) runs += 3 + rowRun - 5;
    if (colRun >= 5) runs += 3 + colRun - 5;
  }
  const balance = Math.abs(Math.ceil((dark * 100) / (size * size) / 5) - 10);
  return runs + blocks * 3 + finders * 40 + balance * 10;
}

