/**
 * The Stripe SDK, pinned to one API version (the webhook endpoint must be created with the same
 * version in the Stripe dashboard), and what we keep of Stripe's objects. Nothing here trusts an
 * event's payload for state: the billing service re-reads subscriptions from Stripe.
 */
import Stripe from 'stripe';
import type { BillingConfig } from '../config';
import { pastDueSince, type SubscriptionFacts } from '../domain/entitlements';
import { higherTier, type PaidTier } from '../domain/tiers';

/** The API version of stripe 23.1.0; the SDK and the webhook endpoint both use it. */
export const STRIPE_API_VERSION = '2026-10-28.endive';

export function createStripe(config: BillingConfig): Stripe {
  return new Stripe(config.secretKey || 'sk_not_configured', {
    apiVersion: STRIPE_API_VERSION,
    host: config.api.host,
    port: config.api.port,
    protocol: config.api.protocol,
    // One retry of connection errors and 409/5xx (POSTs carry idempotency keys, so a retry is safe).
    maxNetworkRetries: 1,
    timeout: config.timeoutMs,
    telemetry: false,
    appInfo: { name: 'ai-sports-edge' },
  });
}

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === 'string' ? value : (value?.id ?? null);

/** The subscription as our domain sees it; its tier is the highest any allow-listed item price grants. */
export function subscriptionFacts(
  sub: Stripe.Subscription,
  prices: ReadonlyMap<string, PaidTier>,
  previousPastDueSince: number | null,
  now: number,
): SubscriptionFacts {
  let tier: PaidTier | null = null;
  let priceId: string | null = null;
  let periodEnd: number | null = null;
  for (const item of sub.items.data) {
    const id = idOf(item.price);
    const granted = id ? prices.get(id) : undefined;
    if (granted && (tier === null || higherTier(tier, granted) === granted)) {
      tier = granted;
      priceId = id;
    }
    priceId ??= id;
    periodEnd = Math.max(periodEnd ?? 0, item.current_period_end * 1000);
  }
  return {
    id: sub.id,
    status: sub.status,
    tier,
    priceId,
    created: sub.created * 1000,
    currentPeriodEnd: periodEnd,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    pastDueSince: pastDueSince(sub.status, previousPastDueSince, now),
  };
}

/** Every subscription of the customer, canceled ones included (Stripe's list pages at 100). */
export async function listSubscriptions(stripe: Stripe, customerId: string): Promise<Stripe.Subscription[]> {
  const out: Stripe.Subscription[] = [];
  for await (const sub of stripe.subscriptions.list({ customer: customerId, status: 'all', limit: 100 })) {
    out.push(sub);
  }
  return out;
}

/** The customer an event is about, or null (product, price and other account-wide events). */
export function customerOfEvent(event: Stripe.Event): string | null {
  const object = event.data.object as { object?: unknown; id?: unknown; customer?: unknown };
  if (object.object === 'customer' && typeof object.id === 'string') return object.id;
  const customer = object.customer as string | { id: string } | null | undefined;
  return typeof customer === 'string' || (customer && typeof customer.id === 'string')
    ? idOf(customer)
    : null;
}

/** Errors after which a retry can succeed: Stripe unreachable, rate limited, or failing on its side. */
export function isTransientStripeError(err: unknown): boolean {
  return (
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeRateLimitError ||
    err instanceof Stripe.errors.StripeIdempotencyError ||
    (err instanceof Stripe.errors.StripeError && (err.statusCode ?? 0) >= 500)
  );
}

export const isMissingResource = (err: unknown): boolean =>
  err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_missing';
