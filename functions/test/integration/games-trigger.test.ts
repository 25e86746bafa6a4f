/**
 * The games trigger in the emulator: a game marked final (over the API or directly in Firestore)
 * moves the ratings, so the next prediction of that team's following game is new (new
 * ratingsVersion, never an L1 hit of the old); a final corrected after later games were played
 * leaves ratings equal to a from-scratch rebuild and re-grades; a redelivered event changes nothing.
 */
import functionsTest from 'firebase-functions-test';
import { onGameWritten } from '../../src/index';
import { engineRatingParams } from '../../src/domain/model-checks';
import { rebuildRatings as rebuildInMemory } from '../../src/domain/ratings/state';
import { readFinals } from '../../src/services/ratings';
import { updateRatings } from '../../src/services/ratings-worker';
import { regrade } from '../../src/services/game-events';
import type { Firestore } from 'firebase-admin/firestore';
import { readJson } from '../support/json';
import {
  apiUrl,
  db,
  disagreeingGameIds,
  eventually,
  freshPredictionService,
  idTokenFor,
  nflSeasonsCsv,
  postAs,
  readRepoJson,
  seedNfl,
} from './helpers';

const testEnv = functionsTest({ projectId: process.env.GCLOUD_PROJECT });
afterAll(() => testEnv.cleanup());

const artifact = readRepoJson('models', 'nfl', 'model.json');

let admin: string;
let fan: string;
const post = (path: string, body: unknown) => postAs(path, admin, body);
const predict = async (gameId: string) => {
  const res = await fetch(apiUrl(`/v1/games/${gameId}/prediction`), {
    headers: { authorization: `Bearer ${fan}` },
  });
  return { cache: res.headers.get('x-cache'), body: await readJson(res) };
};
const ratingsVersion = async () =>
  ((await db().doc('sports/nfl').get()).get('ratingsVersion') as number) ?? 0;
const workerIdle = async () => {
  const w = (await db().doc('ops/ratings_nfl').get()).data() ?? {};
  return !w.lease && !w.dirtyFrom;
};

/** After a final moved the ratings: the next prediction of `gameId` is new, not an L1 hit of the old. */
async function expectFreshPrediction(
  gameId: string,
  before: Awaited<ReturnType<typeof predict>>,
  version: number,
) {
  await eventually(ratingsVersion, (v) => v > version);
  const after = await eventually(
    () => predict(gameId),
    (p) => p.body.ratingsVersion > before.body.ratingsVersion,
    5_000,
  );
  expect(after.cache).not.toBe('l1');
  expect(after.body.homeWinProbability).not.toBe(before.body.homeWinProbability);
}

beforeAll(async () => {
  admin = await idTokenFor('games-trigger-admin@example.com', { admin: true });
  fan = await idTokenFor('games-trigger-fan@example.com');
  await seedNfl(admin, nflSeasonsCsv(2016), artifact, { clearFirst: true });
}, 90_000);

describe('a game goes final', () => {
  it('over the API: the next prediction of the team’s following game uses the new ratings', async () => {
    const next = 'nfl_2017-09-17_NO_NE';
    const before = await predict(next);
    expect((await predict(next)).cache).toBe('l1');
    // The opener's own prediction is stored (L3) before it is played, so the result grades it.
    const opener = 'nfl_2017-09-07_NE_KC';
    const pre = await predict(opener);
    await eventually(
      async () => (await db().doc(`predictions/${opener}__nfl-wp@${artifact.metadata.version}`).get()).exists,
      (e) => e,
    );
    const version = await ratingsVersion();
    const res = await post('/v1/admin/games:import', [
      { date: '2017-09-07', season: 2017, team1: 'NE', team2: 'KC', score1: 27, score2: 42 },
    ]);
    expect(await readJson(res)).toMatchObject({ updated: 1 });
    await expectFreshPrediction(next, before, version);
    // KC won 42-27 at NE with the model giving KC ~30%: an upset insight, counted by its trigger.
    const kcChance = 1 - (pre.body.homeWinProbability as number);
    expect(kcChance).toBeLessThan(0.35);
    const insight = await eventually(
      async () => (await db().doc(`insights/${opener}__upset`).get()).data(),
      (d) => d !== undefined,
    );
    expect(insight).toMatchObject({
      type: 'upset',
      status: 'open',
      gameId: opener,
      severity: kcChance < 0.2 ? 'high' : 'medium',
    });
    await eventually(
      async () =>
        (
          await db()
            .doc(`agg_insights/open_${insight?.severity as string}`)
            .get()
        ).get('count') as number,
      (c) => c === 1,
    );
  });

  it('directly in Firestore (console): same', async () => {
    const next = 'nfl_2017-09-17_KC_PHI';
    await eventually(workerIdle, (idle) => idle);
    const before = await predict(next);
    const version = await ratingsVersion();
    // PHI's opener, marked final by hand as an admin would in the console.
    await db().doc('games/nfl_2017-09-10_WSH_PHI').update({ status: 'final', homeScore: 17, awayScore: 30 });
    await expectFreshPrediction(next, before, version);
  });
});

