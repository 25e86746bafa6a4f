/**
 * Billing: Stripe is the truth for money, `entitlements/{uid}` for access.
 *
 * Every path that learns something about a customer (the webhook, the success page's sync, the
 * nightly reconciliation) calls the same `syncCustomer`: it re-reads ALL the customer's
 * subscriptions from Stripe (never trusting an event's payload), computes the per-user entitlement,
 * and writes `customers/{uid}`, its `subscriptions/{id}` and `entitlements/{uid}` in one transaction
 * (with the webhook's `stripe_events/{eventId}` record, so a redelivered event changes nothing).
 * The transaction never moves backwards: a sync that started reading Stripe before the last one
 * written is dropped, so out-of-order and concurrent events cannot leave an older state behind. The
 * last event of any change starts a sync after that change, so the end state is Stripe's.
 */
import { FieldValue, Timestamp, type Firestore } from 'firebase-admin/firestore';
import type Stripe from 'stripe';
import type { L2Cache } from '../cache/l2';
import type { BillingConfig } from '../config';
import {
  customerDocSchema,
  customerRef,
  entitlementFromDoc,
  entitlementRef,
  entitlementToDoc,
  parkedEventRef,
  stripeEventRef,
  subscriptionFromDoc,
  subscriptionsOf,
  subscriptionToDoc,
} from '../data/billing';
import { Collections } from '../data/collections';
import {
  computeEntitlement,
  FREE_ENTITLEMENT,
  hasLiveSubscription,
  sameEntitlement,
  type Entitlement,
  type SubscriptionFacts,
} from '../domain/entitlements';
import { FEATURES, PAID_TIERS, tierRank, type Feature, type PaidTier } from '../domain/tiers';
import type { Logger } from '../observability/logger';
import { invalidateEntitlement } from './entitlements';
import { customerOfEvent, isMissingResource, listSubscriptions, subscriptionFacts } from './stripe';

export interface BillingDeps {
  db: Firestore;
  stripe: Stripe;
  config: BillingConfig;
  l2: L2Cache;
  log: Logger;
  now?: () => number;
  /** Pause between polls while another request creates the user's Stripe customer. */
  sleep?: (ms: number) => Promise<void>;
}

export class BillingError extends Error {
  constructor(
    readonly code: 'price_not_allowed' | 'busy',
    message: string,
  ) {
    super(message);
  }
}

/** How long one request may hold the right to create a user's Stripe customer. */
const CUSTOMER_LEASE_MS = 30_000;
/** How long a webhook dedupe record is kept (Stripe retries for 3 days). TTL policy on expireAt. */
export const STRIPE_EVENT_RETENTION_MS = 30 * 24 * 3600_000;

const clock = (deps: BillingDeps): number => (deps.now ?? Date.now)();
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The user's Stripe customer id, creating the customer once: a transaction on `customers/{uid}`
 * elects one creator (a lease), which creates it with the idempotency key `customer:{uid}` and the
 * uid in its metadata; concurrent callers wait for its id. If the creator dies, the lease expires
 * and the next caller's create, under the same key, returns the same customer.
 */
