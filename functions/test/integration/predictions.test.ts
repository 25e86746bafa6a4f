/**
 * The prediction hot path against the emulators and the real Upstash server over Redis: cache
 * levels, model activation without restart, a broken model never serving, Redis down, and the
 * 4xx answers. "A fresh instance" is a PredictionService built in this process over the same
 * Firestore and Redis as the emulated function.
 */
import { readJson } from '../support/json';
import {
  apiUrl,
  db,
  eventually,
  freshPredictionService,
  idTokenFor,
  tokenWithTier,
  nflSeasonsCsv,
  postAs,
  readRepoJson,
  seedNfl,
  testRedis,
} from './helpers';

const served = readRepoJson('models', 'nfl', 'model.json');
const other = readRepoJson('models', 'nfl', 'validation-model.json');

const redis = testRedis();
const freshInstance = () => freshPredictionService(redis);

let admin: string;
let fan: string;
const post = postAs;
const predict = (gameId: string, token = fan) =>
  fetch(apiUrl(`/v1/games/${gameId}/prediction`), { headers: { authorization: `Bearer ${token}` } });

const UPCOMING = 'nfl_2017-09-10_BUF_NYJ';
const PAST = 'nfl_2016-09-11_BAL_BUF';

/**
 * Forgets every cached prediction (L2), leaving the rest of the Redis the emulated functions share
 * (rate limits, tiers, other families) alone.
 */
async function forgetCachedPredictions(): Promise<void> {
  const keys = await redis.keys('pred:*');
  if (keys.length > 0) await redis.del(...keys);
}

beforeAll(async () => {
  await forgetCachedPredictions();
  admin = await idTokenFor('models-admin@example.com', { admin: true });
  await seedNfl(admin, nflSeasonsCsv(2016), served, { clearFirst: true });
  fan = await tokenWithTier('predictions-fan@example.com', 'elite');
  expect((await db().doc('sports/nfl').get()).get('lastFinalDate')).toBe('2017-02-05');
}, 120_000);

describe('GET /v1/games/{gameId}/prediction', () => {
  it('answers miss first, then l1, with the documented shape', async () => {
    const first = await predict(UPCOMING);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    const body = await readJson(first);
    expect(body).toMatchObject({
      gameId: UPCOMING,
      sport: 'nfl',
      homeTeam: 'BUF',
      awayTeam: 'NYJ',
      kickoff: '2017-09-10T18:00:00.000Z',
      model: { id: 'nfl-wp', version: served.metadata.version },
      ratingsVersion: expect.any(Number),
      computedAt: expect.any(String),
    });
    const p = body.homeWinProbability as number;
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
    expect(body.interval[0]).toBeLessThanOrEqual(p);
    expect(body.interval[1]).toBeGreaterThanOrEqual(p);
    const logOdds = body.explanation.reduce(
      (s: number, c: { contribution: number }) => s + c.contribution,
      0,
    );
    expect(logOdds).toBeCloseTo(Math.log(p / (1 - p)), 4);
    expect(body.explanation[0].feature).toBe('baseline');

    const second = await predict(UPCOMING);
    expect(second.headers.get('x-cache')).toBe('l1');
    expect(await readJson(second)).toEqual(body);
  });

  it('a fresh instance gets l2; with the predictions gone from Redis, l3; the same prediction each time', async () => {
    const api = await readJson(await predict(UPCOMING));
    await eventually(
      async () => (await freshInstance().forGame(UPCOMING)).level,
      (level) => level === 'l2',
    );
    await forgetCachedPredictions();
    const fromL3 = await freshInstance().forGame(UPCOMING);
    expect(fromL3.level).toBe('l3');
    expect(fromL3.cached.body).toEqual(api);
  });

  it('predicts a final game from the state before its kickoff, never its own result', async () => {
    const later = 'nfl_2016-09-15_BUF_NYJ';
    const before = await readJson(await predict(PAST));
    const laterBefore = await readJson(await predict(later));
    // Flip the game's result (BAL 13-7 BUF becomes 7-13) and rebuild ratings.
    const flip = (s1: number, s2: number) =>
      post('/v1/admin/games:import', admin, [
        { date: '2016-09-11', season: 2016, team1: 'BAL', team2: 'BUF', score1: s1, score2: s2 },
      ]);
    // The games trigger recomputes the ratings from that date on.
    expect(await readJson(await flip(7, 13))).toMatchObject({ updated: 1 });
    const after = await eventually(
      async () => readJson(await predict(PAST)),
      (b) => b.ratingsVersion > before.ratingsVersion,
    );
    expect(after.homeWinProbability).toBe(before.homeWinProbability);
    const laterAfter = await readJson(await predict(later));
    expect(laterAfter.homeWinProbability).not.toBe(laterBefore.homeWinProbability);
    await flip(13, 7);
    await eventually(
      async () => readJson(await predict(PAST)),
      (b) => b.ratingsVersion > after.ratingsVersion,
    );
  });

  it('is public: anonymous and free callers get the same probability, without interval and explanation', async () => {
    const full = await readJson(await predict(UPCOMING));
    const free = await tokenWithTier('predictions-free@example.com', 'free');
    for (const headers of [{}, { authorization: `Bearer ${free}` }] as Record<string, string>[]) {
      const res = await fetch(apiUrl(`/v1/games/${UPCOMING}/prediction`), { headers });
      expect(res.status).toBe(200);
      const { interval: _i, explanation: _e, ...basic } = full;
      expect(await readJson(res)).toEqual({ ...basic, locked: ['interval', 'explanation'] });
    }
  });

  it('404s an unknown game, 400s a malformed id', async () => {
    expect((await predict('nfl_1999-01-01_XX_YY')).status).toBe(404);
    const bad = await predict('bad id!');
    expect(bad.status).toBe(400);
    expect((await readJson(bad)).error.fields[0].field).toBe('params.gameId');
  });
});

