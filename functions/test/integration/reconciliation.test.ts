/**
 * The daily reconciliation repairs deliberately corrupted aggregates back to a recomputation from
 * raw documents, records the drift it found in ops/reconciliation/runs/{runId}, and no cached
 * response keeps showing the corrupted numbers afterwards: the users' daily aggregates, the insight
 * counts and the model scorecards (agg_model, with the `graded` record on each prediction). It
 * reads the raw documents a page at a time (the 100,000-metric measurement is
 * `npm run bench:reconciliation`, BENCHMARKS.md).
 */
import { randomUUID } from 'node:crypto';
import { Query, Timestamp } from 'firebase-admin/firestore';
import { gradePrediction } from '../../src/domain/grading';
import { sumContributions } from '../../src/domain/user-metrics';
import { reconcileAggregates } from '../../src/index';
import { reconcile } from '../../src/services/reconciliation';
import { readJson } from '../support/json';
import { apiUrl, clearFirestore, clearFirestoreThen, db, eventually, tokenWithTier } from './helpers';

beforeAll(clearFirestore, 30_000);

// The tests set a zero settle window (their raw documents are seconds old); later files get it back.
const settleMinutes = process.env.RECONCILE_SETTLE_MINUTES;
afterEach(() => {
  if (settleMinutes === undefined) delete process.env.RECONCILE_SETTLE_MINUTES;
  else process.env.RECONCILE_SETTLE_MINUTES = settleMinutes;
});

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

const runDoc = async (runId: string) =>
  (
    await db()
      .doc(`ops/reconciliation/runs/${runId.replace(/[/.:]/g, '-')}`)
      .get()
  ).data();