describe('right after a result', () => {
  it('the sport’s coming games are predicted again (L3, L2) and their disagreement insights re-judged', async () => {
    // The console final above (2017-09-10) moved the ratings; its trigger warmed 09-10 .. 09-18.
    await eventually(workerIdle, (idle) => idle);
    const version = await ratingsVersion();
    const page = await readJson(
      await fetch(apiUrl('/v1/games?sport=nfl&status=scheduled&from=2017-09-10&to=2017-09-18&limit=100')),
    );
    const ids = (page.games as { gameId: string }[]).map((g) => g.gameId);
    expect(ids.length).toBeGreaterThan(20); // the rest of week 1 and all of week 2
    const stored = await eventually(
      () =>
        db().getAll(...ids.map((id) => db().doc(`predictions/${id}__nfl-wp@${artifact.metadata.version}`))),
      (docs) => docs.every((d) => d.get('ratingsVersion') === version),
    );
    // A fresh instance finds them in L2 under the new ratings: nobody has to pay for a miss.
    const { levels, predictions } = await freshPredictionService().forGames(ids);
    expect(levels.miss).toBe(0);
    expect(predictions.every((p) => p.ratingsVersion === version)).toBe(true);

    const expected = disagreeingGameIds(stored);
    const insights = await db().getAll(...ids.map((id) => db().doc(`insights/${id}__disagreement`)));
    expect(
      insights
        .filter((d) => d.exists)
        .map((d) => d.get('gameId') as string)
        .sort(),
    ).toEqual(expected);
    for (const d of insights.filter((i) => i.exists)) {
      const p = stored.find((s) => s.get('gameId') === d.get('gameId'));
      expect(d.get('modelProbability')).toBeCloseTo(p?.get('homeWinProbability'), 3);
    }
  }, 120_000);

  it('a deleted scheduled game takes its disagreement insight (and its count) with it', async () => {
    const used = ['nfl_2017-09-10_BUF_NYJ', 'nfl_2017-09-17_KC_PHI', 'nfl_2017-09-17_NO_NE'];
    const snap = await db().collection('insights').where('type', '==', 'disagreement').get();
    const doc = snap.docs.find((d) => !used.includes(d.get('gameId') as string));
    expect(doc).toBeDefined(); // the opener week has one (CHI-ATL: model 28%, Elo 39%)
    const bucket = db().doc(`agg_insights/open_${doc?.get('severity') as string}`);
    const count = async () => ((await bucket.get()).get('count') as number | undefined) ?? 0;
    const before = await count();
    await db()
      .doc(`games/${doc?.get('gameId') as string}`)
      .delete(); // as in the console
    await eventually(
      async () => (await doc!.ref.get()).exists,
      (exists) => !exists,
    );
    await eventually(count, (c) => c === before - 1);
  }, 120_000);
});

