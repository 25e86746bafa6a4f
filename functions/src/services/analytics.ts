/**
 * A user's daily engagement, read from agg_user_daily only, cached in Redis per user with a version
 * so that a write is never followed by the pre-write numbers: the trigger that changes a user's
 * aggregates bumps `analytics:{uid}.__v` after its transaction commits, and a cached range is served
 * only if it was computed under the current version. (A reader that computed from older aggregates
 * stores its result under the older version, so it can never be served after the bump.)
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { L2Cache } from '../cache/l2';
import { CACHE_TTLS } from '../cache/ttl';
import { Collections } from '../data/collections';
import { daySeries, type DaySummary } from '../domain/user-metrics';

export const analyticsKey = (uid: string): string => `analytics:${uid}`;
const VERSION_FIELD = '__v';

interface Cached {
  v: number;
  days: DaySummary[];
}

export async function userAnalytics(
  db: Firestore,
  l2: L2Cache,
  uid: string,
  from: string,
  to: string,
): Promise<{ days: DaySummary[]; cache: 'l2' | 'miss' }> {
  const field = `${from}:${to}`;
  const cached = await l2.run('hmget', (r) =>
    r.hmget<Record<string, unknown>>(analyticsKey(uid), VERSION_FIELD, field),
  );
  const version = Number(cached?.[VERSION_FIELD] ?? 0);
  const entry = cached?.[field] as Cached | undefined;
  if (entry && entry.v === version) return { days: entry.days, cache: 'l2' };
  const snap = await db
    .collection(Collections.aggUserDaily)
    .where('userId', '==', uid)
    .where('date', '>=', from)
    .where('date', '<=', to)
    .get();
  const found = new Map<string, { count: number; engagementSum: number }>();
  for (const doc of snap.docs) {
    found.set(doc.get('date') as string, {
      count: Number(doc.get('count') ?? 0),
      engagementSum: Number(doc.get('engagementSum') ?? 0),
    });
  }
  const days = daySeries(from, to, found);
  const value: Cached = { v: version, days };
  void l2.run('hset', async (r) => {
    const p = r.pipeline();
    p.hset(analyticsKey(uid), { [field]: value });
    p.expire(analyticsKey(uid), CACHE_TTLS.realtimeMetric.l2Seconds * 30);
    return p.exec();
  });
  return { days, cache: 'miss' };
}

/** After a user's aggregates changed: every cached range of theirs stops being served. */
export function invalidateUserAnalytics(l2: L2Cache, uids: readonly string[]): Promise<void> {
  if (uids.length === 0) return Promise.resolve();
  return l2.strict('hincrby', (r) => {
    const p = r.pipeline();
    for (const uid of uids) p.hincrby(analyticsKey(uid), VERSION_FIELD, 1);
    return p.exec();
  });
}
