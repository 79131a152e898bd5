import {
  PDFArray,
  PDFContext,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFObject,
  PDFObjectParser,
  PDFPageLeaf,
  PDFPageTree,
  PDFRawStream,
  PDFRef,
} from 'pdf-lib';
import { SdxError } from '../../../domain/shared/errors';

/** The newest xref section of a file: where an incremental update continues from. */
export interface LastSection {
  kind: 'table' | 'stream';
  /** Byte offset of the section, i.e. the value after the last `startxref`; our /Prev. */
  offset: number;
  size: number;
  root: PDFObject | undefined;
  info: PDFObject | undefined;
  id: PDFObject | undefined;
}

/** What an incremental update reads of the file it extends. */
export interface UpdateBase {
  /** The file's objects, looked up by reference; new objects are built in it but never registered. */
  context: PDFContext;
  root: PDFRef;
  tail: LastSection;
  /** The first object number not used by the file. */
  nextObjectNumber: number;
  /** The pages in document order. */
  pageRefs(): PDFRef[];
}

/**
 * Gives `use` the file's objects for planning an incremental update. Most files (every one SDX
 * writes) carry classic xref tables: then only the objects the update reads are parsed, found
 * through the xref (a signature reads the catalog, the form and one field; parsing the whole file,
 * the font's width arrays most of all, cost a tenth of signing a fresh document). A file whose xref
 * is a stream, or whose xref does not lead to the objects the update reads, is parsed whole as before.
 */
export async function withUpdateBase<T>(bytes: Uint8Array, use: (base: UpdateBase) => Promise<T>): Promise<T> {
  const lazy = lazyBase(bytes);
  if (lazy) {
    try {
      return await use(lazy);
    } catch (error) {
      if (!(error instanceof XrefMismatch)) throw error;
    }
  }
  return use(await parsedBase(bytes));
}

/** The whole file parsed by pdf-lib. */
async function parsedBase(bytes: Uint8Array): Promise<UpdateBase> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
  } catch (cause) {
    throw new SdxError('unsupported-pdf-structure', 'the PDF could not be parsed; sign a PDF produced by the SDX renderer', { cause });
  }
  if (doc.isEncrypted) throw unsupported('the document is encrypted');
  const context = doc.context;
  const tail = readLastSection(bytes, context);
  const root = context.trailerInfo.Root;
  if (!(root instanceof PDFRef)) throw unsupported('the trailer has no /Root reference');
  return { context, root, tail, nextObjectNumber: Math.max(tail.size, context.largestObjectNumber + 1), pageRefs: () => pageRefsOf(context, root) };
}

/** Thrown while planning on the xref's word when that word turns out wrong: the plan starts over on a full parse. */
class XrefMismatch extends Error {}

interface XrefEntry {
  offset: number;
  generation: number;
}

/** Objects parsed on first lookup from where the xref tables put them. */
class ObjectsByXref extends Map<PDFRef, PDFObject> {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly xref: Map<number, XrefEntry | null>,
    private readonly context: PDFContext,
  ) {
    super();
  }

  override get(ref: PDFRef): PDFObject | undefined {
    const known = super.get(ref);
    if (known !== undefined) return known;
    const entry = this.xref.get(ref.objectNumber);
    if (!entry || entry.generation !== ref.generationNumber) throw new XrefMismatch(`${ref.toString()} is not in use in the xref`);
    if (entry.offset >= this.bytes.length) throw new XrefMismatch(`the xref puts ${ref.toString()} past the end of the file`);
    const head = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + entry.offset, Math.min(40, this.bytes.length - entry.offset));
    const header = /^(\d+)\s+(\d+)\s+obj\b/.exec(head.toString('latin1'));
    if (!header || Number(header[1]) !== ref.objectNumber || Number(header[2]) !== ref.generationNumber) {
      throw new XrefMismatch(`the xref does not point at ${ref.toString()}`);
    }
    let object: PDFObject;
    try {
      object = PDFObjectParser.forBytes(this.bytes.subarray(entry.offset + header[0].length), this.context).parseObject();
    } catch {
      throw new XrefMismatch(`${ref.toString()} could not be parsed where the xref puts it`);
    }
    super.set(ref, object);
    return object;
  }
}

const MAX_SECTIONS = 1000;

function lazyBase(bytes: Uint8Array): UpdateBase | undefined {
  const context = PDFContext.create();
  let tail: LastSection;
  try {
    tail = readLastSection(bytes, context);
  } catch {
    return undefined; // the full parse gives the reason
  }
  if (tail.kind !== 'table' || !(tail.root instanceof PDFRef)) return undefined;
  const entries = new Map<number, XrefEntry | null>();
  const seen = new Set<number>();
  let offset: number | undefined = tail.offset;
  while (offset !== undefined) {
    if (seen.has(offset) || seen.size >= MAX_SECTIONS) return undefined;
    seen.add(offset);
    const section = readXrefTable(bytes, offset, context, entries);
    if (!section || section.has(PDFName.of('XRefStm')) || section.has(PDFName.of('Encrypt'))) return undefined;
    const prev = section.get(PDFName.of('Prev'));
    if (prev !== undefined && !(prev instanceof PDFNumber)) return undefined;
    offset = prev?.asNumber();
  }
  let largest = 0;
  for (const [number, entry] of entries) if (entry && number > largest) largest = number;
  const root = tail.root;
  const objects = new ObjectsByXref(bytes, entries, context);
  (context as unknown as { indirectObjects: Map<PDFRef, PDFObject> }).indirectObjects = objects;
  context.trailerInfo.Root = root;
  return { context, root, tail, nextObjectNumber: Math.max(tail.size, largest + 1), pageRefs: () => pageRefsOf(context, root) };
}

