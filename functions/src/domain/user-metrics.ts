/**
 * Daily engagement aggregates: `agg_user_daily/{userId}_{yyyy-mm-dd}` holds `count` and
 * `engagementSum` of the user_metrics documents of that user and UTC day; the average is derived on
 * read. A write contributes (count 1, its score) to the bucket of its `after` document and removes
 * the contribution of its `before` document, so an update that moves a metric to another user or day
 * moves exactly one count, and a delete removes it. A document that is not a valid metric (a console
 * typo) contributes nothing, the same rule the reconciliation uses.
 */
import { z } from 'zod';

export const METRIC_TYPES = ['view', 'pick', 'share', 'session'] as const;

const metricFields = z.object({
  userId: z.string().min(1).max(128),
  type: z.enum(METRIC_TYPES),
  engagementScore: z.number().min(0).max(100),
  /** A Firestore Timestamp (anything with toDate()), or a Date in tests. */
  timestamp: z.custom<{ toDate(): Date } | Date>(
    (v) =>
      v instanceof Date ||
      (typeof v === 'object' && v !== null && typeof (v as { toDate?: unknown }).toDate === 'function'),
  ),
});

export interface Contribution {
  bucket: string;
  userId: string;
  date: string;
  count: number;
  engagementSum: number;
}

/** `YYYY-MM-DD` of a time, in UTC. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function dailyBucket(userId: string, date: string): string {
  return `${userId}_${date}`;
}

/** What one raw document adds to the aggregates, or null if it is not a valid metric. */
export function metricContribution(doc: unknown): Contribution | null {
  const parsed = metricFields.safeParse(doc);
  if (!parsed.success) return null;
  const at = parsed.data.timestamp instanceof Date ? parsed.data.timestamp : parsed.data.timestamp.toDate();
  if (Number.isNaN(at.getTime())) return null;
  const date = utcDay(at);
  return {
    bucket: dailyBucket(parsed.data.userId, date),
    userId: parsed.data.userId,
    date,
    count: 1,
    engagementSum: parsed.data.engagementScore,
  };
}

/** Net change per bucket for a write from `before` to `after` (either may be absent). */
export function metricDeltas(before: unknown, after: unknown): Contribution[] {
  const byBucket = new Map<string, Contribution>();
  const add = (c: Contribution | null, sign: 1 | -1) => {
    if (!c) return;
    const cur = byBucket.get(c.bucket) ?? { ...c, count: 0, engagementSum: 0 };
    cur.count += sign * c.count;
    cur.engagementSum += sign * c.engagementSum;
    byBucket.set(c.bucket, cur);
  };
  add(before === undefined ? null : metricContribution(before), -1);
  add(after === undefined ? null : metricContribution(after), 1);
  return [...byBucket.values()].filter((c) => c.count !== 0 || c.engagementSum !== 0);
}

/** Sums contributions of many documents per bucket (the reconciliation's recomputation). */
export function sumContributions(docs: Iterable<unknown>): Map<string, Contribution> {
  const out = new Map<string, Contribution>();
  for (const doc of docs) {
    const c = metricContribution(doc);
    if (!c) continue;
    const cur = out.get(c.bucket) ?? { ...c, count: 0, engagementSum: 0 };
    cur.count += c.count;
    cur.engagementSum += c.engagementSum;
    out.set(c.bucket, cur);
  }
  return out;
}

export interface DaySummary {
  date: string;
  count: number;
  averageEngagement: number | null;
}

/** Every UTC day from `from` to `to` inclusive, with the aggregates found (zero days included). */
export function daySeries(
  from: string,
  to: string,
  found: Map<string, { count: number; engagementSum: number }>,
): DaySummary[] {
  const out: DaySummary[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    const agg = found.get(date);
    const count = agg?.count ?? 0;
    out.push({
      date,
      count,
      averageEngagement: count > 0 && agg ? Math.round((agg.engagementSum / count) * 100) / 100 : null,
    });
  }
  return out;
}
