import type { PDFFont } from 'pdf-lib';

interface Glyph {
  id: number;
}

/** The parts of pdf-lib 1.17's CustomFontSubsetEmbedder that its encodeText uses. */
interface SubsetEmbedderInternals {
  font?: { layout(text: string, features?: unknown): { glyphs: Glyph[] } };
  fontFeatures?: unknown;
  subset?: { includeGlyph(glyph: Glyph): number };
  glyphs?: Glyph[];
  glyphIdMap?: Map<number, number>;
  glyphCache?: { invalidate(): void };
}

const encoders = new WeakMap<PDFFont, (text: string) => string>();

/**
 * Text as the `<hex>` string of glyph ids that pdf-lib's `font.encodeText(text).toString()` gives
 * for a subset font, with the same effect on the subset, written without the array of padded
 * strings and the PDFHexString pdf-lib builds for every string drawn. Falls back to pdf-lib itself
 * for a font that is not a subset or a pdf-lib whose embedder looks different.
 */
export function subsetTextEncoder(font: PDFFont): (text: string) => string {
  let encode = encoders.get(font);
  if (!encode) {
    encode = directEncoder(font) ?? ((text: string) => font.encodeText(text).toString());
    encoders.set(font, encode);
  }
  return encode;
}

function directEncoder(font: PDFFont): ((text: string) => string) | undefined {
  const embedder = (font as unknown as { embedder?: SubsetEmbedderInternals }).embedder;
  const { font: parsed, subset, glyphs, glyphIdMap, glyphCache } = embedder ?? {};
  if (!embedder || !parsed || !subset || !Array.isArray(glyphs) || !(glyphIdMap instanceof Map) || !glyphCache) return undefined;
  return (text) => {
    // What PDFFont.encodeText does before handing the text to its embedder: the font is re-embedded on save.
    (font as unknown as { modified: boolean }).modified = true;
    const run = parsed.layout(text, embedder.fontFeatures).glyphs;
    let hex = '<';
    for (const glyph of run) {
      // The embedder's map holds every glyph the subset has taken (pdf-lib and this fill both together), and
      // is quicker to ask than fontkit's subset, whose ids sit in a sparse object.
      let id = glyphIdMap.get(glyph.id);
      if (id === undefined) {
        id = subset.includeGlyph(glyph);
        glyphs[id - 1] = glyph;
        glyphIdMap.set(glyph.id, id);
      }
      hex += hex4(id);
    }
    glyphCache.invalidate();
    return `${hex}>`;
  };
}

const HEX4: string[] = [];

/** Four upper-case hex digits, as pdf-lib pads a glyph id (ids above 0xFFFF keep all their digits). */
function hex4(id: number): string {
  if (id > 0xffff) return id.toString(16).toUpperCase();
  let text = HEX4[id];
  if (text === undefined) {
    text = id.toString(16).toUpperCase().padStart(4, '0');
    HEX4[id] = text;
  }
  return text;
}
