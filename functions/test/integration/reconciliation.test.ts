/**
 * The daily reconciliation repairs deliberately corrupted aggregates back to a recomputation from
 * raw documents, records the drift it found in ops/reconciliation/runs/{runId}, and no cached
 * response keeps showing the corrupted numbers afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { reconcileAggregates } from '../../src/index';
import { readJson } from '../support/json';
import { apiUrl, clearFirestore, db, eventually, tokenWithTier } from './helpers';

beforeAll(clearFirestore, 30_000);

it('repairs corrupted aggregates, records the drift, and stops serving the corrupted numbers', async () => {
  const token = await tokenWithTier(`rec-${randomUUID().slice(0, 8)}@example.com`, 'pro');
  const get = async (path: string) => {
    const res = await fetch(apiUrl(path), { headers: { authorization: `Bearer ${token}` } });
    return { cache: res.headers.get('x-cache'), body: await readJson(res) };
  };
  const user = (await get('/v1/me')).body.uid as string;
  const today = new Date().toISOString().slice(0, 10);
  const analytics = () => get(`/v1/users/me/analytics?from=${today}&to=${today}`);
  const openHigh = async () =>
    (
      (await get('/v1/insights/summary')).body.counts as { status: string; severity: string; count: number }[]
    ).find((c) => c.status === 'open' && c.severity === 'high')?.count;
  for (const score of [10, 20, 30]) {
    await db()
      .collection('user_metrics')
      .add({ userId: user, type: 'view', engagementScore: score, timestamp: Timestamp.now() });
  }
  await db()
    .doc('insights/r1')
    .set({ status: 'open', severity: 'high', message: 'm', createdAt: Timestamp.now() });
  const bucket = `agg_user_daily/${user}_${today}`;
  // The first trigger runs of a file start cold in the emulator (seen taking over 15 s here).
  await eventually(
    async () => (await db().doc(bucket).get()).get('count') as number,
    (c) => c === 3,
    60_000,
  );
  await eventually(
    async () => (await db().doc('agg_insights/open_high').get()).get('count') as number,
    (c) => c === 1,
    30_000,
  );

  // Corruption, as a bad console edit or a lost write would leave it.
  await db().doc(bucket).update({ count: 999, engagementSum: 5 });
  await db()
    .doc(`agg_user_daily/${user}_ghost`)
    .set({ userId: user, date: today, count: 4, engagementSum: 40 });
  await db().doc('agg_insights/open_high').update({ count: 7 });
  // The corrupted numbers are what the API serves, and from its cache on the second read.
  expect((await analytics()).body.days[0].count).not.toBe(3);
  expect(await openHigh()).toBe(7);
  expect((await analytics()).cache).toBe('l2');
  expect((await get('/v1/insights/summary')).cache).toBe('l2');

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
  // The repair invalidated them: the next reads show the recomputed numbers.
  expect((await analytics()).body.days).toEqual([{ date: today, count: 3, averageEngagement: 20 }]);
  expect(await openHigh()).toBe(1);
}, 120_000);
