import { PDFArray, PDFDocument, PDFContentStream, rgb, StandardFonts, type PDFPage } from 'pdf-lib';
import { directPage } from '../../../../src/adapters/pdf/render/direct-page';
import type { PageSurface } from '../../../../src/adapters/pdf/render/pdf-canvas';

/** The drawings the layout makes, and a few it does not (so the fallbacks are covered too). */
function drawAll(page: PageSurface, font: Parameters<PageSurface['setFont']>[0]): void {
  page.setFont(font);
  page.drawText('Delivery order 1.5e-7', { x: 42, y: 783.89, size: 20, color: rgb(0.08, 0.22, 0.4) });
  page.drawText('two\nlines\twith a tab', { x: 0.0000001, y: 10, size: 6.5, color: rgb(0.42, 0.45, 0.5) });
  page.drawText('no colour given', { x: 5, y: 5, size: 8 });
  page.drawRectangle({ x: 42, y: 667.89, width: 511.28, height: 87, color: rgb(0.955, 0.962, 0.972) });
  page.drawRectangle({ x: 1, y: 2, width: 3, height: 4, borderColor: rgb(0.72, 0.75, 0.8), borderWidth: 0.5, borderDashArray: [2, 2] });
  page.drawRectangle({ x: 1, y: 2, width: 3, height: 4, color: rgb(1, 1, 1), borderColor: rgb(0, 0, 0), borderWidth: 1 });
  page.drawRectangle({ x: 1, y: 2, width: 3, height: 4, color: rgb(1, 1, 1), opacity: 0.5 });
  page.drawLine({ start: { x: 42, y: 30 }, end: { x: 553.28, y: 30 }, thickness: 0.4, color: rgb(0.72, 0.75, 0.8) });
  page.drawLine({ start: { x: 0, y: 0 }, end: { x: 1, y: 1 } });
}

async function contentOf(draw: (page: PDFPage) => PageSurface): Promise<string> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595.28, 841.89]);
  drawAll(draw(page), font);
  const contents = page.node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((ref) => doc.context.lookup(ref)) : [contents];
  return streams
    .map((stream) => {
      if (stream instanceof PDFContentStream) return stream.getContentsString();
      throw new Error('a page content stream pdf-lib did not build');
    })
    .join('');
}

describe('directPage', () => {
  it('writes the same operators, byte for byte, as pdf-lib’s drawing API', async () => {
    const expected = await contentOf((page) => page);
    const actual = await contentOf(directPage);
    expect(actual).toContain('BT');
    expect(actual).toBe(expected);
  });
});
