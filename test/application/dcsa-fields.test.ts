import { dcsaDateTime, fitNumber, fitText, headOfNumber } from '../../src/application/dcsa/dcsa-fields';

/** Lengths as JSON Schema's maxLength counts them: code points, not UTF-16 units. */
const codePoints = (value: string): number => Array.from(value).length;

describe('fitting SDX values to DCSA limits', () => {
  it('keeps a name that fits, even when its UTF-16 length is over the limit', () => {
    expect(fitText('𠮷'.repeat(10), 10)).toBe('𠮷'.repeat(10));
    expect(fitText('Yangshan', 8)).toBe('Yangshan');
  });

  it('cuts a longer name to the limit in code points, ending in …, with no space before it', () => {
    const cut = fitText('𠮷'.repeat(11), 10);
    expect([cut, codePoints(cut)]).toEqual([`${'𠮷'.repeat(9)}…`, 10]);
    expect(fitText('Waigaoqiao Empty Depot', 12)).toBe('Waigaoqiao…');
    expect(fitText('码头 A 区 3 号闸口', 6)).toBe('码头 A…');
  });

  it('leaves out a number that does not fit instead of cutting it into another number', () => {
    expect(fitNumber('POCL778812', 15)).toBe('POCL778812');
    expect(fitNumber('CUSTOMS-2026-SHA-1', 15)).toBeUndefined();
  });

  it('keeps the head of a required number and says it was cut', () => {
    expect(headOfNumber('POCL2611PUS0042', 20)).toEqual({ value: 'POCL2611PUS0042', cut: false });
    expect(headOfNumber('POCL2611PUS0042-ORIGINAL', 20)).toEqual({ value: 'POCL2611PUS0042-ORIG', cut: true });
  });

  it('gives a date-time over 30 characters as the same instant in UTC milliseconds', () => {
    expect(dcsaDateTime('2026-11-29T15:05:00+08:00')).toBe('2026-11-29T15:05:00+08:00');
    expect(dcsaDateTime('2026-11-29T15:05:00.123456789+08:00')).toBe('2026-11-29T07:05:00.123Z');
  });
});
