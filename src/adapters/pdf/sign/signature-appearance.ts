import { PDFArray, PDFContext, PDFDict, PDFDocument, PDFObject, PDFRawStream, PDFRef, type PDFFont } from 'pdf-lib';
import { SdxError } from '../../../domain/shared/errors';
import { subsetTag } from '../subset-tag';

export type AppearanceFontkit = Parameters<PDFDocument['registerFontkit']>[0];

/** A TrueType font the appearance is drawn in; a subset of it is embedded with the signature. */
export interface AppearanceFont {
  bytes: Uint8Array;
  fontkit: AppearanceFontkit;
  postscriptName: string;
}

/** What a visible signature shows: text lines beside a round seal-like mark. */
export interface SignatureAppearance {
  font: AppearanceFont;
  /** Drawn top to bottom beside the seal; the first line a little larger. */
  lines: readonly string[];
  /** A few characters inside the seal, under its star (e.g. 电子签章). */
  sealText: string;
}

const SEAL_RED = '0.78 0.09 0.11';
const INK = '0.1 0.1 0.3';

/**
 * Builds the appearance stream of a signature widget of `width` × `height` points with the font
 * subset it needs, as new objects numbered by `allocate` and recorded in `written`: everything
 * drawn stays inside the widget's box, and the objects are reachable only from the returned stream.
 */
export async function embeddedAppearance(
  context: PDFContext,
  width: number,
  height: number,
  appearance: SignatureAppearance,
  written: Map<PDFRef, PDFObject>,
  allocate: () => PDFRef,
): Promise<PDFRawStream> {
  const { scratch, font } = await appearanceSubset(appearance);

  const r = Math.max(6, Math.min(height / 2 - 3, 26));
  const cx = 3 + r;
  const cy = height / 2;
  const textX = cx + r + 7;
  const textWidth = Math.max(10, width - textX - 3);
  const lines = appearance.lines;
  const widest = Math.max(1, ...lines.map((line, index) => font.widthOfTextAtSize(line, 1) * (index === 0 ? 1.1 : 1)));
  const size = Math.max(2, Math.min(8, (height - 5) / (Math.max(1, lines.length) * 1.22 + 0.1), textWidth / widest));
  const leading = size * 1.22;
  const sealSize = Math.min(r * 0.36, ((2 * r - 10) * 0.8) / Math.max(1, font.widthOfTextAtSize(appearance.sealText, 1)));

  const content: string[] = [
    // Frame.
    `q 0.15 0.3 0.6 RG 0.6 w 0.3 0.3 ${num(width - 0.6)} ${num(height - 0.6)} re S Q`,
    // Seal: double ring, star, text.
    `q ${SEAL_RED} RG ${SEAL_RED} rg 1.4 w`,
    circle(cx, cy, r - 0.8),
    'S 0.5 w',
    circle(cx, cy, r - 3.2),
    'S',
    star(cx, cy + r * 0.18, r * 0.3),
    'f',
    'BT',
    `/F1 ${num(sealSize)} Tf`,
    `${num(cx - (font.widthOfTextAtSize(appearance.sealText, sealSize)) / 2)} ${num(cy - r * 0.5)} Td`,
    `${font.encodeText(appearance.sealText).toString()} Tj`,
    'ET Q',
    // Text lines.
    `BT ${INK} rg`,
  ];
  let y = height - 3 - size * 1.1;
  lines.forEach((line, index) => {
    const lineSize = index === 0 ? size * 1.1 : size;
    content.push(`/F1 ${num(lineSize)} Tf 1 0 0 1 ${num(textX)} ${num(y)} Tm ${font.encodeText(line).toString()} Tj`);
    y -= index === 0 ? leading * 1.08 : leading;
  });
  content.push('ET');

  const fontRef = copyInto(context, scratch.context, font.ref, new Map(), written, allocate);
  return context.stream(content.join('\n'), {
    Type: 'XObject',
    Subtype: 'Form',
    BBox: [0, 0, width, height],
    Resources: { Font: { F1: fontRef } },
  });
}

interface EmbeddedSubset {
  scratch: PDFDocument;
  font: PDFFont;
}

/** Subsets kept per font; a signer's appearances differ mostly in the digits of the time. */
const SUBSETS_PER_FONT = 256;
const subsets = new WeakMap<Uint8Array, Map<string, Promise<EmbeddedSubset>>>();

/**
 * The font subset for an appearance, embedded in a scratch document the appearance copies from.
 * Subsetting a CJK font is most of a signature's cost, and a subset depends only on the glyphs it
 * holds: it is built once per glyph set (the shaped glyphs of every line, so ligatures count) and
 * named after that set, which keeps the output deterministic.
 */
