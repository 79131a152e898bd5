import QRCode from 'qrcode';
import { qrModules } from '../../../../src/adapters/pdf/render/qr-mask';

describe('qrModules', () => {
  it('gives the symbol qrcode gives, mask choice included, for texts of every length up to a few hundred characters', () => {
    const texts: string[] = [];
    for (let i = 0; i < 400; i++) {
      texts.push(`https://sdx.example.cn/verify/sdx-delivery-order-2026-${i}?v=${i % 7}`, `${'x'.repeat(1 + ((i * 7) % 280))}${i}`, `单证-${i}`);
    }
    const patterns = new Set<number>();
    for (const text of texts) {
      const expected = QRCode.create(text, { errorCorrectionLevel: 'M' });
      patterns.add(expected.maskPattern ?? -1);
      const actual = qrModules(text);
      expect(actual.size).toBe(expected.modules.size);
      expect(Buffer.from(actual.data).equals(Buffer.from(expected.modules.data))).toBe(true);
    }
    // The texts exercise every mask, so each one's scoring and format bits are compared.
    expect([...patterns].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
