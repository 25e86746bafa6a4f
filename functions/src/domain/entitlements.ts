/**
 * A user's entitlement, computed from ALL their Stripe subscriptions at once (never one
 * subscription at a time, which is how the Stripe extension drops a user who cancels one of two
 * subscriptions): the highest tier any active or trialing subscription grants; a `past_due`
 * subscription keeps its tier for a grace period from when it was first seen past due; canceled,
 * unpaid, incomplete and the rest grant nothing.
 *
 * The entitlement records when grace ends and what the user has after it, so enforcement needs no
 * further event: `effectiveTier(entitlement, now)`.
 */
import { higherTier, tierRank, type PaidTier, type UserTier } from './tiers';

/** What we keep of one Stripe subscription (times in ms). */
export interface SubscriptionFacts {
  id: string;
  status: string;
  /** The tier its price grants (null: a price not on our allow-list grants nothing). */
  tier: PaidTier | null;
  priceId: string | null;
  created: number;
  currentPeriodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  /** When we first saw it past due (kept across syncs), else null. */
  pastDueSince: number | null;
}

export interface Entitlement {
  tier: UserTier;
  /** The status of the subscription that gives the tier, else of the newest one, else 'none'. */
  status: string;
  subscriptionId: string | null;
  currentPeriodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  /** Set while the tier rests on a past-due subscription: when its grace ends (ms). */
  graceUntil: number | null;
  /** The tier once grace has ended. */
  tierAfterGrace: UserTier;
}

export const FREE_ENTITLEMENT: Entitlement = {
  tier: 'free',
  status: 'none',
  subscriptionId: null,
  currentPeriodEnd: null,
  cancelAtPeriodEnd: false,
  graceUntil: null,
  tierAfterGrace: 'free',
};

const GRANTING = new Set(['active', 'trialing']);

/** pastDueSince for a subscription now: kept if already past due, `now` when it just became so. */
export function pastDueSince(status: string, previous: number | null, now: number): number | null {
  if (status !== 'past_due') return null;
  return previous ?? now;
}

interface Candidate {
  sub: SubscriptionFacts;
  tier: PaidTier;
  graceUntil: number | null;
}

function better(a: Candidate, b: Candidate): Candidate {
  if (tierRank(a.tier) !== tierRank(b.tier)) return higherTier(a.tier, b.tier) === a.tier ? a : b;
  // Same tier: one that needs no grace, then the one paid up furthest.
  if ((a.graceUntil === null) !== (b.graceUntil === null)) return a.graceUntil === null ? a : b;
  return (a.sub.currentPeriodEnd ?? 0) >= (b.sub.currentPeriodEnd ?? 0) ? a : b;
}

export function computeEntitlement(
  subscriptions: readonly SubscriptionFacts[],
  now: number,
  graceMs: number,
): Entitlement {
  let best: Candidate | null = null;
  let bestWithoutGrace: Candidate | null = null;
  for (const sub of subscriptions) {
    if (!sub.tier) continue;
    let graceUntil: number | null = null;
    if (sub.status === 'past_due') {
      graceUntil = (sub.pastDueSince ?? now) + graceMs;
      if (graceUntil <= now) continue;
    } else if (!GRANTING.has(sub.status)) continue;
    const candidate = { sub, tier: sub.tier, graceUntil };
    best = best ? better(best, candidate) : candidate;
    if (graceUntil === null)
      bestWithoutGrace = bestWithoutGrace ? better(bestWithoutGrace, candidate) : candidate;
  }
  if (!best) {
    const newest = [...subscriptions].sort((a, b) => b.created - a.created)[0];
    return newest
      ? {
          ...FREE_ENTITLEMENT,
          status: newest.status,
          subscriptionId: newest.id,
          currentPeriodEnd: newest.currentPeriodEnd,
          cancelAtPeriodEnd: newest.cancelAtPeriodEnd,
        }
      : FREE_ENTITLEMENT;
  }
  return {
    tier: best.tier,
    status: best.sub.status,
    subscriptionId: best.sub.id,
    currentPeriodEnd: best.sub.currentPeriodEnd,
    cancelAtPeriodEnd: best.sub.cancelAtPeriodEnd,
    graceUntil: best.graceUntil,
    tierAfterGrace: best.graceUntil === null ? best.tier : (bestWithoutGrace?.tier ?? 'free'),
  };
}

/** The tier to enforce now. */
export function effectiveTier(
  entitlement: Pick<Entitlement, 'tier' | 'graceUntil' | 'tierAfterGrace'>,
  now: number,
): UserTier {
  return entitlement.graceUntil !== null && now >= entitlement.graceUntil
    ? entitlement.tierAfterGrace
    : entitlement.tier;
}

/** Field-by-field equality: a sync that found nothing new writes nothing. */
export function sameEntitlement(a: Entitlement, b: Entitlement): boolean {
  return (
    a.tier === b.tier &&
    a.status === b.status &&
    a.subscriptionId === b.subscriptionId &&
    a.currentPeriodEnd === b.currentPeriodEnd &&
    a.cancelAtPeriodEnd === b.cancelAtPeriodEnd &&
    a.graceUntil === b.graceUntil &&
    a.tierAfterGrace === b.tierAfterGrace
  );
}

/** Whether a user with these subscriptions already pays (Checkout then sends them to the portal). */
export const hasLiveSubscription = (subscriptions: readonly SubscriptionFacts[]): boolean =>
  subscriptions.some((s) => GRANTING.has(s.status) || s.status === 'past_due');
