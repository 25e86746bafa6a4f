import {
  costPerMillion,
  median,
  minus,
  pairedRatio,
  percentile,
  plus,
  PRICES,
  usageOf,
  ZERO,
  type Sample,
} from './usage';

const sample = (s: Partial<Sample>): Sample => ({ ...ZERO, ...s });

describe('median', () => {
  it('is the middle cold start of an odd count, whatever the order', () => {
    expect(median([1650, 1210, 1480, 2900, 1330])).toBe(1480);
  });

  it('is the mean of the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(/nothing/);
  });
});

describe('pairedRatio', () => {
  it('is the median of round-by-round ratios, so one disturbed round does not move it', () => {
    // Round 3's floor ran during a burst from elsewhere: its ratio is off, the median is not.
    expect(pairedRatio([600, 660, 610, 640, 630], [500, 550, 900, 500, 520])).toBeCloseTo(1.2, 10);
  });

  it('refuses rounds that do not pair up', () => {
    expect(() => pairedRatio([1, 2], [1])).toThrow(/unequal/);
  });
});

describe('percentile', () => {
  it('takes the nearest rank below, and NaN when empty', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(3);
    expect(percentile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('usage over a scenario', () => {
  it('subtracts and adds samples field by field', () => {
    const a = sample({ cpuUs: 10, reads: 5, writes: 2, deletes: 1, redisCommands: 7 });
    const b = sample({ cpuUs: 4, reads: 1, writes: 2, deletes: 0, redisCommands: 3 });
    expect(minus(a, b)).toEqual({ cpuUs: 6, reads: 4, writes: 0, deletes: 1, redisCommands: 4 });
    expect(plus(minus(a, b), b)).toEqual(a);
  });

  it('gives CPU per request and counts per 1,000 requests', () => {
    const u = usageOf(sample({ cpuUs: 2_500_000, reads: 1_000, writes: 250, redisCommands: 40 }), 5_000);
    expect(u).toEqual({
      per: 'request',
      count: 5_000,
      cpuUsPerRequest: 500,
      readsPer1k: 200,
      writesPer1k: 50,
      deletesPer1k: 0,
      redisPer1k: 8,
    });
  });

  it('refuses a scenario without requests', () => {
    expect(() => usageOf(ZERO, 0)).toThrow();
  });
});

describe('cost per million', () => {
  it('prices per-1,000 counts at the list prices per 100,000', () => {
    // A miss: 3 reads, 1 write per request, 2 Redis commands: per million 3M reads, 1M writes, 2M commands.
    const u = usageOf(sample({ reads: 3_000, writes: 1_000, redisCommands: 2_000 }), 1_000);
    const c = costPerMillion(u);
    expect(c.firestore).toBeCloseTo(30 * PRICES.firestoreReadPer100k + 10 * PRICES.firestoreWritePer100k, 10);
    expect(c.firestore).toBeCloseTo(1.8 + 1.8, 10);
    expect(c.upstash).toBeCloseTo(20 * 0.2, 10);
    expect(c.total).toBeCloseTo(c.firestore + c.upstash, 10);
  });

  it('charges deletes at their own price', () => {
    const c = costPerMillion(usageOf(sample({ deletes: 1_000 }), 1_000));
    expect(c.firestore).toBeCloseTo(10 * PRICES.firestoreDeletePer100k, 10);
    expect(c.upstash).toBe(0);
  });
});
