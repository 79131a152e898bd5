// Deliberate damage to signed PDFs, produced by code so each negative test says what it changes.
// Works on the text of classic-xref files (what pdf-lib + placeholder-plain write), with regexes
// that are independent of the verifier's own parser.

export interface SignatureLocation {
  byteRange: [number, number, number, number];
  /** Offsets of the characters between '[' and ']' of the /ByteRange array. */
  rangeTextStart: number;
  rangeTextEnd: number;
}

function latin1(pdf: Uint8Array): string {
  return Buffer.from(pdf).toString('latin1');
}

/** Every /ByteRange in file order. */
export function signatureLocations(pdf: Uint8Array): SignatureLocation[] {
  const text = latin1(pdf);
  return [...text.matchAll(/\/ByteRange\s*\[([^\]]*)\]/g)].map((m) => {
    const numbers = (m[1] as string).trim().split(/\s+/).map(Number) as [number, number, number, number];
    const rangeTextStart = (m.index as number) + m[0].indexOf('[') + 1;
    return { byteRange: numbers, rangeTextStart, rangeTextEnd: rangeTextStart + (m[1] as string).length };
  });
}

function lastSignature(pdf: Uint8Array): SignatureLocation {
  const found = signatureLocations(pdf);
  const last = found[found.length - 1];
  if (!last) throw new Error('no /ByteRange in the PDF');
  return last;
}

/** Flips every bit of one byte inside the first signed range. */
export function flipSignedByte(pdf: Uint8Array, offset = 20): Uint8Array {
  const out = Uint8Array.from(pdf);
  const sig = lastSignature(pdf);
  if (offset >= sig.byteRange[1]) throw new Error('offset is not inside the first signed range');
  out[offset] = (out[offset] as number) ^ 0xff;
  return out;
}

/** Rewrites the last /ByteRange in place (same length, padded with spaces). */
export function rewriteByteRange(pdf: Uint8Array, range: readonly number[]): Uint8Array {
  const sig = lastSignature(pdf);
  const width = sig.rangeTextEnd - sig.rangeTextStart;
  const text = range.join(' ');
  if (text.length > width) throw new Error('new /ByteRange does not fit');
  const out = Uint8Array.from(pdf);
  out.set(Buffer.from(text.padEnd(width, ' '), 'latin1'), sig.rangeTextStart);
  return out;
}

/** Puts a non-zero byte into the zero padding at the end of the last signature's /Contents. */
export function dirtyContentsPadding(pdf: Uint8Array): Uint8Array {
  const sig = lastSignature(pdf);
  const close = sig.byteRange[2] - 1;
  if (pdf[close] !== 0x3e) throw new Error('the /ByteRange gap does not end with >');
  const out = Uint8Array.from(pdf);
  out.set(Buffer.from('01', 'latin1'), close - 2);
  return out;
}

/** The page object (last definition) and its content stream object number. */
export function firstPage(pdf: Uint8Array): { num: number; body: string; contentsNum: number } {
  const text = latin1(pdf);
  const pages = [...text.matchAll(/(?<!\d)(\d{1,10}) 0 obj\s*(<<(?:(?!endobj)[^])*?\/Type\s*\/Page\b(?:(?!endobj)[^])*?)endobj/g)];
  const page = pages[pages.length - 1];
  if (!page) throw new Error('no page object found');
  const contents = /\/Contents\s*\[?\s*(\d+) 0 R\s*\]?/.exec(page[2] as string);
  if (!contents) throw new Error('page has no indirect /Contents');
  return { num: Number(page[1]), body: (page[2] as string).trim(), contentsNum: Number(contents[1]) };
}

/** The highest object number used so far (for new objects in an update). */
/** One byte flipped inside the first page's content stream: structure intact, signed bytes changed. */
export function flipPageContentByte(pdf: Uint8Array): Uint8Array {
  const text = Buffer.from(pdf).toString('latin1');
  const { contentsNum } = firstPage(pdf);
  const object = new RegExp(`(?<!\\d)${contentsNum} 0 obj`).exec(text);
  if (!object) throw new Error('page content object not found');
  const streamStart = text.indexOf('stream', object.index) + 'stream'.length + 1;
  const out = Uint8Array.from(pdf);
  out[streamStart + 20] = (out[streamStart + 20] as number) ^ 0xff;
  return out;
}

