/**
 * Activating a model version (here directly in Firestore, as an admin in the console would) fills
 * the new version's prediction namespace for the coming week, so its first fans hit L2/L3.
 */
import functionsTest from 'firebase-functions-test';
import { onModelWritten } from '../../src/index';
import { db, eventually, idTokenFor, nflSeasonsCsv, postAs, readRepoJson, seedNfl } from './helpers';

const testEnv = functionsTest({ projectId: process.env.GCLOUD_PROJECT });
afterAll(() => testEnv.cleanup());

const served = readRepoJson('models', 'nfl', 'model.json');
const other = readRepoJson('models', 'nfl', 'validation-model.json');
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const upcoming = [
  { date: day(1), team1: 'NE', team2: 'BUF' },
  { date: day(3), team1: 'KC', team2: 'DEN' },
];
const ids = upcoming.map((g) => `nfl_${g.date}_${g.team1}_${g.team2}`);
const stored = (version: string) =>
  db()
    .getAll(...ids.map((id) => db().doc(`predictions/${id}__nfl-wp@${version}`)))
    .then((snaps) => snaps.filter((s) => s.exists).length);

beforeAll(async () => {
  const admin = await idTokenFor('models-trigger-admin@example.com', { admin: true });
  await seedNfl(admin, nflSeasonsCsv(2016), served, { clearFirst: true });
  const post = (path: string, body: unknown) => postAs(path, admin, body);
  const season = Number(day(1).slice(0, 4));
  expect(
    (
      await post(
        '/v1/admin/games:import',
        upcoming.map((g) => ({ ...g, season })),
      )
    ).status,
  ).toBe(200);
  expect((await post('/v1/models/nfl-wp/versions', { artifact: other })).status).toBe(201);
  // Each imported game's trigger bumps the ratings version (new keys) and then warms the served
  // version from its game's date on. Both must be over before the activation, or a late one re-warms
  // the new version under a newer ratingsVersion between the activation's warming and its
  // redelivery. A quiet window is not enough (a second trigger's worker can take 15 s to start on a
  // loaded machine), so wait for what marks each step: both games' bump ledger entries, then the
  // later game's served prediction made under the ratingsVersion those bumps left (whichever trigger
  // bumped last warms that game).
  const subjects = ids.map((id) => `games/${id}`);
  await eventually(
    async () =>
      (await db().collection('processed_events').where('subject', 'in', subjects).get()).docs.filter((d) =>
        d.id.startsWith('onGameWritten.bump_'),
      ).length,
    (n) => n === ids.length,
    60_000,
  );
  const ratingsVersion = (await db().doc('sports/nfl').get()).get('ratingsVersion') as number;
  await eventually(
    async () =>
      (await db().doc(`predictions/${ids[1]}__nfl-wp@${served.metadata.version}`).get()).get(
        'ratingsVersion',
      ) as number | undefined,
    (v) => v === ratingsVersion,
    60_000,
  );
}, 90_000);

it('an activation in the console warms the new version for the coming week, once', async () => {
  expect(await stored(other.metadata.version)).toBe(0);
  await db()
    .doc('models/nfl-wp')
    .update({ activeVersion: other.metadata.version, previousVersion: served.metadata.version });
  await eventually(
    () => stored(other.metadata.version),
    (n) => n === ids.length,
  );

  // Redelivery (wrapped): nothing new is computed or written.
  const before = (await db().doc(`predictions/${ids[0]}__nfl-wp@${other.metadata.version}`).get()).updateTime;
  const path = 'models/nfl-wp';
  const doc = { sport: 'nfl', previousVersion: served.metadata.version };
  const event = {
    id: 'evt-model-dup',
    time: new Date().toISOString(),
    params: { modelId: 'nfl-wp' },
    data: testEnv.makeChange(
      testEnv.firestore.makeDocumentSnapshot({ ...doc, activeVersion: served.metadata.version }, path),
      testEnv.firestore.makeDocumentSnapshot({ ...doc, activeVersion: other.metadata.version }, path),
    ),
  };
  await testEnv.wrap(onModelWritten)(event);
  const after = (await db().doc(`predictions/${ids[0]}__nfl-wp@${other.metadata.version}`).get()).updateTime;
  expect(after?.isEqual(before as NonNullable<typeof before>)).toBe(true);
}, 120_000);
