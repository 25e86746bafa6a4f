/**
 * The daily reconciliation repairs deliberately corrupted aggregates back to a recomputation from
 * raw documents and records the drift it found in ops/reconciliation/runs/{runId}.
 */
import { randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { reconcileAggregates } from '../../src/index';
import { clearFirestore, db, eventually } from './helpers';

beforeAll(clearFirestore, 30_000);

it('repairs corrupted aggregates and records the drift', async () => {
  const user = `rec-${randomUUID()}`;
  const today = new Date().toISOString().slice(0, 10);
  for (const score of [10, 20, 30]) {
    await db()
      .collection('user_metrics')
      .add({ userId: user, type: 'view', engagementScore: score, timestamp: Timestamp.now() });
  }
  await db()
    .doc('insights/r1')
    .set({ status: 'open', severity: 'high', message: 'm', createdAt: Timestamp.now() });
  const bucket = `agg_user_daily/${user}_${today}`;
  await eventually(
    async () => (await db().doc(bucket).get()).get('count') as number,
    (c) => c === 3,
  );
  await eventually(
    async () => (await db().doc('agg_insights/open_high').get()).get('count') as number,
    (c) => c === 1,
  );

  // Corruption, as a bad console edit or a lost write would leave it.
  await db().doc(bucket).update({ count: 999, engagementSum: 5 });
  await db()
    .doc(`agg_user_daily/${user}_ghost`)
    .set({ userId: user, date: today, count: 4, engagementSum: 40 });
  await db().doc('agg_insights/open_high').update({ count: 7 });

  process.env.RECONCILE_SETTLE_MINUTES = '0'; // the raw documents above are seconds old
  const scheduleTime = new Date().toISOString();
  await reconcileAggregates.run({ scheduleTime, jobName: 'reconcileAggregates' });

  expect((await db().doc(bucket).get()).data()).toMatchObject({ count: 3, engagementSum: 60 });
  expect((await db().doc(`agg_user_daily/${user}_ghost`).get()).get('count')).toBe(0);
  expect((await db().doc('agg_insights/open_high').get()).get('count')).toBe(1);
  const run = (
    await db()
      .doc(`ops/reconciliation/runs/${scheduleTime.replace(/[/.:]/g, '-')}`)
      .get()
  ).data();
  expect(run?.userDaily).toMatchObject({ repaired: 2, countDrift: 996 + 4, engagementDrift: 55 + 40 });
  expect(run?.insights).toMatchObject({ repaired: 1, countDrift: 6 });
}, 60_000);
