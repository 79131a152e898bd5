import * as fontkit from '@pdf-lib/fontkit';
import type { PDFDocument } from 'pdf-lib';
import { SdxError } from '../../../domain/shared/errors';

export type PdfLibFontkit = Parameters<PDFDocument['registerFontkit']>[0];
type FontkitFont = ReturnType<typeof fontkit.create>;

/** The parts of fontkit 1.1's layout engine that the positioning shortcut below replaces. */
interface LayoutEngineInternals {
  position(run: { glyphs: { advanceWidth: number }[]; positions: unknown[]; direction: string }): void;
}

/** The parts of fontkit 1.1's TrueType subset that the loca fix below touches. */
interface TrueTypeSubsetInternals {
  loca?: { version?: number };
  _addGlyph(glyphId: number): number;
}

/**
 * A fontkit for pdf-lib that parses the given font once and hands the same parsed font to every
 * document: pdf-lib calls `fontkit.create` on each `embedFont`, and re-parsing a 10 MB CJK font
 * (and re-warming fontkit's glyph and layout caches) would otherwise cost every render.
 */
export function cachedFontkit(fontBytes: Uint8Array): PdfLibFontkit {
  const parsed = withLayoutCache(withoutGlyphPositioning(withLongLocaSubsets(fontkit.create(fontBytes))));
  return {
    create: (buffer: Uint8Array) => (buffer === fontBytes ? parsed : fontkit.create(buffer)) as ReturnType<PdfLibFontkit['create']>,
  };
}

/**
 * fontkit 1.1 writes a subset's `loca` in the short format (offset / 2) whenever the subset is
 * under 128 KB, but copies each glyph record unpadded. In fonts with odd-length glyph records
 * (half of Noto Sans SC's) the halved offsets then point into the middle of glyphs and viewers draw
 * garbage. Fixing the subset's `loca` to the long format, which stores exact offsets, avoids that.
 */
function withLongLocaSubsets(font: FontkitFont): FontkitFont {
  const createSubset = font.createSubset.bind(font);
  font.createSubset = () => {
    const subset = createSubset() as unknown as TrueTypeSubsetInternals;
    const addGlyph = subset._addGlyph;
    if (typeof addGlyph !== 'function') {
      throw new SdxError(
        'render-assets-invalid',
        'the installed @pdf-lib/fontkit has no TrueType subset internals this renderer expects; pin @pdf-lib/fontkit 1.1.x',
      );
    }
    subset._addGlyph = function addGlyphWithLongLoca(this: TrueTypeSubsetInternals, glyphId: number): number {
      // encode() creates `loca` just before adding the first glyph; a preset version is kept as is.
      if (this.loca && this.loca.version === undefined) this.loca.version = 1;
      return addGlyph.call(this, glyphId);
    };
    return subset as unknown as ReturnType<FontkitFont['createSubset']>;
  };
  return font;
}

/**
 * pdf-lib reads only the glyphs of a layout: it writes their ids and measures text with their
 * advance widths. fontkit's layout also positions the glyphs (GPOS kerning and marks, two thirds
 * of its time on this CJK font's class-based kerning), and positioning never changes the glyphs
 * themselves: the glyph ids after substitution (GSUB) are final, apart from the reversal of a
 * right-to-left run, which is kept. Runs from this font therefore carry plain advance widths as
 * their positions; every glyph, every PDF byte and every width pdf-lib computes stay the same.
 */
function withoutGlyphPositioning(font: FontkitFont): FontkitFont {
  const engine = (font as unknown as { _layoutEngine?: Partial<LayoutEngineInternals> })._layoutEngine;
  if (!engine || typeof engine.position !== 'function') {
    throw new SdxError(
      'render-assets-invalid',
      'the installed @pdf-lib/fontkit has no layout engine internals this renderer expects; pin @pdf-lib/fontkit 1.1.x',
    );
  }
  engine.position = (run) => {
    if (run.direction === 'rtl') run.glyphs.reverse();
    run.positions = run.glyphs.map((glyph) => ({ xAdvance: glyph.advanceWidth, yAdvance: 0, xOffset: 0, yOffset: 0 }));
  };
  return font;
}

/**
 * Enough for every label and unit of every layout; each run costs about 2.6 KB. Ids, times and
 * hashes are new in every document, so at 20,000 entries the cache grew each PDF worker's heap by
 * ~0.15 MB per document for ~350 documents before being dropped (seen as RSS growth under load).
 */
const LAYOUT_CACHE_SIZE = 2_000;

/**
 * Shaping a string (GSUB/GPOS lookups) is the costliest part of drawing it, and labels, units and
 * most values repeat from one document to the next. pdf-lib only reads the glyph run a layout
 * returns, so a run can be shared. Least recently used runs go first, so that the one-off strings
 * of each document pass through while the repeated ones stay.
 */
function withLayoutCache(font: FontkitFont): FontkitFont {
  const layout = font.layout.bind(font);
  const runs = new Map<string, ReturnType<FontkitFont['layout']>>();
  font.layout = ((text: string, features?: unknown) => {
    if (features !== undefined) return layout(text, features as Parameters<FontkitFont['layout']>[1]);
    let run = runs.get(text);
    if (run) {
      runs.delete(text); // re-inserted below: a Map iterates in insertion order, oldest first
    } else {
      run = layout(text);
      const oldest = runs.size >= LAYOUT_CACHE_SIZE ? runs.keys().next().value : undefined;
      if (oldest !== undefined) runs.delete(oldest);
    }
    runs.set(text, run);
    return run;
  }) as FontkitFont['layout'];
  return font;
}
