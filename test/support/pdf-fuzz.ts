// Seeded, deterministic mutations of real signed PDFs for the verifier's fuzz tests. Input `index`
// of a run depends only on (seeds, index, run seed), so any input that breaks something can be
// regenerated alone and kept in test/fixtures/fuzz-corpus/. Mutations locate structure with regexes
// of their own, independent of the verifier's parser.
import { appendAnnotation, appendContentOverlay, appendIncrementalUpdate, redefinePageContent, signatureLocations } from './pdf-mutations';

export const mutationClasses = [
  'bit-flip',
  'truncation',
  'duplicate-object',
  'delete-object',
  'huge-number',
  'deep-nesting',
  'broken-xref',
  'wrong-byte-range',
  'contents-der',
  'appended-update',
] as const;
export type MutationClass = (typeof mutationClasses)[number];

export interface FuzzSeed {
  name: string;
  bytes: Uint8Array;
}

export interface FuzzInput {
  /** `<seed>#<index>`, unique within a run. */
  id: string;
  seed: string;
  mutations: MutationClass[];
  /** What was done, precisely enough to read in a failure message. */
  detail: string;
  bytes: Uint8Array;
  /**
   * A byte some signature of the seed signs changed, moved or was cut off, while the mutant still
   * reaches that signature's /Contents (so it still claims the signature). Never a valid verdict.
   */
  signedBytesChanged: boolean;
  /**
   * The mutant is the seed cut at the end of one of its signatures' signed bytes (followed by
   * nothing but whitespace), changed at most inside /Contents values, which no signature covers (a
   * changed CMS fails its own checks, or touched only parts that vouch for nothing, such as a spare
   * copy of a CA certificate): the only mutants that may verify as valid.
   */
  mayVerifyValid: boolean;
}

/** mulberry32: small, fast and good enough to spread mutations; the same seed gives the same run. */
export class FuzzRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('nothing to pick from');
    return items[this.int(0, items.length - 1)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Input `index` of the run `runSeed` over `seeds`: seeds in turn, mutation classes spread evenly, 15% stacked. */
export function fuzzInput(seeds: readonly FuzzSeed[], index: number, runSeed = 0x5d0f022): FuzzInput {
  const random = new FuzzRandom(Math.imul(runSeed ^ 0x9e3779b9, index + 1) ^ index);
  const seed = seeds[index % seeds.length] as FuzzSeed;
  const first = mutationClasses[Math.floor(index / seeds.length) % mutationClasses.length] as MutationClass;
  const applied: MutationClass[] = [first];
  const details: string[] = [];
  let bytes = seed.bytes;
  const step = (mutation: MutationClass): void => {
    const result = mutate(bytes, mutation, random);
    bytes = result.bytes;
    details.push(`${mutation}: ${result.detail}`);
  };
  step(first);
  if (random.chance(0.15)) {
    const second = random.pick(mutationClasses);
    applied.push(second);
    step(second);
  }
  return {
    id: `${seed.name}#${index}`,
    seed: seed.name,
    mutations: applied,
    detail: details.join('; then '),
    bytes,
    signedBytesChanged: signedBytesChanged(seed.bytes, bytes),
    mayVerifyValid: isSignedRevisionOf(seed.bytes, bytes),
  };
}

// ---------------------------------------------------------------------------------------------
// What a mutant did to the signed bytes

interface SignedRanges {
  start1: number;
  end1: number;
  start2: number;
  end2: number;
}

function signedRangesOf(original: Uint8Array): SignedRanges[] {
  return signatureLocations(original)
    .map(({ byteRange: [a, b, c, d] }) => ({ start1: a, end1: a + b, start2: c, end2: c + d }))
    .filter((r) => [r.start1, r.end1, r.start2, r.end2].every((n) => Number.isSafeInteger(n)) && r.end2 <= original.length);
}

function sameBytes(a: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  return Buffer.from(a.buffer, a.byteOffset + start, end - start).equals(Buffer.from(b.buffer, b.byteOffset + start, end - start));
}

export function signedBytesChanged(original: Uint8Array, mutant: Uint8Array): boolean {
  return signedRangesOf(original).some((r) => {
    if (mutant.length < r.start2) return false;
    if (mutant.length < r.end2) return true;
    return !sameBytes(original, mutant, r.start1, r.end1) || !sameBytes(original, mutant, r.start2, r.end2);
  });
}

const WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);

