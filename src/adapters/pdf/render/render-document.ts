import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import * as fontkit from '@pdf-lib/fontkit';
import { PDFArray, PDFContentStream, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRef, PDFString, type PDFContext, type PDFFont } from 'pdf-lib';
import { BulkStream, SerializedObject, unpooledName } from '../pdf-objects';
import type { PdfContent } from '../../../application/ports/document-pdf.port';
import { documentKinds, type DocumentKind } from '../../../domain/document/document';
import { ownNumberOf } from '../../../domain/document/business-keys';
import { kindTitle } from '../../../domain/document/document-kinds';
import { canonicalize } from '../../../domain/shared/canonical-json';
import { SdxError } from '../../../domain/shared/errors';
import { formatPath } from '../../../domain/shared/schema';
import { cachedFontkit, type PdfLibFontkit } from './cached-fontkit';
import { DocumentPages, type PhotoEntry } from './document-pages';
import { documentLayout, type DocumentLayout } from './layout.schema';
import { signatureBoxes, type SignatureBox } from './page-geometry';
import { PdfCanvas, SubsetBase, TextMeasures } from './pdf-canvas';
import { subsetTag } from '../subset-tag';
import {
  DOCUMENT_ID_INFO_KEY,
  ISSUER_INFO_KEY,
  KIND_INFO_KEY,
  PAYLOAD_FILE_NAME,
  PAYLOAD_HASH_INFO_KEY,
  SIGNATURE_FIELDS,
  VERSION_INFO_KEY,
} from '../sdx-pdf-format';

export { signatureBoxes, type SignatureBox } from './page-geometry';

/** What a document's PDF shows: the port's content, rendered as is. */
export type RenderInput = PdfContent;

/** Fonts and layouts read once from templates/ and shared by every document a renderer draws. */
export interface RenderAssets {
  font: { bytes: Uint8Array; postscriptName: string };
  layouts: Readonly<Record<DocumentKind, DocumentLayout>>;
}

/** The one font: Noto Sans SC (OFL-1.1, TrueType outlines, which pdf-lib subsets reliably). */
export const FONT_FILE = join('fonts', 'NotoSansSC-Regular.ttf');

/** Reads the font and the three layouts from a templates directory and checks the layouts' shape. */
export async function loadRenderAssets(templatesDir: string): Promise<RenderAssets> {
  const fontPath = join(templatesDir, FONT_FILE);
  const bytes = await readAsset(fontPath);
  const layouts = {} as Record<DocumentKind, DocumentLayout>;
  for (const kind of documentKinds) {
    const path = join(templatesDir, 'pdf', `${kind}.layout.json`);
    const text = new TextDecoder().decode(await readAsset(path));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new SdxError('render-assets-invalid', `${path} is not valid JSON; fix the layout file`, { cause });
    }
    const parsed = documentLayout.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SdxError(
        'render-assets-invalid',
        `${path}: ${issue ? `${formatPath(issue.path) || '(root)'}: ${issue.message}` : 'invalid layout'}; fix the layout file`,
      );
    }
    if (parsed.data.kind !== kind) {
      throw new SdxError('render-assets-invalid', `${path} declares kind ${parsed.data.kind}; it must be ${kind}`);
    }
    layouts[kind] = parsed.data;
  }
  let postscriptName: string;
  try {
    postscriptName = fontkit.create(bytes).postscriptName ?? 'NotoSansSC-Regular';
  } catch (cause) {
    throw new SdxError('render-assets-invalid', `${fontPath} is not a readable TrueType font`, { cause });
  }
  return { font: { bytes, postscriptName }, layouts };
}

async function readAsset(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new SdxError(
      'render-assets-invalid',
      `cannot read ${path}; pass the repository's templates/ directory to loadRenderAssets`,
      { cause },
    );
  }
}

/**
 * Renders SDX documents to PDF. One instance parses the font once and keeps it (and caches of text
 * widths and wrapped values) for every document it renders; each document embeds only the glyphs it uses.
 */
export class DocumentRenderer {
  private readonly measures = new TextMeasures();
  /** Per kind: what every subset starts with (printable ASCII, the title and the layout's words). */
  private readonly subsetBases = new Map<DocumentKind, SubsetBase>();
  private readonly fontFiles = new FontFileCache();

