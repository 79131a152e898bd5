import type { PDFDocument, PDFImage } from 'pdf-lib';
import type { Bilingual, ColumnSpec, DocumentLayout, FieldsSection, PhotosSection, Section, TableSection, TextSection } from './layout.schema';
import { blankPage, COLORS, type PageSurface, type PdfCanvas } from './pdf-canvas';
import { CONTENT_WIDTH, FOOTER_BASELINE, MARGIN, PAGE, SIGNATURE_AREA_TOP, signatureBoxes } from './page-geometry';
import { formatBeijingTime } from '../../../domain/shared/beijing-time';
import { drawQrCode } from './qr-code';
import { directPage } from './direct-page';
import { formatValue, isMissing, MISSING, valueAt, type FormatContext } from './value-format';

/** One photo of the gate record, in the order the photo section numbers them. */
export interface PhotoEntry {
  sha256: string;
  mediaType?: string;
  byteLength?: number;
  /** Absent when the caller did not supply the photo's bytes. */
  image?: PDFImage;
}

export interface PageContent {
  title: Bilingual;
  layout: DocumentLayout;
  payload: unknown;
  gateRecord?: unknown;
  photos: readonly PhotoEntry[];
  documentId: string;
  /** The business number people know the document by (EIR, D/O or guarantee number), when the payload has one. */
  businessNumber?: string;
  version: number;
  payloadHash: string;
  verifyUrl: string;
  issuedAt: string;
  issuerName: string;
}

const LEFT = MARGIN.left;
const RIGHT = PAGE.width - MARGIN.right;
const TOP = PAGE.height - MARGIN.top;

const LABEL_SIZE = 6.5;
const VALUE_SIZE = 8.5;
const VALUE_LINE = 10.5;
const CELL_PAD = 3.5;
/** Below the top of a field's cell: the baselines of its label and of its value's first line. */
const FIELD_LABEL_BASELINE = 8;
const FIELD_VALUE_BASELINE = 17.5;
const SECTION_BAR = 13;
const SECTION_GAP = 5;
const TABLE_HEADER = 18;
const TABLE_LINE = 10;
/** A photo thumbnail's frame, the gap between thumbnails, and the lines naming each photo. */
const THUMB = Object.freeze({ width: 76, height: 54 });
const THUMB_GAP = 6;
const PHOTO_LINE = 9;
const PHOTO_TEXT = 6.5;

/**
 * Lays a document out on A4 pages: the first page's title and identity panel (ids, payload hash,
 * QR code), the layout's sections flowing onto further pages (tables repeat their header), the
 * signature area at the foot of the last page, and "Page n / N" footers once N is known.
 *
 * The signature area never stands alone on a page: a dry run first lays the content out without
 * drawing, to learn where it ends. When the last page has no room left for the signature area, the
 * content is laid out again with that area kept clear from that page on, so the blocks that would
 * have overlapped it move to a new last page and the signature boxes go with them.
 */
export class DocumentPages {
  private pages: PageSurface[] = [];
  private page!: PageSurface;
  /** Top of the free space on the current page. */
  private y = 0;
  /** How pages are made: drawn on the document, or blank for the dry run. */
  private newPage: () => PageSurface = blankPage;
  /** Index of the first page whose content stays above the signature area. */
  private clearFrom = Infinity;
  private readonly format: FormatContext;

  constructor(
    private readonly doc: PDFDocument,
    private readonly canvas: PdfCanvas,
    private readonly content: PageContent,
  ) {
    this.format = { photoNumbers: new Map(content.photos.map((photo, index) => [photo.sha256, index + 1])) };
  }

  draw(): void {
    const measured = this.layOut(blankPage, Infinity);
    this.canvas.seedSubset();
    const clearFrom = measured.bottom < SIGNATURE_AREA_TOP ? measured.lastPage : Infinity;
    const drawn = this.layOut(() => directPage(this.doc.addPage([PAGE.width, PAGE.height])), clearFrom);
    // Only a single block taller than a whole page can still reach into the signature area.
    if (drawn.bottom < SIGNATURE_AREA_TOP) this.continuationPage();
    this.signatureArea();
    this.footers();
  }

  /**
   * Lays the title, identity panel and sections out on pages from `newPage`, keeping content above
   * the signature area on pages from index `clearFrom` on; returns where the content ends.
   */
  private layOut(newPage: () => PageSurface, clearFrom: number): { lastPage: number; bottom: number } {
    this.pages = [];
    this.newPage = newPage;
    this.clearFrom = clearFrom;
    this.firstPage();
    for (const section of this.content.layout.sections) {
      const data = section.root === 'gateRecord' ? this.content.gateRecord : this.content.payload;
      if (data === undefined) continue;
      this.section(section, data);
    }
    // Every block (the identity panel, each section) ends with a gap below what it drew.
    return { lastPage: this.pages.length - 1, bottom: this.y + SECTION_GAP };
  }

