import { wrapText } from '../../../../src/adapters/pdf/render/text-wrap';

// One unit per character keeps the expected lines easy to read.
const measure = (text: string) => Array.from(text).length;

describe('wrapText', () => {
  it('breaks Latin text at spaces and keeps words whole', () => {
    expect(wrapText('Present at Yangshan gate 3', 12, measure)).toEqual(['Present at', 'Yangshan', 'gate 3']);
  });

  it('breaks between any two Chinese characters', () => {
    expect(wrapText('请于洋山三号闸口提箱', 4, measure)).toEqual(['请于洋山', '三号闸口', '提箱']);
  });

  it('keeps closing punctuation on the line it closes', () => {
    expect(wrapText('请于洋山提箱。', 6, measure)).toEqual(['请于洋山提箱。']);
    // A bracketed name moves whole rather than leaving its closing bracket at a line start.
    expect(wrapText('上海联华（演示）', 7, measure)).toEqual(['上海联华', '（演示）']);
  });

  it('splits an over-long URL after a slash or question mark rather than mid-word', () => {
    expect(wrapText('https://sdx.example.cn/verify/doc-1?v=1', 24, measure)).toEqual([
      'https://sdx.example.cn/',
      'verify/doc-1?v=1',
    ]);
  });

  it('never ends a split line with a hyphen, which pdftotext would join and drop', () => {
    expect(wrapText('sdx-delivery-order-2026', 19, measure)).toEqual(['sdx-delivery-order', '-2026']);
  });

  it('splits a hash with no break opportunities where the width ends', () => {
    expect(wrapText('a'.repeat(10), 4, measure)).toEqual(['aaaa', 'aaaa', 'aa']);
  });

  it('keeps explicit newlines and returns one empty line for empty text', () => {
    expect(wrapText('name\n名称', 10, measure)).toEqual(['name', '名称']);
    expect(wrapText('', 10, measure)).toEqual(['']);
  });

  it('moves a short Chinese name to the next line whole instead of splitting it', () => {
    expect(wrapText('Yangshan Demo Terminal 洋山演示集装箱码头', 24, measure)).toEqual(['Yangshan Demo Terminal', '洋山演示集装箱码头']);
    expect(wrapText('Donghai Trucking 东海运输（演示）', 18, measure)).toEqual(['Donghai Trucking', '东海运输（演示）']);
  });

  it('keeps a short bracketed name together when a long Chinese run must break', () => {
    const lines = wrapText('上海联华国际货运代理有限公司（演示）', 10, measure);
    expect(lines.join('')).toBe('上海联华国际货运代理有限公司（演示）');
    expect(lines.some((line) => line.includes('（演示）'))).toBe(true);
    for (const line of lines) expect(measure(line)).toBeLessThanOrEqual(10);
  });

  it('never splits a number or a Latin word that fits a line', () => {
    expect(wrapText('PEARL HARMONY Voy. 062E IMO 9074729', 14, measure)).toEqual(['PEARL HARMONY', 'Voy. 062E IMO', '9074729']);
    expect(wrapText('毛重 18640 kg', 7, measure)).toEqual(['毛重', '18640', 'kg']);
  });
});
