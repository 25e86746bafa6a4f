import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { logit } from '../../../src/domain/explain';
import { emptyRatingState } from '../../../src/domain/ratings/state';
import { initBackend } from '../../../src/ml/backend';
import { ModelCache } from '../../../src/ml/model-cache';
import {
  Predictor,
  servedAsKeyed,
  type Pointers,
  type PredictionInput,
} from '../../../src/services/predictor';

const ARTIFACT = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../../../models/nfl/model.json'), 'utf8'),
) as { metadata: { version: string } };
/** The committed artifact under another version name (same weights); `broken` does not load. */
const source = (_modelId: string, version: string) =>
  version === 'broken'
    ? Promise.reject(new Error('chunk 0 does not parse'))
    : Promise.resolve({ ...ARTIFACT, metadata: { ...ARTIFACT.metadata, version } });

const pointers = (activeVersion: string, previousVersion: string | null = null): Pointers => ({
  sport: 'nfl',
  modelId: 'nfl-wp',
  version: activeVersion,
  activeVersion,
  previousVersion,
  ratingsVersion: 7,
});

const game = (gameId?: string, team1 = 'NE', team2 = 'KC'): PredictionInput => ({
  ...(gameId ? { gameId } : {}),
  info: { date: '2017-09-07', season: 2017, team1, team2, neutral: false, playoff: false },
  kickoff: '2017-09-08T00:30:00.000Z',
  state: emptyRatingState(),
});

function setup(opts: { maxLoaded?: number; batchWindowMs?: number } = {}) {
  const models = new ModelCache(source, { maxLoaded: opts.maxLoaded });
  const predictor = new Predictor({
    models,
    batchWindowMs: opts.batchWindowMs ?? 0,
    batchMaxSize: 64,
    now: () => new Date('2017-09-01T12:00:00Z'),
  });
  return { models, predictor };
}

beforeAll(() => initBackend(), 60_000); // WebAssembly: seconds when the CPU is shared

describe('the predictor', () => {
  it('answers a body per input, in order, from the model serving the pointers', async () => {
    const { predictor } = setup();
    const [first, matchup] = await predictor.compute(pointers('v1'), [game('nfl_2017-09-07_NE_KC'), game()]);
    expect(first).toMatchObject({
      gameId: 'nfl_2017-09-07_NE_KC',
      sport: 'nfl',
      homeTeam: 'NE',
      awayTeam: 'KC',
      kickoff: '2017-09-08T00:30:00.000Z',
      model: { id: 'nfl-wp', version: 'v1' },
      ratingsVersion: 7,
      computedAt: '2017-09-01T12:00:00.000Z',
    });
    expect(matchup).not.toHaveProperty('gameId');
    const body = first as NonNullable<typeof first>;
    expect(body.interval[0]).toBeLessThanOrEqual(body.homeWinProbability);
    expect(body.interval[1]).toBeGreaterThanOrEqual(body.homeWinProbability);
    expect(body.eloHomeWinProbability).toBeGreaterThan(0.5); // equal ratings, home field
    expect(body.explanation[0]?.feature).toBe('baseline');
    const sum = body.explanation.reduce((s, c) => s + c.contribution, 0);
    expect(sum).toBeCloseTo(logit(body.homeWinProbability), 3);
  });

  it('runs a batch request as one model call, and concurrent single requests as one too', async () => {
    const { predictor } = setup();
    await predictor.compute(
      pointers('v1'),
      [game('a'), game('b', 'BUF', 'MIA'), game('c', 'NYJ', 'DAL')],
      true,
    );
    expect(predictor.stats()).toMatchObject({ calls: 1, items: 3 });
    await Promise.all([
      predictor.compute(pointers('v1'), [game('d')]),
      predictor.compute(pointers('v1'), [game('e')]),
    ]);
    expect(predictor.stats()).toMatchObject({ calls: 2, items: 5 });
  });

  it('keeps the model it uses through the batch, even when it is evicted meanwhile', async () => {
    const { models, predictor } = setup({ maxLoaded: 1, batchWindowMs: 20 });
    await models.forServing('nfl-wp', 'v1');
    const batch = predictor.compute(pointers('v1'), [game('a')]);
    await new Promise((r) => setTimeout(r, 5)); // the batch holds v1, waiting in the batcher's window
    await models.forServing('nfl-wp', 'v2'); // v1 is evicted
    await new Promise((r) => setImmediate(r));
    expect(models.stats().loaded).toEqual(['nfl-wp@v2']);
    const [body] = await batch; // would throw on disposed tensors
    expect(body?.model.version).toBe('v1');
  });
});

describe('a version that fails to load', () => {
  it('is served by its fallback, whose answer is not taken as the active version’s', async () => {
    const { predictor } = setup();
    const active = pointers('broken', 'v1');
    expect(predictor.serving(active)).toBe(active); // not tried yet
    const [body] = await predictor.compute(active, [game('a')]);
    expect(body?.model.version).toBe('v1');
    expect(servedAsKeyed(body as NonNullable<typeof body>, active)).toBe(false);
  });

  it('is remembered: the pointers then name the fallback, so its answers are keyed under it', async () => {
    const { predictor } = setup();
    await predictor.compute(pointers('broken', 'v1'), [game('a')]);
    const served = predictor.serving(pointers('broken', 'v1'));
    expect(served).toEqual({ ...pointers('broken', 'v1'), version: 'v1' });
    const [body] = await predictor.compute(served, [game('a')]);
    expect(servedAsKeyed(body as NonNullable<typeof body>, served)).toBe(true);
  });

  it('without any fallback fails the computation with the load error', async () => {
    const { predictor } = setup();
    await expect(predictor.compute(pointers('broken'), [game('a')])).rejects.toThrow(
      'chunk 0 does not parse',
    );
  });
});
