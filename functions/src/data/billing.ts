/**
 * Billing documents (DESIGN.md "Billing, tiers and limits"), written only by functions:
 *   customers/{uid}                      { stripeCustomerId, email, state: creating|ready, leaseUntil, syncStartedAt }
 *   customers/{uid}/subscriptions/{id}   a copy of what we use of Stripe's subscription
 *   entitlements/{uid}                   the tier the API enforces (and why)
 *   stripe_events/{eventId}              the webhook's dedupe record, created with the state change
 *   ops/billing/parked_events/{eventId}  events for a customer we do not know, for an admin
 *   ops/billing/reconciliation_runs/{id} what the nightly billing reconciliation re-synced and repaired
 * Times are Firestore Timestamps in documents and milliseconds in the domain.
 */
import { Timestamp, type DocumentData, type Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import type { Entitlement, SubscriptionFacts } from '../domain/entitlements';
import { FREE_ENTITLEMENT } from '../domain/entitlements';
import { PAID_TIERS, type PaidTier } from '../domain/tiers';
import { Collections } from './collections';

const ms = (t: Timestamp | null): number | null => (t ? t.toMillis() : null);
const ts = (n: number | null): Timestamp | null => (n === null ? null : Timestamp.fromMillis(n));
const timestamp = z.instanceof(Timestamp).nullable();

export const customerRef = (db: Firestore, uid: string) => db.collection(Collections.customers).doc(uid);
export const subscriptionsOf = (db: Firestore, uid: string) =>
  customerRef(db, uid).collection('subscriptions');
export const entitlementRef = (db: Firestore, uid: string) =>
  db.collection(Collections.entitlements).doc(uid);
export const stripeEventRef = (db: Firestore, eventId: string) =>
  db.collection(Collections.stripeEvents).doc(eventId);
export const billingOps = (db: Firestore) => db.collection(Collections.ops).doc('billing');
export const parkedEventRef = (db: Firestore, eventId: string) =>
  billingOps(db).collection('parked_events').doc(eventId);

export const customerDocSchema = z.object({
  stripeCustomerId: z.string().nullable().optional(),
  state: z.enum(['creating', 'ready']).optional(),
  leaseUntil: timestamp.optional(),
  syncStartedAt: z.number().optional(),
});
export type CustomerDoc = z.infer<typeof customerDocSchema>;

const subscriptionDocSchema = z.object({
  status: z.string(),
  tier: z.enum(PAID_TIERS).nullable(),
  priceId: z.string().nullable(),
  created: z.instanceof(Timestamp),
  currentPeriodEnd: timestamp,
  cancelAtPeriodEnd: z.boolean(),
  pastDueSince: timestamp,
});

export function subscriptionToDoc(s: SubscriptionFacts): DocumentData {
  return {
    status: s.status,
    tier: s.tier,
    priceId: s.priceId,
    created: Timestamp.fromMillis(s.created),
    currentPeriodEnd: ts(s.currentPeriodEnd),
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    pastDueSince: ts(s.pastDueSince),
  };
}

/** A stored subscription, or null when the document is not one we wrote (a console edit). */
export function subscriptionFromDoc(id: string, data: DocumentData | undefined): SubscriptionFacts | null {
  const parsed = subscriptionDocSchema.safeParse(data);
  if (!parsed.success) return null;
  const d = parsed.data;
  return {
    id,
    status: d.status,
    tier: d.tier,
    priceId: d.priceId,
    created: d.created.toMillis(),
    currentPeriodEnd: ms(d.currentPeriodEnd),
    cancelAtPeriodEnd: d.cancelAtPeriodEnd,
    pastDueSince: ms(d.pastDueSince),
  };
}

const entitlementDocSchema = z.object({
  tier: z.enum(['free', ...PAID_TIERS]),
  status: z.string(),
  subscriptionId: z.string().nullable(),
  currentPeriodEnd: timestamp,
  cancelAtPeriodEnd: z.boolean(),
  graceUntil: timestamp,
  tierAfterGrace: z.enum(['free', ...PAID_TIERS]),
});

export function entitlementToDoc(e: Entitlement): DocumentData {
  return {
    tier: e.tier,
    status: e.status,
    subscriptionId: e.subscriptionId,
    currentPeriodEnd: ts(e.currentPeriodEnd),
    cancelAtPeriodEnd: e.cancelAtPeriodEnd,
    graceUntil: ts(e.graceUntil),
    tierAfterGrace: e.tierAfterGrace,
  };
}

/**
 * A tier granted by hand, with no subscription behind it: what an admin writes in the console to
 * comp a user (the tests and the benchmark grant tiers this way). A Stripe sync replaces it.
 */
export function grantedEntitlementDoc(uid: string, tier: PaidTier): DocumentData {
  return {
    ...entitlementToDoc({ ...FREE_ENTITLEMENT, tier, status: 'active', tierAfterGrace: tier }),
    uid,
    grantedBy: 'admin',
  };
}

/**
 * The entitlement a document says. A missing document is the free tier. A document that does not
 * parse (a console edit gone wrong) is also free, and `valid` says so, for the log.
 */
export function entitlementFromDoc(data: DocumentData | undefined): {
  entitlement: Entitlement;
  valid: boolean;
} {
  if (data === undefined) return { entitlement: FREE_ENTITLEMENT, valid: true };
  const parsed = entitlementDocSchema.safeParse(data);
  if (!parsed.success) return { entitlement: FREE_ENTITLEMENT, valid: false };
  const d = parsed.data;
  return {
    entitlement: {
      tier: d.tier,
      status: d.status,
      subscriptionId: d.subscriptionId,
      currentPeriodEnd: ms(d.currentPeriodEnd),
      cancelAtPeriodEnd: d.cancelAtPeriodEnd,
      graceUntil: ms(d.graceUntil),
      tierAfterGrace: d.tierAfterGrace,
    },
    valid: true,
  };
}
