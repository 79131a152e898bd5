import {
  PDFArray,
  PDFContext,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFObject,
  PDFRef,
  PDFString,
} from 'pdf-lib';
import { SdxError } from '../../../domain/shared/errors';
import { embeddedAppearance, type SignatureAppearance } from './signature-appearance';
import { unsupported, withUpdateBase, type LastSection, type UpdateBase } from './update-base';

/** [x1, y1, x2, y2] in page user space; [0, 0, 0, 0] makes the signature invisible. */
export type SignatureRect = [number, number, number, number];

export interface SignaturePlaceholderOptions {
  /**
   * The empty signature field to fill (e.g. SDX's reserved `sdx-issuer`), or, when the document has
   * no field of that name, the name of a new one: letters, digits, `-` and `_`.
   */
  fieldName: string;
  /** For a new field: `last`, or a 0-based page index. */
  page: 'last' | number;
  /** For a new field; a filled field keeps its own /Rect. */
  rect: SignatureRect;
  /** What a visible widget shows, drawn in an embedded font (so every font in the file is embedded); none for an invisible one. */
  appearance?: SignatureAppearance;
  /** Written as /M: PAdES puts the claimed signing time here, not in the CMS. */
  signingTime: Date;
  /** A document timestamp (/Type /DocTimeStamp, ETSI.RFC3161) rather than a signature; no /M, no /Name. */
  documentTimestamp?: boolean;
  signerName?: string;
  reason?: string;
  location?: string;
  /** Bytes reserved for the DER CMS; /Contents holds twice as many hex digits. */
  contentsSize: number;
}

/** A PDF whose last revision holds an empty signature: the ByteRange is final, /Contents is zeros. */
export interface PreparedSignature {
  pdf: Uint8Array;
  /** [0, a, b, c]: bytes [0, a) and [b, b + c) are signed; [a, b) is `<hex>` of /Contents. */
  byteRange: [number, number, number, number];
  contentsSize: number;
}

const BYTE_RANGE_WIDTH = 36; // "[0 " + three 10-digit numbers + separators + "]" fits any file < 10 GB
const FIELD_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Appends an incremental update holding an empty signature dictionary. When the document has an
 * empty signature field named `fieldName` (SDX reserves one per expected signature at render time),
 * the update fills it: only that field's object is rewritten, with /V and an appearance sized to its
 * own /Rect, and `page`/`rect` are ignored. Otherwise it adds a new field and widget on `page`. The
 * input bytes are kept as they are, so signatures already in the file stay valid.
 */
export async function appendSignaturePlaceholder(
  original: Uint8Array,
  options: SignaturePlaceholderOptions,
): Promise<PreparedSignature> {
  if (!FIELD_NAME.test(options.fieldName)) {
    throw new SdxError('validation-failed', `signature field name "${options.fieldName}" must be 1-64 letters, digits, "-" or "_"`);
  }
  if (!Number.isInteger(options.contentsSize) || options.contentsSize < 1) {
    throw new SdxError('validation-failed', 'contentsSize must be a positive whole number of bytes');
  }
  const { tail, written, sigRef, nextNumber } = await withUpdateBase(original, async (base) => {
    let next = base.nextObjectNumber;
    const allocate = (): PDFRef => PDFRef.of(next++);
    const changed = new Map<PDFRef, PDFObject>();
    const signature = allocate();
    const reserved = findEmptySignatureField(base.context, base.root, options.fieldName);
    if (reserved) await fillReservedField(base.context, base.root, reserved, signature, options, changed, allocate);
    else await addNewField(base, signature, options, changed, allocate);
    return { tail: base.tail, written: changed, sigRef: signature, nextNumber: next };
  });

  const writer = new UpdateWriter(original.length);
  if (original.length > 0 && !isEol(original[original.length - 1])) writer.text('\n');
  const offsets = new Map<number, { offset: number; generation: number }>();
  const markers = { byteRange: 0, contentsStart: 0 };

  const objects = [...written.entries(), [sigRef, undefined] as const].sort(([a], [b]) => a.objectNumber - b.objectNumber);
  for (const [ref, object] of objects) {
    offsets.set(ref.objectNumber, { offset: writer.position, generation: ref.generationNumber });
    writer.text(`${ref.objectNumber} ${ref.generationNumber} obj\n`);
    if (object) writer.object(object);
    else writeSignatureDictionary(writer, options, markers);
    writer.text('\nendobj\n');
  }

  if (tail.kind === 'table') writeXrefTable(writer, offsets, nextNumber, tail);
  else writeXrefStream(writer, offsets, nextNumber, tail);

  const pdf = concat(original, writer.bytes());
  const a = markers.contentsStart;
  const b = a + 2 * options.contentsSize + 2;
  const byteRange: [number, number, number, number] = [0, a, b, pdf.length - b];
  const rangeText = `[${byteRange.join(' ')}]`.padEnd(BYTE_RANGE_WIDTH, ' ');
  pdf.set(Buffer.from(rangeText, 'latin1'), markers.byteRange);
  return { pdf, byteRange, contentsSize: options.contentsSize };
}

