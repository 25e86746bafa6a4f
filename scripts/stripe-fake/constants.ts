/**
 * Defaults shared by the Stripe fake's server, CLI and tests, so a developer can run
 * `tsx scripts/stripe-fake/main.ts` and point the app at it without passing any options.
 */

/** Port the CLI listens on by default (stripe-mock's 12111, so old habits carry over). */
export const STRIPE_FAKE_PORT = 12111;

/** The secret key clients must send. Test-mode shaped so code that checks the prefix accepts it. */
export const STRIPE_FAKE_API_KEY = 'sk_test_local_fake';

/** Signing secret for webhook endpoints registered from the command line. */
export const STRIPE_FAKE_WEBHOOK_SECRET = 'whsec_local_fake';

/** The only API version the fake speaks: the one stripe@23 pins. */
export const STRIPE_API_VERSION = '2026-10-28.endive';

export interface FakePriceConfig {
  /** Price id, as the app refers to it (e.g. in STRIPE_PRICE_PRO). */
  id: string;
  /** Our subscription tier; stored in the price's and product's `metadata.tier`. */
  tier: string;
  /** Monthly amount in cents (USD). */
  unitAmount: number;
  /** Product name shown on the hosted checkout and portal pages. */
  name: string;
}

export const DEFAULT_PRICES: readonly FakePriceConfig[] = [
  { id: 'price_pro_monthly', tier: 'pro', unitAmount: 1500, name: 'AI Sports Edge Pro' },
  { id: 'price_elite_monthly', tier: 'elite', unitAmount: 4000, name: 'AI Sports Edge Elite' },
];
