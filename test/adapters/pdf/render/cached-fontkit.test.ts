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
});