it('recomputes agg_model from predictions and games, sets each graded record right, skips what is settling, and stops serving the drifted metrics', async () => {
  const model = `rec-${randomUUID().slice(0, 8)}`;
  const game = (date: string, status: 'final' | 'scheduled', home: number | null, away: number | null) => ({
    sport: 'nfl',
    season: 2024,
    kickoff: Timestamp.fromDate(new Date(`${date}T18:00:00Z`)),
    homeTeam: 'KC',
    awayTeam: 'BAL',
    neutral: false,
    playoff: false,
    status,
    homeScore: home,
    awayScore: away,
  });
  const games = {
    'nfl_2024-09-08_KC_BAL': game('2024-09-08', 'final', 27, 20), // home win, graded
    'nfl_2024-09-15_KC_BAL': game('2024-09-15', 'final', 10, 24), // away win, stored after its regrade
    'nfl_2024-09-22_KC_BAL': game('2024-09-22', 'scheduled', null, null), // reverted, still graded
    'nfl_2024-09-29_KC_BAL': game('2024-09-29', 'final', 17, 17), // tie, graded
  };
  const ids = Object.keys(games);
  const probability = [0.7, 0.35, 0.6, 0.52];
  const elo = [0.66, 0.4, 0.58, 0.5];
  const outcomes = [1, 0, null, 0.5];
  const prediction = (i: number, version: string) => ({
    gameId: ids[i],
    modelId: model,
    version,
    homeWinProbability: probability[i],
    eloHomeWinProbability: elo[i],
    computedAt: '2024-09-01T00:00:00.000Z',
  });
  // What the games trigger recorded: g0 and g3 graded, g2 graded when it was a home win.
  const recorded = [
    gradePrediction(0.7, 0.66, 1),
    null,
    gradePrediction(0.6, 0.58, 1),
    gradePrediction(0.52, 0.5, 0.5),
  ];
  const sum = (fields: (Record<string, number> | null)[]) => {
    const out: Record<string, number> = {};
    for (const f of fields) for (const [k, v] of Object.entries(f ?? {})) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const truth = sum(
    [0, 1, 3].map((i) => gradePrediction(probability[i] as number, elo[i], outcomes[i] as number)),
  );
  const v1 = `agg_model/${model}@v1_2024`;
  const v2 = `agg_model/${model}@v2_2024`;
  await clearFirestoreThen(async () => {
    const batch = db().batch();
    for (const [id, g] of Object.entries(games)) batch.set(db().doc(`games/${id}`), g);
    recorded.forEach((fields, i) => {
      const graded = fields ? { graded: { fields, outcome: i === 3 ? 0.5 : 1 } } : {};
      batch.set(db().doc(`predictions/${ids[i]}__${model}@v1`), { ...prediction(i, 'v1'), ...graded });
    });
    // v1's document as the trigger left it (the recorded grades), then a lost write (n + 5).
    const stale = sum(recorded);
    batch.set(db().doc(v1), { modelId: model, version: 'v1', season: 2024, ...stale, n: (stale.n ?? 0) + 5 });
    // v2 is right: graded on g0 only, as recorded.
    batch.set(db().doc(`predictions/${ids[0]}__${model}@v2`), {
      ...prediction(0, 'v2'),
      graded: { fields: recorded[0], outcome: 1 },
    });
    batch.set(db().doc(v2), { modelId: model, version: 'v2', season: 2024, ...recorded[0] });
    await batch.commit();
  });

  const metrics = async () => {
    const res = await fetch(apiUrl(`/v1/models/${model}/metrics?season=2024`));
    const body = await readJson(res);
    const versions = body.versions as { version: string; n: number; brier: number }[];
    return { cache: res.headers.get('x-cache'), v1: versions.find((v) => v.version === 'v1') };
  };
  expect((await metrics()).v1?.n).toBe(8); // 3 recorded + 5
  expect((await metrics()).cache).toBe('l2');

  // Everything above was written seconds ago: within a 10-minute settle window nothing is touched.
  // (Pages of 2: the five predictions are read over three pages.)
  const settling = await reconcile(db(), {
    runId: `settling-${model}`,
    now: new Date(),
    days: 1,
    settleMs: 600_000,
    pageSize: 2,
  });
  expect(settling.models).toMatchObject({ checked: 2, repaired: 0, skippedRecent: 2, predictions: 5 });
  expect((await db().doc(v1).get()).get('n')).toBe(8);

  process.env.RECONCILE_SETTLE_MINUTES = '0';
  const scheduleTime = new Date().toISOString();
  await reconcileAggregates.run({ scheduleTime, jobName: 'reconcileAggregates' });

  const stored = (await db().doc(v1).get()).data() as Record<string, number>;
  expect(stored).toMatchObject({ modelId: model, version: 'v1', season: 2024 });
  for (const [k, v] of Object.entries(truth)) expect([k, stored[k]]).toEqual([k, expect.closeTo(v, 12)]);
  expect(stored.n).toBe(3);
  expect(stored.elo_n).toBe(3);
  // g2's bin (0.6, a home win when it was graded) holds nothing now.
  expect([stored.bin6_n, stored.bin6_o]).toEqual([0, 0]);
  const graded = async (i: number) =>
    (await db().doc(`predictions/${ids[i]}__${model}@v1`).get()).get('graded') as unknown;
  expect(await graded(1)).toEqual({ fields: gradePrediction(0.35, 0.4, 0), outcome: 0 });
  expect(await graded(2)).toBeUndefined();
  expect(await graded(0)).toEqual({ fields: recorded[0], outcome: 1 });

  const run = await runDoc(scheduleTime);
  expect(run?.models).toMatchObject({
    checked: 2,
    repaired: 1,
    skippedRecent: 0,
    nDrift: 5,
    gradedRepaired: 2,
  });
  expect(run?.models.brierDrift).toBeCloseTo(
    Math.abs((sum(recorded).brierSum ?? 0) - (truth.brierSum ?? 0)),
    12,
  );
  expect(run?.repairedModels).toEqual([model]);
  expect(run?.repairs).toContainEqual(
    expect.objectContaining({
      path: v1,
      was: expect.objectContaining({ n: 8 }),
      now: expect.objectContaining({ n: 3 }),
    }),
  );
  // The repair bumped the model's metrics family: the next read recomputes.
  const after = await metrics();
  expect([after.cache, after.v1?.n]).toEqual(['miss', 3]);
  // The admin panel's line says it.
  const admin = await tokenWithTier(`rec-admin-${model}@example.com`, 'free', { admin: true });
  const runs = await readJson(
    await fetch(apiUrl('/v1/admin/reconciliation-runs?limit=1'), {
      headers: { authorization: `Bearer ${admin}` },
    }),
  );
  expect(runs.runs[0].models).toMatchObject({ repaired: 1, gradedRepaired: 2 });
  expect(runs.runs[0].summary).toMatch(
    /repaired \(drift: 5 in counts, [0-9.]+ in model Brier sums\), 2 predictions regraded/,
  );

  // Converged: the next run finds nothing to do.
  const again = await reconcile(db(), { runId: `again-${model}`, now: new Date(), days: 1, settleMs: 0 });
  expect(again.models).toMatchObject({ checked: 2, repaired: 0, gradedRepaired: 0 });
}, 120_000);

it('pages through 600 metrics in pages of 250: no read returns more than a page, and the repairs equal a one-query recomputation', async () => {
  const now = Date.now();
  const users = Array.from({ length: 50 }, (_, i) => `page-u${String(i).padStart(2, '0')}`);
  const metrics = Array.from({ length: 600 }, (_, i) => ({
    userId: users[i % users.length] as string,
    type: 'view',
    engagementScore: (i * 7) % 101,
    // Spread over the last 23 hours: inside a 2-day window (yesterday and today, UTC) whenever it runs.
    timestamp: Timestamp.fromMillis(now - 1_000 - ((i * 104_729) % (23 * 3_600_000))),
  }));
  const truth = sumContributions(metrics);
  const buckets = [...truth.keys()].sort();
  const corrupted = buckets.slice(0, 12);
  const missing = buckets.slice(12, 17);
  const ghosts = ['page-ghost1', 'page-ghost2', 'page-ghost3'].map((u) => ({
    id: `${u}_${new Date(now).toISOString().slice(0, 10)}`,
    userId: u,
  }));
  await clearFirestoreThen(async () => {
    const writer = db().bulkWriter();
    for (const m of metrics) void writer.create(db().collection('user_metrics').doc(), m);
    for (const [bucket, c] of truth) {
      if (missing.includes(bucket)) continue;
      const off = corrupted.includes(bucket) ? 1 : 0;
      void writer.set(db().doc(`agg_user_daily/${bucket}`), {
        userId: c.userId,
        date: c.date,
        count: c.count + off,
        engagementSum: c.engagementSum + 10 * off,
      });
    }
    for (const g of ghosts)
      void writer.set(db().doc(`agg_user_daily/${g.id}`), {
        userId: g.userId,
        date: g.id.slice(-10),
        count: 2,
        engagementSum: 20,
      });
    await writer.close();
  });
  // The one-query recomputation the paged run must equal.
  const oneQuery = sumContributions((await db().collection('user_metrics').get()).docs.map((d) => d.data()));
  expect(oneQuery.size).toBe(truth.size);

  // Every query read of the run (transactions read their own small queries another way).
  const spy = jest.spyOn(Query.prototype, 'get');
  let report;
  let sizes: number[];
  try {
    // `now` after the seed: with no settle window, only writes after it are "recent".
    report = await reconcile(db(), {
      runId: `paging-${now}`,
      now: new Date(),
      days: 2,
      settleMs: 0,
      pageSize: 250,
    });
    const snaps = await Promise.all(spy.mock.results.map((r) => r.value as ReturnType<Query['get']>));
    sizes = snaps.map((snap) => snap.size);
  } finally {
    spy.mockRestore();
  }
  expect(Math.max(...sizes)).toBe(250);
  expect(sizes.filter((n) => n === 250).length).toBeGreaterThanOrEqual(2); // 600 metrics: 3 pages
  expect(report.userDaily).toEqual({
    checked: truth.size + ghosts.length,
    repaired: corrupted.length + missing.length + ghosts.length,
    skippedRecent: 0,
    countDrift:
      corrupted.length + missing.reduce((a, b) => a + (truth.get(b)?.count ?? 0), 0) + 2 * ghosts.length,
    engagementDrift:
      10 * corrupted.length +
      missing.reduce((a, b) => a + (truth.get(b)?.engagementSum ?? 0), 0) +
      20 * ghosts.length,
  });
  const aggs = await db().collection('agg_user_daily').get();
  const stored = new Map(
    aggs.docs.map((d) => [d.id, { count: d.get('count'), engagementSum: d.get('engagementSum') }]),
  );
  for (const [bucket, c] of oneQuery)
    expect([bucket, stored.get(bucket)]).toEqual([
      bucket,
      { count: c.count, engagementSum: c.engagementSum },
    ]);
  for (const g of ghosts) expect(stored.get(g.id)).toEqual({ count: 0, engagementSum: 0 });
}, 120_000);
