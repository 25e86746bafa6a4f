/**
 * A user's daily engagement, read from agg_user_daily only, cached per user under a version the
 * user_metrics trigger bumps (cache/versioned.ts).
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { L2Cache } from '../cache/l2';
import { CACHE_TTLS } from '../cache/ttl';
import { bumpVersions, cachedAggregate } from '../cache/versioned';
import { Collections } from '../data/collections';
import { dailyBucket, daySeries, type DaySummary } from '../domain/user-metrics';

export const analyticsKey = (uid: string): string => `analytics:${uid}`;

export async function userAnalytics(
  db: Firestore,
  l2: L2Cache,
  uid: string,
  from: string,
  to: string,
): Promise<{ days: DaySummary[]; cache: 'l2' | 'miss' }> {
  const { value, cache } = await cachedAggregate(
    l2,
    analyticsKey(uid),
    `${from}:${to}`,
    CACHE_TTLS.apiResponse.l2Seconds,
    async () => {
      const snap = await db
        .collection(Collections.aggUserDaily)
        .where('userId', '==', uid)
        .where('date', '>=', from)
        .where('date', '<=', to)
        .get();
      const found = new Map<string, { count: number; engagementSum: number }>();
      for (const doc of snap.docs) {
        // Only the bucket the triggers maintain counts: a stray document with the same fields (a
        // console copy) must not replace it. Reconciliation zeroes such strays.
        const date = doc.get('date') as string;
        if (doc.id !== dailyBucket(uid, date)) continue;
        found.set(date, {
          count: Number(doc.get('count') ?? 0),
          engagementSum: Number(doc.get('engagementSum') ?? 0),
        });
      }
      return daySeries(from, to, found);
    },
  );
  return { days: value, cache };
}

/** After users' aggregates changed: every cached range of theirs stops being served. */
export function invalidateUserAnalytics(l2: L2Cache, uids: readonly string[]): Promise<void> {
  return bumpVersions(l2, uids.map(analyticsKey));
}
