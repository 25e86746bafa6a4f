/**
 * Cache warming: one run puts every scheduled game of the next 7 days (as of the run's schedule
 * time) into L2 and L3, so a fresh instance answers them from L2.
 */
import { warmPredictionCache } from '../../src/index';
import {
  clearFirestore,
  db,
  freshPredictionService,
  idTokenFor,
  nflSeasonsCsv,
  readRepoJson,
  seedNfl,
} from './helpers';

const artifact = readRepoJson('models', 'nfl', 'model.json');
const csv = nflSeasonsCsv(2016).split('\n');

beforeAll(async () => {
  await clearFirestore();
  await seedNfl(await idTokenFor('warming-admin@example.com', { admin: true }), csv.join('\n'), artifact);
}, 90_000);

it('puts the next 7 days of scheduled games into L2 and L3', async () => {
  await warmPredictionCache.run({ scheduleTime: '2017-09-05T00:00:00.000Z', jobName: 'warm' });
  const week1 = csv
    .filter((l) => /^2017-09-(0[5-9]|1[0-1]),/.test(l))
    .map((l) => {
      const c = l.split(',');
      return `nfl_${c[0]}_${c[4]}_${c[5]}`;
    });
  expect(week1.length).toBeGreaterThan(10);
  const stored = await db().getAll(
    ...week1.map((id) => db().doc(`predictions/${id}__nfl-wp@${artifact.metadata.version}`)),
  );
  expect(stored.filter((s) => s.exists).length).toBe(week1.length);
  const later = await db().doc(`predictions/nfl_2017-09-17_NO_NE__nfl-wp@${artifact.metadata.version}`).get();
  expect(later.exists).toBe(false);

  const fresh = freshPredictionService();
  const { levels } = await fresh.forGames(week1);
  expect(levels).toEqual({ l1: 0, l2: week1.length, l3: 0, miss: 0 });
}, 60_000);
