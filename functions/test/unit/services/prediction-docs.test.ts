import type { Firestore } from 'firebase-admin/firestore';
import { predictionDocId, storedPrediction, storePredictions } from '../../../src/services/prediction-docs';
import type { PredictionBody } from '../../../src/services/predictor';

const body = (gameId: string | undefined, version = 'v1', ratingsVersion = 7): PredictionBody => ({
  ...(gameId ? { gameId } : {}),
  sport: 'nfl',
  homeTeam: 'NE',
  awayTeam: 'KC',
  kickoff: '2017-09-08T00:30:00.000Z',
  model: { id: 'nfl-wp', version },
  homeWinProbability: 0.6,
  interval: [0.55, 0.65],
  eloHomeWinProbability: 0.58,
  explanation: [{ feature: 'baseline', contribution: 0.1 }],
  ratingsVersion,
  computedAt: '2017-09-01T12:00:00.000Z',
});

/** A Firestore that records batched writes (the only calls storePredictions makes). */
function fakeDb() {
  const commits: { path: string; data: unknown; options: unknown }[][] = [];
  const db = {
    collection: (name: string) => ({ doc: (id: string) => ({ path: `${name}/${id}` }) }),
    batch: () => {
      const writes: { path: string; data: unknown; options: unknown }[] = [];
      return {
        set: (ref: { path: string }, data: unknown, options: unknown) =>
          writes.push({ path: ref.path, data, options }),
        commit: () => {
          commits.push(writes);
          return Promise.resolve();
        },
      };
    },
  };
  return { db: db as unknown as Firestore, commits };
}

describe('stored predictions (L3)', () => {
  it('are one document per game and served model version', () => {
    expect(predictionDocId('nfl_2017-09-07_NE_KC', 'nfl-wp', 'v1')).toBe('nfl_2017-09-07_NE_KC__nfl-wp@v1');
  });

  it('answer only for the version and ratingsVersion asked for, as the served body', () => {
    // A graded game's document also holds the grade the games trigger recorded: not part of the answer.
    const graded = { fields: { n: 1, brierSum: 0.09 }, outcome: 1 };
    const doc = { ...body('g'), modelId: 'nfl-wp', version: 'v1', graded };
    expect(storedPrediction(doc, { version: 'v1', ratingsVersion: 7 })).toEqual(body('g'));
    expect(storedPrediction(doc, { version: 'v2', ratingsVersion: 7 })).toBeNull();
    expect(storedPrediction(doc, { version: 'v1', ratingsVersion: 8 })).toBeNull();
    expect(storedPrediction(undefined, { version: 'v1', ratingsVersion: 7 })).toBeNull();
  });

  it('are written merged (keeping `graded`), under the version that made them, 400 a batch; matchups are not', async () => {
    const { db, commits } = fakeDb();
    const bodies = Array.from({ length: 401 }, (_, i) => body(`g${i}`, 'v0'));
    await storePredictions(db, [...bodies, body(undefined)]);
    expect(commits.map((c) => c.length)).toEqual([400, 1]);
    expect(commits[0]?.[0]).toEqual({
      path: 'predictions/g0__nfl-wp@v0',
      data: { ...body('g0', 'v0'), modelId: 'nfl-wp', version: 'v0' },
      options: { merge: true },
    });
  });
});