  private constructor(
    private readonly assets: RenderAssets,
    private readonly fontkit: PdfLibFontkit,
  ) {}

  static async create(assets: RenderAssets): Promise<DocumentRenderer> {
    return new DocumentRenderer(assets, cachedFontkit(assets.font.bytes));
  }

  /** The document font, for signature appearances drawn in it. */
  appearanceFont(): { bytes: Uint8Array; fontkit: PdfLibFontkit; postscriptName: string } {
    return { bytes: this.assets.font.bytes, fontkit: this.fontkit, postscriptName: this.assets.font.postscriptName };
  }

  private subsetBase(kind: DocumentKind): SubsetBase {
    let base = this.subsetBases.get(kind);
    if (base === undefined) {
      const title = kindTitle(kind);
      base = new SubsetBase([PRINTABLE_ASCII, title.zh, title.en, ...stringsIn(this.assets.layouts[kind])].join(''));
      this.subsetBases.set(kind, base);
    }
    return base;
  }

  async render(input: RenderInput): Promise<Uint8Array> {
    if (input.gateRecord && input.kind !== 'eir') {
      throw new SdxError('render-input-invalid', `a gate record belongs to an EIR, not a ${input.kind}; leave gateRecord out`);
    }
    const payloadJson = canonicalPayload(input);
    const doc = await PDFDocument.create({ updateMetadata: false });
    useNativeDeflate(doc, this.fontFiles);
    doc.registerFontkit(this.fontkit);
    const identity = `${input.documentId}\n${input.version}\n${input.payloadHash}`;
    const font = await doc.embedFont(this.assets.font.bytes, {
      subset: true,
      customName: `${subsetTag('subset', identity)}+${this.assets.font.postscriptName}`,
    });
    this.fontFiles.attach(font, doc.context);
    const photos = await embedPhotos(doc, input);
    const title = kindTitle(input.kind);

    new DocumentPages(doc, new PdfCanvas(font, this.measures, this.subsetBase(input.kind)), {
      title,
      layout: this.assets.layouts[input.kind],
      payload: input.payload,
      gateRecord: input.gateRecord,
      photos,
      documentId: input.documentId,
      ...businessNumberOf(input),
      version: input.version,
      payloadHash: input.payloadHash,
      verifyUrl: input.verifyUrl,
      issuedAt: input.issuedAt,
      issuerName: input.issuerName,
    }).draw();

    setMetadata(doc, input, `${title.zh} ${title.en} ${input.documentId}`, identity);
    reserveSignatureFields(doc, input.kind);
    embedPayload(doc, payloadJson, input.payloadHash);
    // A classic xref table (no object streams) lets signatures be appended as incremental updates.
    compressContentStreamsNatively(doc);
    return doc.save({ useObjectStreams: false, updateFieldAppearances: false });
  }
}

function businessNumberOf(input: RenderInput): { businessNumber?: string } {
  const number = ownNumberOf(input.kind, input.payload);
  return number === undefined ? {} : { businessNumber: number };
}

/** Which reserved fields a kind's lifecycle fills: the issuer always; a D/O has no counter-signatory. */
export function reservedSignatureFields(kind: DocumentKind): (keyof typeof SIGNATURE_FIELDS)[] {
  return kind === 'delivery-order' ? ['issuer'] : ['issuer', 'counter'];
}

/**
 * The RFC 8785 bytes of the payload. The PDF shows and embeds the payload the hash names, so a
 * caller passing a payload and a hash that disagree is refused rather than rendered.
 */
function canonicalPayload(input: RenderInput): Uint8Array {
  let json: Uint8Array;
  try {
    json = new TextEncoder().encode(canonicalize(input.payload));
  } catch (cause) {
    throw new SdxError('render-input-invalid', 'the payload has no RFC 8785 canonical form; pass the validated payload', { cause });
  }
  const actual = createHash('sha256').update(json).digest('hex');
  if (actual !== input.payloadHash) {
    throw new SdxError(
      'render-input-invalid',
      `payloadHash ${input.payloadHash} is not the SHA-256 of the payload's canonical JSON (${actual}); pass the hash of this payload`,
    );
  }
  return json;
}

/**
 * The empty signature fields every later signature fills (one merged field/widget each, on the last
 * page) and an indirect AcroForm whose SigFlags (SignaturesExist + AppendOnly) are already final:
 * a signature then rewrites only its own widget, so any other change after signing stands out.
 */
