import { DEFAULT_THROTTLE, LoginThrottle } from '../../src/http/pages/login-throttle';

const NAT = '203.0.113.7';
const t0 = 1_800_000_000_000;

describe('the sign-in throttle counts per (user, address)', () => {
  it('when one user fails 5 times behind a shared NAT, then only that user waits there; colleagues behind the NAT and the user elsewhere do not', async () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 5; i += 1) await throttle.recordFailure('clerk-1', NAT, t0 + i);
    expect(await throttle.retryAfter('clerk-1', NAT, t0 + 10)).toBeGreaterThan(890);
    expect(await throttle.retryAfter('CLERK-1', NAT, t0 + 10)).toBeGreaterThan(890);
    expect(await throttle.retryAfter('clerk-2', NAT, t0 + 10)).toBe(0);
    expect(await throttle.retryAfter('clerk-1', '198.51.100.9', t0 + 10)).toBe(0);
    expect(await throttle.retryAfter('clerk-1', NAT, t0 + DEFAULT_THROTTLE.windowSeconds * 1000)).toBe(0);
  });

  it('when one address sprays guesses across many user names, then the per-address ceiling stops it, for every name', async () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < DEFAULT_THROTTLE.addressCeiling; i += 1) {
      expect(await throttle.retryAfter(`user-${i}`, NAT, t0 + i)).toBe(0);
      await throttle.recordFailure(`user-${i}`, NAT, t0 + i);
    }
    expect(DEFAULT_THROTTLE.addressCeiling).toBeGreaterThanOrEqual(20 * DEFAULT_THROTTLE.maxFailures);
    expect(await throttle.retryAfter('user-new', NAT, t0 + 200)).toBeGreaterThan(0);
    expect(await throttle.retryAfter('user-new', '198.51.100.9', t0 + 200)).toBe(0);
  });

  it('when the user then signs in, then the pair starts afresh but the address keeps its count', async () => {
    const throttle = new LoginThrottle({ ...DEFAULT_THROTTLE, addressCeiling: 12 });
    for (let i = 0; i < 4; i += 1) await throttle.recordFailure('clerk-1', NAT, t0);
    await throttle.recordSuccess('clerk-1', NAT);
    for (let i = 0; i < 4; i += 1) await throttle.recordFailure('clerk-1', NAT, t0);
    expect(await throttle.retryAfter('clerk-1', NAT, t0)).toBe(0);
    await throttle.recordFailure('clerk-9', NAT, t0);
    await throttle.recordSuccess('clerk-9', NAT);
    expect(await throttle.retryAfter('clerk-2', NAT, t0)).toBe(0);
    for (let i = 0; i < 3; i += 1) await throttle.recordFailure('clerk-3', NAT, t0);
    expect(await throttle.retryAfter('clerk-2', NAT, t0)).toBeGreaterThan(0);
  });
});
