import type { Firestore } from 'firebase-admin/firestore';
import { Collections } from '../data/collections';
import { metricDeltas } from '../domain/user-metrics';
import { applyOnce, type EventRef, type FieldsToSet, type Increments } from './idempotent';

/** Moves a user_metrics document's contribution between agg_user_daily buckets, once per event. */
export async function recordMetricWrite(
  db: Firestore,
  event: EventRef,
  before: unknown,
  after: unknown,
  opts: { now: Date; retentionMs: number },
): Promise<{ outcome: 'applied' | 'duplicate' | 'unchanged'; users: string[] }> {
  const deltas = metricDeltas(before, after);
  if (deltas.length === 0) return { outcome: 'unchanged', users: [] };
  const increments: Increments = new Map();
  const set: FieldsToSet = new Map();
  for (const d of deltas) {
    const path = `${Collections.aggUserDaily}/${d.bucket}`;
    increments.set(path, { count: d.count, engagementSum: d.engagementSum });
    set.set(path, { userId: d.userId, date: d.date });
  }
  const outcome = await applyOnce(db, event, increments, { ...opts, set });
  return { outcome, users: [...new Set(deltas.map((d) => d.userId))] };
}