function appearanceSubset(appearance: SignatureAppearance): Promise<EmbeddedSubset> {
  const { bytes, fontkit, postscriptName } = appearance.font;
  const texts = [...appearance.lines, appearance.sealText];
  let glyphKey: string;
  try {
    const parsed = fontkit.create(bytes);
    const ids = new Set(texts.flatMap((text) => parsed.layout(text).glyphs.map((glyph) => glyph.id)));
    glyphKey = [...ids].sort((a, b) => a - b).join(',');
  } catch (cause) {
    throw new SdxError('render-assets-invalid', 'the signature appearance font is not a readable TrueType font', { cause });
  }
  let perFont = subsets.get(bytes);
  if (!perFont) {
    perFont = new Map();
    subsets.set(bytes, perFont);
  }
  const cached = perFont.get(glyphKey);
  if (cached) return cached;
  if (perFont.size >= SUBSETS_PER_FONT) perFont.clear();
  const building = (async (): Promise<EmbeddedSubset> => {
    const scratch = await PDFDocument.create({ updateMetadata: false });
    scratch.registerFontkit(fontkit);
    let font: PDFFont;
    try {
      font = await scratch.embedFont(bytes, { subset: true, customName: `${subsetTag('appearance', glyphKey)}+${postscriptName}` });
      // Every glyph goes into the subset before it is written; later encodes find them all there.
      for (const text of texts) font.encodeText(text);
      await scratch.flush();
    } catch (cause) {
      throw new SdxError('render-assets-invalid', 'the signature appearance font is not a readable TrueType font', { cause });
    }
    return { scratch, font };
  })();
  perFont.set(glyphKey, building);
  building.catch(() => perFont?.delete(glyphKey));
  return building;
}

/** Copies an object graph from the scratch document, giving each indirect object a new number. */
function copyInto(
  target: PDFContext,
  source: PDFContext,
  object: PDFObject,
  refs: Map<PDFRef, PDFRef>,
  written: Map<PDFRef, PDFObject>,
  allocate: () => PDFRef,
): PDFObject {
  if (object instanceof PDFRef) {
    const known = refs.get(object);
    if (known) return known;
    const ref = allocate();
    refs.set(object, ref);
    const resolved = source.lookup(object);
    if (!resolved) throw new Error(`the appearance font refers to a missing object ${object.toString()}`);
    written.set(ref, copyInto(target, source, resolved, refs, written, allocate));
    return ref;
  }
  if (object instanceof PDFDict) {
    const dict = target.obj({});
    for (const [key, value] of object.entries()) dict.set(key, copyInto(target, source, value, refs, written, allocate));
    return dict;
  }
  if (object instanceof PDFArray) {
    const array = target.obj([]);
    for (const item of object.asArray()) array.push(copyInto(target, source, item, refs, written, allocate));
    return array;
  }
  if (object instanceof PDFRawStream) {
    const dict = copyInto(target, source, object.dict, refs, written, allocate);
    if (!(dict instanceof PDFDict)) throw new Error('a stream dictionary copied to something else');
    return PDFRawStream.of(dict, object.contents);
  }
  return object;
}

function circle(cx: number, cy: number, r: number): string {
  const k = 0.5523 * r;
  return [
    `${num(cx + r)} ${num(cy)} m`,
    `${num(cx + r)} ${num(cy + k)} ${num(cx + k)} ${num(cy + r)} ${num(cx)} ${num(cy + r)} c`,
    `${num(cx - k)} ${num(cy + r)} ${num(cx - r)} ${num(cy + k)} ${num(cx - r)} ${num(cy)} c`,
    `${num(cx - r)} ${num(cy - k)} ${num(cx - k)} ${num(cy - r)} ${num(cx)} ${num(cy - r)} c`,
    `${num(cx + k)} ${num(cy - r)} ${num(cx + r)} ${num(cy - k)} ${num(cx + r)} ${num(cy)} c`,
  ].join(' ');
}

/** A five-pointed star, point up, as on a Chinese company seal. */
function star(cx: number, cy: number, r: number): string {
  const points: string[] = [];
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? r : r * 0.382;
    const angle = Math.PI / 2 + (i * Math.PI) / 5;
    points.push(`${num(cx + radius * Math.cos(angle))} ${num(cy + radius * Math.sin(angle))} ${i === 0 ? 'm' : 'l'}`);
  }
  return `${points.join(' ')} h`;
}

function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}