export async function ensureCustomer(deps: BillingDeps, uid: string, email?: string): Promise<string> {
  const ref = customerRef(deps.db, uid);
  const sleep = deps.sleep ?? defaultSleep;
  for (let attempt = 0; attempt < 100; attempt++) {
    const now = clock(deps);
    // Waiters poll with plain reads: only a caller that sees no live lease runs the transaction.
    const seen = customerDocSchema.parse((await ref.get()).data() ?? {});
    if (seen.stripeCustomerId) return seen.stripeCustomerId;
    if (seen.state === 'creating' && (seen.leaseUntil?.toMillis() ?? 0) > now) {
      await sleep(Math.min(50 * (attempt + 1), 500));
      continue;
    }
    let step: { id: string } | { wait: true } | { lead: true };
    try {
      step = await deps.db.runTransaction(async (tx) => {
        const doc = customerDocSchema.parse((await tx.get(ref)).data() ?? {});
        if (doc.stripeCustomerId) return { id: doc.stripeCustomerId };
        if (doc.state === 'creating' && (doc.leaseUntil?.toMillis() ?? 0) > now)
          return { wait: true as const };
        tx.set(
          ref,
          { state: 'creating', leaseUntil: Timestamp.fromMillis(now + CUSTOMER_LEASE_MS) },
          { merge: true },
        );
        return { lead: true as const };
      });
    } catch (err) {
      // Contention on the document (10 ABORTED): another caller is taking the lease. Look again.
      if ((err as { code?: unknown }).code !== 10) throw err;
      await sleep(25 + Math.floor(Math.random() * 100));
      continue;
    }
    if ('id' in step) return step.id;
    if ('wait' in step) {
      await sleep(Math.min(50 * (attempt + 1), 500));
      continue;
    }
    try {
      const customer = await deps.stripe.customers.create(
        { ...(email ? { email } : {}), metadata: { firebaseUID: uid } },
        { idempotencyKey: `customer:${uid}` },
      );
      await ref.set(
        {
          stripeCustomerId: customer.id,
          state: 'ready',
          leaseUntil: FieldValue.delete(),
          createdAt: FieldValue.serverTimestamp(),
        },
        { merge: true },
      );
      return customer.id;
    } catch (err) {
      await ref.set({ leaseUntil: FieldValue.delete() }, { merge: true }).catch(() => undefined);
      throw err;
    }
  }
  throw new BillingError('busy', 'Setting up billing took too long; try again.');
}

/** The user's customer id if they have one. */
export async function customerIdOf(db: Firestore, uid: string): Promise<string | null> {
  const doc = customerDocSchema.safeParse((await customerRef(db, uid).get()).data() ?? {});
  return doc.success ? (doc.data.stripeCustomerId ?? null) : null;
}

/** The allowed return origin for a request: its Origin when allow-listed, else the first one. */
export function returnOrigin(config: BillingConfig, origin: string | undefined): string {
  return origin && config.returnOrigins.includes(origin) ? origin : (config.returnOrigins[0] as string);
}

export interface CheckoutResult {
  kind: 'checkout' | 'portal';
  url: string;
  sessionId: string | null;
}

/**
 * A Checkout Session for an allow-listed price. The server sets everything else (return URLs from
 * the allow-list, trial, metadata); a user who already pays is sent to the portal instead.
 */
export async function createCheckout(
  deps: BillingDeps,
  input: { uid: string; email?: string; priceId: string; origin?: string; idempotencyKey?: string },
): Promise<CheckoutResult> {
  const tier: PaidTier | undefined = deps.config.prices.get(input.priceId);
  if (!tier) throw new BillingError('price_not_allowed', `Price ${input.priceId} is not for sale.`);
  const customer = await ensureCustomer(deps, input.uid, input.email);
  const origin = returnOrigin(deps.config, input.origin);
  const now = clock(deps);
  const subs = (await listSubscriptions(deps.stripe, customer)).map((s) =>
    subscriptionFacts(s, deps.config.prices, null, now),
  );
  if (hasLiveSubscription(subs)) {
    const portal = await deps.stripe.billingPortal.sessions.create({
      customer,
      return_url: `${origin}/account`,
    });
    return { kind: 'portal', url: portal.url, sessionId: null };
  }
  const trial =
    deps.config.trialDays > 0 && subs.length === 0 ? { trial_period_days: deps.config.trialDays } : {};
  const session = await deps.stripe.checkout.sessions.create(
    {
      mode: 'subscription',
      customer,
      client_reference_id: input.uid,
      line_items: [{ price: input.priceId, quantity: 1 }],
      success_url: `${origin}/account/billing/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${origin}/account`,
      metadata: { firebaseUID: input.uid, tier },
      subscription_data: { metadata: { firebaseUID: input.uid }, ...trial },
    },
    input.idempotencyKey ? { idempotencyKey: `checkout:${input.uid}:${input.idempotencyKey}` } : {},
  );
  if (!session.url) throw new Error(`Checkout session ${session.id} has no url`);
  return { kind: 'checkout', url: session.url, sessionId: session.id };
}