/**
 * Appends an incremental update holding the objects `build` returns (new ones from `allocate`, or
 * new versions of existing ones), with an xref section of the file's own kind. For updates that are
 * not a signature: validation data (/DSS). The input bytes stay as they are.
 */
export async function appendObjects(
  original: Uint8Array,
  build: (context: PDFContext, root: PDFRef, allocate: () => PDFRef) => Map<PDFRef, PDFObject> | Promise<Map<PDFRef, PDFObject>>,
): Promise<Uint8Array> {
  const { tail, written, nextNumber } = await withUpdateBase(original, async (base) => {
    let next = base.nextObjectNumber;
    const changed = await build(base.context, base.root, () => PDFRef.of(next++));
    return { tail: base.tail, written: changed, nextNumber: next };
  });
  const writer = new UpdateWriter(original.length);
  if (original.length > 0 && !isEol(original[original.length - 1])) writer.text('\n');
  const offsets: Offsets = new Map();
  for (const [ref, object] of [...written.entries()].sort(([a], [b]) => a.objectNumber - b.objectNumber)) {
    offsets.set(ref.objectNumber, { offset: writer.position, generation: ref.generationNumber });
    writer.text(`${ref.objectNumber} ${ref.generationNumber} obj\n`);
    writer.object(object);
    writer.text('\nendobj\n');
  }
  if (tail.kind === 'table') writeXrefTable(writer, offsets, nextNumber, tail);
  else writeXrefStream(writer, offsets, nextNumber, tail);
  return concat(original, writer.bytes());
}

/** The signed bytes of a prepared signature: everything but the /Contents hex string. */
export function signedRanges(prepared: PreparedSignature): [Uint8Array, Uint8Array] {
  const [, a, b, c] = prepared.byteRange;
  return [prepared.pdf.subarray(0, a), prepared.pdf.subarray(b, b + c)];
}

/** Writes the DER CMS into /Contents (the rest stays zero padding). Returns the finished PDF. */
export function embedSignature(prepared: PreparedSignature, cms: Uint8Array): Uint8Array {
  if (cms.length > prepared.contentsSize) {
    throw new SdxError(
      'signature-too-large',
      `the CMS signature is ${cms.length} bytes but only ${prepared.contentsSize} were reserved; pass a larger contentsSize`,
    );
  }
  const pdf = Uint8Array.from(prepared.pdf);
  pdf.set(Buffer.from(Buffer.from(cms).toString('hex').toUpperCase(), 'latin1'), prepared.byteRange[1] + 1);
  return pdf;
}

