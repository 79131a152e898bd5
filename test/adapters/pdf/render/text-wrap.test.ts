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
    expect(wrapText('上海联华（演示）', 7, measure)).toEqual(['上海联华（演示）']);
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
});
