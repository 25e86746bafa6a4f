import { heartbeatEveryMs, leaseFree, renewLease } from '../../../src/domain/lease';

describe('a lease', () => {
  const held = { holder: 'a', expiresAtMs: 1_000 };

  it('is free when nobody holds it or the holder let it expire', () => {
    expect(leaseFree(null, 500)).toBe(true);
    expect(leaseFree(undefined, 500)).toBe(true);
    expect(leaseFree(held, 999)).toBe(false);
    expect(leaseFree(held, 1_000)).toBe(false);
    expect(leaseFree(held, 1_001)).toBe(true);
  });

  it('is renewed from now by its holder only; a lost lease is not taken back', () => {
    expect(renewLease(held, 'a', 900, 300)).toEqual({ holder: 'a', expiresAtMs: 1_200 });
    // Even after it expired, as long as nobody took it over: the holder was only slow.
    expect(renewLease(held, 'a', 5_000, 300)).toEqual({ holder: 'a', expiresAtMs: 5_300 });
    expect(renewLease(held, 'b', 900, 300)).toBeNull();
    expect(renewLease(null, 'a', 900, 300)).toBeNull();
  });

  it('is renewed three times per lease, so two missed beats still leave it held', () => {
    expect(heartbeatEveryMs(120_000)).toBe(40_000);
    expect(3 * heartbeatEveryMs(300)).toBeLessThanOrEqual(300);
    expect(heartbeatEveryMs(1)).toBe(1);
  });
});