  // ---- pages -------------------------------------------------------------------------------

  private addPage(): PageSurface {
    this.page = this.newPage();
    this.pages.push(this.page);
    return this.page;
  }

  private firstPage(): void {
    const page = this.addPage();
    const { title } = this.content;
    this.canvas.text(page, title.zh, LEFT, TOP - 18, { size: 20, bold: true, color: COLORS.accent });
    this.canvas.text(page, title.en, LEFT, TOP - 34, { size: 11, color: COLORS.accent });
    this.canvas.textRight(page, 'SDX 电子航运单证', RIGHT, TOP - 12, { size: 8, color: COLORS.muted });
    this.canvas.textRight(page, 'Electronic shipping document', RIGHT, TOP - 22, { size: 7, color: COLORS.muted });
    page.drawLine({ start: { x: LEFT, y: TOP - 41 }, end: { x: RIGHT, y: TOP - 41 }, thickness: 1.2, color: COLORS.accent });
    this.y = TOP - 47;
    this.identityPanel();
  }

  private continuationPage(): void {
    const page = this.addPage();
    const { title, documentId, version } = this.content;
    this.canvas.text(page, `${title.zh} ${title.en}`, LEFT, TOP - 10, { size: 9, bold: true, color: COLORS.accent });
    this.canvas.textRight(page, `${documentId} · v${version}`, RIGHT, TOP - 10, { size: 7, color: COLORS.muted });
    page.drawLine({ start: { x: LEFT, y: TOP - 16 }, end: { x: RIGHT, y: TOP - 16 }, thickness: 0.6, color: COLORS.accent });
    this.y = TOP - 24;
  }

  /**
   * Starts a new page unless `height` points still fit above the bottom margin (above the signature
   * area on the pages that keep it clear).
   */
  private ensure(height: number): boolean {
    const bottom = this.pages.length - 1 >= this.clearFrom ? SIGNATURE_AREA_TOP : MARGIN.bottom;
    if (this.y - height >= bottom) return false;
    this.continuationPage();
    return true;
  }

  // ---- identity panel ------------------------------------------------------------------------

  private identityPanel(): void {
    const { documentId, version, issuedAt, issuerName, payloadHash, verifyUrl } = this.content;
    const page = this.page;
    const qrSize = 64;
    const rightWidth = 168;
    const rightX = RIGHT - rightWidth;
    const leftWidth = rightX - LEFT - 16;
    const labelWidth = 104;
    const valueX = LEFT + 10 + labelWidth;

    const rows: [string, readonly string[]][] = [
      ['单证编号 Document ID', this.canvas.wrap(documentId, leftWidth - labelWidth - 10, VALUE_SIZE)],
      ['版本 Version', [String(version)]],
      ['签发时间 Issued at', [formatBeijingTime(issuedAt) ?? issuedAt]],
      ['签发方 Issuer', this.canvas.wrap(issuerName, leftWidth - labelWidth - 10, VALUE_SIZE)],
    ];
    const hashSize = 7.4;
    // The QR code sits at the panel's right edge, the words that explain it right-aligned beside it.
    const qrX = RIGHT - 6 - qrSize;
    const captionRight = qrX - 4;
    const urlLines = this.canvas.wrap(verifyUrl, captionRight - rightX, 6.5);
    const leftHeight = 10 + rows.reduce((sum, [, lines]) => sum + lines.length * 12, 0) + 12 + 11 + 6;
    const rightHeight = Math.max(5 + qrSize + 5, 26 + (urlLines.length - 1) * 7.5 + 6);
    const height = Math.max(leftHeight, rightHeight);
    const top = this.y;

    page.drawRectangle({ x: LEFT, y: top - height, width: CONTENT_WIDTH, height, color: COLORS.panel });
    let baseline = top - 17;
    for (const [label, lines] of rows) {
      this.canvas.text(page, label, LEFT + 10, baseline + 0.5, { size: LABEL_SIZE, color: COLORS.muted });
      this.canvas.lines(page, lines, valueX, baseline, 12, { size: VALUE_SIZE });
      baseline -= lines.length * 12;
    }
    this.canvas.text(page, '载荷哈希 Payload SHA-256', LEFT + 10, baseline + 0.5, { size: LABEL_SIZE, color: COLORS.muted });
    this.canvas.text(page, payloadHash, LEFT + 10, baseline - 11, { size: hashSize });

    drawQrCode(page, verifyUrl, qrX, top - 5 - qrSize, qrSize);
    this.canvas.textRight(page, '扫码核验 Scan to verify', captionRight, top - 17, { size: 6.5, color: COLORS.muted });
    let urlBaseline = top - 26;
    for (const line of urlLines) {
      this.canvas.textRight(page, line, captionRight, urlBaseline, { size: 6.5, color: COLORS.accent });
      urlBaseline -= 7.5;
    }
    this.y = top - height - SECTION_GAP;
  }

