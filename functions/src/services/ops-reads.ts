/**
 * Admin operations reads: the latest runs of the two daily reconciliations and the Stripe events
 * parked for an admin. Each collection is read newest first on one field (single-field indexes).
 */
import { Timestamp, type CollectionReference, type Firestore } from 'firebase-admin/firestore';
import { billingOps } from '../data/billing';
import { Collections } from '../data/collections';
import { latestRuns, type ReconciliationRun, type RunDoc, type RunKind } from '../domain/ops-runs';

export interface ParkedEvent {
  id: string;
  type: string | null;
  customerId: string | null;
  reason: string | null;
  /** When Stripe created the event. */
  created: string | null;
  parkedAt: string | null;
}

/** A time field as written: a Timestamp (billing) or an ISO string (aggregates); else null. */
function millis(value: unknown): number | null {
  if (value instanceof Timestamp) return value.toMillis();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

const iso = (value: unknown): string | null => {
  const ms = millis(value);
  return ms === null ? null : new Date(ms).toISOString();
};
const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const aggregateRuns = (db: Firestore) =>
  db.collection(Collections.ops).doc('reconciliation').collection('runs');
const billingRuns = (db: Firestore) => billingOps(db).collection('reconciliation_runs');

/** Both reconciliations' latest runs, newest first, at most `limit` in all. */
export async function reconciliationRuns(db: Firestore, limit: number): Promise<ReconciliationRun[]> {
  const read = async (kind: RunKind, ref: CollectionReference): Promise<RunDoc[]> =>
    (await ref.orderBy('finishedAt', 'desc').limit(limit).get()).docs.map((d) => ({
      kind,
      id: d.id,
      data: d.data(),
      finishedAtMs: millis(d.get('finishedAt')),
    }));
  const [aggregates, billing] = await Promise.all([
    read('aggregates', aggregateRuns(db)),
    read('billing', billingRuns(db)),
  ]);
  return latestRuns([...aggregates, ...billing], limit);
}

/** Parked Stripe events, the most recently parked first. */
export async function parkedEvents(db: Firestore, limit: number): Promise<ParkedEvent[]> {
  const snap = await billingOps(db)
    .collection('parked_events')
    .orderBy('parkedAt', 'desc')
    .limit(limit)
    .get();
  return snap.docs.map((d) => ({
    id: d.id,
    type: stringOrNull(d.get('type')),
    customerId: stringOrNull(d.get('customerId')),
    reason: stringOrNull(d.get('reason')),
    created: iso(d.get('created')),
    parkedAt: iso(d.get('parkedAt')),
  }));
}