async function addNewField(
  base: UpdateBase,
  sigRef: PDFRef,
  options: SignaturePlaceholderOptions,
  written: Map<PDFRef, PDFObject>,
  allocate: () => PDFRef,
): Promise<void> {
  const { context, root } = base;
  const pages = base.pageRefs();
  const pageIndex = options.page === 'last' ? pages.length - 1 : options.page;
  const page = pages[pageIndex];
  if (!page) {
    throw new SdxError('page-not-found', `page ${String(options.page)} does not exist; the document has ${pages.length} page(s), indexed from 0`);
  }
  const fieldRef = allocate();
  // The field and its widget are one dictionary (allowed when a field has a single widget).
  const widget = context.obj({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    Rect: options.rect,
    F: 132, // Print + Locked
    P: page,
  });
  widget.set(PDFName.of('T'), PDFString.of(options.fieldName));
  widget.set(PDFName.of('V'), sigRef);
  await addAppearance(context, widget, options.rect, options, written, allocate);
  written.set(fieldRef, widget);

  editAcroForm(context, root, written, allocate, (acroForm) => {
    const fieldsEntry = acroForm.get(PDFName.of('Fields'));
    const oldFields = fieldsEntry ? context.lookupMaybe(fieldsEntry, PDFArray) : undefined;
    for (const existing of oldFields?.asArray() ?? []) {
      if (nameOf(context.lookupMaybe(existing, PDFDict)) === options.fieldName) {
        throw new SdxError('signature-field-exists', `the document already has a field named "${options.fieldName}"; choose a new name`);
      }
    }
    const fields = oldFields ? oldFields.clone(context) : context.obj([]);
    fields.push(fieldRef);
    if (fieldsEntry instanceof PDFRef) written.set(fieldsEntry, fields);
    else acroForm.set(PDFName.of('Fields'), fields);
    acroForm.set(PDFName.of('SigFlags'), PDFNumber.of(3)); // SignaturesExist + AppendOnly
  });
  addToAnnots(context, page, fieldRef, written);
}

/** An unsigned signature field the update can fill, and the one widget that shows it. */
interface ReservedField {
  fieldRef: PDFRef;
  field: PDFDict;
  /** The same as the field when field and widget are one merged dictionary. */
  widgetRef: PDFRef;
  widget: PDFDict;
}

/**
 * The top-level field named `fieldName` when it is a signature field not yet signed; undefined when
 * there is no field of that name. A filled signature field or a field of another type is refused.
 */
function findEmptySignatureField(context: PDFContext, root: PDFRef, fieldName: string): ReservedField | undefined {
  const acroForm = context.lookupMaybe(context.lookup(root, PDFDict).get(PDFName.of('AcroForm')), PDFDict);
  const fields = acroForm ? context.lookupMaybe(acroForm.get(PDFName.of('Fields')), PDFArray) : undefined;
  for (const entry of fields?.asArray() ?? []) {
    const field = context.lookupMaybe(entry, PDFDict);
    if (!field || nameOf(field) !== fieldName) continue;
    if (field.get(PDFName.of('FT')) !== PDFName.of('Sig')) {
      throw new SdxError('signature-field-exists', `the document has a field named "${fieldName}" that is not a signature field; choose another name`);
    }
    if (field.has(PDFName.of('V'))) {
      throw new SdxError('signature-field-filled', `signature field "${fieldName}" is already signed; a field holds one signature`);
    }
    if (!(entry instanceof PDFRef)) throw unsupported(`signature field "${fieldName}" is not an indirect object`);
    if (field.get(PDFName.of('Subtype')) === PDFName.of('Widget')) return { fieldRef: entry, field, widgetRef: entry, widget: field };
    const kids = context.lookupMaybe(field.get(PDFName.of('Kids')), PDFArray)?.asArray() ?? [];
    const [kid] = kids;
    const widget = kids.length === 1 ? context.lookupMaybe(kid, PDFDict) : undefined;
    if (!(kid instanceof PDFRef) || !widget) throw unsupported(`signature field "${fieldName}" does not have exactly one widget`);
    return { fieldRef: entry, field, widgetRef: kid, widget };
  }
  return undefined;
}

/**
 * Writes a new version of the reserved field (same object number) pointing at the signature, with
 * an appearance sized to its own /Rect. Nothing else of the document changes, except SigFlags on a
 * foreign form that lacks them (an SDX render sets them to 3 already).
 */
async function fillReservedField(
  context: PDFContext,
  root: PDFRef,
  reserved: ReservedField,
  sigRef: PDFRef,
  options: SignaturePlaceholderOptions,
  written: Map<PDFRef, PDFObject>,
  allocate: () => PDFRef,
): Promise<void> {
  const rectArray = context.lookupMaybe(reserved.widget.get(PDFName.of('Rect')), PDFArray);
  const corners = rectArray?.asArray().map((item) => context.lookupMaybe(item, PDFNumber)?.asNumber());
  if (!corners || corners.length !== 4 || corners.some((n) => n === undefined)) {
    throw unsupported(`signature field "${options.fieldName}" has no valid /Rect`);
  }
  const [x1, y1, x2, y2] = corners as [number, number, number, number];
  const rect: SignatureRect = [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];

  const widget = reserved.widget.clone(context);
  await addAppearance(context, widget, rect, options, written, allocate);
  if (reserved.widgetRef === reserved.fieldRef) {
    widget.set(PDFName.of('V'), sigRef);
  } else {
    const field = reserved.field.clone(context);
    field.set(PDFName.of('V'), sigRef);
    written.set(reserved.fieldRef, field);
  }
  written.set(reserved.widgetRef, widget);

  const acroForm = context.lookup(context.lookup(root, PDFDict).get(PDFName.of('AcroForm')), PDFDict);
  const flags = context.lookupMaybe(acroForm.get(PDFName.of('SigFlags')), PDFNumber)?.asNumber() ?? 0;
  if ((flags & 3) !== 3) {
    editAcroForm(context, root, written, allocate, (form) => form.set(PDFName.of('SigFlags'), PDFNumber.of(flags | 3)));
  }
}

