import { nextRunAfter, type RenewedArchive } from '../../src/application/archive-renewals';

const DAY = 86_400_000;
const renewed: RenewedArchive = { documentId: 'doc-1', kind: 'delivery-order', seq: 2, expiredAt: '2036-01-01T00:00:00.000Z', renewedUntil: '2045-01-01T00:00:00.000Z', pdfSha256: '0'.repeat(64) };

describe('when the renewal job runs next', () => {
  it('when a run stopped at its limit having renewed some, then the next starts at once', () => {
    expect(nextRunAfter({ more: true, renewed: [renewed] }, DAY)).toBe(0);
  });

  it('when a run stopped at its limit with only failures (a TSA that cannot extend), then the next waits its interval instead of repeating them', () => {
    expect(nextRunAfter({ more: true, renewed: [] }, DAY)).toBe(DAY);
  });

  it('when a run got through every document, then the next waits its interval', () => {
    expect(nextRunAfter({ more: false, renewed: [renewed] }, DAY)).toBe(DAY);
  });
});