export function isSignedRevisionOf(original: Uint8Array, mutant: Uint8Array): boolean {
  const ranges = signedRangesOf(original);
  return ranges.some((r) => {
    if (mutant.length < r.end2) return false;
    for (let i = r.end2; i < mutant.length; i++) if (!WHITESPACE.has(mutant[i] as number)) return false;
    for (let i = 0; i < r.end2; i++) {
      if (mutant[i] === original[i]) continue;
      const inContents = ranges.some((g) => g.end2 <= r.end2 && i > g.end1 && i < g.start2 - 1);
      if (!inContents) return false;
    }
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// The mutations

interface Mutated {
  bytes: Uint8Array;
  detail: string;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function splice(bytes: Uint8Array, start: number, deleteCount: number, insert: string | Uint8Array = ''): Uint8Array {
  const inserted = typeof insert === 'string' ? Buffer.from(insert, 'latin1') : insert;
  const at = Math.max(0, Math.min(start, bytes.length));
  const end = Math.max(at, Math.min(at + deleteCount, bytes.length));
  return new Uint8Array(Buffer.concat([bytes.subarray(0, at), inserted, bytes.subarray(end)]));
}

/** Where the syntax is: the file minus stream data (the bytes between `stream` and `endstream`). */
interface Layout {
  text: string;
  objects: { num: number; start: number; end: number }[];
  /** Offsets of number tokens outside stream data. */
  numbers: { start: number; end: number }[];
  /** Offsets of `/Name` keys outside stream data. */
  names: number[];
  xrefs: number[];
  startxrefs: { start: number; end: number }[];
  syntaxRanges: [number, number][];
}

function layoutOf(bytes: Uint8Array): Layout {
  const text = latin1(bytes);
  const streams: [number, number][] = [];
  for (const m of text.matchAll(/stream\r?\n/g)) {
    if (text.slice(Math.max(0, (m.index as number) - 3), m.index) === 'end') continue;
    const start = (m.index as number) + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    streams.push([start, end]);
  }
  const syntaxRanges: [number, number][] = [];
  let from = 0;
  for (const [start, end] of streams) {
    if (start > from) syntaxRanges.push([from, start]);
    from = Math.max(from, end);
  }
  syntaxRanges.push([from, text.length]);
  const inSyntax = (at: number): boolean => syntaxRanges.some(([s, e]) => at >= s && at < e);
  const objects = [...text.matchAll(/(?<!\d)(\d{1,10}) (\d{1,5}) obj\b/g)].flatMap((m) => {
    const start = m.index as number;
    const end = text.indexOf('endobj', start);
    return end < 0 ? [] : [{ num: Number(m[1]), start, end: end + 'endobj'.length }];
  });
  const numbers = syntaxRanges.flatMap(([s, e]) =>
    [...text.slice(s, e).matchAll(/(?<![\w.#-])-?\d+(?:\.\d+)?(?![\w.])/g)].map((m) => ({ start: s + (m.index as number), end: s + (m.index as number) + m[0].length })),
  );
  const names = syntaxRanges.flatMap(([s, e]) => [...text.slice(s, e).matchAll(/\/[A-Za-z]+/g)].map((m) => s + (m.index as number)));
  const xrefs = [...text.matchAll(/(?<![a-z])xref\s/g)].map((m) => m.index as number).filter(inSyntax);
  const startxrefs = [...text.matchAll(/startxref\s+(\d+)/g)].map((m) => {
    const end = (m.index as number) + m[0].length;
    return { start: end - (m[1] as string).length, end };
  });
  return { text, objects, numbers, names, xrefs, startxrefs, syntaxRanges };
}

function syntaxOffset(layout: Layout, random: FuzzRandom): number {
  const [start, end] = random.pick(layout.syntaxRanges.filter(([s, e]) => e > s));
  return random.int(start, end - 1);
}

export function mutate(bytes: Uint8Array, mutation: MutationClass, random: FuzzRandom): Mutated {
  if (bytes.length === 0) return { bytes, detail: 'nothing left to mutate' };
  const layout = layoutOf(bytes);
  switch (mutation) {
    case 'bit-flip': return bitFlip(bytes, layout, random);
    case 'truncation': return truncation(bytes, layout, random);
    case 'duplicate-object': return duplicateObject(bytes, layout, random);
    case 'delete-object': return deleteObject(bytes, layout, random);
    case 'huge-number': return hugeNumber(bytes, layout, random);
    case 'deep-nesting': return deepNesting(bytes, layout, random);
    case 'broken-xref': return brokenXref(bytes, layout, random);
    case 'wrong-byte-range': return wrongByteRange(bytes, layout, random);
    case 'contents-der': return contentsDer(bytes, random);
    case 'appended-update': return appendedUpdate(bytes, random);
  }
}

function bitFlip(bytes: Uint8Array, layout: Layout, random: FuzzRandom): Mutated {
  const out = Uint8Array.from(bytes);
  const flips: string[] = [];
  for (let k = random.int(1, 4); k > 0; k--) {
    const at = random.chance(0.6) ? syntaxOffset(layout, random) : random.int(0, bytes.length - 1);
    const bit = random.int(0, 7);
    out[at] = (out[at] as number) ^ (1 << bit);
    flips.push(`${at}.${bit}`);
  }
  return { bytes: out, detail: `flipped bits ${flips.join(', ')}` };
}

function truncation(bytes: Uint8Array, layout: Layout, random: FuzzRandom): Mutated {
  const eofs = [...layout.text.matchAll(/%%EOF/g)].map((m) => (m.index as number) + 5);
  switch (random.int(0, 4)) {
    case 0: {
      const at = random.int(0, bytes.length - 1);
      return { bytes: bytes.slice(0, at), detail: `cut at ${at}` };
    }
    case 1: {
      const at = bytes.length - random.int(1, 64);
      return { bytes: bytes.slice(0, at), detail: `cut the last ${bytes.length - at} bytes` };
    }
    case 2: {
      const at = random.pick(eofs.length > 0 ? eofs : [bytes.length]) + random.int(-8, 1);
      return { bytes: bytes.slice(0, at), detail: `cut near a %%EOF at ${at}` };
    }
    case 3: {
      const start = random.int(0, bytes.length - 1);
      const length = random.int(1, 4096);
      return { bytes: splice(bytes, start, length), detail: `removed ${length} bytes at ${start}` };
    }
    default: {
      const at = random.pick(eofs.length > 0 ? eofs : [bytes.length]);
      return { bytes: bytes.slice(0, at), detail: `cut exactly at the %%EOF ending at ${at}` };
    }
  }
}

function duplicateObject(bytes: Uint8Array, layout: Layout, random: FuzzRandom): Mutated {
  if (layout.objects.length === 0) return bitFlip(bytes, layout, random);
  const signatureObjects = layout.objects.filter((o) => /\/ByteRange/.test(layout.text.slice(o.start, o.end)));
  const object = random.chance(0.3) && signatureObjects.length > 0 ? random.pick(signatureObjects) : random.pick(layout.objects);
  let copy = layout.text.slice(object.start, object.end);
  if (random.chance(0.3)) copy = copy.replace(/\d+/g, (n) => (random.chance(0.2) ? String(Number(n) + 1) : n));
  const where = random.int(0, 2);
  const at = where === 0 ? object.end : where === 1 ? bytes.length : layout.text.indexOf('\n') + 1;
  const copies = random.chance(0.1) ? random.int(2, 200) : 1;
  const inserted = `\n${copy}\n`.repeat(copies);
  return {
    bytes: splice(bytes, at, 0, inserted),
    detail: `${copies} cop${copies === 1 ? 'y' : 'ies'} of object ${object.num} (${object.start}..${object.end}) inserted at ${at}`,
  };
}

function deleteObject(bytes: Uint8Array, layout: Layout, random: FuzzRandom): Mutated {
  if (layout.objects.length === 0) return truncation(bytes, layout, random);
  const object = random.pick(layout.objects);
  const length = object.end - object.start;
  if (random.chance(0.5)) {
    return { bytes: splice(bytes, object.start, length, ' '.repeat(length)), detail: `object ${object.num} at ${object.start} blanked in place` };
  }
  return { bytes: splice(bytes, object.start, length), detail: `object ${object.num} at ${object.start} removed (${length} bytes)` };
}

const HUGE_NUMBERS = [
  '99999999999999999999', '4294967296', '2147483648', '-1', '-2147483649', '9007199254740993', '1e400', '-0', '+7', '3.5',
  `0.${'0'.repeat(400)}1`, '9'.repeat(400), '9'.repeat(200_000), '00000000000000000000000000000001',
];

function hugeNumber(bytes: Uint8Array, layout: Layout, random: FuzzRandom): Mutated {
  const structural = layout.numbers.filter((n) => /\/(Length|Size|Count|Prev|N|First|W|Index|ByteRange|Columns|Predictor|P|XRefStm)\b[^/]{0,40}$/.test(layout.text.slice(Math.max(0, n.start - 48), n.start)));
  const pool = [...(random.chance(0.6) && structural.length > 0 ? structural : layout.numbers), ...(random.chance(0.2) ? layout.startxrefs : [])];
  if (pool.length === 0) return bitFlip(bytes, layout, random);
  const target = random.pick(pool);
  const value = random.pick(HUGE_NUMBERS);
  return {
    bytes: splice(bytes, target.start, target.end - target.start, value),
    detail: `number '${layout.text.slice(target.start, target.end)}' at ${target.start} replaced by ${value.length > 40 ? `a ${value.length}-character number` : value}`,
  };
}

function deepNesting(bytes: Uint8Array, layout: Layout, random: FuzzRandom): Mutated {
  const depth = random.pick([64, 101, 1000, 20_000, 200_000]);
  const shapes: [string, () => string][] = [
    ['array', () => '['.repeat(depth) + ']'.repeat(depth)],
    ['unclosed array', () => '['.repeat(depth)],
    ['dictionary', () => '<</A '.repeat(depth) + '>>'.repeat(depth)],
    ['literal string', () => '('.repeat(depth) + ')'.repeat(depth)],
    ['unclosed literal string', () => '('.repeat(depth)],
    ['mixed', () => '[<</K '.repeat(depth) + '>>]'.repeat(depth)],
  ];
  if (random.chance(0.15)) return pageTreeChain(bytes, layout, random, Math.min(depth, 5000));
  const [shape, make] = random.pick(shapes);
  const at = layout.names.length > 0 ? random.pick(layout.names) : syntaxOffset(layout, random);
  const nameEnd = at + (/^\/[A-Za-z]+/.exec(layout.text.slice(at, at + 64))?.[0].length ?? 0);
  return { bytes: splice(bytes, nameEnd, 0, ` ${make()} `), detail: `${shape} nested ${depth} deep after the name at ${at}` };
}

/** An update whose page tree is a chain of `depth` /Pages nodes (or a cycle), each the only kid of the one before. */
function pageTreeChain(bytes: Uint8Array, layout: Layout, random: FuzzRandom, depth: number): Mutated {
  const root = /\/Root\s+(\d+) 0 R/.exec(layout.text.slice(layout.text.lastIndexOf('trailer')));
  const catalog = root ? layout.objects.filter((o) => o.num === Number(root[1])).pop() : undefined;
  if (!catalog) return bitFlip(bytes, layout, random);
  const first = Math.max(0, ...layout.objects.map((o) => o.num)) + 1;
  const cycle = random.chance(0.3);
  const nodes = Array.from({ length: depth }, (_, i) => ({
    num: first + i,
    body: `<< /Type /Pages /Count 1 /Kids [${i + 1 < depth ? first + i + 1 : cycle ? first : first + i} 0 R] >>`,
  }));
  const catalogBody = layout.text.slice(catalog.start, catalog.end).replace(/^\d+ \d+ obj\s*/, '').replace(/endobj$/, '').replace(/\/Pages\s+\d+ 0 R/, `/Pages ${first} 0 R`);
  try {
    return { bytes: appendIncrementalUpdate(bytes, [...nodes, { num: catalog.num, body: catalogBody }]), detail: `update with a page tree ${cycle ? 'cycle' : 'chain'} ${depth} deep` };
  } catch {
    return bitFlip(bytes, layout, random);
  }
}

function brokenXref(bytes: Uint8Array, layout: Layout, random: FuzzRandom): Mutated {
  const text = layout.text;
  const variant = random.int(0, 7);
  const startxref = layout.startxrefs.length > 0 ? random.pick(layout.startxrefs) : undefined;
  const xref = layout.xrefs.length > 0 ? random.pick(layout.xrefs) : undefined;
  if (variant === 0 && startxref) {
    const value = String(random.pick([0, random.int(0, bytes.length), bytes.length, bytes.length + 1000, startxref.start, ...layout.xrefs.map((x) => x + random.int(-2, 2))]));
    return { bytes: splice(bytes, startxref.start, startxref.end - startxref.start, value), detail: `startxref at ${startxref.start} set to ${value}` };
  }
  if (variant === 1 && xref !== undefined) {
    const entries = [...text.slice(xref, xref + 4000).matchAll(/(\d{10}) (\d{5}) ([nf])/g)];
    if (entries.length > 0) {
      const entry = random.pick(entries);
      const at = xref + (entry.index as number);
      const value = String(random.int(0, 9_999_999_999)).padStart(10, '0');
      return { bytes: splice(bytes, at, 10, value), detail: `xref entry at ${at} now points at ${value}` };
    }
  }
  if (variant === 2 && xref !== undefined) {
    const header = /xref\s+(\d+) (\d+)/.exec(text.slice(xref, xref + 64));
    if (header) {
      const at = xref + header[0].length - (header[2] as string).length;
      const value = String(random.pick([99_999_999, 0, 1_000_000, 2 ** 31]));
      return { bytes: splice(bytes, at, (header[2] as string).length, value), detail: `xref subsection count at ${at} set to ${value}` };
    }
  }
  if (variant === 3) {
    const words = [...text.matchAll(/\b(xref|trailer|startxref|%%EOF)\b/g)];
    if (words.length > 0) {
      const word = random.pick(words);
      const replacement = random.pick(['', ' '.repeat((word[1] as string).length), (word[1] as string).split('').reverse().join('')]);
      return { bytes: splice(bytes, word.index as number, (word[1] as string).length, replacement), detail: `'${word[1] as string}' at ${word.index as number} replaced by '${replacement}'` };
    }
  }
  if (variant === 4 && xref !== undefined) {
    const prev = /\/Prev\s+(\d+)/.exec(text.slice(xref));
    if (prev) {
      const at = xref + (prev.index as number) + prev[0].length - (prev[1] as string).length;
      const value = String(random.pick([xref, 0, bytes.length * 2]));
      return { bytes: splice(bytes, at, (prev[1] as string).length, value), detail: `/Prev at ${at} set to ${value}` };
    }
  }
  if (variant === 5 && xref !== undefined) {
    const trailer = text.indexOf('trailer', xref);
    const at = trailer >= 0 ? text.indexOf('<<', trailer) + 2 : -1;
    if (at > 1) {
      const entry = random.pick([`/XRefStm ${xref}`, `/Prev ${random.int(0, bytes.length)}`, '/Prev -5', `/XRefStm ${random.int(0, bytes.length)}`]);
      return { bytes: splice(bytes, at, 0, ` ${entry} `), detail: `trailer at ${trailer} gained ${entry}` };
    }
  }
  if (variant === 6) {
    const xrefStream = [...text.matchAll(/\/Type\s*\/XRef\b/g)];
    if (xrefStream.length > 0) {
      const at = (random.pick(xrefStream).index as number) + 10;
      const entry = random.pick(['/W [0 0 0]', '/W [1 99 1]', '/Index [0 999999999]', '/Size 2147483647 /Index [2147483640 10]', '/W [-1 2 1]', '/DecodeParms << /Predictor 12 /Columns -3 >>', '/Filter /LZWDecode']);
      return { bytes: splice(bytes, at, 0, ` ${entry} `), detail: `xref stream dictionary at ${at} gained ${entry}` };
    }
  }
  if (xref !== undefined) {
    const end = text.indexOf('startxref', xref);
    const length = (end < 0 ? text.length : end) - xref;
    return { bytes: splice(bytes, xref, length, ' '.repeat(length)), detail: `cross-reference section at ${xref} blanked (${length} bytes)` };
  }
  return truncation(bytes, layout, random);
}

function wrongByteRange(bytes: Uint8Array, layout: Layout, random: FuzzRandom): Mutated {
  const signatures = signatureLocations(bytes);
  if (signatures.length === 0) return hugeNumber(bytes, layout, random);
  const sig = random.pick(signatures);
  const [a, b, c, d] = sig.byteRange;
  const n = bytes.length;
  const candidates: number[][] = [
    [a, b + 1, c, d], [a, b - 1, c, d], [a, b, c + 1, d], [a, b, c - 1, d], [a, b, c, d + 1], [a, b, c, d - 1],
    [1, b, c, d], [0, n, 0, 0], [0, b, c, n - c], [0, c, c, d], [c, d, 0, b], [0, b, c], [0, b, c, d, 0, 0],
    [-1, b, c, d], [0, 2 ** 53, c, d], [0, b, c, 2 ** 32], [0, 0, 0, 0], [0, b + 2, c - 2, d],
  ];
  const range = random.pick(candidates);
  const textRange = random.chance(0.1) ? 'a b c d' : range.join(' ');
  const width = sig.rangeTextEnd - sig.rangeTextStart;
  const replacement = textRange.length <= width ? textRange.padEnd(width, ' ') : textRange;
  return {
    bytes: splice(bytes, sig.rangeTextStart, width, replacement),
    detail: `/ByteRange [${sig.byteRange.join(' ')}] rewritten as [${textRange}]${replacement.length > width ? ' (file grew)' : ''}`,
  };
}

/** Unsigned bytes: the hex in a /Contents gap rewritten (same length), the DER inside made hostile. */
function contentsDer(bytes: Uint8Array, random: FuzzRandom): Mutated {
  // A /ByteRange an earlier mutation spoiled names no gap to rewrite.
  const signatures = signatureLocations(bytes).filter((s) => s.byteRange[1] >= 0 && s.byteRange[2] > s.byteRange[1] + 2 && s.byteRange[2] <= bytes.length);
  if (signatures.length === 0) return bitFlip(bytes, layoutOf(bytes), random);
  const sig = random.pick(signatures);
  const start = sig.byteRange[1] + 1;
  const width = sig.byteRange[2] - 1 - start;
  const current = latin1(bytes.subarray(start, start + width));
  const variants: [string, () => string][] = [
    ['indefinite-length SEQUENCEs nested 5000 deep', () => '3080'.repeat(5000)],
    ['definite-length SEQUENCEs nested deep', () => nestedDefinite(Math.floor(width / 8))],
    ['a 4-byte length far past the end', () => '3084ffffffff' + current.slice(12)],
    ['a 127-byte length', () => '30ff' + 'ff'.repeat(127)],
    ['the DER cut in half', () => current.slice(0, random.int(2, Math.floor(width / 2)))],
    ['one hex digit changed', () => changeHexDigit(current, random)],
    ['upper-case hex digits', () => current.toUpperCase()],
    ['nothing but zeros', () => ''],
    ['odd hex with a non-hex character', () => current.slice(0, 100) + 'g' + current.slice(101)],
    ['a high tag number that never ends', () => '1f' + 'ff'.repeat(2000)],
  ];
  const [what, make] = random.pick(variants);
  const hex = make().slice(0, width);
  const fill = what === 'odd hex with a non-hex character' || what === 'upper-case hex digits' ? hex : hex.padEnd(width, '0');
  return { bytes: splice(bytes, start, width, fill.padEnd(width, '0')), detail: `/Contents at ${start - 1} rewritten: ${what}` };
}

function nestedDefinite(depth: number): string {
  let hex = '0500';
  for (let i = 0; i < depth && hex.length < 60_000; i++) {
    const length = hex.length / 2;
    hex = (length < 0x80 ? `30${length.toString(16).padStart(2, '0')}` : `3082${length.toString(16).padStart(4, '0')}`) + hex;
  }
  return hex;
}

function changeHexDigit(hex: string, random: FuzzRandom): string {
  const used = hex.replace(/0+$/, '').length;
  const at = random.int(0, Math.max(0, used - 1));
  const digit = random.pick('0123456789abcdef'.split('').filter((d) => d !== hex[at]?.toLowerCase()));
  return hex.slice(0, at) + digit + hex.slice(at + 1);
}

/** Bytes after the last signature: incremental updates that change what is shown, or plain junk. */
function appendedUpdate(bytes: Uint8Array, random: FuzzRandom): Mutated {
  const variants: [string, () => Uint8Array][] = [
    ['an annotation update', () => appendAnnotation(bytes)],
    ['a content overlay update', () => appendContentOverlay(bytes)],
    ['a redefined page content stream', () => redefinePageContent(bytes)],
    ['whitespace', () => splice(bytes, bytes.length, 0, random.pick(['\n', '\r\n', '   \n\n', '\0\0\0']))],
    ['junk', () => splice(bytes, bytes.length, 0, '\n% nothing to see\n1 0 obj << /Junk true >> endobj\n')],
    ['another %%EOF', () => splice(bytes, bytes.length, 0, '\n%%EOF\n')],
  ];
  const [what, make] = random.pick(variants);
  try {
    return { bytes: make(), detail: `appended ${what}` };
  } catch {
    return { bytes: splice(bytes, bytes.length, 0, '\nstartxref\n0\n%%EOF\n'), detail: `appended a bare startxref (${what} did not apply)` };
  }
}