export async function createPortal(
  deps: BillingDeps,
  input: { uid: string; email?: string; origin?: string },
): Promise<{ url: string }> {
  const customer = await ensureCustomer(deps, input.uid, input.email);
  const portal = await deps.stripe.billingPortal.sessions.create({
    customer,
    return_url: `${returnOrigin(deps.config, input.origin)}/account`,
  });
  return { url: portal.url };
}

/**
 * The uid of a Stripe customer: our mapping first, else the uid we put in its metadata; 'deleted'
 * for a customer Stripe has deleted (its late events change nothing).
 */
async function uidOfCustomer(
  deps: BillingDeps,
  customerId: string,
): Promise<{ uid: string } | 'deleted' | null> {
  const mapped = await deps.db
    .collection(Collections.customers)
    .where('stripeCustomerId', '==', customerId)
    .limit(2)
    .get();
  const only = mapped.size === 1 ? mapped.docs[0] : undefined;
  if (only) return { uid: only.id };
  if (mapped.size > 1) throw new Error(`Stripe customer ${customerId} is mapped to ${mapped.size} users`);
  try {
    const customer = await deps.stripe.customers.retrieve(customerId);
    if ('deleted' in customer && customer.deleted) return 'deleted';
    const uid = (customer as Stripe.Customer).metadata.firebaseUID;
    return typeof uid === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(uid) ? { uid } : null;
  } catch (err) {
    if (isMissingResource(err)) return null;
    throw err;
  }
}

export type SyncOutcome = 'updated' | 'unchanged' | 'stale' | 'duplicate' | 'parked' | 'ignored';

export interface SyncResult {
  outcome: SyncOutcome;
  uid: string | null;
  entitlement: Entitlement | null;
}

interface EventRecord {
  id: string;
  type: string;
  created: number;
}

/**
 * Re-reads the customer's subscriptions from Stripe and writes the user's billing state. With an
 * event, its dedupe record is created in the same transaction (or the event is a duplicate).
 */
export async function syncCustomer(
  deps: BillingDeps,
  customerId: string,
  event?: EventRecord,
): Promise<SyncResult> {
  const startedAt = clock(deps);
  const found = await uidOfCustomer(deps, customerId);
  if (found === 'deleted') {
    if (event) await record(deps, event, customerId, 'ignored');
    return { outcome: 'ignored', uid: null, entitlement: null };
  }
  if (!found) {
    if (event) await park(deps, customerId, event);
    return { outcome: event ? 'parked' : 'ignored', uid: null, entitlement: null };
  }
  const uid = found.uid;
  const stripeSubs = await listSubscriptions(deps.stripe, customerId);
  const db = deps.db;
  const result = await db.runTransaction(async (tx): Promise<SyncResult> => {
    const eventRef = event ? stripeEventRef(db, event.id) : null;
    const [eventSnap, customerSnap, entitlementSnap, storedSubs] = await Promise.all([
      eventRef ? tx.get(eventRef) : Promise.resolve(null),
      tx.get(customerRef(db, uid)),
      tx.get(entitlementRef(db, uid)),
      tx.get(subscriptionsOf(db, uid)),
    ]);
    if (eventSnap?.exists) return { outcome: 'duplicate', uid, entitlement: null };
    const recordIn = (outcome: SyncOutcome) => {
      if (eventRef && event) tx.create(eventRef, eventDoc(event, customerId, uid, outcome, startedAt));
    };
    // Every customer we create has this document first (ensureCustomer); without it the user's
    // billing was deleted with their account, and a late event must not bring it back.
    if (!customerSnap.exists) {
      recordIn('ignored');
      return { outcome: 'ignored', uid, entitlement: null };
    }
    const customer = customerDocSchema.safeParse(customerSnap.data() ?? {});
    const lastStart = customer.success ? (customer.data.syncStartedAt ?? 0) : 0;
    if (lastStart > startedAt) {
      recordIn('stale');
      return { outcome: 'stale', uid, entitlement: null };
    }
    const stored = new Map<string, SubscriptionFacts>();
    for (const doc of storedSubs.docs) {
      const facts = subscriptionFromDoc(doc.id, doc.data());
      if (facts) stored.set(doc.id, facts);
    }
    const subs = stripeSubs.map((s) =>
      subscriptionFacts(s, deps.config.prices, stored.get(s.id)?.pastDueSince ?? null, startedAt),
    );
    const entitlement = computeEntitlement(subs, startedAt, deps.config.graceMs);
    const before = entitlementSnap.exists ? entitlementFromDoc(entitlementSnap.data()).entitlement : null;
    const changed = before === null || !sameEntitlement(before, entitlement);
    tx.set(
      customerRef(db, uid),
      { stripeCustomerId: customerId, state: 'ready', syncStartedAt: startedAt },
      { merge: true },
    );
    for (const sub of subs) {
      const old = stored.get(sub.id);
      if (!old || !sameFacts(old, sub)) tx.set(subscriptionsOf(db, uid).doc(sub.id), subscriptionToDoc(sub));
    }
    if (changed) {
      tx.set(entitlementRef(db, uid), {
        ...entitlementToDoc(entitlement),
        uid,
        stripeCustomerId: customerId,
        updatedAt: FieldValue.serverTimestamp(),
      });
    }
    recordIn(changed ? 'updated' : 'unchanged');
    return { outcome: changed ? 'updated' : 'unchanged', uid, entitlement };
  });
  // After the commit: no instance may keep serving the old tier from Redis (rejects → the caller
  // answers 5xx, and the redelivery, a duplicate, invalidates again).
  if (result.outcome === 'updated') await invalidateEntitlement(deps.l2, uid);
  deps.log.info('billing sync', { customerId, uid, eventId: event?.id, outcome: result.outcome });
  return result;
}