function reserveSignatureFields(doc: PDFDocument, kind: DocumentKind): void {
  const context = doc.context;
  const pages = doc.getPages();
  const last = pages[pages.length - 1];
  if (!last) throw new SdxError('render-input-invalid', 'the document has no page to put its signature fields on');
  const fields: PDFRef[] = [];
  for (const box of reservedSignatureFields(kind)) {
    const widget = context.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      FT: 'Sig',
      Rect: rectOf(signatureBoxes[box]),
      F: 132, // Print + Locked
      P: last.ref,
    });
    widget.set(PDFName.of('T'), PDFString.of(SIGNATURE_FIELDS[box]));
    const ref = context.register(widget);
    last.node.addAnnot(ref);
    fields.push(ref);
  }
  const acroForm = context.register(context.obj({ Fields: fields, SigFlags: 3 }));
  doc.catalog.set(PDFName.of('AcroForm'), acroForm);
}

function rectOf(box: SignatureBox): number[] {
  return [box.x, box.y, box.x + box.width, box.y + box.height];
}

/**
 * The canonical payload as an associated file (ISO 32000-2 14.13, the PDF/A-3 and Factur-X way):
 * every signature then covers the machine-readable document as well as the pages that show it.
 */
function embedPayload(doc: PDFDocument, json: Uint8Array, payloadHash: string): void {
  const context = doc.context;
  const file = context.register(
    new BulkStream(
      context.obj({
        Type: 'EmbeddedFile',
        Subtype: 'application/json',
        Params: { Size: json.length },
        Filter: 'FlateDecode',
      }),
      deflateSync(json),
    ),
  );
  const spec = context.obj({ Type: 'Filespec', AFRelationship: 'Data', EF: { F: file, UF: file } });
  spec.set(PDFName.of('F'), PDFString.of(PAYLOAD_FILE_NAME));
  spec.set(PDFName.of('UF'), PDFString.of(PAYLOAD_FILE_NAME));
  spec.set(PDFName.of('Desc'), PDFString.of(`SDX document payload, RFC 8785 canonical JSON, SHA-256 ${payloadHash}`));
  const specRef = context.register(spec);
  doc.catalog.set(PDFName.of('AF'), context.obj([specRef]));
  doc.catalog.set(
    PDFName.of('Names'),
    context.obj({ EmbeddedFiles: context.obj({ Names: [PDFString.of(PAYLOAD_FILE_NAME), specRef] }) }),
  );
}

function setMetadata(doc: PDFDocument, input: RenderInput, title: string, identity: string): void {
  const issued = new Date(input.issuedAt);
  if (Number.isNaN(issued.getTime())) {
    throw new SdxError('render-input-invalid', `issuedAt "${input.issuedAt}" is not an ISO 8601 date-time`);
  }
  doc.setTitle(title, { showInWindowTitleBar: true });
  doc.setAuthor(input.issuerName);
  doc.setSubject(`SDX ${input.kind} ${input.documentId} v${input.version}`);
  doc.setKeywords(['SDX', input.kind, input.documentId, `payload-sha256:${input.payloadHash}`]);
  doc.setCreator('SDX');
  doc.setProducer('SDX (pdf-lib)');
  doc.setCreationDate(issued);
  doc.setModificationDate(issued);
  doc.setLanguage('zh-CN');
  // Machine-readable identity for the verifier, which compares the payload hash with the ledger.
  const info = doc.context.lookup(doc.context.trailerInfo.Info, PDFDict);
  info.set(PDFName.of(DOCUMENT_ID_INFO_KEY), PDFHexString.fromText(input.documentId));
  info.set(PDFName.of(VERSION_INFO_KEY), PDFString.of(String(input.version)));
  info.set(PDFName.of(PAYLOAD_HASH_INFO_KEY), PDFString.of(input.payloadHash));
  info.set(PDFName.of(KIND_INFO_KEY), PDFString.of(input.kind));
  // Party ids are lowercase ASCII (schema.ts), so a literal string holds them as they are.
  info.set(PDFName.of(ISSUER_INFO_KEY), PDFString.of(input.issuerPartyId));
  // The file identifier is derived from the document's identity, not random, so output is reproducible.
  const id = createHash('sha256').update(identity).digest('hex').slice(0, 32);
  doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of(id), PDFHexString.of(id)]);
}

