import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { createHash } from 'node:crypto';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  PDFString,
  PDFHexString,
  decodePDFRawStream,
} from 'pdf-lib';
import * as fontkit from '@pdf-lib/fontkit';
import { PNG } from 'pngjs';
import {
  DocumentRenderer,
  loadRenderAssets,
  signatureBoxes,
  type RenderAssets,
} from '../../../../src/adapters/pdf/render/render-document';
import type { DocumentLayout, ValueSpec } from '../../../../src/adapters/pdf/render/layout.schema';
import { PAGE } from '../../../../src/adapters/pdf/render/page-geometry';
import type { DocumentKind } from '../../../../src/domain/document/document';
import { kindTitle, validatePayload } from '../../../../src/domain/document/document-kinds';
import { formatBeijingTime, isIsoDateTime } from '../../../../src/domain/shared/beijing-time';
import { SdxError } from '../../../../src/domain/shared/errors';
import { exampleJson } from '../../../support/examples';
import { itWith } from '../../../support/external-tools';
import {
  allKinds,
  containerNumbers,
  exampleInput,
  gateRecordWith,
  leaves,
  pdfText,
  photoFixture,
  run,
  squash,
  workDir,
  writePdf,
  templatesDir,
} from './render-test-kit';

let assets: RenderAssets;
let renderer: DocumentRenderer;
const examplePdfs = new Map<DocumentKind, { path: string; bytes: Uint8Array }>();

