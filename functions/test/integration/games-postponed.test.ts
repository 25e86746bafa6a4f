/**
 * A postponed game, re-imported (the emulators, triggers on): the 2017 MIA-TB game was scheduled
 * for Sept 10 and, after Hurricane Irma, played on Nov 19. An admin imports the schedule in August
 * and the season's file again later: the import moves the stored game (its id, which predictions
 * already name, stays) instead of adding a second game and leaving the first scheduled forever; the
 * week pages follow; its result, under the new date, grades what was predicted for it and enters
 * the ratings on the day it was played.
 */
import { readJson } from '../support/json';
import { apiUrl, clearFirestore, db, eventually, idTokenFor } from './helpers';

const ORIGINAL = 'nfl_2017-09-10_MIA_TB';
const NEW_DATE_ID = 'nfl_2017-11-19_MIA_TB';
const HEADER = 'date,season,neutral,playoff,team1,team2,score1,score2';
const schedule = (miaTbDate: string) =>
  [
    HEADER,
    '2016-09-11,2016,0,0,SEA,MIA,12,10',
    '2016-09-11,2016,0,0,ATL,TB,24,31',
    '2017-09-07,2017,0,0,NE,KC,,',
    `${miaTbDate},2017,0,0,MIA,TB,,`,
    '2017-09-17,2017,0,0,LAC,MIA,,',
  ].join('\n');
const AUGUST = schedule('2017-09-10');
const NOVEMBER = schedule('2017-11-19');

let admin: string;

const importCsv = async (body: string) => {
  const res = await fetch(apiUrl('/v1/admin/games:import'), {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' },
    body,
  });
  return { status: res.status, body: await readJson(res) };
};
const ids = (body: { games: { gameId: string }[] }) => body.games.map((g) => g.gameId);
const season2017 = async () => readJson(await fetch(apiUrl('/v1/games?season=2017')));
/** Anonymous, as a fan's browser asks: the suite's one 127.0.0.1 bucket, so polls go slowly. */
const week = async (date: string) => {
  const res = await fetch(apiUrl(`/v1/weeks?date=${date}`));
  return { status: res.status, cache: res.headers.get('x-cache'), body: await readJson(res) };
};

beforeAll(async () => {
  await clearFirestore();
  admin = await idTokenFor('games-postponed-admin@example.com', { admin: true });
}, 30_000);

describe('a postponed game re-imported', () => {
  it('the August schedule: the game on Sept 10, predicted and shown on its week', async () => {
    expect(await importCsv(AUGUST)).toEqual({
      status: 200,
      body: { received: 5, created: 5, updated: 0, moved: 0, unchanged: 0, moves: [] },
    });
    // What the API stores when it answers the game's prediction (write-behind), in August.
    await db()
      .doc(`predictions/${ORIGINAL}__postponed-test@v1`)
      .set({
        gameId: ORIGINAL,
        modelId: 'postponed-test',
        version: 'v1',
        model: { id: 'postponed-test', version: 'v1' },
        homeWinProbability: 0.6,
        eloHomeWinProbability: 0.58,
        ratingsVersion: 1,
        computedAt: '2017-08-20T12:00:00.000Z',
      });
    // Its week is served from L2 from now on, until a write to one of its games invalidates it.
    expect(ids((await week('2017-09-10')).body)).toContain(ORIGINAL);
    await eventually(
      () => week('2017-09-10'),
      (w) => w.cache === 'l2',
      10_000,
      250,
    );
  }, 60_000);

  it('the season file again, with the new date: one game, its old id, the new kickoff', async () => {
    expect(await importCsv(NOVEMBER)).toEqual({
      status: 200,
      body: {
        received: 5,
        created: 0,
        updated: 0,
        moved: 1,
        unchanged: 4,
        moves: [{ gameId: ORIGINAL, from: '2017-09-10T18:00:00.000Z', to: '2017-11-19T18:00:00.000Z' }],
      },
    });
    const games = await season2017();
    expect(ids(games)).toEqual(['nfl_2017-09-07_NE_KC', 'nfl_2017-09-17_LAC_MIA', ORIGINAL]);
    expect(games.games[2]).toMatchObject({ kickoff: '2017-11-19T18:00:00.000Z', status: 'scheduled' });
    expect((await fetch(apiUrl(`/v1/games/${NEW_DATE_ID}`))).status).toBe(404);
    // The games trigger saw a kickoff change: the cached week of Sept 10 goes, Nov 19 shows it.
    const sept = await eventually(
      () => week('2017-09-10'),
      (w) => w.status === 200 && !ids(w.body).includes(ORIGINAL),
      45_000,
      250,
    );
    expect(ids(sept.body)).toEqual(['nfl_2017-09-07_NE_KC']);
    expect(ids((await week('2017-11-19')).body)).toEqual([ORIGINAL]);
    // The same file once more finds the moved game: nothing to do.
    expect((await importCsv(NOVEMBER)).body).toEqual({
      received: 5,
      created: 0,
      updated: 0,
      moved: 0,
      unchanged: 5,
      moves: [],
    });
  }, 60_000);

  it('refuses rows that could each be the postponed game (409, the rows named), writing nothing', async () => {
    const res = await importCsv(
      [HEADER, '2017-12-03,2017,0,0,MIA,TB,,', '2017-12-10,2017,0,0,MIA,TB,,'].join('\n'),
    );
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('import_conflict');
    expect(res.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['body[0]', 'body[1]']);
    expect(res.body.error.fields[0].message).toContain(ORIGINAL);
    expect(ids(await season2017())).toEqual(['nfl_2017-09-07_NE_KC', 'nfl_2017-09-17_LAC_MIA', ORIGINAL]);
    expect((await season2017()).games[2].kickoff).toBe('2017-11-19T18:00:00.000Z');
  });

  it('its result under the new date is the same game: graded, and rated on the day it was played', async () => {
    expect((await importCsv([HEADER, '2017-11-19,2017,0,0,MIA,TB,20,30'].join('\n'))).body).toEqual({
      received: 1,
      created: 0,
      updated: 1,
      moved: 0,
      unchanged: 0,
      moves: [],
    });
    const finals = readJson(await fetch(apiUrl('/v1/games?season=2017&status=final')));
    expect((await finals).games).toEqual([
      expect.objectContaining({ gameId: ORIGINAL, homeScore: 20, awayScore: 30, status: 'final' }),
    ]);
    // The games trigger graded the August prediction of the game (MIA lost at home: outcome 0) ...
    const prediction = await eventually(
      async () => (await db().doc(`predictions/${ORIGINAL}__postponed-test@v1`).get()).data(),
      (d) => d?.graded !== undefined,
    );
    expect(prediction?.graded.outcome).toBe(0);
    const agg = (await db().doc('agg_model/postponed-test@v1_2017').get()).data();
    expect(agg).toMatchObject({ n: 1 });
    expect(agg?.brierSum).toBeCloseTo(0.36, 10);
    // ... and the ratings took it on Nov 19, the day it was played.
    await eventually(
      async () => (await db().doc('rating_snapshots/nfl_2017-11-19').get()).exists,
      (exists) => exists,
    );
    expect((await db().doc('rating_snapshots/nfl_2017-09-10').get()).exists).toBe(false);
  }, 90_000);
});
