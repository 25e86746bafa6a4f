/**
 * Billing through the API over HTTP (Hosting → the api function in the emulator) against the Stripe
 * fake: Checkout creates one customer however many calls race, only allow-listed prices, the
 * success page's sync gives the paid tier before any webhook, a downgrade is enforced on the next
 * request while the old token is still valid, subscriptions combine per user, past_due has grace,
 * the nightly reconciliation repairs a lost webhook, and deleting an account cancels its billing.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { getAuth } from 'firebase-admin/auth';
import { reconcileBillingState } from '../../src/services/billing-reconciliation';
import { readJson } from '../support/json';
import { db, eventually, postAs, repoRoot } from './helpers';
import { startInProcessApp } from './in-process-app';
import {
  api,
  billingDeps,
  checkout,
  customerOf,
  deliveriesOf,
  ELITE,
  entitlementOf,
  fake,
  holdDeliveries,
  latestEvent,
  newUser,
  PRO,
  resetDelivery,
  useBillingStack,
  subscribe,
  testStripe,
  type BillingUser,
} from './stripe-helpers';

useBillingStack();

/** A route only paid tiers may use. */
const paidRoute = (user: BillingUser) => api('/v1/insights/summary', user.token);
/** The api instance's entitlement cache lives this long (ENTITLEMENT_L1_TTL_MS). */
const L1_TTL_MS = 1_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GET /v1/billing/plans', () => {
  it('lists the prices for sale, cheapest tier first, with Stripe’s amounts and what each unlocks', async () => {
    const res = await api('/v1/billing/plans');
    expect(res.status).toBe(200);
    const { plans } = (await readJson(res)) as {
      plans: { priceId: string; tier: string; unitAmount: number; interval: string; features: string[] }[];
    };
    expect(plans.map((p) => [p.priceId, p.tier, p.unitAmount, p.interval])).toEqual([
      [PRO, 'pro', 1500, 'month'],
      [ELITE, 'elite', 4000, 'month'],
    ]);
    expect(plans[0]?.features).toContain('predictions.details');
    expect(plans[0]?.features).not.toContain('predictions.probability');
  });
});

describe('POST /v1/billing/checkout', () => {
  it('10 concurrent calls for a new user create exactly one Stripe customer', async () => {
    // In this process: the race is on Firestore and Stripe, not on the Functions emulator's
    // worker pool (one process per concurrent request, ~2 s each to start).
    const user = await newUser('race');
    const app = await startInProcessApp();
    try {
      const answers = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const res = await fetch(`${app.base}/v1/billing/checkout`, {
            method: 'POST',
            headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ priceId: PRO }),
          });
          expect(res.status).toBe(200);
          return (await readJson(res)) as { kind: string; url: string };
        }),
      );
      expect(answers.every((a) => a.kind === 'checkout' && a.url.startsWith('http'))).toBe(true);
    } finally {
      await app.close();
    }
    const customers = await testStripe().customers.list({ email: user.email, limit: 100 });
    expect(customers.data).toHaveLength(1);
    expect(customers.data[0]?.metadata.firebaseUID).toBe(user.uid);
    expect(await customerOf(user.uid)).toBe(customers.data[0]?.id);
  });

  it('sets the return URLs itself and refuses prices off the allow-list and any other parameter', async () => {
    const user = await newUser('params');
    const res = await api('/v1/billing/checkout', user.token, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ priceId: PRO }),
    });
    const session = await testStripe().checkout.sessions.retrieve((await readJson(res)).sessionId as string);
    expect(session.success_url).toMatch(
      /^http:\/\/127\.0\.0\.1:5000\/account\/billing\/success\?session_id=/,
    );
    expect(session.subscription).toBeNull();

    const other = await postAs('/v1/billing/checkout', user.token, { priceId: 'price_free_forever' });
    expect(other.status).toBe(400);
    expect((await readJson(other)).error.fields).toEqual([
      { field: 'body.priceId', message: 'not a price this service sells' },
    ]);
    const trial = await postAs('/v1/billing/checkout', user.token, { priceId: PRO, trial_period_days: 365 });
    expect(trial.status).toBe(400);
    expect((await api('/v1/billing/checkout', undefined, { method: 'POST' })).status).toBe(401);
  });

  it('sends a user who already pays to the portal', async () => {
    const user = await newUser('portal');
    await subscribe(user);
    const again = await checkout(user, ELITE);
    expect(again.kind).toBe('portal');
    expect(again.url).toContain('/portal/');
    const portal = await postAs('/v1/billing/portal', user.token, {});
    expect(portal.status).toBe(200);
    expect((await readJson(portal)).url).toContain('/portal/');
  });
});

