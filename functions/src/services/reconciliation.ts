/**
 * Recomputes the aggregates of recent days from the raw documents and repairs any drift
 * (DESIGN.md: "A scheduled job recomputes aggregates from raw documents, repairs drift, and reports
 * how much it found"). The same contribution rules as the triggers are used (domain/).
 *
 * A bucket whose raw documents changed within the settle window is skipped: its trigger may still be
 * in flight, and repairing it now could count that write twice. Each repair is a transaction that
 * re-reads the bucket's raw documents and aggregate, so a trigger commit cannot slip in between.
 * A delete, or a move out of a user-day, leaves no raw document in the bucket to date it: if its
 * trigger is still in flight during the run the unit can be taken out twice; the next run repairs
 * that. Insight counts are skipped altogether while any insight changed within the window.
 * The report lists the users whose aggregates were repaired and whether insight counts were, so the
 * caller can invalidate the cached responses built on them.
 */
import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { Collections } from '../data/collections';
import { insightBucket } from '../domain/insights';
import { metricContribution, sumContributions } from '../domain/user-metrics';

export interface ReconciliationReport {
  runId: string;
  from: string;
  userDaily: {
    checked: number;
    repaired: number;
    skippedRecent: number;
    countDrift: number;
    engagementDrift: number;
  };
  insights: { checked: number; repaired: number; skippedRecent: number; countDrift: number };
  /** Users whose daily aggregates were repaired (all of them; `repairs` lists the first 50). */
  repairedUsers: string[];
  repairs: { path: string; was: Record<string, number>; now: Record<string, number> }[];
  finishedAt: string;
}

export async function reconcile(
  db: Firestore,
  opts: { runId: string; now: Date; days: number; settleMs: number },
): Promise<ReconciliationReport> {
  const fromDate = new Date(
    Date.UTC(opts.now.getUTCFullYear(), opts.now.getUTCMonth(), opts.now.getUTCDate() - (opts.days - 1)),
  );
  const from = fromDate.toISOString().slice(0, 10);
  const report: ReconciliationReport = {
    runId: opts.runId,
    from,
    userDaily: { checked: 0, repaired: 0, skippedRecent: 0, countDrift: 0, engagementDrift: 0 },
    insights: { checked: 0, repaired: 0, skippedRecent: 0, countDrift: 0 },
    repairedUsers: [],
    repairs: [],
    finishedAt: '',
  };

  const repairedUsers = new Set<string>();
  // agg_user_daily: every bucket with raw documents or an aggregate in the window.
  const raw = await db
    .collection(Collections.userMetrics)
    .where('timestamp', '>=', Timestamp.fromDate(fromDate))
    .get();
  const aggs = await db.collection(Collections.aggUserDaily).where('date', '>=', from).get();
  const recent = new Set<string>();
  for (const doc of raw.docs) {
    const c = metricContribution(doc.data());
    if (c && opts.now.getTime() - doc.updateTime.toMillis() < opts.settleMs) recent.add(c.bucket);
  }
  const expected = sumContributions(raw.docs.map((d) => d.data()));
  const buckets = new Set([...expected.keys(), ...aggs.docs.map((d) => d.id)]);
  for (const bucket of buckets) {
    report.userDaily.checked += 1;
    if (recent.has(bucket)) {
      report.userDaily.skippedRecent += 1;
      continue;
    }
    const repaired = await db.runTransaction(async (tx) => {
      const ref = db.collection(Collections.aggUserDaily).doc(bucket);
      const agg = await tx.get(ref);
      const userId = (agg.get('userId') as string | undefined) ?? expected.get(bucket)?.userId;
      const date = (agg.get('date') as string | undefined) ?? expected.get(bucket)?.date;
      if (!userId || !date) return null;
      const start = Timestamp.fromDate(new Date(`${date}T00:00:00Z`));
      const end = Timestamp.fromDate(new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000));
      const docs = await tx.get(
        db
          .collection(Collections.userMetrics)
          .where('userId', '==', userId)
          .where('timestamp', '>=', start)
          .where('timestamp', '<', end),
      );
      // The document id is the bucket: a document whose fields disagree with its id counts nothing.
      const truth = sumContributions(docs.docs.map((d) => d.data())).get(bucket) ?? {
        count: 0,
        engagementSum: 0,
      };
      const was = {
        count: Number(agg.get('count') ?? 0),
        engagementSum: Number(agg.get('engagementSum') ?? 0),
      };
      if (was.count === truth.count && was.engagementSum === truth.engagementSum) return null;
      const now = { count: truth.count, engagementSum: truth.engagementSum };
      tx.set(ref, { userId, date, ...now }, { merge: true });
      return { path: ref.path, userId, was, now };
    });
    if (repaired) {
      const { userId, ...repair } = repaired;
      repairedUsers.add(userId);
      report.userDaily.repaired += 1;
      report.userDaily.countDrift += Math.abs(repaired.was.count - repaired.now.count);
      report.userDaily.engagementDrift += Math.abs(repaired.was.engagementSum - repaired.now.engagementSum);
      if (report.repairs.length < 50) report.repairs.push(repair);
    }
  }

  // agg_insights: a handful of buckets over the whole (small) insights collection.
  const insights = await db.collection(Collections.insights).get();
  // A recent status change moved a unit out of a bucket no raw document points at, so while any
  // insight changed within the settle window the counts are left for the next run.
  const truth = new Map<string, number>();
  let settling = false;
  for (const doc of insights.docs) {
    const b = insightBucket(doc.data());
    if (b) truth.set(b, (truth.get(b) ?? 0) + 1);
    if (opts.now.getTime() - doc.updateTime.toMillis() < opts.settleMs) settling = true;
  }
  const stored = await db.collection(Collections.aggInsights).get();
  for (const bucket of new Set([...truth.keys(), ...stored.docs.map((d) => d.id)])) {
    report.insights.checked += 1;
    if (settling) {
      report.insights.skippedRecent += 1;
      continue;
    }
    const was = Number(stored.docs.find((d) => d.id === bucket)?.get('count') ?? 0);
    const now = truth.get(bucket) ?? 0;
    if (was === now) continue;
    await db.collection(Collections.aggInsights).doc(bucket).set({ count: now }, { merge: true });
    report.insights.repaired += 1;
    report.insights.countDrift += Math.abs(was - now);
    if (report.repairs.length < 50)
      report.repairs.push({
        path: `${Collections.aggInsights}/${bucket}`,
        was: { count: was },
        now: { count: now },
      });
  }

  report.repairedUsers = [...repairedUsers];
  report.finishedAt = new Date().toISOString();
  await db.doc(`${Collections.ops}/reconciliation/runs/${opts.runId.replace(/[/.:]/g, '-')}`).set(report);
  return report;
}