/** The gate record's photos in first-mention order, embedded when their bytes are supplied. */
async function embedPhotos(doc: PDFDocument, input: RenderInput): Promise<PhotoEntry[]> {
  const record = input.gateRecord;
  if (!record) return [];
  const order = [...new Set([...record.photoSha256, ...record.damages.flatMap((line) => line.photoSha256 ?? [])])];
  const supplied = new Map<string, NonNullable<RenderInput['photos']>[number]>();
  for (const photo of input.photos ?? []) {
    const actual = createHash('sha256').update(photo.bytes).digest('hex');
    if (actual !== photo.sha256) {
      throw new SdxError(
        'render-input-invalid',
        `photo ${photo.sha256} has bytes whose SHA-256 is ${actual}; pass the bytes the gate record's hash was taken of`,
      );
    }
    supplied.set(photo.sha256, photo);
  }
  const entries: PhotoEntry[] = [];
  for (const sha256 of order) {
    const photo = supplied.get(sha256);
    if (!photo) {
      entries.push({ sha256 });
      continue;
    }
    try {
      const image = photo.mediaType === 'image/png' ? await doc.embedPng(photo.bytes) : await doc.embedJpg(photo.bytes);
      entries.push({ sha256, mediaType: photo.mediaType, byteLength: photo.bytes.byteLength, image });
    } catch (cause) {
      throw new SdxError('render-input-invalid', `photo ${sha256} is not a readable ${photo.mediaType}; check its media type`, {
        cause,
      });
    }
  }
  return entries;
}

/**
 * pdf-lib compresses embedded font files with pako, a JavaScript deflate that costs a few
 * milliseconds per document on a CJK subset. This document's context compresses with node's zlib
 * instead; the output is the same zlib format, and no other document or module is affected.
 */
function useNativeDeflate(doc: PDFDocument, fontFiles: FontFileCache): void {
  const context = doc.context;
  context.flateStream = (contents, dict = {}) => new BulkStream(context.obj({ ...dict, Filter: 'FlateDecode' }), fontFiles.deflate(contents));
}

const PRINTABLE_ASCII = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/** The parts of pdf-lib 1.17's subset embedder behind a PDFFont that the cache below uses. */
interface SubsetEmbedderInternals {
  subset?: { glyphs?: number[] };
  customName?: string;
  embedIntoContext?: (context: PDFContext, ref?: PDFRef) => Promise<PDFRef>;
  serializeFont?: () => Promise<Uint8Array>;
  embedUnicodeCmap?: (context: PDFContext) => PDFRef;
  computeWidths?: () => unknown;
}

/** Font programs and ToUnicode maps kept per renderer; each costs ~10-40 KB. */
const FONT_FILES_KEPT = 64;

/**
 * Subsetting the CJK font (fontkit's encoder) and compressing the result is the costliest step of a
 * render. A subset's bytes depend only on its glyphs in subset order, and seedSubset makes that
 * order the same for documents that draw the same characters: such documents share one font
 * program, built and compressed once. The ToUnicode map follows the glyphs too, so its compressed
 * bytes are kept by its text.
 */
class FontFileCache {
  private readonly programs = new Map<string, Promise<Uint8Array>>();
  private readonly compressed = new WeakMap<Uint8Array, Uint8Array>();
  private readonly maps = new Map<string, Uint8Array>();
  private readonly cmaps = new Map<string, Uint8Array>();
  private readonly widths = new Map<string, SerializedObject>();

