/**
 * Nightly billing reconciliation: re-syncs every customer whose Stripe state changed since the last
 * run (from Stripe's event list, which also holds events whose webhook delivery failed) and every
 * user whose past-due grace has ended, and records what it repaired (an entitlement that differed
 * from Stripe's state is drift: a lost or failed webhook). Run id = the schedule time, so a retried
 * run does its work again and records the same document.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { billingOps } from '../data/billing';
import { Collections } from '../data/collections';
import { customerOfEvent } from './stripe';
import { syncCustomer, type BillingDeps } from './billing';

/** Stripe keeps events for 30 days: a first run (or one after a long gap) looks back that far. */
export const MAX_LOOKBACK_MS = 30 * 24 * 3600_000;

const CUSTOMER_EVENT_TYPES = [
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'customer.deleted',
  'checkout.session.completed',
  'invoice.paid',
  'invoice.payment_failed',
] as const;

export interface BillingReconciliationReport {
  runId: string;
  since: string;
  customers: number;
  repaired: { uid: string; customerId: string }[];
  failed: { customerId: string; error: string }[];
}

export async function reconcileBillingState(
  deps: BillingDeps,
  opts: { runId: string; now: number },
): Promise<BillingReconciliationReport> {
  const ops = billingOps(deps.db);
  const last = (await ops.get()).get('lastReconciledAt') as Timestamp | undefined;
  const since = Math.max(last?.toMillis() ?? 0, opts.now - MAX_LOOKBACK_MS);
  const customers = new Set<string>();
  for await (const event of deps.stripe.events.list({
    created: { gte: Math.floor(since / 1000) },
    types: [...CUSTOMER_EVENT_TYPES],
    limit: 100,
  })) {
    const id = customerOfEvent(event);
    if (id) customers.add(id);
  }
  const graceEnded = await deps.db
    .collection(Collections.entitlements)
    .where('graceUntil', '<=', Timestamp.fromMillis(opts.now))
    .get();
  for (const doc of graceEnded.docs) {
    const id = doc.get('stripeCustomerId') as unknown;
    if (typeof id === 'string') customers.add(id);
  }
  const repaired: BillingReconciliationReport['repaired'] = [];
  const failed: BillingReconciliationReport['failed'] = [];
  for (const customerId of [...customers].sort()) {
    try {
      const result = await syncCustomer(deps, customerId);
      if (result.outcome === 'updated' && result.uid) repaired.push({ uid: result.uid, customerId });
    } catch (err) {
      failed.push({ customerId, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const report: BillingReconciliationReport = {
    runId: opts.runId,
    since: new Date(since).toISOString(),
    customers: customers.size,
    repaired,
    failed,
  };
  const runRef = ops.collection('reconciliation_runs').doc(opts.runId.replace(/[^A-Za-z0-9_.:-]/g, '_'));
  await runRef.set({ ...report, finishedAt: Timestamp.fromMillis(deps.now?.() ?? Date.now()) });
  // Only a run that re-synced everyone moves the mark; failures are retried by the next run.
  if (failed.length === 0)
    await ops.set({ lastReconciledAt: Timestamp.fromMillis(opts.now) }, { merge: true });
  return report;
}
