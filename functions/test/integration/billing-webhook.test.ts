/**
 * stripeWebhook in the Functions emulator, fed by the Stripe fake with real signatures: bad
 * signatures write nothing; duplicates (also concurrent) change state once; events out of order
 * end in Stripe's current state; Stripe failing mid-event gives a 5xx and nothing half-written, and
 * the redelivery applies; an unknown customer is parked and answered 200.
 */
import { readJson } from '../support/json';
import { db, webUrl } from './helpers';
import {
  customerOf,
  deliver,
  deliveriesOf,
  entitlementOf,
  fake,
  holdDeliveries,
  newUser,
  useBillingStack,
  signed,
  subscribe,
  testStripe,
} from './stripe-helpers';

useBillingStack();

/** A user whose subscription exists in Stripe while its events are still held. */
async function heldSubscription(prefix: string) {
  await holdDeliveries();
  const user = await newUser(prefix);
  const paid = await subscribe(user);
  const created = (
    await testStripe().events.list({ type: 'customer.subscription.created', limit: 100 })
  ).data.find((e) => (e.data.object as { id: string }).id === paid.subscription);
  if (!created) throw new Error('no customer.subscription.created event');
  return { user, ...paid, eventId: created.id };
}

const statusesOf = (deliveries: { status: number }[]) => deliveries.map((d) => d.status);

async function nothingWritten(uid: string, eventId: string): Promise<void> {
  expect((await db().doc(`stripe_events/${eventId}`).get()).exists).toBe(false);
  expect(await entitlementOf(uid)).toBeUndefined();
  expect((await db().collection(`customers/${uid}/subscriptions`).get()).size).toBe(0);
}

describe('signature', () => {
  it('a missing, wrong or expired signature, or a re-serialised body, gets 400 and writes nothing', async () => {
    const { user, eventId } = await heldSubscription('sig');
    const event = await testStripe().events.retrieve(eventId);
    const variants = [
      { signature: null },
      { secret: 'whsec_not_ours' },
      { timestamp: Math.floor(Date.now() / 1000) - 301 },
      { body: JSON.stringify(event) }, // same event, other bytes: the signature covers the raw body
    ];
    for (const variant of variants) {
      expect(statusesOf(await deliver(eventId, variant))).toEqual([400]);
    }
    await nothingWritten(user.uid, eventId);
    // The same event, correctly signed, is accepted: the refusals were about the signature alone.
    expect(statusesOf(await deliver(eventId))).toEqual([200]);
    expect((await entitlementOf(user.uid))?.tier).toBe('pro');
  });

  it('answers JSON through Hosting at /stripe/webhook: 400 unsigned, 200 signed', async () => {
    const { user, eventId } = await heldSubscription('sig-hosting');
    const payload = JSON.stringify(await testStripe().events.retrieve(eventId), null, 2);
    const post = (headers: Record<string, string>) =>
      fetch(webUrl('/stripe/webhook'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: payload,
      });
    const refused = await post({});
    expect(refused.status).toBe(400);
    expect((await readJson(refused)).error.code).toBe('invalid_signature');
    await nothingWritten(user.uid, eventId);
    const accepted = await post({ 'stripe-signature': signed(payload) });
    expect(accepted.status).toBe(200);
    expect(await readJson(accepted)).toMatchObject({ received: true, outcome: 'updated' });
  });
});

describe('duplicates', () => {
  it('one event delivered 5 times at once, then 5 times more, changes state once', async () => {
    const { user, eventId, subscription } = await heldSubscription('dup');
    expect(statusesOf(await deliver(eventId, { times: 5, concurrent: true }))).toEqual([
      200, 200, 200, 200, 200,
    ]);
    const entitlement = await db().doc(`entitlements/${user.uid}`).get();
    const sub = await db().doc(`customers/${user.uid}/subscriptions/${subscription}`).get();
    const record = await db().doc(`stripe_events/${eventId}`).get();
    expect(entitlement.get('tier')).toBe('pro');
    // Written once and never again: five concurrent handlers, one commit.
    expect(entitlement.updateTime?.isEqual(entitlement.createTime!)).toBe(true);
    expect(sub.updateTime?.isEqual(sub.createTime!)).toBe(true);
    expect(record.get('outcome')).toBe('updated');

    expect(statusesOf(await deliver(eventId, { times: 5 }))).toEqual([200, 200, 200, 200, 200]);
    const again = await db().doc(`entitlements/${user.uid}`).get();
    expect(again.updateTime?.isEqual(entitlement.updateTime!)).toBe(true);
    const customerDoc = await db().doc(`customers/${user.uid}`).get();
    const recordAgain = await db().doc(`stripe_events/${eventId}`).get();
    expect(recordAgain.updateTime?.isEqual(record.updateTime!)).toBe(true);
    expect(customerDoc.get('stripeCustomerId')).toBe(await customerOf(user.uid));
  });
});

