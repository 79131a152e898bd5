// A second baseline for the PDF bench that none of SDX's renderer work can speed up: the usual stack
// used the usual way. pdf-lib with fontkit embeds the font as a subset for every document, draws
// every field of the payload as a label and its value (pdf-lib wraps them), draws the verify QR
// code as a PNG from `qrcode`, and @signpdf signs with node-forge's P12 signer.
import fontkit from '@pdf-lib/fontkit';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { P12Signer } from '@signpdf/signer-p12';
import signpdf from '@signpdf/signpdf';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 40;

/** Every leaf of the payload as [path, text], in document order. */
function fields(value: unknown, path = ''): [string, string][] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => fields(item, `${path}[${i + 1}]`));
  if (typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => fields(inner, path ? `${path}.${key}` : key));
  return [[path, String(value)]];
}

export async function plainPdfLibSigned(fontBytes: Uint8Array, title: string, payload: unknown, verifyUrl: string, p12: Buffer): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(fontBytes, { subset: true });
  let page: PDFPage = doc.addPage(A4);
  let y = A4[1] - MARGIN;
  page.drawText(title, { x: MARGIN, y: y - 18, size: 18, font });
  const qr = await doc.embedPng(await QRCode.toBuffer(verifyUrl, { type: 'png', margin: 1, width: 240 }));
  page.drawImage(qr, { x: A4[0] - MARGIN - 90, y: y - 90, width: 90, height: 90 });
  y -= 110;
  const line = (font_: PDFFont, label: string, text: string) => {
    const height = Math.max(1, Math.ceil(font_.widthOfTextAtSize(text, 9) / 330)) * 12 + 6;
    if (y - height < MARGIN) {
      page = doc.addPage(A4);
      y = A4[1] - MARGIN;
    }
    page.drawRectangle({ x: MARGIN, y: y - height, width: A4[0] - 2 * MARGIN, height, borderColor: rgb(0.6, 0.6, 0.6), borderWidth: 0.5 });
    page.drawText(label, { x: MARGIN + 4, y: y - 12, size: 8, font: font_, color: rgb(0.3, 0.3, 0.3) });
    page.drawText(text, { x: MARGIN + 170, y: y - 12, size: 9, font: font_, maxWidth: 330, lineHeight: 12 });
    y -= height;
  };
  for (const [label, text] of fields(payload)) line(font, label, text);
  return signWithSignpdf(await doc.save({ useObjectStreams: false }), p12);
}

/** What @signpdf users do: a plain placeholder, then node-forge's P12 signer (adbe.pkcs7.detached). */
export function signWithSignpdf(pdf: Uint8Array, p12: Buffer): Promise<Buffer> {
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: Buffer.from(pdf),
    reason: 'Issued',
    contactInfo: '',
    name: 'Baseline signer',
    location: 'Shanghai',
    signatureLength: 8192,
  });
  return signpdf.sign(withPlaceholder, new P12Signer(p12, { passphrase: 'bench' }));
}
