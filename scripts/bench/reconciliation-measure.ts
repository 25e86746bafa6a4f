/**
 * One measured reconciliation, in a process of its own (so one variant's garbage is not the next
 * one's heap), run by reconciliation-drive.ts: `tsx --expose-gc reconciliation-measure.ts <json>`.
 * Prints one JSON line: wall time, the heap after a GC before the run (the baseline: the Firestore
 * client loaded and warm) and the peak heap and RSS sampled every 2 ms during the run.
 */
import { performance } from 'node:perf_hooks';
import { initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { reconcile } from '../../functions/src/services/reconciliation';
import { projectId } from '../lib/paths';
import { reconcileUserDailyBefore } from './reconciliation-before';

interface Args {
  variant: 'before' | 'paged';
  days: number;
  maxTransactions?: number;
  pageSize?: number;
  concurrency?: number;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  initializeApp({ projectId: process.env.GCLOUD_PROJECT ?? projectId() });
  const db = getFirestore();
  await db.collection('user_metrics').limit(1).get(); // the client connected and warm
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  const base = process.memoryUsage();
  let heapPeak = base.heapUsed;
  let rssPeak = base.rss;
  const sample = () => {
    const m = process.memoryUsage();
    heapPeak = Math.max(heapPeak, m.heapUsed);
    rssPeak = Math.max(rssPeak, m.rss);
  };
  const timer = setInterval(sample, 2);
  const now = new Date();
  const t0 = performance.now();
  const userDaily =
    args.variant === 'before'
      ? await reconcileUserDailyBefore(db, {
          now,
          days: args.days,
          settleMs: 0,
          maxTransactions: args.maxTransactions,
        })
      : (
          await reconcile(db, {
            runId: `bench-${now.toISOString()}`,
            now,
            days: args.days,
            settleMs: 0,
            pageSize: args.pageSize,
            concurrency: args.concurrency,
          })
        ).userDaily;
  const ms = performance.now() - t0;
  sample();
  clearInterval(timer);
  const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  console.log(
    JSON.stringify({
      ms: Math.round(ms),
      heapBaseMb: mb(base.heapUsed),
      heapPeakMb: mb(heapPeak),
      rssBaseMb: mb(base.rss),
      rssPeakMb: mb(rssPeak),
      userDaily,
    }),
  );
  await db.terminate();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