describe('POST /v1/predictions:batch', () => {
  it('answers each known game and reports unknown ones', async () => {
    const ids = [UPCOMING, PAST, 'nfl_2017-09-07_NE_KC', 'nfl_1999-01-01_XX_YY'];
    const res = await post('/v1/predictions:batch', fan, { gameIds: ids });
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body.predictions.map((p: { gameId: string }) => p.gameId)).toEqual(ids.slice(0, 3));
    expect(body.errors).toEqual([{ gameId: 'nfl_1999-01-01_XX_YY', code: 'not_found' }]);
    const single = await readJson(await predict('nfl_2017-09-07_NE_KC'));
    expect(body.predictions[2].homeWinProbability).toBe(single.homeWinProbability);
  });

  it('400s more than 500 ids, saying so', async () => {
    const res = await post('/v1/predictions:batch', fan, {
      gameIds: Array.from({ length: 501 }, (_, i) => `g${i}`),
    });
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.error.fields[0]).toEqual({
      field: 'body.gameIds',
      message: 'at most 500 game ids per request',
    });
  });
});

describe('tiers', () => {
  it('a free user asking for a batch or a matchup is told which tier unlocks it; anonymous must sign in', async () => {
    const free = await tokenWithTier('predictions-free2@example.com', 'free');
    for (const [path, body] of [
      ['/v1/predictions:batch', { gameIds: [UPCOMING] }],
      ['/v1/predictions', { sport: 'nfl', homeTeam: 'NE', awayTeam: 'BUF', kickoff: '2017-12-24T18:00:00Z' }],
    ] as const) {
      const res = await post(path, free, body);
      expect(res.status).toBe(403);
      expect((await readJson(res)).error).toMatchObject({ code: 'upgrade_required', requiredTier: 'pro' });
      const anonymous = await fetch(apiUrl(path), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(anonymous.status).toBe(401);
    }
  });

  it('a pro batch above its 100 games names elite; elite gets it', async () => {
    const pro = await tokenWithTier('predictions-pro@example.com', 'pro');
    const ids = Array.from({ length: 101 }, () => UPCOMING);
    const refused = await post('/v1/predictions:batch', pro, { gameIds: ids });
    expect(refused.status).toBe(403);
    expect((await readJson(refused)).error).toMatchObject({
      code: 'upgrade_required',
      requiredTier: 'elite',
    });
    expect((await post('/v1/predictions:batch', fan, { gameIds: ids })).status).toBe(200);
  });
});

describe('POST /v1/predictions (hypothetical matchup)', () => {
  it('predicts a matchup, and a neutral site moves the probability toward the away team', async () => {
    const ask = (neutral: boolean) =>
      post('/v1/predictions', fan, {
        sport: 'nfl',
        homeTeam: 'NE',
        awayTeam: 'BUF',
        kickoff: '2017-12-24T18:00:00Z',
        neutral,
      });
    const home = await readJson(await ask(false));
    const neutral = await readJson(await ask(true));
    expect(home).toMatchObject({ homeTeam: 'NE', awayTeam: 'BUF', model: { id: 'nfl-wp' } });
    expect(home.gameId).toBeUndefined();
    expect(neutral.homeWinProbability).toBeLessThan(home.homeWinProbability);
  });

  it('400s unknown teams and bad fields by name', async () => {
    const res = await post('/v1/predictions', fan, {
      sport: 'nfl',
      homeTeam: 'ZZZ',
      awayTeam: 'NE',
      kickoff: '2017-12-24T18:00:00Z',
    });
    expect(res.status).toBe(400);
    expect((await readJson(res)).error.fields).toEqual([
      { field: 'body.homeTeam', message: 'no nfl team ZZZ' },
    ]);
    const bad = await post('/v1/predictions', fan, {
      sport: 'nba',
      homeTeam: 'NE',
      awayTeam: 'NE',
      kickoff: 'soon',
    });
    const fields = (await readJson(bad)).error.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['body.kickoff', 'body.sport']);
  });
});

