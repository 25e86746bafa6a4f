import {
  FEATURES,
  hasFeature,
  LIMITS,
  lowestTierWhere,
  parsePriceTable,
  PAID_TIERS,
  TIERS,
  tierRank,
} from '../../../src/domain/tiers';

describe('the tier table', () => {
  it('keeps the core product (one game’s probability) open to anonymous visitors', () => {
    expect(hasFeature({ tier: 'anonymous', admin: false }, 'predictions.probability')).toBe(true);
  });
  it('unlocks details, batch, matchups, the insights feed and long analytics from pro up, not below', () => {
    for (const feature of [
      'predictions.details',
      'predictions.batch',
      'predictions.matchup',
      'insights.feed',
      'analytics.history',
    ] as const) {
      expect(hasFeature({ tier: 'free', admin: false }, feature)).toBe(false);
      expect(hasFeature({ tier: 'pro', admin: false }, feature)).toBe(true);
      expect(hasFeature({ tier: 'elite', admin: false }, feature)).toBe(true);
    }
  });
  it('gives admins every feature whatever they pay', () => {
    for (const feature of Object.keys(FEATURES) as (keyof typeof FEATURES)[])
      expect(hasFeature({ tier: 'free', admin: true }, feature)).toBe(true);
  });
  it('never gives a higher tier lower limits', () => {
    for (let i = 1; i < TIERS.length; i++) {
      const lower = LIMITS[TIERS[i - 1]!];
      const higher = LIMITS[TIERS[i]!];
      expect(tierRank(TIERS[i]!)).toBeGreaterThan(tierRank(TIERS[i - 1]!));
      for (const key of Object.keys(lower) as (keyof typeof lower)[])
        expect(higher[key]).toBeGreaterThanOrEqual(lower[key]);
    }
  });
  it('names the lowest paid tier that allows an amount, or none', () => {
    expect(lowestTierWhere((l) => l.batchMaxGames >= 50)).toBe('pro');
    expect(lowestTierWhere((l) => l.batchMaxGames >= 300)).toBe('elite');
    expect(lowestTierWhere((l) => l.batchMaxGames >= 10_000)).toBeNull();
  });
});

describe('parsePriceTable (STRIPE_PRICES)', () => {
  it('maps allow-listed price ids to paid tiers', () => {
    expect([...parsePriceTable(' price_a:pro, price_b:elite ,')]).toEqual([
      ['price_a', 'pro'],
      ['price_b', 'elite'],
    ]);
    expect(parsePriceTable('').size).toBe(0);
  });
  it('refuses a tier that is not for sale and a malformed entry', () => {
    expect(() => parsePriceTable('price_a:free')).toThrow(/tier one of pro, elite/);
    expect(() => parsePriceTable('price_a:gold')).toThrow();
    expect(() => parsePriceTable('price a:pro')).toThrow();
    expect(PAID_TIERS).toEqual(['pro', 'elite']);
  });
});