describe('a final corrected after later games were played', () => {
  it('leaves ratings equal to a from-scratch rebuild, and re-grades its prediction', async () => {
    const early = 'nfl_2016-09-11_BAL_BUF'; // BAL 13-7 BUF
    await predict(early); // stored in L3 (write-behind), so the trigger has a prediction to grade
    await eventually(
      async () => (await db().doc(`predictions/${early}__nfl-wp@${artifact.metadata.version}`).get()).exists,
      (e) => e,
    );
    await eventually(workerIdle, (idle) => idle);
    // Grade it first: a console "touch" re-asserting the final.
    await db().doc(`games/${early}`).update({ homeScore: 14 }); // BAL 14-7: still a BAL win
    const aggId = `agg_model/nfl-wp@${artifact.metadata.version}_2016`;
    const graded = await eventually(
      async () => (await db().doc(aggId).get()).data(),
      (d) => d?.n === 1,
    );
    const p = (await db().doc(`predictions/${early}__nfl-wp@${artifact.metadata.version}`).get()).get(
      'homeWinProbability',
    ) as number;
    expect(graded?.brierSum).toBeCloseTo((p - 1) ** 2, 10);
    const eloAtGrade = (
      await db().doc(`predictions/${early}__nfl-wp@${artifact.metadata.version}`).get()
    ).get('eloHomeWinProbability') as number;
    expect(graded?.elo_n).toBe(1);
    expect(graded?.elo_brierSum).toBeCloseTo((eloAtGrade - 1) ** 2, 10);

    // Now the correction that flips the result, long after later weeks were final.
    await db().doc(`games/${early}`).update({ homeScore: 7, awayScore: 13 });
    await eventually(
      async () => (await db().doc(aggId).get()).data(),
      (d) => d !== undefined && Math.abs((d.brierSum as number) - p ** 2) < 1e-9,
    );
    expect((await db().doc(aggId).get()).get('n')).toBe(1);
    // The public metrics endpoint reads the same aggregate.
    const metrics = await eventually(
      async () => readJson(await fetch(apiUrl('/v1/models/nfl-wp/metrics?season=2016'))),
      (m) => m.versions?.[0]?.n === 1 && Math.abs(m.versions[0].brier - p ** 2) < 1e-6,
      5_000,
      250, // anonymous: the suite's one 127.0.0.1 bucket
    );
    expect(metrics.versions[0]).toMatchObject({
      version: artifact.metadata.version,
      n: 1,
      accuracy: p < 0.5 ? 1 : 0,
    });
    expect(metrics.versions[0].calibration).toHaveLength(10);
    // Elo alone, graded on the same prediction: the numbers follow from its stored Elo probability.
    const prediction = await db().doc(`predictions/${early}__nfl-wp@${artifact.metadata.version}`).get();
    const elo = prediction.get('eloHomeWinProbability') as number;
    expect(prediction.get('graded.fields.elo_n')).toBe(1);
    const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
    const bin = Math.min(9, Math.floor(elo * 10));
    expect(metrics.versions[0].elo).toMatchObject({
      n: 1,
      brier: round6(elo ** 2),
      logLoss: round6(-Math.log(1 - elo)),
      accuracy: elo <= 0.5 ? 1 : 0, // home (BAL) lost
    });
    expect(metrics.versions[0].elo.calibration[bin]).toEqual({
      bin: `${bin / 10}-${(bin + 1) / 10}`,
      n: 1,
      meanPredicted: round6(elo),
      observedRate: 0,
    });
    const agg = (await db().doc(aggId).get()).data() ?? {};
    expect(agg.elo_n).toBe(1);
    expect(agg.elo_brierSum).toBeCloseTo(elo ** 2, 10); // the BAL-win grade was subtracted exactly
    await eventually(workerIdle, (idle) => idle);

    // Ratings as stored = a from-scratch recomputation over every final now in Firestore.
    const finals = await readFinals(db(), 'nfl');
    const expected = rebuildInMemory(engineRatingParams('nfl'), finals);
    const lastDate = finals[finals.length - 1]?.date as string;
    const stored = (await db().doc(`rating_snapshots/nfl_${lastDate}`).get()).get('state');
    expect(stored).toEqual(JSON.parse(JSON.stringify(expected)));
  }, 120_000);
});

describe('onGameWritten, redelivered (wrapped)', () => {
  it('changes ratingsVersion and the grades once when the same event arrives twice', async () => {
    await eventually(workerIdle, (idle) => idle);
    const path = 'games/nfl_2017-09-10_BUF_NYJ';
    // A stored prediction for the result to grade.
    await predict('nfl_2017-09-10_BUF_NYJ');
    const stored = `predictions/nfl_2017-09-10_BUF_NYJ__nfl-wp@${artifact.metadata.version}`;
    await eventually(
      async () => (await db().doc(stored).get()).exists,
      (e) => e,
    );
    const aggRef = db().doc(`agg_model/nfl-wp@${artifact.metadata.version}_2017`);
    const gradedBefore = ((await aggRef.get()).get('n') as number | undefined) ?? 0;
    const doc = (await db().doc(path).get()).data() as Record<string, unknown>;
    const final = { ...doc, status: 'final', homeScore: 21, awayScore: 12 };
    const v0 = await ratingsVersion();
    await db().doc(path).set(final); // the real write (its own event runs in the emulator)
    await eventually(ratingsVersion, (v) => v > v0);
    await eventually(workerIdle, (idle) => idle);
    const agg = await eventually(
      async () => (await aggRef.get()).data() ?? {},
      (d) => d.n === gradedBefore + 1,
    );
    const version = await ratingsVersion();
    const wrapped = testEnv.wrap(onGameWritten);
    const event = {
      id: 'evt-game-dup-1',
      time: new Date().toISOString(),
      params: { gameId: 'nfl_2017-09-10_BUF_NYJ' },
      data: testEnv.makeChange(
        testEnv.firestore.makeDocumentSnapshot(doc, path),
        testEnv.firestore.makeDocumentSnapshot(final, path),
      ),
    };
    await wrapped(event);
    const once = await ratingsVersion();
    expect(once).toBeGreaterThan(version);
    await wrapped(event);
    expect(await ratingsVersion()).toBe(once);
    // The grades: the prediction counted once, with the same sums, however often the event came.
    const after = (await aggRef.get()).data() ?? {};
    expect(after.n).toBe(gradedBefore + 1);
    expect(after.brierSum).toBeCloseTo(agg.brierSum as number, 12);
    expect((await db().doc(stored).get()).get('graded.outcome')).toBe(1);
  }, 120_000);
});

