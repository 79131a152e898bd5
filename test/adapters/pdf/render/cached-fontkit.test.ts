import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fontkit from '@pdf-lib/fontkit';
import { cachedFontkit } from '../../../../src/adapters/pdf/render/cached-fontkit';
import { FONT_FILE } from '../../../../src/adapters/pdf/render/render-document';
import { templatesDir } from './render-test-kit';

describe('cachedFontkit', () => {
  const bytes = new Uint8Array(readFileSync(join(templatesDir, FONT_FILE)));

  it('hands pdf-lib the same parsed font for every document instead of parsing the file again', () => {
    const kit = cachedFontkit(bytes);
    expect(kit.create(bytes)).toBe(kit.create(bytes));
  });

  it('parses other font bytes normally', () => {
    const kit = cachedFontkit(bytes);
    expect(kit.create(bytes.slice())).not.toBe(kit.create(bytes));
  });

  it('writes subsets with a long loca, so odd-length glyph records keep exact offsets', async () => {
    const font = cachedFontkit(bytes).create(bytes);
    const subset = font.createSubset();
    const chars = Array.from('提货单Delivery');
    const ids = chars.map((char) => subset.includeGlyph(font.glyphForCodePoint(char.codePointAt(0) ?? 0)));
    const parts: Uint8Array[] = [];
    await new Promise<void>((resolve) => {
      subset
        .encodeStream()
        .on('data', (part) => parts.push(part))
        .on('end', () => resolve());
    });
    const written = fontkit.create(Buffer.concat(parts));
    expect((written as unknown as { head: { indexToLocFormat: number } }).head.indexToLocFormat).toBe(1);
    chars.forEach((char, i) => {
      const original = font.glyphForCodePoint(char.codePointAt(0) ?? 0).path.toSVG();
      expect(original).not.toBe('');
      expect(written.getGlyph(ids[i] ?? 0).path.toSVG()).toBe(original);
    });
  });

  it('lays text out into the glyphs fontkit gives, ligatures, marks, right-to-left runs and ignorables alike', () => {
    // The cached font skips glyph positioning, which pdf-lib never reads; the glyphs must not change.
    const cached = cachedFontkit(bytes).create(bytes);
    const plain = fontkit.create(bytes);
    const texts = [
      'office affluent ﬁ ffl — “quoted” …',
      '鉴于贵司应我司要求在未收回正本提单的情况下向收货人放货，我司承诺赔偿。',
      'zero\u200Bwidth soft\u00ADhyphen e\u0301 한국어 カタカナ ｆｕｌｌ',
      'مرحبا بالعالم שלום עולם 123',
      'http://127.0.0.1:8080/verify/sdx-2026-000042?v=1',
    ];
    for (const text of texts) {
      const expected = plain.layout(text).glyphs;
      const actual = cached.layout(text).glyphs;
      expect(actual.map((glyph) => glyph.id)).toEqual(expected.map((glyph) => glyph.id));
      expect(actual.reduce((sum, glyph) => sum + glyph.advanceWidth, 0)).toBe(expected.reduce((sum, glyph) => sum + glyph.advanceWidth, 0));
    }
  });
});