  // ---- sections ------------------------------------------------------------------------------

  private section(section: Section, data: unknown): void {
    switch (section.type) {
      case 'fields':
        return this.fieldsSection(section, data);
      case 'table':
        return this.tableSection(section, data);
      case 'text':
        return this.textSection(section, data);
      case 'photos':
        return this.photosSection(section);
    }
  }

  private sectionBar(title: Bilingual, continued = false): void {
    const page = this.page;
    page.drawRectangle({ x: LEFT, y: this.y - SECTION_BAR, width: CONTENT_WIDTH, height: SECTION_BAR, color: COLORS.accentLight });
    page.drawRectangle({ x: LEFT, y: this.y - SECTION_BAR, width: 2.5, height: SECTION_BAR, color: COLORS.accent });
    const text = `${title.zh}  ${title.en}${continued ? '  （续 continued）' : ''}`;
    this.canvas.text(page, text, LEFT + 8, this.y - 9.5, { size: 8.5, bold: true, color: COLORS.accent });
    this.y -= SECTION_BAR;
  }

  private fieldsSection(section: FieldsSection, data: unknown): void {
    const columnWidth = CONTENT_WIDTH / section.columns;
    type Cell = { label: string; text: string; span: number; lines: readonly string[] };
    const rows: Cell[][] = [];
    let row: Cell[] = [];
    let used = 0;
    for (const field of section.fields) {
      const value = valueAt(data, field.path);
      if (field.hideIfMissing && isMissing(value)) continue;
      const span = Math.min(field.span, section.columns);
      if (used + span > section.columns) {
        rows.push(row);
        row = [];
        used = 0;
      }
      row.push({ label: `${field.label.zh} ${field.label.en}`, text: formatValue(value, field, this.format), span, lines: [] });
      used += span;
    }
    if (row.length > 0) rows.push(row);

    rows.forEach((cells, index) => {
      // The last cell of a short row takes the remaining width, so every row ends at the right edge.
      const spanSum = cells.reduce((sum, cell) => sum + cell.span, 0);
      const last = cells[cells.length - 1];
      if (last) last.span += section.columns - spanSum;
      for (const cell of cells) {
        cell.lines = this.canvas.wrap(cell.text, cell.span * columnWidth - 2 * CELL_PAD, VALUE_SIZE);
      }
      const height = FIELD_VALUE_BASELINE + (Math.max(...cells.map((cell) => cell.lines.length)) - 1) * VALUE_LINE + 4.5;
      if (index === 0) this.startSection(section.title, height);
      else if (this.ensure(height)) this.sectionBar(section.title, true);
      let x = LEFT;
      for (const cell of cells) {
        const width = cell.span * columnWidth;
        this.page.drawRectangle({
          x,
          y: this.y - height,
          width,
          height,
          borderColor: COLORS.rule,
          borderWidth: 0.5,
        });
        this.canvas.text(this.page, cell.label, x + CELL_PAD, this.y - FIELD_LABEL_BASELINE, { size: LABEL_SIZE, color: COLORS.muted });
        this.canvas.lines(this.page, cell.lines, x + CELL_PAD, this.y - FIELD_VALUE_BASELINE, VALUE_LINE, { size: VALUE_SIZE });
        x += width;
      }
      this.y -= height;
    });
    this.y -= SECTION_GAP;
  }

  /** Draws a section's title bar, on a new page if the bar and the first `firstBlock` points do not fit. */
  private startSection(title: Bilingual, firstBlock: number): void {
    this.ensure(SECTION_BAR + firstBlock);
    this.sectionBar(title);
  }

