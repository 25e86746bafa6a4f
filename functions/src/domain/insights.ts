/**
 * Insight counts per (status, severity): `agg_insights/{status}_{severity}.count`. A write moves at
 * most one unit from the bucket of the document before to the bucket after; a document whose fields
 * are not a known status and severity (a console typo) counts nowhere.
 */
import { z } from 'zod';

export const INSIGHT_STATUSES = ['open', 'acknowledged', 'resolved', 'dismissed'] as const;
export const INSIGHT_SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;

const bucketFields = z.object({
  status: z.enum(INSIGHT_STATUSES),
  severity: z.enum(INSIGHT_SEVERITIES),
});

/** The aggregate bucket a raw insight document counts in, or null if it counts nowhere. */
export function insightBucket(doc: unknown): string | null {
  const parsed = bucketFields.safeParse(doc);
  return parsed.success ? `${parsed.data.status}_${parsed.data.severity}` : null;
}

/** Count changes per bucket for a write from `before` to `after` (either may be absent). */
export function insightCountDeltas(before: unknown, after: unknown): Map<string, number> {
  const deltas = new Map<string, number>();
  const from = before === undefined ? null : insightBucket(before);
  const to = after === undefined ? null : insightBucket(after);
  if (from === to) return deltas;
  if (from) deltas.set(from, -1);
  if (to) deltas.set(to, 1);
  return deltas;
}
