import {
  fill,
  PDFNumber,
  PDFOperator,
  PDFOperatorNames,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  setFillingColor,
} from 'pdf-lib';
import QRCode from 'qrcode';
import type { PageSurface } from './pdf-canvas';

/** Modules of white border a reader needs around the symbol (ISO/IEC 18004 quiet zone). */
export const QR_QUIET_ZONE_MODULES = 4;

/**
 * Draws `text` as a QR code with vector rectangles (one per horizontal run of dark modules) inside
 * a `size`-point square whose lower-left corner is (x, y). The square includes the white quiet
 * zone, so nothing else may be drawn in it. Vector output stays sharp at any zoom and adds about
 * a kilobyte, where an embedded PNG would be blurry or larger.
 */
export function drawQrCode(page: PageSurface, text: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const count = modules.size + 2 * QR_QUIET_ZONE_MODULES;
  const unit = size / count;
  page.drawRectangle({ x, y, width: size, height: size, color: rgb(1, 1, 1) });

  const ops: PDFOperator[] = [pushGraphicsState(), setFillingColor(rgb(0, 0, 0))];
  for (let row = 0; row < modules.size; row++) {
    let col = 0;
    while (col < modules.size) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < modules.size && modules.get(row, col)) col++;
      const left = x + (start + QR_QUIET_ZONE_MODULES) * unit;
      const top = y + size - (row + QR_QUIET_ZONE_MODULES) * unit;
      ops.push(rectangle(left, top - unit, (col - start) * unit, unit));
    }
  }
  ops.push(fill(), popGraphicsState());
  page.pushOperators(...ops);
}

// pdf-lib has no helper for `re`; one `re` per run keeps the content stream short.
function rectangle(x: number, y: number, width: number, height: number): PDFOperator {
  return PDFOperator.of(PDFOperatorNames.AppendRectangle, [x, y, width, height].map((n) => PDFNumber.of(round(n))));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
