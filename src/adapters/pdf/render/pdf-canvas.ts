import {
  popGraphicsState,
  pushGraphicsState,
  rgb,
  setLineWidth,
  setStrokingColor,
  setTextRenderingMode,
  TextRenderingMode,
  type PDFFont,
  type PDFPage,
  type RGB,
} from 'pdf-lib';
import { subsetTextEncoder } from './subset-text';
import { wrapText } from './text-wrap';

export const COLORS = Object.freeze({
  ink: rgb(0.11, 0.12, 0.14),
  muted: rgb(0.42, 0.45, 0.5),
  accent: rgb(0.08, 0.22, 0.4),
  accentLight: rgb(0.9, 0.93, 0.97),
  rule: rgb(0.72, 0.75, 0.8),
  panel: rgb(0.955, 0.962, 0.972),
  zebra: rgb(0.975, 0.979, 0.985),
  white: rgb(1, 1, 1),
});

export interface TextStyle {
  size: number;
  color?: RGB;
  /** Simulated with a thin outline stroke: one embedded font keeps the file small. */
  bold?: boolean;
}

/** What a layout draws on: a pdf-lib page, or a page that draws nothing for a layout's dry run. */
export type PageSurface = Pick<PDFPage, 'drawText' | 'drawRectangle' | 'drawLine' | 'drawImage' | 'pushOperators' | 'setFont'>;

/** Takes every drawing operation and keeps nothing: a dry run lays a document out on it to measure. */
export function blankPage(): PageSurface {
  const ignore = (): void => undefined;
  return { drawText: ignore, drawRectangle: ignore, drawLine: ignore, drawImage: ignore, pushOperators: ignore, setFont: ignore };
}

/**
 * Widths of strings at 1 pt and wrapped values, shared by every document a renderer draws (same font,
 * same widths): labels, party names, ports and units repeat from one document to the next, and
 * wrapping a value measures it piece by piece.
 */
export class TextMeasures {
  private readonly widths = new Map<string, number>();
  private readonly wrapped = new Map<string, readonly string[]>();
  constructor(private readonly limit = 20_000) {}

  width(font: PDFFont, text: string, size: number): number {
    let width = this.widths.get(text);
    if (width === undefined) {
      width = font.widthOfTextAtSize(text, 1);
      // A bound keeps a long-running service from growing without end; refilling is cheap.
      if (this.widths.size >= this.limit) this.widths.clear();
      this.widths.set(text, width);
    }
    return width * size;
  }

  wrap(font: PDFFont, text: string, maxWidth: number, size: number): readonly string[] {
    const key = `${size} ${maxWidth} ${text}`;
    let lines = this.wrapped.get(key);
    if (!lines) {
      lines = wrapText(text, maxWidth, (s) => this.width(font, s, size));
      if (this.wrapped.size >= this.limit / 10) this.wrapped.clear();
      this.wrapped.set(key, lines);
    }
    return lines;
  }
}

/** Seed texts kept per subset base: one per set of characters beyond the base that documents drew. */
const SEEDS_KEPT = 256;

/**
 * The characters every font subset of one layout starts with (printable ASCII, the title, the
 * layout's words), sorted once; a document adds only the characters of its values beyond them.
 */
export class SubsetBase {
  private readonly characters: ReadonlySet<string>;
  private readonly sorted: readonly string[];
  private readonly seeds = new Map<string, string>();
  private readonly holdsPrintableAscii: boolean;

  constructor(text: string) {
    this.characters = new Set(text);
    this.sorted = [...this.characters].sort();
    this.holdsPrintableAscii = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).every((c) => this.characters.has(c));
  }

  /** Adds the characters of `text` that the base lacks to `into`. */
  addBeyond(text: string, into: Set<string>): void {
    if (this.holdsPrintableAscii && PRINTABLE_ASCII_ONLY.test(text)) return; // most values: nothing to look at
    for (const character of text) if (!this.characters.has(character)) into.add(character);
  }

  /**
   * The base and `extra` (characters not in the base) in code point order, spaced out so that no
   * two of them shape into a ligature.
   */
  seedText(extra: ReadonlySet<string>): string {
    const more = [...extra].sort();
    const key = more.join('');
    let seed = this.seeds.get(key);
    if (seed === undefined) {
      seed = (more.length === 0 ? this.sorted : [...this.sorted, ...more].sort()).join(' ');
      if (this.seeds.size >= SEEDS_KEPT) this.seeds.clear();
      this.seeds.set(key, seed);
    }
    return seed;
  }
}

/** Printable ASCII only: every subset base holds all of it. */
const PRINTABLE_ASCII_ONLY = /^[\x20-\x7e]*$/;

/** Text drawing with the document's one font, measured through the shared width cache. */
export class PdfCanvas {
  private readonly pagesWithFont = new WeakSet<PageSurface>();
  /** Characters drawn so far (the layout's dry run included) that the base lacks, until the subset is seeded. */
  private readonly beyondBase = new Set<string>();
  private seeded = false;

  constructor(
    readonly font: PDFFont,
    private readonly measures: TextMeasures,
    private readonly subsetBase: SubsetBase,
  ) {}

  /**
   * Puts the glyphs of the subset base and of every text drawn so far into the font subset first,
   * in code point order, so that documents drawing the same characters get the same subset (with
   * the same glyph numbers), whatever order their values came in: the renderer then reuses that
   * subset's bytes.
   */
  seedSubset(): void {
    subsetTextEncoder(this.font)(this.subsetBase.seedText(this.beyondBase));
    this.seeded = true;
  }

  width(text: string, size: number): number {
    return this.measures.width(this.font, text, size);
  }

  wrap(text: string, maxWidth: number, size: number): readonly string[] {
    return this.measures.wrap(this.font, text, maxWidth, size);
  }

  text(page: PageSurface, text: string, x: number, y: number, style: TextStyle): void {
    if (text === '') return;
    if (!this.seeded) this.subsetBase.addBeyond(text, this.beyondBase);
    const color = style.color ?? COLORS.ink;
    if (style.bold) {
      page.pushOperators(
        pushGraphicsState(),
        setTextRenderingMode(TextRenderingMode.FillAndOutline),
        setLineWidth(style.size * 0.035),
        setStrokingColor(color),
      );
    }
    // Passing `font` to drawText would add a new font resource name to the page on every call.
    if (!this.pagesWithFont.has(page)) {
      page.setFont(this.font);
      this.pagesWithFont.add(page);
    }
    page.drawText(text, { x, y, size: style.size, color });
    if (style.bold) page.pushOperators(popGraphicsState());
  }

  textRight(page: PageSurface, text: string, right: number, y: number, style: TextStyle): void {
    this.text(page, text, right - this.width(text, style.size), y, style);
  }

  textCentered(page: PageSurface, text: string, center: number, y: number, style: TextStyle): void {
    this.text(page, text, center - this.width(text, style.size) / 2, y, style);
  }

  /** Draws lines top-down from the baseline `y`; returns the baseline after the last line. */
  lines(page: PageSurface, lines: readonly string[], x: number, y: number, lineHeight: number, style: TextStyle): number {
    let baseline = y;
    for (const line of lines) {
      this.text(page, line, x, baseline, style);
      baseline -= lineHeight;
    }
    return baseline;
  }
}