function sameFacts(a: SubscriptionFacts, b: SubscriptionFacts): boolean {
  return (
    a.status === b.status &&
    a.tier === b.tier &&
    a.priceId === b.priceId &&
    a.created === b.created &&
    a.currentPeriodEnd === b.currentPeriodEnd &&
    a.cancelAtPeriodEnd === b.cancelAtPeriodEnd &&
    a.pastDueSince === b.pastDueSince
  );
}

function eventDoc(
  event: EventRecord,
  customerId: string | null,
  uid: string | null,
  outcome: SyncOutcome,
  now: number,
) {
  return {
    type: event.type,
    created: Timestamp.fromMillis(event.created * 1000),
    customerId,
    uid,
    outcome,
    processedAt: Timestamp.fromMillis(now),
    expireAt: Timestamp.fromMillis(now + STRIPE_EVENT_RETENTION_MS),
  };
}

/** The dedupe record alone (a concurrent duplicate may have written it first: that is fine). */
async function record(
  deps: BillingDeps,
  event: EventRecord,
  customerId: string | null,
  outcome: SyncOutcome,
) {
  await stripeEventRef(deps.db, event.id)
    .create(eventDoc(event, customerId, null, outcome, clock(deps)))
    .catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== 6) throw err; // 6 = ALREADY_EXISTS
    });
}

/** An event for a customer we cannot map to a user: kept for an admin, answered 200 (no 3-day retries). */
async function park(deps: BillingDeps, customerId: string, event: EventRecord): Promise<void> {
  const now = clock(deps);
  const batch = deps.db.batch();
  batch.set(parkedEventRef(deps.db, event.id), {
    type: event.type,
    customerId,
    created: Timestamp.fromMillis(event.created * 1000),
    parkedAt: Timestamp.fromMillis(now),
    reason: 'no user for this Stripe customer',
  });
  batch.set(stripeEventRef(deps.db, event.id), eventDoc(event, customerId, null, 'parked', now));
  await batch.commit();
  deps.log.warn('stripe event parked: unknown customer', { eventId: event.id, type: event.type, customerId });
}

/** The webhook's work for one verified event. */
export async function handleStripeEvent(deps: BillingDeps, event: Stripe.Event): Promise<SyncResult> {
  const summary: EventRecord = { id: event.id, type: event.type, created: event.created };
  const seen = await stripeEventRef(deps.db, event.id).get();
  if (seen.exists) {
    // The first delivery may have failed after its commit (before invalidating): do that again.
    const uid = seen.get('uid') as string | null;
    if (uid) await invalidateEntitlement(deps.l2, uid);
    return { outcome: 'duplicate', uid, entitlement: null };
  }
  const customerId = customerOfEvent(event);
  if (!customerId) {
    await record(deps, summary, null, 'ignored');
    return { outcome: 'ignored', uid: null, entitlement: null };
  }
  return syncCustomer(deps, customerId, summary);
}