/**
 * Adds the entries of the xref table at `offset` that no newer section gave (a free entry counts
 * as given), and returns its trailer; undefined when there is no well-formed table there.
 */
function readXrefTable(bytes: Uint8Array, offset: number, context: PDFContext, entries: Map<number, XrefEntry | null>): PDFDict | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (offset < 0 || offset >= buffer.length || buffer.toString('latin1', offset, offset + 4) !== 'xref') return undefined;
  const trailerAt = buffer.indexOf('trailer', offset);
  if (trailerAt < 0) return undefined;
  const words = buffer.toString('latin1', offset + 4, trailerAt).trim().split(/\s+/);
  let at = 0;
  const next = (): string => words[at++] ?? '';
  while (at < words.length) {
    const start = Number(next());
    const count = Number(next());
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || at + 3 * count > words.length) return undefined;
    for (let i = 0; i < count; i++) {
      const [position, generation, type] = [next(), next(), next()];
      if (!/^\d{1,10}$/.test(position) || !/^\d{1,5}$/.test(generation) || (type !== 'n' && type !== 'f')) return undefined;
      if (entries.has(start + i)) continue;
      entries.set(start + i, type === 'n' ? { offset: Number(position), generation: Number(generation) } : null);
    }
  }
  try {
    const trailer = PDFObjectParser.forBytes(bytes.subarray(trailerAt + 'trailer'.length), context).parseObject();
    return trailer instanceof PDFDict ? trailer : undefined;
  } catch {
    return undefined;
  }
}

/** The newest xref section, read from the last `startxref`. */
export function readLastSection(bytes: Uint8Array, context: PDFContext): LastSection {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = buffer.lastIndexOf('startxref');
  if (at < 0) throw unsupported('no startxref keyword found at the end of the file');
  const match = /^startxref\s+(\d+)/.exec(buffer.subarray(at, at + 40).toString('latin1'));
  if (!match?.[1]) throw unsupported('startxref is not followed by an offset');
  const offset = Number(match[1]);
  if (offset >= buffer.length) throw unsupported('startxref points past the end of the file');

  const head = buffer.subarray(offset, offset + 64).toString('latin1');
  const parse = (from: number): PDFObject => PDFObjectParser.forBytes(bytes.subarray(from), context).parseObject();

  if (head.startsWith('xref')) {
    const trailerAt = buffer.indexOf('trailer', offset);
    if (trailerAt < 0) throw unsupported('the last xref table has no trailer');
    const trailer = parse(trailerAt + 'trailer'.length);
    if (!(trailer instanceof PDFDict)) throw unsupported('the last trailer is not a dictionary');
    return describe('table', offset, trailer);
  }
  const header = /^(\d+)\s+(\d+)\s+obj/.exec(head);
  if (header) {
    const stream = parse(offset + header[0].length);
    if (stream instanceof PDFRawStream && stream.dict.get(PDFName.of('Type')) === PDFName.of('XRef')) {
      return describe('stream', offset, stream.dict);
    }
  }
  throw unsupported('startxref does not point at an xref table or an xref stream');
}

function describe(kind: LastSection['kind'], offset: number, dict: PDFDict): LastSection {
  const size = dict.get(PDFName.of('Size'));
  if (!(size instanceof PDFNumber)) throw unsupported('the last trailer has no /Size');
  if (dict.get(PDFName.of('Encrypt'))) throw unsupported('the document is encrypted');
  return {
    kind,
    offset,
    size: size.asNumber(),
    root: dict.get(PDFName.of('Root')),
    info: dict.get(PDFName.of('Info')),
    id: dict.get(PDFName.of('ID')),
  };
}

/** The page tree's leaves in order, as pdf-lib's `getPages` walks it. */
function pageRefsOf(context: PDFContext, root: PDFRef): PDFRef[] {
  const catalog = context.lookup(root, PDFDict);
  const pages: PDFRef[] = [];
  const visited = new Set<PDFRef>();
  const walk = (ref: PDFObject | undefined): void => {
    if (!(ref instanceof PDFRef) || visited.has(ref)) return;
    visited.add(ref);
    const node = context.lookup(ref);
    if (node instanceof PDFPageLeaf) pages.push(ref);
    else if (node instanceof PDFPageTree || node instanceof PDFDict) {
      for (const kid of context.lookupMaybe(node.get(PDFName.of('Kids')), PDFArray)?.asArray() ?? []) walk(kid);
    }
  };
  walk(catalog.get(PDFName.of('Pages')));
  return pages;
}

export function unsupported(reason: string): SdxError {
  return new SdxError(
    'unsupported-pdf-structure',
    `cannot append a signature: ${reason}; re-save the PDF with pdf-lib (useObjectStreams: false) before signing`,
  );
}
