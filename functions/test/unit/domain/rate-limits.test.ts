import {
  Allowance,
  BURST_LEASE_MS,
  FAIL_OPEN_MS,
  maxBlockFor,
  policyHeader,
  rateLimitHeader,
  secondsUntil,
  windowPolicies,
} from '../../../src/domain/rate-limits';

const [burst, daily] = windowPolicies(120, 10_000);

describe('headers (draft-ietf-httpapi-ratelimit-headers-11)', () => {
  it('RateLimit-Policy names each window with its quota and length', () => {
    expect(policyHeader(windowPolicies(120, 10_000))).toBe('"burst";q=120;w=60, "daily";q=10000;w=86400');
  });
  it('RateLimit gives remaining and seconds to reset, never negative', () => {
    expect(rateLimitHeader([{ name: 'burst', remaining: -2, resetInSeconds: 7 }])).toBe('"burst";r=0;t=7');
  });
  it('scales every limit (load tests)', () => {
    expect(windowPolicies(120, 10_000, 1000).map((p) => p.quota)).toEqual([120_000, 10_000_000]);
  });
  it('secondsUntil rounds up', () => {
    expect(secondsUntil(10_001, 0)).toBe(11);
    expect(secondsUntil(0, 5)).toBe(0);
  });
});

describe('Allowance: tokens reserved in Redis, spent here', () => {
  it('asks for one token first, then doubles the block each time the caller uses it all, up to the cap', () => {
    const a = new Allowance(burst!, maxBlockFor(burst!));
    const asked: number[] = [];
    for (let i = 0, t = 0; i < 40; i++, t += 10) {
      const n = a.need(1, t);
      if (n > 0) {
        asked.push(n);
        a.granted(n, 100, t + 10_000, t);
      }
      a.spend(1);
    }
    expect(asked.slice(0, 7)).toEqual([1, 1, 2, 4, 8, 12, 12]);
    expect(asked.length).toBeLessThan(9); // 40 requests, a Redis call for about one in five
    expect(asked.reduce((x, y) => x + y)).toBeGreaterThanOrEqual(40);
  });
  it('caps blocks at a tenth of the burst and a hundredth of the day', () => {
    expect(maxBlockFor(burst!)).toBe(12);
    expect(maxBlockFor(daily!)).toBe(100);
    expect(maxBlockFor(windowPolicies(5, 50)[0]!)).toBe(1);
  });
  it('reserves ahead only for a busy caller running below half a block, within the lease', () => {
    const a = new Allowance(burst!, 12);
    a.granted(1, 119, 10_000, 0);
    expect(a.ahead(1)).toBe(0); // block 1: not busy
    a.spend(1);
    a.granted(2, 117, 10_000, 1); // used up within the lease: block 2
    expect(a.ahead(2)).toBe(0); // holds 2, half a block is 1
    a.spend(1);
    a.spend(1);
    expect(a.ahead(3)).toBe(2);
    expect(a.ahead(1 + BURST_LEASE_MS)).toBe(0); // lease over: the next request decides
    a.shrink();
    expect(a.ahead(4)).toBe(0);
  });
  it('charges a batch its size, and a reservation covers it', () => {
    const a = new Allowance(burst!, 6);
    expect(a.need(50, 0)).toBe(50);
    a.granted(50, 70, 10_000, 0);
    expect(a.need(50, 1)).toBe(0);
  });
  it('drops unspent burst tokens when the lease ends, and starts small again', () => {
    const a = new Allowance(burst!, 6);
    a.granted(1, 119, 10_000, 0);
    a.spend(1);
    a.need(1, 1);
    a.granted(2, 117, 10_000, 1); // used up within the lease: block grew
    a.spend(1);
    expect(a.need(1, 1 + BURST_LEASE_MS)).toBe(1); // the leftover expired, unused: block back to 1
  });
  it('keeps daily tokens until the day ends', () => {
    const a = new Allowance(daily!, 6);
    a.granted(4, 9_000, 86_400_000, 0);
    a.spend(1);
    expect(a.need(1, 3_600_000)).toBe(0);
    expect(a.need(1, 86_400_000)).toBeGreaterThan(0);
  });
  it('after a refusal, refuses locally until the reset, then asks again', () => {
    const a = new Allowance(burst!, 6);
    a.refused(0, 5_000);
    expect(a.denied(4_999)).toBe(true);
    expect(a.need(1, 4_999)).toBe(0);
    expect(a.denied(5_000)).toBe(false);
    expect(a.need(1, 5_000)).toBe(1);
  });
  it('fails open for a while when Redis cannot be asked, then asks again', () => {
    const a = new Allowance(burst!, 6);
    a.openFor(1, 0);
    a.spend(1);
    expect(a.failOpen).toBe(true);
    expect(a.need(1, FAIL_OPEN_MS - 1)).toBe(0);
    expect(a.need(1, FAIL_OPEN_MS)).toBeGreaterThan(0);
    expect(a.failOpen).toBe(false);
  });
  it('reports what is left: Redis’s count plus what this instance holds', () => {
    const a = new Allowance(burst!, 6);
    a.granted(6, 100, 10_000, 0);
    a.spend(1);
    expect(a.left()).toBe(105);
  });
});