describe('POST /v1/billing/sync and the tier on the next request', () => {
  it('gives the paid tier at once, before any webhook, and enforces a downgrade with the old token', async () => {
    await holdDeliveries();
    const user = await newUser('sync');
    expect((await paidRoute(user)).status).toBe(403);
    const { subscription } = await subscribe(user); // paid; no event delivered yet
    expect((await readJson(await api('/v1/billing/subscription', user.token))).tier).toBe('free');
    const synced = await postAs('/v1/billing/sync', user.token, {});
    expect(await readJson(synced)).toMatchObject({ tier: 'pro', status: 'active', cancelAtPeriodEnd: false });
    expect((await paidRoute(user)).status).toBe(200);
    await resetDelivery();

    // Canceled in Stripe: the webhook lands, and the same (still valid) token is refused.
    await testStripe().subscriptions.cancel(subscription);
    const deleted = await latestEvent('customer.subscription.deleted', await customerOf(user.uid));
    expect((await deliveriesOf(deleted.id)).map((d) => d.status)).toEqual([200]);
    await sleep(L1_TTL_MS);
    const refused = await paidRoute(user);
    expect(refused.status).toBe(403);
    expect((await readJson(refused)).error).toMatchObject({ code: 'upgrade_required', requiredTier: 'pro' });
    expect(await readJson(await api('/v1/billing/subscription', user.token))).toMatchObject({
      tier: 'free',
      status: 'canceled',
    });
  });

  it('setting the tier claim keeps the admin claim', async () => {
    const admin = await newUser('claims', { admin: true });
    await subscribe(admin);
    const claims = await eventually(
      async () => (await getAuth().getUser(admin.uid)).customClaims ?? {},
      (c) => c.tier === 'pro',
    );
    expect(claims).toEqual({ admin: true, tier: 'pro' });
  });
});

