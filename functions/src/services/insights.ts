import type { Firestore } from 'firebase-admin/firestore';
import { insightCountDeltas } from '../domain/insights';
import { Collections } from '../data/collections';
import { applyOnce, type EventRef, type Increments } from './idempotent';

/** Moves the insight's contribution between `agg_insights` buckets, once per event. */
export async function recordInsightWrite(
  db: Firestore,
  event: EventRef,
  before: unknown,
  after: unknown,
  opts: { now: Date; retentionMs: number },
): Promise<'applied' | 'duplicate' | 'unchanged'> {
  const deltas = insightCountDeltas(before, after);
  if (deltas.size === 0) return 'unchanged';
  const increments: Increments = new Map();
  for (const [bucket, amount] of deltas)
    increments.set(`${Collections.aggInsights}/${bucket}`, { count: amount });
  return applyOnce(db, event, increments, opts);
}
