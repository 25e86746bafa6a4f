import type { Firestore, Query } from 'firebase-admin/firestore';
import type { L2Cache } from '../cache/l2';
import { CACHE_TTLS } from '../cache/ttl';
import { cachedAggregate } from '../cache/versioned';
import { Collections } from '../data/collections';
import { add, scorecardFrom, type GradeFields, type Scorecard } from '../domain/grading';

export const modelMetricsKey = (modelId: string): string => `model-metrics:${modelId}`;

export interface VersionMetrics extends Scorecard {
  version: string;
}

/**
 * Brier, log loss, accuracy and calibration per version, from agg_model (one season or all), with
 * the Elo baseline's (`elo`) over the same graded games.
 */
export async function modelMetrics(
  db: Firestore,
  l2: L2Cache,
  modelId: string,
  season: number | null,
): Promise<{ value: VersionMetrics[]; cache: 'l2' | 'miss' }> {
  return cachedAggregate(
    l2,
    modelMetricsKey(modelId),
    String(season ?? 'all'),
    CACHE_TTLS.apiResponse.l2Seconds,
    async () => {
      let q: Query = db.collection(Collections.aggModel).where('modelId', '==', modelId);
      if (season !== null) q = q.where('season', '==', season);
      const snap = await q.get();
      const byVersion = new Map<string, GradeFields>();
      for (const doc of snap.docs) {
        const fields: GradeFields = {};
        for (const [k, v] of Object.entries(doc.data()))
          if (typeof v === 'number' && k !== 'season') fields[k] = v;
        const version = doc.get('version') as string;
        byVersion.set(version, add(byVersion.get(version) ?? {}, fields));
      }
      return [...byVersion].map(([version, sums]) => ({ version, ...scorecardFrom(sums) }));
    },
  );
}
