/**
 * Games over HTTP against the emulators: admin import (JSON and CSV, idempotent), list filters and
 * cursors, one game, and the 4xx answers.
 */
import { readJson } from '../support/json';
import { apiUrl, clearFirestore, db, eventually, idTokenFor } from './helpers';

let admin: string;
let fan: string;

beforeAll(async () => {
  await clearFirestore();
  admin = await idTokenFor('games-admin@example.com', { admin: true });
  fan = await idTokenFor('games-fan@example.com');
}, 30_000);

const CSV = [
  'date,season,neutral,playoff,team1,team2,elo1,elo2,elo_prob1,score1,score2,result1',
  '2016-09-08,2016,0,0,DEN,CAR,1600,1650,0.5,21,20,1',
  '2016-09-11,2016,0,0,ATL,TB,1500,1450,0.6,24,31,0',
  '2017-02-05,2016,1,1,ATL,NE,1650,1700,0.4,28,34,0',
  '2017-09-07,2017,0,0,NE,KC,,,,,,',
  '2017-09-10,2017,0,0,BUF,NYJ,,,,,,',
].join('\n');

const importCsv = (token: string, body = CSV) =>
  fetch(apiUrl('/v1/admin/games:import'), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body,
  });
const importJson = (token: string, body: unknown) =>
  fetch(apiUrl('/v1/admin/games:import'), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const list = async (query: string) => readJson(await fetch(apiUrl(`/v1/games?${query}`)));

describe('GET /v1/weeks before any game is stored', () => {
  it('404s', async () => {
    const res = await fetch(apiUrl('/v1/weeks'));
    expect([res.status, (await readJson(res)).error.code]).toEqual([404, 'not_found']);
  });
});

describe('POST /v1/admin/games:import', () => {
  it('403 for a signed-in non-admin, 401 without a token; nothing is written', async () => {
    expect((await importCsv(fan)).status).toBe(403);
    expect((await fetch(apiUrl('/v1/admin/games:import'), { method: 'POST' })).status).toBe(401);
    expect((await list('season=2016')).games).toEqual([]);
  });

  it('imports CSV in the shared columns, then a second import changes nothing', async () => {
    const first = await importCsv(admin);
    expect(first.status).toBe(200);
    expect(await readJson(first)).toEqual({
      received: 5,
      created: 5,
      updated: 0,
      moved: 0,
      unchanged: 0,
      moves: [],
    });
    expect(await readJson(await importCsv(admin))).toEqual({
      received: 5,
      created: 0,
      updated: 0,
      moved: 0,
      unchanged: 5,
      moves: [],
    });
  });

  it('updates a game whose score changed (a JSON import), and counts it as updated', async () => {
    const res = await importJson(admin, [
      {
        date: '2017-09-07',
        season: 2017,
        neutral: 0,
        playoff: 0,
        team1: 'NE',
        team2: 'KC',
        score1: 27,
        score2: 42,
      },
    ]);
    expect(await readJson(res)).toEqual({
      received: 1,
      created: 0,
      updated: 1,
      moved: 0,
      unchanged: 0,
      moves: [],
    });
    const game = await readJson(await fetch(apiUrl('/v1/games/nfl_2017-09-07_NE_KC')));
    expect(game).toMatchObject({ status: 'final', homeScore: 27, awayScore: 42 });
  });

  it('rejects a file with a bad row as a whole, naming row and field', async () => {
    const bad = `${CSV}\n2017-09-10,2017,0,0,MIA,MIA,,,,1,,`;
    const res = await importCsv(admin, bad);
    expect(res.status).toBe(400);
    const body = await readJson(res);
    const fields = body.error.fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['body[5].score2']));
    expect((await list('season=2017')).games.map((g: { gameId: string }) => g.gameId)).not.toContain(
      'nfl_2017-09-10_MIA_MIA',
    );
  });

  it('rejects a body that is neither an array nor CSV', async () => {
    const res = await importJson(admin, { games: [] });
    expect(res.status).toBe(400);
    expect((await readJson(res)).error.fields[0].field).toBe('body');
  });
});

