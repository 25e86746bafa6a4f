/**
 * Cache warming: one run puts every scheduled game of the next 7 days (as of the run's schedule
 * time) into L2 and L3, so a fresh instance answers them from L2; and it keeps the model-vs-ratings
 * insights of those games equal to what the served predictions say.
 */
import { warmPredictionCache } from '../../src/index';
import {
  apiUrl,
  db,
  disagreeingGameIds,
  eventually,
  freshPredictionService,
  idTokenFor,
  nflSeasonsCsv,
  readRepoJson,
  seedNfl,
} from './helpers';

const artifact = readRepoJson('models', 'nfl', 'model.json');
const csv = nflSeasonsCsv(2016).split('\n');
const version = artifact.metadata.version as string;
const warm = () => warmPredictionCache.run({ scheduleTime: '2017-09-05T00:00:00.000Z', jobName: 'warm' });
const week1 = csv
  .filter((l) => /^2017-09-(0[5-9]|1[0-1]),/.test(l))
  .map((l) => {
    const c = l.split(',');
    return `nfl_${c[0]}_${c[4]}_${c[5]}`;
  });

beforeAll(async () => {
  await seedNfl(await idTokenFor('warming-admin@example.com', { admin: true }), csv.join('\n'), artifact, {
    clearFirst: true,
  });
}, 90_000);

it('puts the next 7 days of scheduled games into L2 and L3', async () => {
  await warm();
  expect(week1.length).toBeGreaterThan(10);
  const stored = await db().getAll(...week1.map((id) => db().doc(`predictions/${id}__nfl-wp@${version}`)));
  expect(stored.filter((s) => s.exists).length).toBe(week1.length);
  const later = await db().doc(`predictions/nfl_2017-09-17_NO_NE__nfl-wp@${version}`).get();
  expect(later.exists).toBe(false);

  const fresh = freshPredictionService();
  const { levels } = await fresh.forGames(week1);
  expect(levels).toEqual({ l1: 0, l2: week1.length, l3: 0, miss: 0 });
}, 120_000);

describe('model-vs-ratings insights', () => {
  /** Week 1 games whose stored prediction and Elo-only number differ by 10 points or more. */
  const disagreeing = async () => {
    const stored = await db().getAll(...week1.map((id) => db().doc(`predictions/${id}__nfl-wp@${version}`)));
    return disagreeingGameIds(stored);
  };
  const raised = async () => {
    const snap = await db().collection('insights').where('type', '==', 'disagreement').get();
    return new Map(snap.docs.map((d) => [d.get('gameId') as string, d]));
  };
  /** agg_insights recounted from the raw insight documents. */
  const recount = async () => {
    const [raw, agg] = await Promise.all([
      db().collection('insights').get(),
      db().collection('agg_insights').get(),
    ]);
    const want: Record<string, number> = {};
    for (const d of raw.docs)
      want[`${d.get('status')}_${d.get('severity')}`] =
        (want[`${d.get('status')}_${d.get('severity')}`] ?? 0) + 1;
    const have: Record<string, number> = {};
    for (const d of agg.docs) if (d.get('count')) have[d.id] = d.get('count') as number;
    return { want, have };
  };

  const sorted = (r: Record<string, number>) => JSON.stringify(Object.entries(r).sort());
  const sameCounts = (c: { want: Record<string, number>; have: Record<string, number> }) =>
    sorted(c.want) === sorted(c.have);

  it('raises one for exactly the games where the served model and Elo alone differ by 10+ points', async () => {
    await warm();
    const expected = await disagreeing();
    expect(expected.length).toBeGreaterThan(0); // the 2017 opener week has at least one
    expect(expected.length).toBeLessThan(week1.length);
    const insights = await raised();
    expect([...insights.keys()].sort()).toEqual(expected);
    for (const [gameId, doc] of insights) {
      const prediction = await db().doc(`predictions/${gameId}__nfl-wp@${version}`).get();
      expect(doc.id).toBe(`${gameId}__disagreement`);
      expect(doc.get('status')).toBe('open');
      expect(doc.get('model')).toBe(`nfl-wp@${version}`);
      expect(doc.get('modelProbability')).toBeCloseTo(prediction.get('homeWinProbability'), 3);
      expect(doc.get('eloProbability')).toBeCloseTo(prediction.get('eloHomeWinProbability'), 3);
      expect(doc.get('message')).toMatch(
        /^Model vs ratings: the model gives [A-Z]+ \d+% (vs|at) [A-Z]+, Elo ratings alone \d+%\.$/,
      );
    }
    const { want, have } = await eventually(recount, sameCounts);
    expect(have).toEqual(want);
  }, 120_000);

  it('a repeated run writes nothing; a later one repairs console edits, keeps the admin status, withdraws stale ones', async () => {
    const before = await raised();
    await warm();
    const again = await raised();
    for (const [gameId, doc] of before)
      expect(again.get(gameId)?.updateTime.isEqual(doc.updateTime)).toBe(true);

    // An admin acknowledges one over the API; someone edits its severity in the console; and a
    // disagreement insight is planted on a week-1 game whose numbers agree.
    const [gameId, doc] = [...before][0]!;
    const admin = await idTokenFor('warming-admin@example.com', { admin: true });
    const res = await fetch(apiUrl(`/v1/insights/${doc.id}`), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'acknowledged' }),
    });
    expect(res.status).toBe(200);
    await doc.ref.update({ severity: 'critical' });
    const agreeing = week1.find((id) => !before.has(id))!;
    await db()
      .doc(`insights/${agreeing}__disagreement`)
      .set({
        ...doc.data(),
        gameId: agreeing,
        status: 'open',
      });

    await warm();
    const after = await raised();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect(after.get(gameId)?.get('status')).toBe('acknowledged');
    expect(after.get(gameId)?.get('severity')).toBe(doc.get('severity'));
    expect((await db().doc(`insights/${agreeing}__disagreement`).get()).exists).toBe(false);
    const { want, have } = await eventually(recount, sameCounts);
    expect(have).toEqual(want);
  }, 120_000);
});
