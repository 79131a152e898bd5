import { rgb } from 'pdf-lib';
import type { PageSurface } from './pdf-canvas';
import { num, rawOperators } from './direct-page';
import { qrModules } from './qr-mask';

/** Modules of white border a reader needs around the symbol (ISO/IEC 18004 quiet zone). */
export const QR_QUIET_ZONE_MODULES = 4;

/**
 * Draws `text` as a QR code with vector rectangles (one per horizontal run of dark modules) inside
 * a `size`-point square whose lower-left corner is (x, y). The square includes the white quiet
 * zone, so nothing else may be drawn in it. Vector output stays sharp at any zoom and adds about
 * a kilobyte, where an embedded PNG would be blurry or larger.
 */
export function drawQrCode(page: PageSurface, text: string, x: number, y: number, size: number): void {
  page.drawRectangle({ x, y, width: size, height: size, color: rgb(1, 1, 1) });
  page.pushOperators(rawOperators(symbolOperators(text, x, y, size)));
}

/**
 * A layout draws the identity panel twice (its dry run, then the page), so the last symbol's
 * operators are kept: encoding the QR code is a tenth of a render.
 */
let lastSymbol: { key: string; operators: string } | undefined;

function symbolOperators(text: string, x: number, y: number, size: number): string {
  const key = `${x} ${y} ${size} ${text}`;
  if (lastSymbol?.key === key) return lastSymbol.operators;
  const modules = qrModules(text);
  const dark = (row: number, col: number): boolean => modules.data[row * modules.size + col] === 1;
  const unit = size / (modules.size + 2 * QR_QUIET_ZONE_MODULES);
  const origin = (at: number): string => num(at + QR_QUIET_ZONE_MODULES * unit);

  // One content stream entry for the whole symbol. It is drawn in module units, scaled once by `cm`,
  // so that every rectangle is four small whole numbers: a fraction of the bytes to write and to
  // deflate, and no float to format per run.
  let ops = `q\n${num(unit)} 0 0 ${num(unit)} ${origin(x)} ${origin(y)} cm\n0 0 0 rg`;
  for (let row = 0; row < modules.size; row++) {
    // Rows count down from the top; module units count up from the symbol's lower-left corner.
    const bottom = modules.size - 1 - row;
    let col = 0;
    while (col < modules.size) {
      if (!dark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < modules.size && dark(row, col)) col++;
      // One `re` per run keeps the content stream short.
      ops += `\n${start} ${bottom} ${col - start} 1 re`;
    }
  }
  lastSymbol = { key, operators: `${ops}\nf\nQ` };
  return lastSymbol.operators;
}
