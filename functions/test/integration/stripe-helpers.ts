/**
 * The Stripe fake of the test stack (scripts/stripe-fake, started by scripts/lib/stack.ts and
 * delivering signed events to the emulator's stripeWebhook), reached through the real stripe SDK
 * and its control API; and users who go through our billing API.
 */
import type Stripe from 'stripe';
import { billingConfig } from '../../src/config';
import { L2Cache } from '../../src/cache/l2';
import { logger } from '../../src/observability/logger';
import type { BillingDeps } from '../../src/services/billing';
import { createStripe } from '../../src/services/stripe';
import { readJson, type Json } from '../support/json';
import { apiUrl, clearFirestore, db, eventually, idTokenFor, postAs, testRedis, uidOf } from './helpers';

export const PRO = 'price_pro_monthly';
export const ELITE = 'price_elite_monthly';

export const fakeUrl = (): string => process.env.STRIPE_FAKE_URL as string;

/** A control-API call; throws on a non-2xx answer. */
export async function fake(
  path: string,
  body?: unknown,
  method = body === undefined ? 'GET' : 'POST',
): Promise<Json> {
  const res = await fetch(`${fakeUrl()}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`stripe fake ${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

/** The stripe SDK as the functions configure it (pinned version, the fake's address, its key). */
export function testStripe(): Stripe {
  return createStripe(billingConfig());
}

/** Billing dependencies in this process (for jobs run with a chosen clock). */
export function billingDeps(now?: () => number): BillingDeps {
  return {
    db: db(),
    stripe: testStripe(),
    config: billingConfig(),
    l2: new L2Cache(() => testRedis()),
    log: logger,
    ...(now ? { now } : {}),
  };
}

/** A billing test file: an empty Firestore and Stripe before, normal deliveries after each test. */
export function useBillingStack(): void {
  beforeAll(async () => {
    await clearFirestore();
    await fake('/_fake/reset', {});
  }, 60_000);
  afterEach(resetDelivery);
}

/** Delivery knobs back to normal; held events are delivered (so none leaks into the next test). */
export async function resetDelivery(): Promise<void> {
  await fake('/_fake/failures', undefined, 'DELETE');
  await fake('/_fake/delivery/release', {});
  await fake('/_fake/delivery', { mode: 'immediate', duplicate: 1, concurrent: false, delayMs: 0 });
}

export const holdDeliveries = () => fake('/_fake/delivery', { mode: 'hold' });

export interface Delivery {
  eventId: string;
  type: string;
  url: string;
  status: number;
  ok: boolean;
}

/** Delivers one event again (optionally tampered) and answers the delivery records. */
export async function deliver(eventId: string, opts: Record<string, unknown> = {}): Promise<Delivery[]> {
  return (await fake(`/_fake/events/${eventId}/deliver`, opts)).deliveries as Delivery[];
}

/** Waits until every delivery of the event has been answered, and returns them. */
export async function deliveriesOf(eventId: string, atLeast = 1): Promise<Delivery[]> {
  return eventually(
    async () => (await fake('/_fake/deliveries')) as Delivery[] | { deliveries: Delivery[] },
    (all) => list(all).filter((d) => d.eventId === eventId).length >= atLeast,
    60_000,
  ).then((all) => list(all).filter((d) => d.eventId === eventId));
}

const list = (all: Delivery[] | { deliveries: Delivery[] }): Delivery[] =>
  Array.isArray(all) ? all : all.deliveries;

/** The newest event of a type for a customer (from Stripe's event list). */
export async function latestEvent(type: string, customer: string): Promise<Stripe.Event> {
  const events = await testStripe().events.list({ type, limit: 100 });
  const found = events.data.find((e) => (e.data.object as { customer?: string }).customer === customer);
  if (!found) throw new Error(`no ${type} event for ${customer}`);
  return found;
}

export interface BillingUser {
  email: string;
  token: string;
  uid: string;
}

let counter = 0;
export async function newUser(prefix: string, opts: { admin?: boolean } = {}): Promise<BillingUser> {
  counter += 1;
  const email = `${prefix}-${Date.now().toString(36)}-${counter}@example.com`;
  const token = await idTokenFor(email, opts);
  return { email, token, uid: uidOf(token) };
}

export const api = (path: string, token?: string, init: RequestInit = {}) =>
  fetch(apiUrl(path), {
    ...init,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.headers as Record<string, string>),
    },
  });

/** POST /v1/billing/checkout as the user; the parsed answer. */
export async function checkout(
  user: BillingUser,
  priceId = PRO,
): Promise<{ url: string; sessionId: string; kind: string }> {
  const res = await postAs('/v1/billing/checkout', user.token, { priceId });
  const body = await readJson(res);
  if (res.status !== 200) throw new Error(`checkout: ${res.status} ${JSON.stringify(body)}`);
  return body as { url: string; sessionId: string; kind: string };
}

/** Checkout, then the customer pays (the control API completes the session). */
export async function subscribe(
  user: BillingUser,
  priceId = PRO,
): Promise<{ customer: string; subscription: string; events: string[] }> {
  const session = await checkout(user, priceId);
  const done = await fake(`/_fake/checkout/${session.sessionId}/complete`, {});
  return {
    customer: done.session.customer as string,
    subscription: done.subscription.id as string,
    events: done.events as string[],
  };
}

export async function customerOf(uid: string): Promise<string> {
  return (await db().doc(`customers/${uid}`).get()).get('stripeCustomerId') as string;
}

export async function entitlementOf(uid: string) {
  return (await db().doc(`entitlements/${uid}`).get()).data();
}

/** The signed headers Stripe would send for these exact bytes. */
export function signed(payload: string, secret = billingConfig().webhookSecret, timestamp?: number): string {
  return testStripe().webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestamp === undefined ? {} : { timestamp }),
  });
}
