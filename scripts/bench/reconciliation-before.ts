/**
 * The daily users' aggregates pass as it was before it paged (issue 12, item 13), kept so
 * `npm run bench:reconciliation` can measure against it: every `user_metrics` document of the window
 * in one query, then one transaction per bucket, one after the other. The code is the old code; the
 * bench adds timers and may stop after `maxTransactions` (at 100,000 metrics the emulator takes
 * about a second per bucket transaction, and the old pass runs one for every bucket: hours).
 */
import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { metricContribution, sumContributions } from '../../functions/src/domain/user-metrics';

export async function reconcileUserDailyBefore(
  db: Firestore,
  opts: { now: Date; days: number; settleMs: number; maxTransactions?: number },
): Promise<{
  checked: number;
  repaired: number;
  skippedRecent: number;
  countDrift: number;
  readMs: number;
  transactions: number;
  transactionsMs: number;
}> {
  const t0 = Date.now();
  const fromDate = new Date(
    Date.UTC(opts.now.getUTCFullYear(), opts.now.getUTCMonth(), opts.now.getUTCDate() - (opts.days - 1)),
  );
  const from = fromDate.toISOString().slice(0, 10);
  const report = {
    checked: 0,
    repaired: 0,
    skippedRecent: 0,
    countDrift: 0,
    readMs: 0,
    transactions: 0,
    transactionsMs: 0,
  };
  const raw = await db
    .collection('user_metrics')
    .where('timestamp', '>=', Timestamp.fromDate(fromDate))
    .get();
  const aggs = await db.collection('agg_user_daily').where('date', '>=', from).get();
  const recent = new Set<string>();
  for (const doc of raw.docs) {
    const c = metricContribution(doc.data());
    if (c && opts.now.getTime() - doc.updateTime.toMillis() < opts.settleMs) recent.add(c.bucket);
  }
  const expected = sumContributions(raw.docs.map((d) => d.data()));
  const buckets = new Set([...expected.keys(), ...aggs.docs.map((d) => d.id)]);
  report.readMs = Date.now() - t0;
  const t1 = Date.now();
  for (const bucket of buckets) {
    if (report.transactions === opts.maxTransactions) {
      report.checked = buckets.size;
      break;
    }
    report.checked += 1;
    if (recent.has(bucket)) {
      report.skippedRecent += 1;
      continue;
    }
    report.transactions += 1;
    const repaired = await db.runTransaction(async (tx) => {
      const ref = db.collection('agg_user_daily').doc(bucket);
      const agg = await tx.get(ref);
      const userId = (agg.get('userId') as string | undefined) ?? expected.get(bucket)?.userId;
      const date = (agg.get('date') as string | undefined) ?? expected.get(bucket)?.date;
      if (!userId || !date) return null;
      const start = Timestamp.fromDate(new Date(`${date}T00:00:00Z`));
      const end = Timestamp.fromDate(new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000));
      const docs = await tx.get(
        db
          .collection('user_metrics')
          .where('userId', '==', userId)
          .where('timestamp', '>=', start)
          .where('timestamp', '<', end),
      );
      const truth = sumContributions(docs.docs.map((d) => d.data())).get(bucket) ?? {
        count: 0,
        engagementSum: 0,
      };
      const was = {
        count: Number(agg.get('count') ?? 0),
        engagementSum: Number(agg.get('engagementSum') ?? 0),
      };
      if (was.count === truth.count && was.engagementSum === truth.engagementSum) return null;
      tx.set(ref, { userId, date, count: truth.count, engagementSum: truth.engagementSum }, { merge: true });
      return { was, now: truth };
    });
    if (repaired) {
      report.repaired += 1;
      report.countDrift += Math.abs(repaired.was.count - repaired.now.count);
    }
  }
  report.transactionsMs = Date.now() - t1;
  return report;
}