describe('model registry', () => {
  it('403s non-admins on every admin route', async () => {
    expect((await fetch(apiUrl('/v1/models'), { headers: { authorization: `Bearer ${fan}` } })).status).toBe(
      403,
    );
    expect((await post('/v1/models/nfl-wp/versions', fan, { artifact: other })).status).toBe(403);
    expect((await post('/v1/models/nfl-wp/activate', fan, { version: 'x' })).status).toBe(403);
    expect((await post('/v1/admin/sports/nfl/ratings:rebuild', fan, {})).status).toBe(403);
  });

  it('refuses a corrupt artifact, and the old version keeps serving', async () => {
    const corrupt = {
      ...served,
      weightData: served.weightData.slice(0, 40),
      metadata: { ...served.metadata, version: 'corrupt1' },
    };
    const res = await post('/v1/models/nfl-wp/versions', admin, { artifact: corrupt });
    expect(res.status).toBe(422);
    expect((await readJson(res)).error.fields[0].field).toBe('artifact');
    const wrongFeatures = {
      ...served,
      metadata: { ...served.metadata, version: 'bad2', featureNames: ['eloDiff'] },
    };
    const res2 = await post('/v1/models/nfl-wp/versions', admin, { artifact: wrongFeatures });
    expect((await readJson(res2)).error.fields.map((f: { field: string }) => f.field)).toContain(
      'artifact.metadata.featureNames',
    );
    expect((await post('/v1/models/nfl-wp/activate', admin, { version: 'corrupt1' })).status).toBe(404);
    const p = await readJson(await predict(UPCOMING));
    expect(p.model.version).toBe(served.metadata.version);
  });

  it('activating another version changes the served version within the pointer TTL, without a restart', async () => {
    // The home page's week, cached in L2 under the version serving now.
    const week = async () => {
      const res = await fetch(apiUrl('/v1/weeks?date=2017-09-10'));
      return { cache: res.headers.get('x-cache'), body: await readJson(res) };
    };
    const cachedWeek = await eventually(week, (w) => w.cache === 'l2', 5_000);
    expect(cachedWeek.body.games[0].prediction.model.version).toBe(served.metadata.version);
    expect((await post('/v1/models/nfl-wp/versions', admin, { artifact: other })).status).toBe(201);
    const listed = await readJson(
      await fetch(apiUrl('/v1/models'), { headers: { authorization: `Bearer ${admin}` } }),
    );
    expect(listed.models[0].versions.map((v: { version: string }) => v.version).sort()).toEqual(
      [served.metadata.version, other.metadata.version].sort(),
    );
    const started = Date.now();
    const activated = await post('/v1/models/nfl-wp/activate', admin, { version: other.metadata.version });
    expect(await readJson(activated)).toMatchObject({
      activeVersion: other.metadata.version,
      previousVersion: served.metadata.version,
    });
    const body = await eventually(
      async () => readJson(await predict(UPCOMING)),
      (b) => b.model.version === other.metadata.version,
      5_000,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(body.model.version).toBe(other.metadata.version);
    // The cached week is not served under the new version: the key names the model version.
    const switched = await eventually(
      week,
      (w) =>
        w.body.games.every(
          (g: { prediction: { model: { version: string } } }) =>
            g.prediction.model.version === other.metadata.version,
        ),
      5_000,
    );
    expect(switched.body.games.length).toBeGreaterThan(0);
    // Roll back.
    await post('/v1/models/nfl-wp/activate', admin, { version: served.metadata.version });
    await eventually(
      async () => readJson(await predict(UPCOMING)),
      (b) => b.model.version === served.metadata.version,
      5_000,
    );
  });

  it('a stored version that no longer loads keeps the last good one serving, and health says so', async () => {
    // A version this instance has never loaded; a console edit then breaks its stored artifact.
    const third = { ...served, metadata: { ...served.metadata, version: 'served-copy-3' } };
    expect((await post('/v1/models/nfl-wp/versions', admin, { artifact: third })).status).toBe(201);
    const [chunk] = (await db().collection('models/nfl-wp/versions/served-copy-3/chunks').get()).docs;
    await chunk?.ref.update({ data: '{"broken": true}' });
    await post('/v1/models/nfl-wp/activate', admin, { version: 'served-copy-3' });
    const served2 = await eventually(
      async () => {
        const res = await predict('nfl_2017-09-17_CAR_BUF');
        return { status: res.status, body: await readJson(res) };
      },
      (r) => r.status === 200,
      5_000,
    );
    expect(served2.body.model.version).toBe(served.metadata.version);
    // The failure is remembered and the fallback's answers are cached under the fallback's own
    // version: later requests are cache hits, not a re-read of the broken artifact each.
    for (let i = 0; i < 2; i++) await predict('nfl_2017-09-17_CAR_BUF');
    const later = await predict('nfl_2017-09-17_CAR_BUF');
    expect(['l1', 'l2']).toContain(later.headers.get('x-cache'));
    expect(((await readJson(later)) as { model: { version: string } }).model.version).toBe(
      served.metadata.version,
    );
    const health = await readJson(await fetch(apiUrl('/v1/health')));
    expect(health.status).toBe('degraded');
    expect(health.checks.model.ok).toBe(false);
    expect(health.checks.model.reason).toBeUndefined(); // the why is for admins
    const detailed = await readJson(
      await fetch(apiUrl('/v1/health'), { headers: { authorization: `Bearer ${admin}` } }),
    );
    expect(detailed.checks.model.reason).toContain('served-copy-3');
    await post('/v1/models/nfl-wp/activate', admin, { version: served.metadata.version });
    // The next prediction computed with the repaired pointer clears the failure.
    await eventually(
      async () => {
        await predict('nfl_2017-12-31_MIA_BUF');
        return (await readJson(await fetch(apiUrl('/v1/health')))).checks.model.ok as boolean;
      },
      (ok) => ok,
      5_000,
    );
  });
});

describe('Redis down', () => {
  const pid = Number(process.env.UPSTASH_SERVER_PID);

  it('still answers 200 with the same prediction while the Upstash server is frozen', async () => {
    const before = await readJson(await predict('nfl_2017-09-24_BUF_DEN'));
    process.kill(-pid, 'SIGSTOP');
    try {
      const fresh = await predict('nfl_2017-10-01_ATL_BUF');
      expect(fresh.status).toBe(200);
      const again = await predict('nfl_2017-09-24_BUF_DEN');
      expect(again.status).toBe(200);
      expect((await readJson(again)).homeWinProbability).toBe(before.homeWinProbability);
    } finally {
      process.kill(-pid, 'SIGCONT');
    }
  }, 30_000);
});