export function nextObjectNumber(pdf: Uint8Array): number {
  const nums = [...latin1(pdf).matchAll(/(?<!\d)(\d{1,10}) 0 obj/g)].map((m) => Number(m[1]));
  return Math.max(0, ...nums) + 1;
}

/** Appends an incremental update (objects + classic xref section + trailer with /Prev). */
export function appendIncrementalUpdate(pdf: Uint8Array, objects: readonly { num: number; body: string }[]): Uint8Array {
  const text = latin1(pdf);
  const trailers = [...text.matchAll(/trailer\s*<<([^]*?)>>\s*startxref\s+(\d+)/g)];
  const last = trailers[trailers.length - 1];
  if (!last) throw new Error('no classic trailer found');
  const trailer = last[1] as string;
  const root = /\/Root\s+(\d+ \d+ R)/.exec(trailer)?.[1];
  const info = /\/Info\s+(\d+ \d+ R)/.exec(trailer)?.[1];
  const size = Number(/\/Size\s+(\d+)/.exec(trailer)?.[1] ?? 0);
  const prev = Number(last[2]);
  let body = text.endsWith('\n') ? '' : '\n';
  const offsets: { num: number; offset: number }[] = [];
  for (const object of objects) {
    offsets.push({ num: object.num, offset: pdf.length + Buffer.byteLength(body, 'latin1') });
    body += `${object.num} 0 obj\n${object.body}\nendobj\n`;
  }
  const xrefOffset = pdf.length + Buffer.byteLength(body, 'latin1');
  body += 'xref\n';
  for (const { num, offset } of [...offsets].sort((a, b) => a.num - b.num)) {
    body += `${num} 1\n${String(offset).padStart(10, '0')} 00000 n \n`;
  }
  const newSize = Math.max(size, ...objects.map((o) => o.num + 1));
  body += `trailer\n<< /Size ${newSize} /Root ${String(root)}${info ? ` /Info ${info}` : ''} /Prev ${prev} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return new Uint8Array(Buffer.concat([Buffer.from(pdf), Buffer.from(body, 'latin1')]));
}

/** An update that draws new text on the first page through an extra content stream. */
export function appendContentOverlay(pdf: Uint8Array, text = 'RELEASED TO ANYONE'): Uint8Array {
  const page = firstPage(pdf);
  const streamNum = nextObjectNumber(pdf);
  const content = `BT /F1 24 Tf 50 700 Td (${text}) Tj ET`;
  const pageBody = page.body.replace(/\/Contents\s*\[?\s*\d+ 0 R\s*\]?/, `/Contents [${page.contentsNum} 0 R ${streamNum} 0 R]`);
  return appendIncrementalUpdate(pdf, [
    { num: streamNum, body: `<< /Length ${content.length} >>\nstream\n${content}\nendstream` },
    { num: page.num, body: pageBody },
  ]);
}

/** An update that adds a FreeText annotation to the first page. */
export function appendAnnotation(pdf: Uint8Array): Uint8Array {
  const page = firstPage(pdf);
  const annotNum = nextObjectNumber(pdf);
  const annots = /\/Annots\s*\[([^\]]*)\]/.exec(page.body);
  const pageBody = annots
    ? page.body.replace(/\/Annots\s*\[([^\]]*)\]/, `/Annots [${annots[1] as string} ${annotNum} 0 R]`)
    : page.body.replace(/>>\s*$/, `/Annots [${annotNum} 0 R] >>`);
  return appendIncrementalUpdate(pdf, [
    { num: annotNum, body: `<< /Type /Annot /Subtype /FreeText /Rect [50 650 400 700] /Contents (Released to bearer) /DA (/Helv 18 Tf 0 g) >>` },
    { num: page.num, body: pageBody },
  ]);
}

/** An update that redefines the first page's content stream object with other text. */
export function redefinePageContent(pdf: Uint8Array, text = 'Delivery order DO-TEST-1: release container XXXX9999999'): Uint8Array {
  const page = firstPage(pdf);
  const content = `BT /F1 12 Tf 50 780 Td (${text}) Tj ET`;
  return appendIncrementalUpdate(pdf, [{ num: page.contentsNum, body: `<< /Length ${content.length} >>\nstream\n${content}\nendstream` }]);
}