describe('GET /v1/games', () => {
  it('lists in kickoff order with the documented fields', async () => {
    const { games, nextCursor } = await list('sport=nfl');
    expect(games.map((g: { gameId: string }) => g.gameId)).toEqual([
      'nfl_2016-09-08_DEN_CAR',
      'nfl_2016-09-11_ATL_TB',
      'nfl_2017-02-05_ATL_NE',
      'nfl_2017-09-07_NE_KC',
      'nfl_2017-09-10_BUF_NYJ',
    ]);
    expect(nextCursor).toBeNull();
    expect(games[2]).toEqual({
      gameId: 'nfl_2017-02-05_ATL_NE',
      sport: 'nfl',
      season: 2016,
      kickoff: '2017-02-05T18:00:00.000Z',
      homeTeam: 'ATL',
      awayTeam: 'NE',
      neutral: true,
      playoff: true,
      status: 'final',
      homeScore: 28,
      awayScore: 34,
    });
  });

  it('filters by season, status and an inclusive date range', async () => {
    expect((await list('season=2016')).games).toHaveLength(3);
    expect(
      (await list('season=2017&status=scheduled')).games.map((g: { gameId: string }) => g.gameId),
    ).toEqual(['nfl_2017-09-10_BUF_NYJ']);
    const ranged = await list('from=2016-09-11&to=2017-02-05');
    expect(ranged.games.map((g: { gameId: string }) => g.gameId)).toEqual([
      'nfl_2016-09-11_ATL_TB',
      'nfl_2017-02-05_ATL_NE',
    ]);
  });

  it('pages with the cursor it returns, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.games.length).toBeLessThanOrEqual(2);
      seen.push(...page.games.map((g: { gameId: string }) => g.gameId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it('answers 400 naming each bad query parameter', async () => {
    const res = await fetch(apiUrl('/v1/games?season=abc&limit=501&status=live&cursor=nope'));
    expect(res.status).toBe(400);
    const fields = (await readJson(res)).error.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['query.cursor', 'query.limit', 'query.season', 'query.status']);
  });
});

describe('GET /v1/games/{gameId}', () => {
  it('returns one game and 404s an unknown id', async () => {
    expect((await readJson(await fetch(apiUrl('/v1/games/nfl_2016-09-08_DEN_CAR')))).homeScore).toBe(21);
    const missing = await fetch(apiUrl('/v1/games/nfl_1900-01-01_XX_YY'));
    expect(missing.status).toBe(404);
    expect((await readJson(missing)).error.code).toBe('not_found');
  });
});

describe('GET /v1/weeks', () => {
  beforeAll(async () => {
    expect((await importCsv(admin)).status).toBe(200);
  });
  const week = async (query = '') => {
    const res = await fetch(apiUrl(`/v1/weeks${query}`));
    return { status: res.status, body: await readJson(res) };
  };
  const ids = (body: { games: { gameId: string }[] }) => body.games.map((g) => g.gameId);

  it('opens on the week of the next game to be played, Tuesday to Monday, with the weeks around it', async () => {
    const { status, body } = await week();
    expect(status).toBe(200);
    expect([body.from, body.to, body.previous, body.next]).toEqual([
      '2017-09-05',
      '2017-09-11',
      '2017-01-31',
      null,
    ]);
    expect(ids(body)).toEqual(['nfl_2017-09-07_NE_KC', 'nfl_2017-09-10_BUF_NYJ']);
    // No model is active here: the games, without predictions.
    expect(body.games.map((g: { prediction: unknown }) => g.prediction)).toEqual([null, null]);
  });

  it('any day of a week gives that week, with finals', async () => {
    const { body } = await week('?date=2016-09-12');
    expect([body.from, body.to, body.previous, body.next]).toEqual([
      '2016-09-06',
      '2016-09-12',
      null,
      '2017-01-31',
    ]);
    expect(ids(body)).toEqual(['nfl_2016-09-08_DEN_CAR', 'nfl_2016-09-11_ATL_TB']);
    expect(body.games[0]).toMatchObject({ status: 'final', homeScore: 21, awayScore: 20 });
  });

  it('400s a date that is not one', async () => {
    const { status, body } = await week('?date=2017-13-01');
    expect([status, body.error.fields[0].field]).toEqual([400, 'query.date']);
  });

  it('answers a repeat read from L2, and never the cached week once a game of it changed', async () => {
    const read = async () => {
      const res = await fetch(apiUrl('/v1/weeks'));
      return { cache: res.headers.get('x-cache'), body: await readJson(res) };
    };
    const first = await read();
    // The entry is written after the answer is sent: the next reads find it.
    const repeat = await eventually(read, (r) => r.cache === 'l2', 5_000, 250);
    expect(repeat.body).toEqual(first.body);
    // A final written straight into Firestore (as the console does): the games trigger invalidates.
    const gameId = 'nfl_2017-09-07_NE_KC';
    await db().doc(`games/${gameId}`).update({ status: 'final', homeScore: 27, awayScore: 42 });
    const after = await eventually(read, (r) => r.body.games?.[0]?.status === 'final', 15_000, 500);
    expect(after.body.games[0]).toMatchObject({ gameId, status: 'final', homeScore: 27, awayScore: 42 });
    expect(after.body.from).toBe(first.body.from); // BUF-NYJ is still to be played that week
    const cachedAgain = await eventually(read, (r) => r.cache === 'l2', 5_000, 250);
    expect(cachedAgain.body).toEqual(after.body);
  }, 30_000);
});