describe('entitlement rules', () => {
  it('a user with two subscriptions who cancels the lower one keeps the higher tier, then has none', async () => {
    const user = await newUser('two-subs');
    await checkout(user); // creates the customer
    const customer = await customerOf(user.uid);
    const pro = await fake('/_fake/subscriptions', { customer, price: PRO });
    const elite = await fake('/_fake/subscriptions', { customer, price: ELITE });
    await eventually(
      async () => (await entitlementOf(user.uid))?.tier,
      (t) => t === 'elite',
    );

    await testStripe().subscriptions.cancel(pro.subscription?.id ?? pro.id);
    const proDeleted = await latestEvent('customer.subscription.deleted', customer);
    expect((await deliveriesOf(proDeleted.id)).map((d) => d.status)).toEqual([200]);
    expect(await entitlementOf(user.uid)).toMatchObject({
      tier: 'elite',
      subscriptionId: elite.subscription?.id ?? elite.id,
    });

    await testStripe().subscriptions.cancel(elite.subscription?.id ?? elite.id);
    await eventually(
      async () => (await entitlementOf(user.uid))?.tier,
      (t) => t === 'free',
    );
  });

  it('past_due keeps access for the grace period, then the user drops to free', async () => {
    const user = await newUser('grace');
    const { subscription } = await subscribe(user);
    await eventually(
      async () => (await entitlementOf(user.uid))?.tier,
      (t) => t === 'pro',
    );
    await fake(`/_fake/subscriptions/${subscription}/status`, { status: 'past_due' });
    const during = await eventually(
      async () => entitlementOf(user.uid),
      (e) => e?.status === 'past_due',
    );
    const graceUntil = during!.graceUntil.toMillis() as number;
    const hours = (graceUntil - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(71);
    expect(hours).toBeLessThanOrEqual(72);
    expect(during).toMatchObject({ tier: 'pro', tierAfterGrace: 'free' });
    await sleep(L1_TTL_MS); // the api instance may hold this user's entitlement from the checkout
    expect((await paidRoute(user)).status).toBe(200);

    // The nightly job, run when the grace has ended, re-syncs the user: free from then on.
    try {
      const report = await reconcileBillingState(
        billingDeps(() => graceUntil + 1),
        {
          runId: `grace-${user.uid}`,
          now: graceUntil + 1,
        },
      );
      expect(report.repaired.map((r) => r.uid)).toContain(user.uid);
    } finally {
      // This run's clock was 72 h ahead: its high-water mark must not hide later events.
      await db().doc('ops/billing').delete();
    }
    expect(await entitlementOf(user.uid)).toMatchObject({
      tier: 'free',
      status: 'past_due',
      graceUntil: null,
    });
    await sleep(L1_TTL_MS);
    expect((await paidRoute(user)).status).toBe(403);
  });
});

describe('reconciliation', () => {
  it('repairs a user whose webhooks all failed, records it, and the next run re-syncs nobody new', async () => {
    const user = await newUser('lost');
    const session = await checkout(user);
    // Every delivery of the payment fails (Stripe unreachable from the webhook), as if lost.
    await fake('/_fake/failures', { method: 'GET', path: '/v1/subscriptions', count: 1000, status: 503 });
    const paid = await fake(`/_fake/checkout/${session.sessionId}/complete`, {});
    for (const id of paid.events as string[])
      expect((await deliveriesOf(id))[0]?.status).toBeGreaterThanOrEqual(500);
    await fake('/_fake/failures', undefined, 'DELETE');
    expect((await entitlementOf(user.uid))?.tier ?? 'free').toBe('free');

    const first = await reconcileBillingState(billingDeps(), {
      runId: `lost-1-${user.uid}`,
      now: Date.now(),
    });
    expect(first.repaired).toContainEqual({ uid: user.uid, customerId: await customerOf(user.uid) });
    expect(await entitlementOf(user.uid)).toMatchObject({ tier: 'pro', status: 'active' });
    const run = await db().doc(`ops/billing/reconciliation_runs/lost-1-${user.uid}`).get();
    expect(run.get('repaired')).toContainEqual({ uid: user.uid, customerId: await customerOf(user.uid) });

    await sleep(1_100); // event times are whole seconds
    const second = await reconcileBillingState(billingDeps(), {
      runId: `lost-2-${user.uid}`,
      now: Date.now(),
    });
    expect(second).toMatchObject({ customers: 0, repaired: [], failed: [] });
  });
});

describe('end to end', () => {
  it('new user → checkout → npm run stripe -- pay → webhook → a paid-only route answers 200', async () => {
    const user = await newUser('e2e');
    expect((await paidRoute(user)).status).toBe(403);
    await checkout(user);
    const { stdout } = await promisify(execFile)(
      'npm',
      [
        'run',
        '--silent',
        'stripe',
        '--',
        'pay',
        '--email',
        user.email,
        '--fake-url',
        process.env.STRIPE_FAKE_URL as string,
      ],
      { cwd: repoRoot },
    );
    expect(stdout).toMatch(/sub_/);
    await eventually(
      async () => (await paidRoute(user)).status,
      (s) => s === 200,
    );
  });

  it('deleting the account cancels the subscription in Stripe and removes the billing documents', async () => {
    const user = await newUser('delete');
    const { subscription } = await subscribe(user);
    await eventually(
      async () => (await entitlementOf(user.uid))?.tier,
      (t) => t === 'pro',
    );
    const customer = await customerOf(user.uid);
    await getAuth().deleteUser(user.uid);
    await eventually(
      async () => (await db().doc(`customers/${user.uid}`).get()).exists,
      (e) => !e,
    );
    expect(await entitlementOf(user.uid)).toBeUndefined();
    expect((await db().collection(`customers/${user.uid}/subscriptions`).get()).size).toBe(0);
    expect((await testStripe().subscriptions.retrieve(subscription)).status).toBe('canceled');
    expect(await testStripe().customers.retrieve(customer)).toMatchObject({ deleted: true });
  });
});