  private tableSection(section: TableSection, data: unknown): void {
    const rowsData = valueAt(data, section.path);
    const items = Array.isArray(rowsData) ? rowsData : [];
    const numberColumn: ColumnSpec = {
      label: { zh: '序号', en: 'No.' },
      path: '#',
      format: 'text',
      width: 1.1,
      hideIfMissing: false,
    };
    const columns = section.numbered ? [numberColumn, ...section.columns] : section.columns;
    const totalWeight = columns.reduce((sum, column) => sum + column.width, 0);
    const widths = columns.map((column) => (column.width / totalWeight) * CONTENT_WIDTH);

    const rowLines = items.map((item, index) =>
      columns.map((column, c) => {
        const text = column === numberColumn ? String(index + 1) : formatValue(valueAt(item, column.path), column, this.format);
        return this.canvas.wrap(text, (widths[c] ?? 0) - 2 * CELL_PAD, VALUE_SIZE);
      }),
    );
    const rowHeight = (lines: (readonly string[])[]) => 4 + Math.max(...lines.map((l) => l.length)) * TABLE_LINE;

    const firstHeight = rowLines[0] ? rowHeight(rowLines[0]) : 18;
    this.startSection(section.title, TABLE_HEADER + firstHeight);
    this.tableHeader(columns, widths);
    if (items.length === 0) {
      this.canvas.text(this.page, `${section.empty.zh} ${section.empty.en}`, LEFT + CELL_PAD, this.y - 12, {
        size: VALUE_SIZE,
        color: COLORS.muted,
      });
      this.y -= 18;
    }
    rowLines.forEach((lines, index) => {
      const height = rowHeight(lines);
      if (this.ensure(height)) {
        this.sectionBar(section.title, true);
        this.tableHeader(columns, widths);
      }
      if (index % 2 === 1) {
        this.page.drawRectangle({ x: LEFT, y: this.y - height, width: CONTENT_WIDTH, height, color: COLORS.zebra });
      }
      let x = LEFT;
      lines.forEach((cellLines, c) => {
        this.canvas.lines(this.page, cellLines, x + CELL_PAD, this.y - 9, TABLE_LINE, { size: VALUE_SIZE });
        x += widths[c] ?? 0;
      });
      this.y -= height;
      this.page.drawLine({ start: { x: LEFT, y: this.y }, end: { x: RIGHT, y: this.y }, thickness: 0.4, color: COLORS.rule });
    });
    this.y -= SECTION_GAP;
  }

  private tableHeader(columns: readonly ColumnSpec[], widths: readonly number[]): void {
    const page = this.page;
    page.drawRectangle({ x: LEFT, y: this.y - TABLE_HEADER, width: CONTENT_WIDTH, height: TABLE_HEADER, color: COLORS.panel });
    let x = LEFT;
    columns.forEach((column, c) => {
      this.canvas.text(page, column.label.zh, x + CELL_PAD, this.y - 8, { size: 7, color: COLORS.ink });
      this.canvas.text(page, column.label.en, x + CELL_PAD, this.y - 15.5, { size: LABEL_SIZE, color: COLORS.muted });
      x += widths[c] ?? 0;
    });
    this.y -= TABLE_HEADER;
    page.drawLine({ start: { x: LEFT, y: this.y }, end: { x: RIGHT, y: this.y }, thickness: 0.6, color: COLORS.accent });
  }

  private textSection(section: TextSection, data: unknown): void {
    const value = valueAt(data, section.path);
    if (section.hideIfMissing && isMissing(value)) return;
    const text = isMissing(value) ? MISSING : String(value);
    const lines = this.canvas.wrap(text, CONTENT_WIDTH - 2 * CELL_PAD - 4, VALUE_SIZE);
    const lineHeight = 11.5;
    this.startSection(section.title, 6 + Math.min(lines.length, 2) * lineHeight);
    this.y -= 4;
    for (const line of lines) {
      if (this.ensure(lineHeight)) {
        this.sectionBar(section.title, true);
        this.y -= 4;
      }
      this.canvas.text(this.page, line, LEFT + CELL_PAD + 2, this.y - 9, { size: VALUE_SIZE });
      this.y -= lineHeight;
    }
    this.y -= SECTION_GAP;
  }