beforeAll(async () => {
  assets = await loadRenderAssets(templatesDir);
  renderer = await DocumentRenderer.create(assets);
  for (const kind of allKinds) {
    const bytes = await renderer.render(exampleInput(kind));
    examplePdfs.set(kind, { path: writePdf(`example-${kind}`, bytes), bytes });
  }
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function example(kind: DocumentKind): { path: string; bytes: Uint8Array } {
  const found = examplePdfs.get(kind);
  if (!found) throw new Error(`no rendered example for ${kind}`);
  return found;
}

/** Enum-formatted values by payload path without indices (`seals.type`), from a layout's sections. */
function enumSpecs(layout: DocumentLayout, root: 'payload' | 'gateRecord'): Map<string, ValueSpec> {
  const specs = new Map<string, ValueSpec>();
  for (const section of layout.sections) {
    if (section.root !== root) continue;
    // A `seals` field labels each seal's type (`seals.type`) from its enum.
    if (section.type === 'fields') section.fields.filter((f) => f.enum).forEach((f) => specs.set(f.format === 'seals' ? `${f.path}.type` : f.path, f));
    if (section.type === 'table') section.columns.filter((c) => c.enum).forEach((c) => specs.set(`${section.path}.${c.path}`, c));
  }
  return specs;
}

/** Leaves of `data` that pdftotext does not give back (compared with all whitespace removed). */
function missingLeaves(data: unknown, layout: DocumentLayout, root: 'payload' | 'gateRecord', pdfPath: string): string[] {
  const text = pdfText(pdfPath);
  const haystacks = [squash(text.layout), squash(text.raw)];
  const enums = enumSpecs(layout, root);
  return leaves(data)
    .filter(({ path, value }) => {
      const spec = enums.get(path.replace(/\[\d+\]/g, ''));
      const label = spec?.enum?.[String(value)];
      // Instants are shown in Beijing time ("2026-11-28 10:42 北京时间 (UTC+8)").
      const shown = typeof value === 'string' && isIsoDateTime(value) ? (formatBeijingTime(value) ?? value) : String(value);
      const expected = label ? [label.zh, label.en] : [shown];
      return !expected.every((needle) => haystacks.some((haystack) => haystack.includes(squash(needle))));
    })
    .map(({ path, value }) => `${path} = ${String(value)}`);
}

async function decodeQr(pdfPath: string, page = 1): Promise<string | undefined> {
  const prefix = join(workDir, `qr-${Date.now()}-${page}`);
  run('pdftoppm', ['-png', '-r', '150', '-f', String(page), '-l', String(page), '-singlefile', pdfPath, prefix]);
  const png = PNG.sync.read(readFileSync(`${prefix}.png`));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

describe('rendering the example payloads', () => {
  describe.each(allKinds.map((kind) => [kind]))('%s', (kind) => {
    itWith('pdftotext')('shows the Chinese and English title and every section and field label', () => {
      const { layout: text } = pdfText(example(kind).path);
      const title = kindTitle(kind);
      expect(text).toContain(title.zh);
      expect(text).toContain(title.en);
      const payload = exampleJson(kind);
      for (const section of assets.layouts[kind].sections) {
        if (section.root === 'gateRecord') continue;
        expect(text).toContain(section.title.zh);
        expect(text).toContain(section.title.en);
        const labelled = section.type === 'fields' ? section.fields : section.type === 'table' ? section.columns : [];
        for (const field of labelled) {
          const absent = section.type === 'fields' && field.hideIfMissing && !field.path.split('.').reduce<unknown>(
            (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
            payload,
          );
          if (absent) continue;
          // Fields show "中文 English" on one line; table headers put the English under the Chinese.
          if (section.type === 'fields') expect(squash(text)).toContain(squash(`${field.label.zh} ${field.label.en}`));
          expect(squash(text)).toContain(squash(field.label.zh));
          expect(squash(text)).toContain(squash(field.label.en));
        }
      }
    });

    itWith('pdftotext')('shows every leaf value of the payload', () => {
      const parsed = validatePayload(kind, exampleJson(kind));
      if (!parsed.ok) throw new Error('example is invalid');
      expect(missingLeaves(parsed.value, assets.layouts[kind], 'payload', example(kind).path)).toEqual([]);
    });

    itWith('pdftotext')('shows the document id, version, full payload hash, issue time, issuer and verify URL', () => {
      const input = exampleInput(kind);
      const { layout, raw } = pdfText(example(kind).path);
      for (const needle of [input.documentId, input.payloadHash]) {
        expect(layout).toContain(needle);
      }
      expect(layout).toMatch(/签发时间 Issued at\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间 \(UTC\+8\)/);
      expect(layout).toContain(formatBeijingTime(input.issuedAt));
      // The issuer's name may wrap between its English and Chinese parts, never inside a word.
      expect(squash(layout)).toContain(squash(input.issuerName));
      expect(layout).toMatch(/版本 Version\s+1\b/);
      expect(squash(raw)).toContain(squash(input.verifyUrl));
      expect(layout).toContain('签发方签章 Issuer signature');
      expect(layout).toContain('相对方签章 Counter-signature');
      expect(layout).toContain('Page 1 / 1 第1页 共1页');
    });

    itWith('pdffonts')('embeds every font, as a subset', () => {
      const rows = run('pdffonts', [example(kind).path]).trim().split('\n').slice(2);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        // name type encoding emb sub uni object ID: the tag before "+" marks a subset.
        expect(row).toMatch(/^[A-Z]{6}\+NotoSansSC-Regular\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s/);
      }
    });

    itWith('pdfinfo')('is one A4 page under 200 KB with dates taken from issuedAt', () => {
      const info = run('pdfinfo', ['-isodates', example(kind).path]);
      expect(info).toMatch(/^Pages:\s+1$/m);
      expect(info).toMatch(/^Page size:\s+595\.28 x 841\.89 pts \(A4\)/m);
      expect(info).toMatch(/^CreationDate:\s+2026-11-28T01:30:00Z$/m);
      expect(info).toMatch(/^ModDate:\s+2026-11-28T01:30:00Z$/m);
      expect(statSync(example(kind).path).size).toBeLessThan(200 * 1024);
    });

    itWith('qpdf')('passes qpdf --check', () => {
      expect(run('qpdf', ['--check', example(kind).path])).toContain('No syntax or stream encoding errors found');
    });

    itWith('pdftoppm')('has a QR code that decodes to the verify URL', async () => {
      expect(await decodeQr(example(kind).path)).toBe(exampleInput(kind).verifyUrl);
    });
  });
});

describe('the output file', () => {
  it('is byte-identical for the same input, from a warm and from a fresh renderer', async () => {
    const input = exampleInput('delivery-order');
    const again = await renderer.render(input);
    const fresh = await (await DocumentRenderer.create(await loadRenderAssets(templatesDir))).render(input);
    expect(Buffer.from(again).equals(Buffer.from(example('delivery-order').bytes))).toBe(true);
    expect(Buffer.from(fresh).equals(Buffer.from(again))).toBe(true);
  });

  it('differs when the document differs', async () => {
    const other = await renderer.render({ ...exampleInput('delivery-order'), version: 2 });
    expect(Buffer.from(other).equals(Buffer.from(example('delivery-order').bytes))).toBe(false);
  });

  it('uses a classic xref table, fixed metadata and an /ID derived from the document', async () => {
    const bytes = example('eir').bytes;
    const text = Buffer.from(bytes).toString('latin1');
    expect(text).toMatch(/\nxref\n0 \d+\n/);
    expect(text).not.toContain('/ObjStm');
    expect(text).toMatch(/\/ID \[ <[0-9A-F]{32}> <[0-9A-F]{32}> \]/i);
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    expect(doc.getProducer()).toBe('SDX (pdf-lib)');
    expect(doc.getCreator()).toBe('SDX');
    expect(doc.getCreationDate()?.toISOString()).toBe('2026-11-28T01:30:00.000Z');
    expect(doc.getKeywords()).toContain(`payload-sha256:${exampleInput('eir').payloadHash}`);
  });

  it('keeps every glyph of the font subset decodable (fontkit short-loca bug)', async () => {
    // fontkit 1.1 halves glyph offsets into a short loca but copies odd-length glyphs unpadded;
    // viewers then drew most characters as garbage while pdftotext still read them fine.
    const doc = await PDFDocument.load(example('telex-release-guarantee').bytes);
    const fontFiles = doc.context
      .enumerateIndirectObjects()
      .map(([, object]) => object)
      .filter((object): object is PDFDict => object instanceof PDFDict && object.has(PDFName.of('FontFile2')))
      .map((descriptor) => doc.context.lookup(descriptor.get(PDFName.of('FontFile2'))))
      .filter((stream): stream is PDFRawStream => stream instanceof PDFRawStream);
    expect(fontFiles).toHaveLength(1);
    const [fontFile] = fontFiles;
    if (!fontFile) return;
    const subset = fontkit.create(Buffer.from(decodePDFRawStream(fontFile).decode()));
    expect(subset.numGlyphs).toBeGreaterThan(100);
    let drawn = 0;
    for (let id = 0; id < subset.numGlyphs; id++) {
      let svg = '';
      expect(() => {
        svg = subset.getGlyph(id).path.toSVG();
      }).not.toThrow();
      if (svg !== '') drawn++;
    }
    expect(drawn).toBeGreaterThan(subset.numGlyphs * 0.9);
  });
});

describe('the signature area', () => {
  it('exports two boxes side by side at the foot of the last page, inside the margins', () => {
    const { issuer, counter } = signatureBoxes;
    expect(issuer.page).toBe('last');
    expect(counter.page).toBe('last');
    expect(issuer.x + issuer.width).toBeLessThan(counter.x);
    expect(issuer.y).toBe(counter.y);
    expect(counter.x + counter.width).toBeLessThanOrEqual(PAGE.width - 40);
    expect(issuer.height).toBeGreaterThanOrEqual(50);
  });

  itWith('pdftotext')('is left empty on the last page of every kind', () => {
    for (const kind of allKinds) {
      for (const box of [signatureBoxes.issuer, signatureBoxes.counter]) {
        // pdftotext crops in points from the top-left corner.
        const top = PAGE.height - box.y - box.height;
        const crop = ['-x', `${Math.ceil(box.x + 1)}`, '-y', `${Math.ceil(top + 1)}`, '-W', `${Math.floor(box.width - 2)}`, '-H', `${Math.floor(box.height - 2)}`];
        expect(run('pdftotext', ['-r', '72', ...crop, example(kind).path, '-']).trim()).toBe('');
      }
    }
  });
});

/** A dictionary entry that must be there, followed through indirect references. */
function get<T extends PDFDict | PDFArray | PDFRawStream | PDFNumber | PDFName | PDFString | PDFHexString>(
  doc: PDFDocument,
  dict: PDFDict,
  key: string,
  // pdf-lib's constructors are private, so the class is named by its prototype.
  type: { prototype: T; name: string },
): T {
  const value: unknown = doc.context.lookup(dict.get(PDFName.of(key)));
  if (!(value instanceof (type as unknown as typeof Object))) throw new Error(`/${key} is not a ${type.name}`);
  return value as T;
}

const text = (value: PDFString | PDFHexString): string => value.decodeText();

describe('reserved signature fields', () => {
  it.each(allKinds.map((kind) => [kind]))('%s: an indirect AcroForm with SigFlags 3 lists empty /Sig widgets in the signature boxes of the last page', async (kind) => {
    const bytes = example(kind).bytes;
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    // Indirect, so that a signature never has to rewrite the catalog or the form.
    expect(doc.catalog.get(PDFName.of('AcroForm'))).toBeInstanceOf(PDFRef);
    const acroForm = get(doc, doc.catalog, 'AcroForm', PDFDict);
    expect(get(doc, acroForm, 'SigFlags', PDFNumber).asNumber()).toBe(3);
    const fieldRefs = get(doc, acroForm, 'Fields', PDFArray).asArray();
    const expected = kind === 'delivery-order' ? (['issuer'] as const) : (['issuer', 'counter'] as const);
    expect(fieldRefs).toHaveLength(expected.length);

    const pages = doc.getPages();
    const last = pages[pages.length - 1];
    if (!last) throw new Error('no page');
    const annots = last.node.Annots()?.asArray() ?? [];
    expected.forEach((box, i) => {
      const ref = fieldRefs[i];
      expect(ref).toBeInstanceOf(PDFRef);
      expect(annots).toContain(ref);
      const field = doc.context.lookup(ref, PDFDict);
      expect(get(doc, field, 'Type', PDFName)).toBe(PDFName.of('Annot'));
      expect(get(doc, field, 'Subtype', PDFName)).toBe(PDFName.of('Widget'));
      expect(get(doc, field, 'FT', PDFName)).toBe(PDFName.of('Sig'));
      expect(text(get(doc, field, 'T', PDFString))).toBe(`sdx-${box}`);
      expect(get(doc, field, 'F', PDFNumber).asNumber()).toBe(132);
      expect(field.get(PDFName.of('P'))).toBe(last.ref);
      const b = signatureBoxes[box];
      expect(get(doc, field, 'Rect', PDFArray).asArray().map((n) => (n as PDFNumber).asNumber())).toEqual([b.x, b.y, b.x + b.width, b.y + b.height]);
      // Empty: no value, no appearance; the signature that fills it adds both.
      expect(field.has(PDFName.of('V'))).toBe(false);
      expect(field.has(PDFName.of('AP'))).toBe(false);
    });
    // No other page carries a widget.
    for (const page of pages.slice(0, -1)) expect(page.node.Annots()).toBeUndefined();
  });

  it.each(allKinds.map((kind) => [kind]))('%s: /Info names the kind and the issuing party beside the document id and payload hash', async (kind) => {
    const doc = await PDFDocument.load(example(kind).bytes, { updateMetadata: false });
    const info = doc.context.lookup(doc.context.trailerInfo.Info, PDFDict);
    const input = exampleInput(kind);
    const entry = (key: string): string => {
      const value = info.get(PDFName.of(key));
      if (!(value instanceof PDFString || value instanceof PDFHexString)) throw new Error(`no /${key}`);
      return value.decodeText();
    };
    expect(entry('SDXKind')).toBe(kind);
    expect(entry('SDXIssuer')).toBe(input.issuerPartyId);
    expect(entry('SDXDocumentId')).toBe(input.documentId);
    expect(entry('SDXPayloadSHA256')).toBe(input.payloadHash);
    expect(entry('SDXVersion')).toBe('1');
  });
});

describe('the embedded payload', () => {
  it.each(allKinds.map((kind) => [kind]))('%s: is an associated JSON file whose bytes hash to the payload hash and parse to the payload', async (kind) => {
    const doc = await PDFDocument.load(example(kind).bytes, { updateMetadata: false });
    const af = get(doc, doc.catalog, 'AF', PDFArray).asArray();
    expect(af).toHaveLength(1);
    const names = get(doc, get(doc, get(doc, doc.catalog, 'Names', PDFDict), 'EmbeddedFiles', PDFDict), 'Names', PDFArray).asArray();
    expect(names).toHaveLength(2);
    expect(text(names[0] as PDFString)).toBe('sdx-payload.json');
    // The name tree and /AF point at the same file specification.
    expect(names[1]).toBe(af[0]);
    const spec = doc.context.lookup(af[0], PDFDict);
    expect(get(doc, spec, 'Type', PDFName)).toBe(PDFName.of('Filespec'));
    expect(get(doc, spec, 'AFRelationship', PDFName)).toBe(PDFName.of('Data'));
    expect(text(get(doc, spec, 'F', PDFString))).toBe('sdx-payload.json');
    expect(text(get(doc, spec, 'UF', PDFString))).toBe('sdx-payload.json');
    const ef = get(doc, spec, 'EF', PDFDict);
    expect(ef.get(PDFName.of('F'))).toBe(ef.get(PDFName.of('UF')));
    const file = get(doc, ef, 'F', PDFRawStream);
    expect(get(doc, file.dict, 'Type', PDFName)).toBe(PDFName.of('EmbeddedFile'));
    expect(get(doc, file.dict, 'Subtype', PDFName)).toBe(PDFName.of('application/json'));
    const bytes = decodePDFRawStream(file).decode();
    expect(get(doc, get(doc, file.dict, 'Params', PDFDict), 'Size', PDFNumber).asNumber()).toBe(bytes.length);
    const input = exampleInput(kind);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(input.payloadHash);
    expect(JSON.parse(Buffer.from(bytes).toString('utf8'))).toEqual(input.payload);
    // Written as /Subtype /application#2Fjson, the escaped form of the MIME type.
    expect(Buffer.from(example(kind).bytes).toString('latin1')).toContain('/Subtype /application#2Fjson');
  });

  itWith('pdfdetach')('pdfdetach lists and extracts it', () => {
    const path = example('eir').path;
    expect(run('pdfdetach', ['-list', path])).toContain('1: sdx-payload.json');
    const out = join(workDir, 'extracted-payload.json');
    run('pdfdetach', ['-save', '1', '-o', out, path]);
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(exampleInput('eir').payloadHash);
  });

  it('refuses a payload hash that is not the hash of the payload', async () => {
    const input = exampleInput('delivery-order');
    await expect(renderer.render({ ...input, payloadHash: 'ab'.repeat(32) })).rejects.toMatchObject({
      code: 'render-input-invalid',
      message: expect.stringContaining(input.payloadHash),
    });
  });
});

describe('long documents', () => {
  itWith('pdftotext', 'pdfinfo')('flow 80 containers over several pages, repeating the table header, with page numbers', async () => {
    const numbers = containerNumbers(80);
    const payload = validatePayload('delivery-order', {
      ...exampleJson('delivery-order'),
      containers: numbers.map((number, i) => ({ number, sizeType: i % 2 ? '22G1' : '45G1', sealNumbers: [`SL${100000 + i}`], grossWeightKg: 10000 + i })),
    });
    if (!payload.ok) throw new Error(JSON.stringify(payload.issues));
    const path = writePdf('long-delivery-order', await renderer.render(exampleInput('delivery-order', payload.value)));
    const pages = Number(/^Pages:\s+(\d+)$/m.exec(run('pdfinfo', [path]))?.[1]);
    expect(pages).toBeGreaterThanOrEqual(3);

    const containerPages: number[] = [];
    for (let page = 1; page <= pages; page++) {
      const { layout } = pdfText(path, { first: page, last: page });
      expect(layout).toContain(`Page ${page} / ${pages} 第${page}页 共${pages}页`);
      if (numbers.some((number) => layout.includes(number))) {
        containerPages.push(page);
        expect(layout).toMatch(/箱号\s+箱型\s+铅封号\s+毛重/);
        expect(layout).toMatch(/Container No\.\s+Size \/ type\s+Seal No\.\s+Gross weight/);
        if (page > 1) expect(layout).toContain('集装箱 Containers （续 continued）');
      }
    }
    expect(containerPages.length).toBeGreaterThanOrEqual(2);
    const all = pdfText(path).layout;
    for (const number of numbers) expect(all).toContain(number);
    const last = pdfText(path, { first: pages, last: pages }).layout;
    expect(last).toContain('签发方签章 Issuer signature');
    // The reserved field sits on the last page only.
    const doc = await PDFDocument.load(readFileSync(path), { updateMetadata: false });
    expect(doc.getPages().map((page) => page.node.Annots()?.size() ?? 0)).toEqual([...Array(pages - 1).fill(0), 1]);
  });

  itWith('pdftotext', 'pdfinfo', 'pdfimages')(
    'render an EIR gate record with 40 damage lines and its photos on further pages',
    async () => {
      const photos = [photoFixture('gate-photo-front.jpg', 'image/jpeg'), photoFixture('gate-photo-door.png', 'image/png')];
      const notSupplied = 'ab'.repeat(32);
      const gateRecord = gateRecordWith(40, photos, [notSupplied]);
      const path = writePdf('eir-gate-record', await renderer.render({ ...exampleInput('eir'), gateRecord, photos }));

      const pages = Number(/^Pages:\s+(\d+)$/m.exec(run('pdfinfo', [path]))?.[1]);
      expect(pages).toBeGreaterThanOrEqual(2);
      expect(missingLeaves(gateRecord, assets.layouts.eir, 'gateRecord', path)).toEqual([]);
      for (let page = 1; page <= pages; page++) {
        const { layout } = pdfText(path, { first: page, last: page });
        if (/Panel \d+ 第\d+块/.test(layout)) expect(layout).toMatch(/Component\s+Location\s+Damage\s+Repair\s+Photos/);
      }
      const text = pdfText(path).layout;
      expect(text).toContain('闸口记录 Gate record');
      expect(text).toContain('有残损 Damaged');
      expect(text).toContain('照片 Photo #3');
      expect(text).toContain('未提供 Not supplied');
      // Both supplied photos are embedded once each as images.
      const images = run('pdfimages', ['-list', path]).trim().split('\n').slice(2);
      expect(images.filter((row) => /\bimage\b/.test(row))).toHaveLength(2);
      expect(images.some((row) => /\bjpeg\b/.test(row))).toBe(true);
    },
  );
});

describe('refusals', () => {
  it('refuses photo bytes that do not match their hash', async () => {
    const photo = photoFixture('gate-photo-door.png', 'image/png');
    const forged = { ...photo, sha256: 'cd'.repeat(32) };
    const gateRecord = gateRecordWith(1, [forged]);
    await expect(renderer.render({ ...exampleInput('eir'), gateRecord, photos: [forged] })).rejects.toMatchObject({
      code: 'render-input-invalid',
    });
  });

  it('refuses a gate record on a document that is not an EIR', async () => {
    await expect(
      renderer.render({ ...exampleInput('delivery-order'), gateRecord: gateRecordWith(0, []) }),
    ).rejects.toBeInstanceOf(SdxError);
  });

  it('names the templates directory when assets are missing', async () => {
    await expect(loadRenderAssets(join(workDir, 'no-such-templates'))).rejects.toMatchObject({
      code: 'render-assets-invalid',
      message: expect.stringContaining('templates/'),
    });
  });
});
