import {
  FieldPath,
  FieldValue,
  Timestamp,
  type Firestore,
  type Query,
  type QueryDocumentSnapshot,
} from 'firebase-admin/firestore';
import type { L2Cache } from '../cache/l2';
import { CACHE_TTLS } from '../cache/ttl';
import { cachedAggregate } from '../cache/versioned';
import { Collections } from '../data/collections';
import { INSIGHT_SEVERITIES, INSIGHT_STATUSES } from '../domain/insights';

export const INSIGHTS_SUMMARY_KEY = 'insights:summary';

export interface InsightListItem {
  id: string;
  type: string | null;
  status: string;
  severity: string;
  gameId: string | null;
  message: string;
  createdAt: string | null;
}

export function encodeInsightCursor(createdAtMs: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAtMs, id])).toString('base64url');
}

export function decodeInsightCursor(text: string): { createdAtMs: number; id: string } | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(v) && Number.isFinite(v[0]) && typeof v[1] === 'string')
      return { createdAtMs: v[0] as number, id: v[1] };
  } catch {
    // not ours
  }
  return null;
}

/** Newest first; status, severity and game are optional equality filters (a game's: one page). */
function toItem(d: QueryDocumentSnapshot): InsightListItem {
  const created = d.get('createdAt') as Timestamp | undefined;
  return {
    id: d.id,
    type: (d.get('type') as string | undefined) ?? null,
    status: d.get('status') as string,
    severity: d.get('severity') as string,
    gameId: (d.get('gameId') as string | undefined) ?? null,
    message: (d.get('message') as string | undefined) ?? '',
    createdAt: created ? created.toDate().toISOString() : null,
  };
}

/** At most this many insights are kept per game (an upset and a disagreement): read them all. */
const PER_GAME_MAX = 20;

export async function listInsights(
  db: Firestore,
  f: {
    status?: string;
    severity?: string;
    gameId?: string;
    limit: number;
    cursor?: { createdAtMs: number; id: string };
  },
): Promise<{ insights: InsightListItem[]; nextCursor: string | null }> {
  if (f.gameId) {
    // One game's few insights: filtered and ordered here (no composite index per filter).
    const snap = await db
      .collection(Collections.insights)
      .where('gameId', '==', f.gameId)
      .limit(PER_GAME_MAX)
      .get();
    const insights = snap.docs
      .map(toItem)
      .filter((i) => (!f.status || i.status === f.status) && (!f.severity || i.severity === f.severity))
      .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || b.id.localeCompare(a.id))
      .slice(0, f.limit);
    return { insights, nextCursor: null };
  }
  let q: Query = db.collection(Collections.insights);
  if (f.status) q = q.where('status', '==', f.status);
  if (f.severity) q = q.where('severity', '==', f.severity);
  q = q.orderBy('createdAt', 'desc').orderBy(FieldPath.documentId(), 'desc');
  if (f.cursor) q = q.startAfter(Timestamp.fromMillis(f.cursor.createdAtMs), f.cursor.id);
  const snap = await q.limit(f.limit + 1).get();
  const docs = snap.docs.slice(0, f.limit);
  const insights = docs.map(toItem);
  const last = docs[docs.length - 1];
  const nextCursor =
    snap.size > f.limit && last
      ? encodeInsightCursor((last.get('createdAt') as Timestamp).toMillis(), last.id)
      : null;
  return { insights, nextCursor };
}

/** Sets an insight's status; false if there is no such insight. The trigger moves the counts. */
export async function setInsightStatus(db: Firestore, id: string, status: string): Promise<boolean> {
  try {
    await db
      .collection(Collections.insights)
      .doc(id)
      .update({ status, updatedAt: FieldValue.serverTimestamp() });
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === 5) return false; // NOT_FOUND
    throw err;
  }
}

export interface InsightSummary {
  total: number;
  counts: { status: string; severity: string; count: number }[];
}

/** Counts per status and severity, from agg_insights only (versioned cache, bumped by the trigger). */
export async function insightSummary(
  db: Firestore,
  l2: L2Cache,
): Promise<{ value: InsightSummary; cache: 'l2' | 'miss' }> {
  return cachedAggregate(l2, INSIGHTS_SUMMARY_KEY, 'all', CACHE_TTLS.apiResponse.l2Seconds, async () => {
    const snap = await db.collection(Collections.aggInsights).get();
    const byId = new Map(snap.docs.map((d) => [d.id, Number(d.get('count') ?? 0)]));
    const counts = INSIGHT_STATUSES.flatMap((status) =>
      INSIGHT_SEVERITIES.map((severity) => ({
        status,
        severity,
        count: byId.get(`${status}_${severity}`) ?? 0,
      })),
    );
    return { total: counts.reduce((s, c) => s + c.count, 0), counts };
  });
}
