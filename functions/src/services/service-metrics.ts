/**
 * Service counters in Firestore (domain/service-counters.ts): each instance's minutes as
 * `service_metrics/{minute}_{instance}` documents, set (not incremented) to the instance's whole
 * count for the minute, so a flush that is retried or repeated counts nothing twice. They expire
 * after two days (TTL policy on `expireAt`). `GET /v1/admin/metrics` adds up the last hour's.
 */
import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { Collections } from '../data/collections';
import {
  MINUTE_MS,
  minuteOf,
  sumMinutes,
  type CounterWindow,
  type MinuteCounters,
} from '../domain/service-counters';

const RETAIN_MS = 2 * 24 * 3600 * 1000;

const count = z.number().min(0).catch(0);
const minuteDoc = z.object({
  minute: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/),
  requests: count,
  errors5xx: count,
  cache: z.object({ l1: count, l2: count, l3: count, miss: count }).catch({ l1: 0, l2: 0, l3: 0, miss: 0 }),
  inferences: count,
  inferenceMs: count,
  rateLimited: count,
});

/** Writes the minutes counted since the last flush; on failure they are kept for the next one. */
export async function flushCounters(db: Firestore, instance: string, window: CounterWindow): Promise<number> {
  const minutes = window.take();
  if (minutes.length === 0) return 0;
  try {
    const batch = db.batch();
    for (const m of minutes) {
      batch.set(db.collection(Collections.serviceMetrics).doc(`${m.minute}_${instance}`), {
        ...m,
        instance,
        expireAt: Timestamp.fromMillis(Date.parse(m.minute) + RETAIN_MS),
      });
    }
    await batch.commit();
    return minutes.length;
  } catch (err) {
    window.untake(minutes);
    throw err;
  }
}

/** The last `minutes` minutes of the whole service (every instance's flushed counts), oldest first. */
export async function recentMetrics(
  db: Firestore,
  nowMs: number,
  minutes = 60,
): Promise<ReturnType<typeof sumMinutes> & { from: string; to: string }> {
  const fromMs = nowMs - (minutes - 1) * MINUTE_MS;
  const snap = await db.collection(Collections.serviceMetrics).where('minute', '>=', minuteOf(fromMs)).get();
  // A document a console edit broke is left out rather than failing the page.
  const docs = snap.docs.flatMap((d): MinuteCounters[] => {
    const parsed = minuteDoc.safeParse(d.data());
    return parsed.success ? [parsed.data] : [];
  });
  return { from: minuteOf(fromMs), to: minuteOf(nowMs), ...sumMinutes(docs, fromMs, nowMs) };
}