describe('ordering', () => {
  it('deleted before updated before created ends canceled, as in Stripe', async () => {
    await holdDeliveries();
    const user = await newUser('order');
    const { subscription } = await subscribe(user);
    await testStripe().subscriptions.update(subscription, { cancel_at_period_end: true });
    await testStripe().subscriptions.cancel(subscription);
    const released = (await fake('/_fake/delivery/release', { order: 'reverse' })).deliveries as {
      type: string;
      status: number;
    }[];
    const types = released.map((d) => d.type);
    expect(types.indexOf('customer.subscription.deleted')).toBeLessThan(
      types.indexOf('customer.subscription.updated'),
    );
    expect(types.indexOf('customer.subscription.updated')).toBeLessThan(
      types.indexOf('customer.subscription.created'),
    );
    expect(released.every((d) => d.status === 200)).toBe(true);
    const stripeState = await testStripe().subscriptions.retrieve(subscription);
    expect(stripeState.status).toBe('canceled');
    expect(await entitlementOf(user.uid)).toMatchObject({
      tier: 'free',
      status: 'canceled',
      subscriptionId: subscription,
    });
    expect((await db().doc(`customers/${user.uid}/subscriptions/${subscription}`).get()).get('status')).toBe(
      'canceled',
    );
  });

  it('a payment-failed invoice delivered after a later paid one leaves the user paid up', async () => {
    await holdDeliveries();
    const user = await newUser('order-invoice');
    const { subscription } = await subscribe(user);
    await fake(`/_fake/subscriptions/${subscription}/status`, { status: 'past_due' });
    await fake(`/_fake/subscriptions/${subscription}/status`, { status: 'active' });
    const released = (await fake('/_fake/delivery/release', { order: 'reverse' })).deliveries as {
      type: string;
      status: number;
    }[];
    const types = released.map((d) => d.type);
    expect(types.indexOf('invoice.paid')).toBeLessThan(types.indexOf('invoice.payment_failed'));
    expect(released.every((d) => d.status === 200)).toBe(true);
    expect(await entitlementOf(user.uid)).toMatchObject({ tier: 'pro', status: 'active', graceUntil: null });
    expect(
      (await db().doc(`customers/${user.uid}/subscriptions/${subscription}`).get()).get('pastDueSince'),
    ).toBeNull();
  });
});

describe('failures', () => {
  it('Stripe failing during a webhook gives 5xx and writes nothing; the redelivery applies', async () => {
    const { user, eventId } = await heldSubscription('fail');
    // Two failures: the SDK retries once on its own.
    await fake('/_fake/failures', { method: 'GET', path: '/v1/subscriptions', count: 2, status: 500 });
    const [failed] = await deliver(eventId);
    expect(failed?.status).toBeGreaterThanOrEqual(500);
    await nothingWritten(user.uid, eventId);
    await fake('/_fake/failures', { method: 'GET', path: '/v1/subscriptions', count: 2, mode: 'close' });
    expect((await deliver(eventId))[0]?.status).toBeGreaterThanOrEqual(500);
    await nothingWritten(user.uid, eventId);
    expect(statusesOf(await deliver(eventId))).toEqual([200]);
    expect((await entitlementOf(user.uid))?.tier).toBe('pro');
  });

  it('an event for a customer no user has is parked for an admin and answered 200, once', async () => {
    const stripe = testStripe();
    const stranger = await stripe.customers.create({ email: 'stranger@example.com' });
    await holdDeliveries();
    await fake('/_fake/subscriptions', { customer: stranger.id, price: 'price_pro_monthly' });
    const event = (await stripe.events.list({ type: 'customer.subscription.created', limit: 10 })).data.find(
      (e) => (e.data.object as { customer: string }).customer === stranger.id,
    );
    expect(statusesOf(await deliver(event!.id, { times: 2 }))).toEqual([200, 200]);
    const parked = await db().doc(`ops/billing/parked_events/${event!.id}`).get();
    expect(parked.data()).toMatchObject({ customerId: stranger.id, type: 'customer.subscription.created' });
    expect((await db().doc(`stripe_events/${event!.id}`).get()).get('outcome')).toBe('parked');
  });
});

describe('delivery in normal operation', () => {
  it('a paid checkout reaches the entitlement through the fake’s own deliveries', async () => {
    const user = await newUser('normal');
    const { events } = await subscribe(user);
    for (const id of events) expect(statusesOf(await deliveriesOf(id))).toEqual([200]);
    expect(await entitlementOf(user.uid)).toMatchObject({ tier: 'pro', status: 'active' });
  });
});