describe('the ratings worker', () => {
  it('keeps its lease while a rebuild outlasts it, so two overlapping rebuilds end equal to one', async () => {
    await eventually(workerIdle, (idle) => idle, 30_000);
    // Long enough that a busy machine's event-loop stalls do not outlast it between heartbeats
    // (with 300 ms a clean-clone run once lost the lease to a stall).
    const leaseMs = 1_500;
    const opts = { now: new Date(), retentionMs: 3_600_000, leaseMs };
    const event = (name: string) => ({
      functionName: 'test.overlap',
      eventId: `${name}-${Date.now()}`,
      subject: 'sports/nfl',
    });
    // A rebuild longer than the lease, whatever this machine's speed: its snapshot writes are
    // held for 6 s (four leases) before they go.
    const real = db();
    const slow = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'bulkWriter')
          return () => {
            const writer = target.bulkWriter();
            const close = writer.close.bind(writer);
            writer.close = async () => {
              await new Promise((resolve) => setTimeout(resolve, 4 * leaseMs));
              return close();
            };
            return writer;
          };
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    let firstDone = false;
    const first = updateRatings(slow, 'nfl', engineRatingParams('nfl'), '2016-01-01', event('first'), opts);
    void first.then(
      () => (firstDone = true),
      () => (firstDone = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 2 * leaseMs));
    expect(firstDone).toBe(false); // (the premise: the first is still rebuilding)
    // A second rebuild arrives once the first's lease would have run out without renewal.
    const second = await updateRatings(
      db(),
      'nfl',
      engineRatingParams('nfl'),
      '2016-06-01',
      event('second'),
      opts,
    );
    expect(second).toBe('handed-over'); // the holder takes its mark on its next round
    await expect(first).resolves.toBe('rebuilt');
    expect(await workerIdle()).toBe(true);
    const finals = await readFinals(db(), 'nfl');
    const lastDate = finals[finals.length - 1]?.date as string;
    const stored = (await db().doc(`rating_snapshots/nfl_${lastDate}`).get()).get('state');
    expect(stored).toEqual(JSON.parse(JSON.stringify(rebuildInMemory(engineRatingParams('nfl'), finals))));
  }, 120_000);
});

describe('grading', () => {
  it('grades a prediction stored while the regrade starts (the game’s predictions are read in its transaction)', async () => {
    const gameId = `nfl_2099-01-0${Date.now() % 9}_T${Date.now()}_X`;
    const prediction = (modelVersion: string, p: number) => ({
      gameId,
      modelId: 'regrade-test',
      version: modelVersion,
      model: { id: 'regrade-test', version: modelVersion },
      homeWinProbability: p,
      eloHomeWinProbability: p,
      ratingsVersion: 1,
    });
    await db().doc(`predictions/${gameId}__regrade-test@a`).set(prediction('a', 0.7));
    // Another instance stores a prediction of the game just as the grading transaction starts.
    const real = db();
    const racing = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'runTransaction')
          return async (...args: Parameters<Firestore['runTransaction']>) => {
            await real.doc(`predictions/${gameId}__regrade-test@b`).set(prediction('b', 0.6));
            return real.runTransaction(...args);
          };
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const event = {
      functionName: 'test.regrade',
      eventId: `regrade-${Date.now()}`,
      subject: `games/${gameId}`,
    };
    const { graded } = await regrade(racing, gameId, 2099, 1, null, event, {
      now: new Date(),
      retentionMs: 3_600_000,
    });
    expect(graded).toBe(2);
    for (const v of ['a', 'b']) {
      expect((await real.doc(`predictions/${gameId}__regrade-test@${v}`).get()).get('graded.outcome')).toBe(
        1,
      );
      expect((await real.doc(`agg_model/regrade-test@${v}_2099`).get()).get('n')).toBe(1);
    }
  });
});