  /**
   * The photos as rows of thumbnails numbered under each, every row followed by one line per photo
   * (number, SHA-256, format and size): a row and its lines are one block, kept on one page.
   */
  private photosSection(section: PhotosSection): void {
    const photos = this.content.photos;
    if (photos.length === 0) return;
    const perRow = Math.floor((CONTENT_WIDTH - 2 * CELL_PAD + THUMB_GAP) / (THUMB.width + THUMB_GAP));
    const rows: PhotoEntry[][] = [];
    for (let start = 0; start < photos.length; start += perRow) rows.push(photos.slice(start, start + perRow));
    const hashX = LEFT + CELL_PAD + 52;
    // The widest a SHA-256 in hex can be, so that every row's details start in one column.
    const hashWidth = 64 * Math.max(...Array.from('0123456789abcdef', (digit) => this.canvas.width(digit, PHOTO_TEXT)));
    const detailsX = hashX + 28 + hashWidth + 10;
    rows.forEach((row, r) => {
      const height = 4 + THUMB.height + 10 + row.length * PHOTO_LINE + 3;
      if (r === 0) this.startSection(section.title, height);
      else if (this.ensure(height)) this.sectionBar(section.title, true);
      const page = this.page;
      const top = this.y - 4;
      row.forEach((photo, i) => {
        const x = LEFT + CELL_PAD + i * (THUMB.width + THUMB_GAP);
        const bottom = top - THUMB.height;
        page.drawRectangle({ x, y: bottom, width: THUMB.width, height: THUMB.height, borderColor: COLORS.rule, borderWidth: 0.5 });
        if (photo.image) {
          const scale = Math.min(THUMB.width / photo.image.width, THUMB.height / photo.image.height);
          const width = photo.image.width * scale;
          const height = photo.image.height * scale;
          page.drawImage(photo.image, { x: x + (THUMB.width - width) / 2, y: bottom + (THUMB.height - height) / 2, width, height });
        } else {
          this.canvas.textCentered(page, '未提供 Not supplied', x + THUMB.width / 2, bottom + THUMB.height / 2 - 2, {
            size: LABEL_SIZE,
            color: COLORS.muted,
          });
        }
        this.canvas.textCentered(page, `#${r * perRow + i + 1}`, x + THUMB.width / 2, bottom - 8, { size: LABEL_SIZE, color: COLORS.muted });
      });
      let baseline = top - THUMB.height - 10 - PHOTO_LINE + 2;
      row.forEach((photo, i) => {
        this.canvas.text(page, `照片 Photo #${r * perRow + i + 1}`, LEFT + CELL_PAD, baseline, { size: PHOTO_TEXT });
        this.canvas.text(page, 'SHA-256', hashX, baseline, { size: PHOTO_TEXT, color: COLORS.muted });
        this.canvas.text(page, photo.sha256, hashX + 28, baseline, { size: PHOTO_TEXT });
        const details = photo.image
          ? `${photo.mediaType ?? ''} · ${photo.image.width} × ${photo.image.height} px · ${photo.byteLength ?? 0} bytes`
          : '未随单证提供 Not supplied; see the archive';
        this.canvas.text(page, details, detailsX, baseline, { size: PHOTO_TEXT, color: COLORS.muted });
        baseline -= PHOTO_LINE;
      });
      this.y -= height;
      page.drawLine({ start: { x: LEFT, y: this.y }, end: { x: RIGHT, y: this.y }, thickness: 0.4, color: COLORS.rule });
    });
    this.y -= SECTION_GAP;
  }

  // ---- signature area and footers ----------------------------------------------------------------

  private signatureArea(): void {
    const page = this.page;
    const captions: [typeof signatureBoxes.issuer, string][] = [
      [signatureBoxes.issuer, '签发方签章 Issuer signature'],
      [signatureBoxes.counter, '相对方签章 Counter-signature'],
    ];
    for (const [box, caption] of captions) {
      this.canvas.text(page, caption, box.x, box.y + box.height + 5, { size: 7, color: COLORS.muted });
      page.drawRectangle({
        x: box.x,
        y: box.y,
        width: box.width,
        height: box.height,
        borderColor: COLORS.rule,
        borderWidth: 0.5,
        borderDashArray: [2, 2],
      });
    }
  }

  private footers(): void {
    const total = this.pages.length;
    const { documentId, version, businessNumber } = this.content;
    const identity = [businessNumber, documentId, `v${version}`].filter((part) => part !== undefined && part !== '').join(' · ');
    this.pages.forEach((page, index) => {
      const n = index + 1;
      page.drawLine({
        start: { x: LEFT, y: FOOTER_BASELINE + 10 },
        end: { x: RIGHT, y: FOOTER_BASELINE + 10 },
        thickness: 0.4,
        color: COLORS.rule,
      });
      this.canvas.text(page, identity, LEFT, FOOTER_BASELINE, { size: 7, color: COLORS.muted });
      this.canvas.textRight(page, `Page ${n} / ${total} 第${n}页 共${total}页`, RIGHT, FOOTER_BASELINE, {
        size: 7,
        color: COLORS.muted,
      });
    });
  }
}
