import { ColorTypes, numberToString, PDFOperator, type Color, type PDFFont, type PDFOperatorNames, type PDFPage } from 'pdf-lib';
import type { PageSurface } from './pdf-canvas';
import { subsetTextEncoder } from './subset-text';

type DrawTextOptions = NonNullable<Parameters<PDFPage['drawText']>[1]>;
type DrawRectangleOptions = NonNullable<Parameters<PDFPage['drawRectangle']>[0]>;
type DrawLineOptions = Parameters<PDFPage['drawLine']>[0];

/**
 * A page that writes the operators of text, rectangles and lines as finished strings, one content
 * stream entry per drawing, instead of through pdf-lib's drawing API: pdf-lib validates every
 * option and builds an object per number and operator (half of a render's time went there, with
 * the garbage it leaves). The strings are byte for byte what pdf-lib 1.17 writes for the options
 * the layout uses (no rotation, skew, opacity or blend mode), so the pages look and serialise the
 * same; anything else goes to pdf-lib unchanged.
 */
export function directPage(page: PDFPage): PageSurface {
  let font: PDFFont | undefined;
  let encode: ((text: string) => string) | undefined;
  let fontKey = '';
  const push = (text: string): void => page.pushOperators(rawOperators(text));
  return {
    setFont(next: PDFFont): void {
      font = next;
      encode = subsetTextEncoder(next);
      // pdf-lib keeps the resource name it gives the font to itself; it is the entry naming the font's ref.
      page.setFont(next);
      const entry = page.node.normalizedEntries().Font.entries().find(([, value]) => value === next.ref);
      fontKey = entry ? entry[0].toString() : '';
    },
    drawText(text: string, options: DrawTextOptions = {}): void {
      const color = options.color;
      if (!font || !encode || fontKey === '' || options.font || !color || !isPlain(options) || options.size === undefined) {
        page.drawText(text, options);
        return;
      }
      // pdf-lib's cleanText and lineSplit, then drawLinesOfText at the default line height (24).
      const lines = LINE_CONTROL.test(text)
        ? text.replace(/\t|\u0085|\u2028|\u2029/g, '    ').replace(/[\b\v]/g, '').split(/[\n\f\r\u000B]/)
        : [text];
      let block = `q\nBT\n${fill(color)}\n${fontKey} ${num(options.size)} Tf\n24 TL\n1 0 0 1 ${num(options.x ?? 0)} ${num(options.y ?? 0)} Tm`;
      for (const line of lines) block += `\n${encode(line)} Tj\nT*`;
      push(`${block}\nET\nQ`);
    },
    drawRectangle(options: DrawRectangleOptions = {}): void {
      const { color, borderColor } = options;
      if (!isPlain(options) || options.borderLineCap !== undefined || (!color && !borderColor)) {
        page.drawRectangle(options);
        return;
      }
      const borderWidth = options.borderWidth ?? 0;
      const width = num(options.width ?? 150);
      const height = num(options.height ?? 100);
      let block = 'q';
      if (color) block += `\n${fill(color)}`;
      if (borderColor) block += `\n${stroke(borderColor)}`;
      block += `\n${num(borderWidth)} w\n${dash(options.borderDashArray, options.borderDashPhase)}`;
      block += `\n1 0 0 1 ${num(options.x ?? 0)} ${num(options.y ?? 0)} cm\n1 0 0 1 0 0 cm\n1 0 0 1 0 0 cm`;
      block += `\n0 0 m\n0 ${height} l\n${width} ${height} l\n${width} 0 l\nh`;
      block += `\n${color && borderWidth ? 'B' : color ? 'f' : 'S'}\nQ`;
      push(block);
    },
    drawLine(options: DrawLineOptions): void {
      const color = options.color;
      if (!isPlain(options) || !color || options.lineCap !== undefined) {
        page.drawLine(options);
        return;
      }
      const move = `${num(options.start.x)} ${num(options.start.y)} m`;
      push(
        `q\n${stroke(color)}\n${num(options.thickness ?? 1)} w\n${dash(options.dashArray, options.dashPhase)}\n${move}\n${move}\n` +
          `${num(options.end.x)} ${num(options.end.y)} l\nS\nQ`,
      );
    },
    drawImage: (image, options) => page.drawImage(image, options),
    pushOperators: (...operators) => page.pushOperators(...operators),
  };
}

/** What pdf-lib's cleanText and lineSplit change; most drawn text has none of it. */
const LINE_CONTROL = /[\t\u0085\u2028\u2029\b\v\n\f\r]/;

/** A finished block of operators as one content stream entry: pdf-lib writes an operator's name as is. */
export function rawOperators(text: string): PDFOperator {
  return PDFOperator.of(text as PDFOperatorNames);
}

/** No option that would add a rotation, skew or graphics state (ExtGState) to the operators. */
function isPlain(options: {
  rotate?: unknown;
  xSkew?: unknown;
  ySkew?: unknown;
  opacity?: number;
  borderOpacity?: number;
  blendMode?: unknown;
}): boolean {
  return (
    options.rotate === undefined &&
    options.xSkew === undefined &&
    options.ySkew === undefined &&
    options.opacity === undefined &&
    options.borderOpacity === undefined &&
    options.blendMode === undefined
  );
}

const fills = new WeakMap<Color, string>();
const strokes = new WeakMap<Color, string>();

/** A page draws in a handful of colour objects, hundreds of times each. */
function fill(color: Color): string {
  let operator = fills.get(color);
  if (operator === undefined) {
    operator = `${components(color)} ${colorOperator(color, false)}`;
    fills.set(color, operator);
  }
  return operator;
}

function stroke(color: Color): string {
  let operator = strokes.get(color);
  if (operator === undefined) {
    operator = `${components(color)} ${colorOperator(color, true)}`;
    strokes.set(color, operator);
  }
  return operator;
}

function components(color: Color): string {
  switch (color.type) {
    case ColorTypes.Grayscale:
      return num(color.gray);
    case ColorTypes.RGB:
      return `${num(color.red)} ${num(color.green)} ${num(color.blue)}`;
    case ColorTypes.CMYK:
      return `${num(color.cyan)} ${num(color.magenta)} ${num(color.yellow)} ${num(color.key)}`;
  }
}

function colorOperator(color: Color, stroking: boolean): string {
  const name = color.type === ColorTypes.Grayscale ? 'g' : color.type === ColorTypes.RGB ? 'rg' : 'k';
  return stroking ? name.toUpperCase() : name;
}

function dash(array: readonly number[] | undefined, phase: number | undefined): string {
  return `[${(array ?? []).map(num).join(' ')}] ${num(phase ?? 0)} d`;
}

/** pdf-lib's number form: plain decimals, never exponent notation. */
export function num(value: number): string {
  const text = String(value);
  return text.includes('e') ? numberToString(value) : text;
}
