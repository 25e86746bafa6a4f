/**
 * Subscription tiers as data: what each tier unlocks and its limits (README "Tiers"). The API
 * enforces this table; nothing else decides who may do what.
 *
 * The core product stays free: every game's win probability (with Elo's number beside it) is public,
 * so the web app's home page works signed out. Paid tiers unlock the rest. Admins (the `admin`
 * claim) get every feature and their own, higher, limits: they run imports and replays.
 */

export const TIERS = ['anonymous', 'free', 'pro', 'elite'] as const;
export type Tier = (typeof TIERS)[number];
/** Tiers a subscription can grant. */
export const PAID_TIERS = ['pro', 'elite'] as const;
export type PaidTier = (typeof PAID_TIERS)[number];
/** What the entitlement document can say (anonymous is "no user", never stored). */
export type UserTier = Exclude<Tier, 'anonymous'>;

const RANK: Record<Tier, number> = { anonymous: 0, free: 1, pro: 2, elite: 3 };

export const tierRank = (tier: Tier): number => RANK[tier];
export const higherTier = <T extends Tier>(a: T, b: T): T => (RANK[b] > RANK[a] ? b : a);
export const isPaidTier = (value: string): value is PaidTier =>
  (PAID_TIERS as readonly string[]).includes(value);

/** Each feature, and the lowest tier that has it. */
export const FEATURES = {
  /** One game's win probability and Elo's number (GET /v1/games/{id}/prediction). */
  'predictions.probability': 'anonymous',
  /** The interval and the explanation (each factor's contribution) on every prediction. */
  'predictions.details': 'pro',
  /** POST /v1/predictions:batch, charged one request per game. */
  'predictions.batch': 'pro',
  /** POST /v1/predictions: any matchup, no stored game needed. */
  'predictions.matchup': 'pro',
  /** GET /v1/insights and /v1/insights/summary. */
  'insights.feed': 'pro',
  /** Own engagement analytics beyond the free window (GET /v1/users/me/analytics). */
  'analytics.history': 'pro',
} as const satisfies Record<string, Tier>;
export type Feature = keyof typeof FEATURES;

export interface Limits {
  /** Requests per minute, as a token bucket: this many at once, refilled evenly over the minute. */
  burstPerMinute: number;
  /** Requests per UTC day. */
  dailyQuota: number;
  /** Most games in one batch request (0 = no batch). */
  batchMaxGames: number;
  /** Widest analytics range, in days. */
  analyticsDays: number;
}

/** Limits of each tier, and of admins ("admin" is a role, not a tier one can buy). */
export type Policy = Tier | 'admin';

export const LIMITS: Record<Policy, Limits> = {
  anonymous: { burstPerMinute: 120, dailyQuota: 5_000, batchMaxGames: 0, analyticsDays: 0 },
  free: { burstPerMinute: 120, dailyQuota: 10_000, batchMaxGames: 0, analyticsDays: 31 },
  pro: { burstPerMinute: 600, dailyQuota: 100_000, batchMaxGames: 100, analyticsDays: 366 },
  elite: { burstPerMinute: 1_200, dailyQuota: 1_000_000, batchMaxGames: 500, analyticsDays: 366 },
  admin: { burstPerMinute: 6_000, dailyQuota: 10_000_000, batchMaxGames: 500, analyticsDays: 366 },
};

/** Who a request is, for access decisions: the tier the entitlement gives, and whether an admin. */
export interface Access {
  tier: Tier;
  admin: boolean;
}

export const policyOf = (access: Access): Policy => (access.admin ? 'admin' : access.tier);
export const limitsOf = (access: Access): Limits => LIMITS[policyOf(access)];

/** True when the caller has the feature (admins have every feature). */
export function hasFeature(access: Access, feature: Feature): boolean {
  return access.admin || RANK[access.tier] >= RANK[FEATURES[feature]];
}

/** The tier to offer a caller who lacks the feature. */
export const requiredTier = (feature: Feature): Tier => FEATURES[feature];

/** The smallest paid tier whose limits satisfy `fits`, or null. */
export function lowestTierWhere(fits: (limits: Limits) => boolean): PaidTier | null {
  return PAID_TIERS.find((tier) => fits(LIMITS[tier])) ?? null;
}

/**
 * The allow-list of Stripe prices, `price_id:tier` pairs separated by commas (config.ts). Unknown
 * tiers are an error: a typo must not sell a tier that grants nothing.
 */
export function parsePriceTable(text: string): Map<string, PaidTier> {
  const table = new Map<string, PaidTier>();
  for (const entry of text.split(',').map((s) => s.trim())) {
    if (entry === '') continue;
    const match = /^([A-Za-z0-9_]{1,200}):([a-z]+)$/.exec(entry);
    if (!match?.[1] || !match[2] || !isPaidTier(match[2]))
      throw new Error(
        `STRIPE_PRICES: "${entry}" is not price_id:tier with tier one of ${PAID_TIERS.join(', ')}`,
      );
    table.set(match[1], match[2]);
  }
  return table;
}
