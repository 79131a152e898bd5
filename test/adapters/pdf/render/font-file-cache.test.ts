// The renderer shares one compressed font program among documents that draw the same characters.
// What a document looks like must not depend on what the renderer drew before it.
import { PDFDict, PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { DocumentRenderer, loadRenderAssets, type RenderInput } from '../../../../src/adapters/pdf/render/render-document';
import { canonicalHash } from '../../../../src/domain/shared/canonical-json';
import { exampleInput, templatesDir } from './render-test-kit';

async function freshRenderer(): Promise<DocumentRenderer> {
  return DocumentRenderer.create(await loadRenderAssets(templatesDir));
}

/** The embedded TrueType program (FontFile2) of a PDF's one font, as stored (compressed). */
async function fontProgram(pdf: Uint8Array): Promise<Buffer> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const programs = doc.context
    .enumerateIndirectObjects()
    .flatMap(([, object]) => (object instanceof PDFDict && object.has(PDFName.of('FontFile2')) ? [doc.context.lookup(object.get(PDFName.of('FontFile2')))] : []));
  expect(programs).toHaveLength(1);
  const [program] = programs;
  if (!(program instanceof PDFRawStream)) throw new Error('the font program is not a stored stream');
  return Buffer.from(program.contents);
}

/** The example with a different issuer: new CJK characters, hence a subset with more glyphs. */
function withIssuer(kind: RenderInput['kind'], issuerName: string): RenderInput {
  return { ...exampleInput(kind), issuerName };
}

describe('shared font programs', () => {
  it('documents drawing the same characters share the font program; output does not depend on what came before', async () => {
    const warm = await freshRenderer();
    const first = exampleInput('delivery-order');
    const second: RenderInput = { ...first, documentId: 'sdx-delivery-order-2026-000024', verifyUrl: first.verifyUrl.replace('000042', '000024') };
    const other = withIssuer('delivery-order', '长江航运代理有限公司 Changjiang Shipping Agency');

    const warmFirst = await warm.render(first);
    const warmOther = await warm.render(other);
    const warmSecond = await warm.render(second);

    // Same characters in another order (the id's digits): the same font program, byte for byte.
    expect((await fontProgram(warmSecond)).equals(await fontProgram(warmFirst))).toBe(true);
    // New characters: a program of its own.
    expect((await fontProgram(warmOther)).equals(await fontProgram(warmFirst))).toBe(false);
    // A renderer that drew other documents first gives the bytes a fresh renderer gives.
    for (const [input, warmBytes] of [
      [second, warmSecond],
      [other, warmOther],
    ] as const) {
      const cold = await (await freshRenderer()).render(input);
      expect(Buffer.from(warmBytes).equals(Buffer.from(cold))).toBe(true);
    }
  });

  it('a payload drawn in characters no layout uses still renders: the subset grows beyond its base', async () => {
    const input = exampleInput('telex-release-guarantee');
    const payload = JSON.parse(JSON.stringify(input.payload)) as Record<string, unknown>;
    const pdf = await (await freshRenderer()).render({ ...input, issuerName: '鑫淼犇骉 Rare Glyph Trading', payloadHash: canonicalHash(payload), payload });
    expect((await fontProgram(pdf)).length).toBeGreaterThan((await fontProgram(await (await freshRenderer()).render(input))).length);
  });
});