/** The user's entitlement as stored (free when none). */
export async function storedEntitlement(db: Firestore, uid: string): Promise<Entitlement> {
  return entitlementFromDoc((await entitlementRef(db, uid).get()).data()).entitlement;
}

/** Sync the user's customer, if they have one (the success page calls this). */
export async function syncUser(deps: BillingDeps, uid: string): Promise<Entitlement> {
  const customerId = await customerIdOf(deps.db, uid);
  if (!customerId) return FREE_ENTITLEMENT;
  const result = await syncCustomer(deps, customerId);
  return result.entitlement ?? (await storedEntitlement(deps.db, uid));
}

/**
 * Account deletion: first the user's billing documents (from then on no sync writes them again: it
 * needs `customers/{uid}`), then the Stripe customer, which cancels its subscriptions at once. The
 * customer is also found by the uid in its metadata, so a retry after the documents are gone still
 * deletes it. Safe to repeat.
 */
export async function deleteBilling(
  deps: BillingDeps,
  uid: string,
  email?: string,
): Promise<{ customerIds: string[] }> {
  const ids = new Set<string>();
  const mapped = await customerIdOf(deps.db, uid);
  if (mapped) ids.add(mapped);
  if (email) {
    for (const c of (await deps.stripe.customers.list({ email, limit: 100 })).data)
      if (c.metadata.firebaseUID === uid) ids.add(c.id);
  }
  // One transaction with the reads, so a sync committing meanwhile cannot leave a document behind.
  await deps.db.runTransaction(async (tx) => {
    const subs = await tx.get(subscriptionsOf(deps.db, uid));
    tx.delete(customerRef(deps.db, uid));
    for (const doc of subs.docs) tx.delete(doc.ref);
    tx.delete(entitlementRef(deps.db, uid));
  });
  for (const id of ids) {
    try {
      await deps.stripe.customers.del(id);
    } catch (err) {
      if (!isMissingResource(err)) throw err;
    }
  }
  await invalidateEntitlement(deps.l2, uid);
  deps.log.info('billing deleted with the account', { uid, customerIds: [...ids] });
  return { customerIds: [...ids] };
}

export interface Plan {
  priceId: string;
  tier: PaidTier;
  /** From Stripe; null when Stripe could not be asked (the plan is still for sale). */
  unitAmount: number | null;
  currency: string | null;
  interval: string | null;
  /** What this tier unlocks that the free tier does not. */
  features: Feature[];
}

/** Features a paid tier has beyond the free tier. */
export function featuresOf(tier: PaidTier): Feature[] {
  return (Object.keys(FEATURES) as Feature[]).filter(
    (f) => tierRank(FEATURES[f]) > tierRank('free') && tierRank(FEATURES[f]) <= tierRank(tier),
  );
}

/**
 * The plans for sale (the allow-listed prices), cheapest tier first, with each price's amount and
 * interval read from Stripe. Stripe trouble leaves the amounts null rather than hiding the plans.
 */
export async function listPlans(deps: Pick<BillingDeps, 'stripe' | 'config' | 'log'>): Promise<Plan[]> {
  const entries = [...deps.config.prices].sort(
    ([, a], [, b]) => PAID_TIERS.indexOf(a) - PAID_TIERS.indexOf(b),
  );
  return Promise.all(
    entries.map(async ([priceId, tier]) => {
      const price = await deps.stripe.prices.retrieve(priceId).catch((err: unknown) => {
        deps.log.warn('stripe price unreadable', { priceId, error: String(err) });
        return null;
      });
      return {
        priceId,
        tier,
        unitAmount: price?.unit_amount ?? null,
        currency: price?.currency ?? null,
        interval: price?.recurring?.interval ?? null,
        features: featuresOf(tier),
      };
    }),
  );
}
