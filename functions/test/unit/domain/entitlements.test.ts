import {
  computeEntitlement,
  effectiveTier,
  FREE_ENTITLEMENT,
  hasLiveSubscription,
  pastDueSince,
  type SubscriptionFacts,
} from '../../../src/domain/entitlements';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29);
const GRACE = 3 * DAY;

const sub = (over: Partial<SubscriptionFacts> & Pick<SubscriptionFacts, 'id'>): SubscriptionFacts => ({
  status: 'active',
  tier: 'pro',
  priceId: 'price_pro',
  created: NOW - 10 * DAY,
  currentPeriodEnd: NOW + 20 * DAY,
  cancelAtPeriodEnd: false,
  pastDueSince: null,
  ...over,
});

describe('computeEntitlement', () => {
  it('is free with no subscriptions', () => {
    expect(computeEntitlement([], NOW, GRACE)).toEqual(FREE_ENTITLEMENT);
  });
  it('takes the highest tier of all active or trialing subscriptions, not the latest event’s', () => {
    const both = [sub({ id: 'a', tier: 'pro' }), sub({ id: 'b', tier: 'elite', status: 'trialing' })];
    expect(computeEntitlement(both, NOW, GRACE)).toMatchObject({
      tier: 'elite',
      subscriptionId: 'b',
      status: 'trialing',
    });
  });
  it('keeps the higher tier when the lower of two subscriptions is canceled, and the lower when the higher is', () => {
    const eliteCanceled = [
      sub({ id: 'a', tier: 'pro' }),
      sub({ id: 'b', tier: 'elite', status: 'canceled' }),
    ];
    expect(computeEntitlement(eliteCanceled, NOW, GRACE).tier).toBe('pro');
    const proCanceled = [sub({ id: 'a', tier: 'pro', status: 'canceled' }), sub({ id: 'b', tier: 'elite' })];
    expect(computeEntitlement(proCanceled, NOW, GRACE).tier).toBe('elite');
  });
  it('keeps a past_due tier through the grace period, then drops to what else is paid', () => {
    const since = NOW - DAY;
    const subs = [
      sub({ id: 'e', tier: 'elite', status: 'past_due', pastDueSince: since }),
      sub({ id: 'p', tier: 'pro' }),
    ];
    const during = computeEntitlement(subs, NOW, GRACE);
    expect(during).toMatchObject({
      tier: 'elite',
      status: 'past_due',
      graceUntil: since + GRACE,
      tierAfterGrace: 'pro',
    });
    expect(effectiveTier(during, since + GRACE - 1)).toBe('elite');
    expect(effectiveTier(during, since + GRACE)).toBe('pro');
    // Recomputed after grace: the past-due subscription grants nothing.
    expect(computeEntitlement(subs, since + GRACE, GRACE)).toMatchObject({ tier: 'pro', graceUntil: null });
  });
  it('drops a lone past_due subscription to free after grace', () => {
    const e = computeEntitlement([sub({ id: 'a', status: 'past_due', pastDueSince: NOW })], NOW, GRACE);
    expect([e.tier, effectiveTier(e, NOW + GRACE - 1), effectiveTier(e, NOW + GRACE)]).toEqual([
      'pro',
      'pro',
      'free',
    ]);
  });
  it('grants nothing for canceled, unpaid, incomplete or an unknown price, and reports the newest status', () => {
    const subs = [
      sub({ id: 'old', status: 'canceled', created: NOW - 50 * DAY }),
      sub({ id: 'unpaid', status: 'unpaid', created: NOW - 20 * DAY }),
      sub({ id: 'inc', status: 'incomplete', created: NOW - 2 * DAY }),
      sub({ id: 'other', tier: null, priceId: 'price_x', created: NOW - 30 * DAY }),
    ];
    expect(computeEntitlement(subs, NOW, GRACE)).toMatchObject({
      tier: 'free',
      status: 'incomplete',
      subscriptionId: 'inc',
    });
  });
  it('prefers, within one tier, the subscription that needs no grace', () => {
    const subs = [sub({ id: 'late', status: 'past_due', pastDueSince: NOW }), sub({ id: 'ok' })];
    expect(computeEntitlement(subs, NOW, GRACE)).toMatchObject({ subscriptionId: 'ok', graceUntil: null });
  });
});

describe('pastDueSince', () => {
  it('starts when a subscription is first seen past due and is kept until it recovers', () => {
    expect(pastDueSince('past_due', null, NOW)).toBe(NOW);
    expect(pastDueSince('past_due', NOW - DAY, NOW)).toBe(NOW - DAY);
    expect(pastDueSince('active', NOW - DAY, NOW)).toBeNull();
  });
});

it('hasLiveSubscription: active, trialing or past due users already pay', () => {
  expect(hasLiveSubscription([sub({ id: 'a', status: 'past_due' })])).toBe(true);
  expect(hasLiveSubscription([sub({ id: 'a', status: 'canceled' })])).toBe(false);
});