/** A visible widget gets a normal appearance (new stream and font objects); an invisible one none. */
async function addAppearance(
  context: PDFContext,
  widget: PDFDict,
  rect: SignatureRect,
  options: Pick<SignaturePlaceholderOptions, 'appearance'>,
  written: Map<PDFRef, PDFObject>,
  allocate: () => PDFRef,
): Promise<void> {
  const appearance = options.appearance;
  if (!appearance || !(rect[2] - rect[0] > 0 && rect[3] - rect[1] > 0)) return;
  const apRef = allocate();
  written.set(apRef, await embeddedAppearance(context, rect[2] - rect[0], rect[3] - rect[1], appearance, written, allocate));
  widget.set(PDFName.of('AP'), context.obj({ N: apRef }));
}

function nameOf(field: PDFDict | undefined): string | undefined {
  return field?.lookupMaybe(PDFName.of('T'), PDFString, PDFHexString)?.decodeText();
}

/** Rewrites the AcroForm through `edit`; an inline or missing one first moves into its own object. */
function editAcroForm(
  context: PDFContext,
  root: PDFRef,
  written: Map<PDFRef, PDFObject>,
  allocate: () => PDFRef,
  edit: (acroForm: PDFDict) => void,
): void {
  const catalog = context.lookup(root, PDFDict);
  const entry = catalog.get(PDFName.of('AcroForm'));
  let acroFormRef: PDFRef;
  let acroForm: PDFDict;
  if (entry instanceof PDFRef) {
    acroFormRef = entry;
    acroForm = context.lookup(entry, PDFDict).clone(context);
  } else {
    // Its own object, so that later updates touch only it.
    acroFormRef = allocate();
    acroForm = entry instanceof PDFDict ? entry.clone(context) : context.obj({});
    const newCatalog = catalog.clone(context);
    newCatalog.set(PDFName.of('AcroForm'), acroFormRef);
    written.set(root, newCatalog);
  }
  edit(acroForm);
  written.set(acroFormRef, acroForm);
}

function addToAnnots(context: PDFContext, pageRef: PDFRef, widgetRef: PDFRef, written: Map<PDFRef, PDFObject>): void {
  const pageDict = context.lookup(pageRef, PDFDict);
  const entry = pageDict.get(PDFName.of('Annots'));
  if (entry instanceof PDFRef) {
    // Rewrite only the shared array object, leaving the page dictionary as it was.
    const annots = context.lookup(entry, PDFArray).clone(context);
    annots.push(widgetRef);
    written.set(entry, annots);
    return;
  }
  const annots = entry instanceof PDFArray ? entry.clone(context) : context.obj([]);
  annots.push(widgetRef);
  const newPage = pageDict.clone(context);
  newPage.set(PDFName.of('Annots'), annots);
  written.set(pageRef, newPage);
}

function writeSignatureDictionary(
  writer: UpdateWriter,
  options: SignaturePlaceholderOptions,
  markers: { byteRange: number; contentsStart: number },
): void {
  writer.text(
    options.documentTimestamp
      ? '<<\n/Type /DocTimeStamp\n/Filter /Adobe.PPKLite\n/SubFilter /ETSI.RFC3161\n/ByteRange '
      : '<<\n/Type /Sig\n/Filter /Adobe.PPKLite\n/SubFilter /ETSI.CAdES.detached\n/ByteRange ',
  );
  markers.byteRange = writer.position;
  writer.text('[0 0 0 0]'.padEnd(BYTE_RANGE_WIDTH, ' '));
  writer.text('\n/Contents ');
  markers.contentsStart = writer.position;
  writer.text(`<${'0'.repeat(2 * options.contentsSize)}>`);
  if (options.documentTimestamp) {
    writer.text('\n>>');
    return;
  }
  writer.text(`\n/M ${PDFString.fromDate(options.signingTime).toString()}`);
  if (options.signerName) writer.text(`\n/Name ${PDFHexString.fromText(options.signerName).toString()}`);
  if (options.reason) writer.text(`\n/Reason ${PDFHexString.fromText(options.reason).toString()}`);
  if (options.location) writer.text(`\n/Location ${PDFHexString.fromText(options.location).toString()}`);
  writer.text('\n>>');
}

