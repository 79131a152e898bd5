import { retryAfterMs } from '../../src/cli/import-client';
import { ImportProgress } from '../../src/cli/import-progress';

describe('import progress', () => {
  it('off a terminal, prints a line each tenth with the rate so far', () => {
    const lines: string[] = [];
    let now = 0;
    const progress = new ImportProgress(200, { line: (t) => lines.push(t) }, () => now);
    for (let done = 1; done <= 200; done += 1) {
      now = done * 50;
      progress.update(done);
    }
    progress.finish();
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('sent 20/200 lines (10%), 20 lines/s');
    expect(lines[9]).toBe('sent 200/200 lines (100%), 20 lines/s');
  });

  it('on a terminal, redraws one bar at most ten times a second, always the last, then ends its line', () => {
    const drawn: string[] = [];
    let now = 0;
    const progress = new ImportProgress(100, { line: () => undefined, redraw: (t) => drawn.push(t) }, () => now);
    for (let done = 1; done <= 100; done += 1) {
      now = done * 10;
      progress.update(done);
    }
    progress.finish();
    expect(drawn.length).toBeLessThanOrEqual(12);
    expect(drawn.at(-2)).toBe(`\r[${'#'.repeat(30)}] 100/100 lines (100%), 100 lines/s`);
    expect(drawn.at(-1)).toBe('\n');
  });
});

describe('Retry-After', () => {
  it('reads seconds or an HTTP date, and ignores what it cannot read', () => {
    const now = Date.parse('2026-11-28T00:00:00Z');
    expect(retryAfterMs('5', now)).toBe(5000);
    expect(retryAfterMs('Sat, 28 Nov 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
