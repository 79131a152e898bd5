// Times on pages are Beijing wall time in the reader's language, whichever language asked before.
import { formatClock, formatTime } from '../../src/http/pages/i18n';

describe('times shown to people', () => {
  it('formatTime gives Beijing time (UTC+8) in each language, across the day line', () => {
    expect(formatTime('zh-CN', '2026-12-03T09:23:00Z')).toBe('2026年12月3日 17:23（北京时间）');
    expect(formatTime('en', '2026-12-03T16:05:00Z')).toBe('4 Dec 2026, 00:05 (Shanghai)');
    expect(formatTime('zh-CN', Date.parse('2026-12-03T16:05:00Z'))).toBe('2026年12月4日 00:05（北京时间）');
    expect(formatTime('en', 'not a time')).toBe('not a time');
  });

  it('formatClock gives the clock alone for today in Beijing and the day with it otherwise', () => {
    const now = new Date('2026-12-03T10:00:00Z'); // 18:00 in Beijing
    expect(formatClock('zh-CN', '2026-12-03T09:23:00Z', now)).toBe('17:23');
    expect(formatClock('zh-CN', '2026-11-28T02:42:00Z', now)).toBe('11月28日 10:42');
    expect(formatClock('en', '2026-11-28T02:42:00Z', now)).toBe('28 Nov 10:42');
    // Past 16:00 UTC it is already tomorrow in Beijing.
    expect(formatClock('en', '2026-12-03T16:30:00Z', now)).toBe('4 Dec 00:30');
  });

  it('alternating languages never mixes them', () => {
    const at = '2026-06-01T00:00:00Z';
    for (let i = 0; i < 3; i += 1) {
      expect(formatTime('en', at)).toBe('1 Jun 2026, 08:00 (Shanghai)');
      expect(formatTime('zh-CN', at)).toBe('2026年6月1日 08:00（北京时间）');
      expect(formatClock('zh-CN', at, new Date('2026-06-05T00:00:00Z'))).toBe('6月1日 08:00');
      expect(formatClock('en', at, new Date('2026-06-05T00:00:00Z'))).toBe('1 Jun 08:00');
    }
  });
});