type Offsets = Map<number, { offset: number; generation: number }>;

function writeXrefTable(writer: UpdateWriter, offsets: Offsets, size: number, tail: LastSection): void {
  const xrefOffset = writer.position;
  writer.text('xref\n');
  for (const run of runs([...offsets.keys()])) {
    writer.text(`${run[0]} ${run.length}\n`);
    for (const number of run) {
      const entry = offsets.get(number);
      if (!entry) continue;
      writer.text(`${String(entry.offset).padStart(10, '0')} ${String(entry.generation).padStart(5, '0')} n\r\n`);
    }
  }
  writer.text(`trailer\n<<\n/Size ${size}\n/Root ${String(tail.root)}`);
  if (tail.info) writer.text(`\n/Info ${String(tail.info)}`);
  if (tail.id) writer.text(`\n/ID ${String(tail.id)}`);
  writer.text(`\n/Prev ${tail.offset}\n>>\nstartxref\n${xrefOffset}\n%%EOF\n`);
}

function writeXrefStream(writer: UpdateWriter, offsets: Offsets, nextNumber: number, tail: LastSection): void {
  const xrefNumber = nextNumber;
  const xrefOffset = writer.position;
  offsets.set(xrefNumber, { offset: xrefOffset, generation: 0 });
  const numbers = [...offsets.keys()].sort((a, b) => a - b);
  const rows = Buffer.alloc(numbers.length * 7);
  numbers.forEach((number, index) => {
    const entry = offsets.get(number) ?? { offset: 0, generation: 0 };
    rows.writeUInt8(1, index * 7);
    rows.writeUInt32BE(entry.offset, index * 7 + 1);
    rows.writeUInt16BE(entry.generation, index * 7 + 5);
  });
  const index = runs(numbers).flatMap((run) => [run[0] ?? 0, run.length]);
  let dict = `<<\n/Type /XRef\n/Size ${xrefNumber + 1}\n/W [1 4 2]\n/Index [${index.join(' ')}]\n/Length ${rows.length}\n/Root ${String(tail.root)}`;
  if (tail.info) dict += `\n/Info ${String(tail.info)}`;
  if (tail.id) dict += `\n/ID ${String(tail.id)}`;
  dict += `\n/Prev ${tail.offset}\n>>`;
  writer.text(`${xrefNumber} 0 obj\n${dict}\nstream\n`);
  writer.bytesOf(rows);
  writer.text(`\nendstream\nendobj\nstartxref\n${xrefOffset}\n%%EOF\n`);
}

/** Consecutive object numbers, as xref subsections want them. */
function runs(numbers: number[]): number[][] {
  const sorted = [...numbers].sort((a, b) => a - b);
  const result: number[][] = [];
  for (const number of sorted) {
    const last = result[result.length - 1];
    if (last && last[last.length - 1] === number - 1) last.push(number);
    else result.push([number]);
  }
  return result;
}

class UpdateWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;
  constructor(private readonly base: number) {}

  /** Absolute offset in the final file of the next byte written. */
  get position(): number {
    return this.base + this.length;
  }

  text(value: string): void {
    this.bytesOf(Buffer.from(value, 'latin1'));
  }

  object(value: PDFObject): void {
    const bytes = new Uint8Array(value.sizeInBytes());
    value.copyBytesInto(bytes, 0);
    this.bytesOf(bytes);
  }

  bytesOf(value: Uint8Array): void {
    this.chunks.push(value);
    this.length += value.length;
  }

  bytes(): Uint8Array {
    return concat(...this.chunks);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function isEol(byte: number | undefined): boolean {
  return byte === 0x0a || byte === 0x0d;
}