  attach(font: PDFFont, context: PDFContext): void {
    const embedder = (font as unknown as { embedder?: SubsetEmbedderInternals }).embedder;
    const serialize = embedder?.serializeFont;
    const embedCmap = embedder?.embedUnicodeCmap;
    const computeWidths = embedder?.computeWidths;
    const embed = embedder?.embedIntoContext;
    const baseFont = embedder?.customName;
    if (!embedder || !serialize || !embedCmap || !computeWidths || !embed || !baseFont || !Array.isArray(embedder.subset?.glyphs)) return; // another pdf-lib: no sharing
    const glyphsKey = () => (embedder.subset?.glyphs ?? []).join(',');
    // The subset's name (its tag differs per document) goes into the three font dictionaries unpooled;
    // pdf-lib itself writes the untagged name, which every document shares.
    embedder.customName = baseFont.slice(baseFont.indexOf('+') + 1);
    embedder.embedIntoContext = async (context, ref) => {
      const fontRef = await embed.call(embedder, context, ref);
      const name = unpooledName(baseFont);
      const type0 = context.lookup(fontRef, PDFDict);
      const cidFont = type0.lookup(PDFName.of('DescendantFonts'), PDFArray).lookup(0, PDFDict);
      type0.set(PDFName.of('BaseFont'), name);
      cidFont.set(PDFName.of('BaseFont'), name);
      cidFont.lookup(PDFName.of('FontDescriptor'), PDFDict).set(PDFName.of('FontName'), name);
      return fontRef;
    };
    embedder.serializeFont = () => {
      const key = glyphsKey();
      let program = this.programs.get(key);
      if (!program) {
        if (this.programs.size >= FONT_FILES_KEPT) this.programs.clear();
        program = serialize.call(embedder);
        this.programs.set(key, program);
        program.catch(() => this.programs.delete(key));
      }
      return program;
    };
    // The ToUnicode map is written from the same glyphs (the parsed font is shared, so a glyph id
    // always stands for the same characters): its compressed bytes are kept by the glyphs too.
    embedder.embedUnicodeCmap = (context) => {
      const key = glyphsKey();
      const kept = this.cmaps.get(key);
      if (kept) return context.register(new BulkStream(context.obj({ Filter: 'FlateDecode' }), kept));
      const ref = embedCmap.call(embedder, context);
      const stream = context.lookup(ref);
      if (stream instanceof BulkStream) {
        if (this.cmaps.size >= FONT_FILES_KEPT) this.cmaps.clear();
        this.cmaps.set(key, stream.getContents());
      }
      return ref;
    };
    // The /W array follows the glyphs as well: its bytes are kept by them.
    embedder.computeWidths = () => {
      const key = glyphsKey();
      let widths = this.widths.get(key);
      if (!widths) {
        widths = SerializedObject.of(context.obj(computeWidths.call(embedder) as Parameters<PDFContext['obj']>[0]));
        if (this.widths.size >= FONT_FILES_KEPT) this.widths.clear();
        this.widths.set(key, widths);
      }
      return widths;
    };
  }

  deflate(contents: string | Uint8Array): Uint8Array {
    if (typeof contents === 'string') {
      let bytes = this.maps.get(contents);
      if (!bytes) {
        if (this.maps.size >= FONT_FILES_KEPT) this.maps.clear();
        bytes = deflateSync(Buffer.from(contents, 'latin1'));
        this.maps.set(contents, bytes);
      }
      return bytes;
    }
    let bytes = this.compressed.get(contents);
    if (!bytes) {
      bytes = deflateSync(contents);
      this.compressed.set(contents, bytes);
    }
    return bytes;
  }
}

/**
 * Page content streams would be deflated by pako on save; compressing them with node's zlib first
 * and storing the result as raw streams (same dictionary, same /FlateDecode) saves the JavaScript
 * deflate for each page.
 */
// Page operators are rewritten for every document and are a few kilobytes: zlib's fastest level
// costs a third of the default's time for about a fifth more bytes (fonts keep the default, cached).
const CONTENT_DEFLATE = { level: 1 } as const;

function compressContentStreamsNatively(doc: PDFDocument): void {
  for (const [ref, object] of doc.context.enumerateIndirectObjects()) {
    if (object instanceof PDFContentStream) {
      // The operators as one string, encoded natively: the same bytes pdf-lib copies character by character.
      doc.context.assign(ref, new BulkStream(object.dict, deflateSync(Buffer.from(object.getContentsString(), 'latin1'), CONTENT_DEFLATE)));
      releaseOperators(object);
    }
  }
}

/**
 * The replaced stream's operators are garbage once their bytes are in the BulkStream, yet left in it
 * they outlived young-generation collections (what kept them is not known): every D/O promoted about
 * 260 KB of operator strings to the old generation, and scavenging them took a fifth of a render's
 * CPU (--trace-gc-nvp, the same at any young-generation size). Emptied here, 55 KB is promoted.
 */
function releaseOperators(stream: PDFContentStream): void {
  const internals = stream as unknown as { operators?: unknown };
  if (Array.isArray(internals.operators)) internals.operators.length = 0;
}
