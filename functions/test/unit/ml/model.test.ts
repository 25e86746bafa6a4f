import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FEATURE_NAMES } from '../../../src/domain/features';
import { initBackend } from '../../../src/ml/backend';
import { EnsembleModel } from '../../../src/ml/model';
import { toArtifact, trainEnsemble } from '../../../src/ml/train';
import { mulberry32 } from '../../../src/domain/random';

const ARTIFACT = path.resolve(__dirname, '../../../../models/nfl/model.json');

describe('EnsembleModel (committed artifact)', () => {
  let model: EnsembleModel;
  beforeAll(async () => {
    await initBackend();
    model = await EnsembleModel.load(JSON.parse(readFileSync(ARTIFACT, 'utf8')));
    model.warmUp();
  });
  afterAll(() => model.dispose());

  const x = [1.2, 0.8, 1, 0, 0.3, 0.14, 0.05];

  it('matches the feature list and predicts a sensible favourite', () => {
    expect(model.metadata.featureNames).toEqual([...FEATURE_NAMES]);
    const p = model.predictOne(x);
    expect(p.probability).toBeGreaterThan(0.6);
    expect(p.low).toBeLessThanOrEqual(p.probability + 1e-6);
    expect(p.high).toBeGreaterThanOrEqual(p.probability - 1e-6);
  });

  it('explanation contributions add up to the served log-odds', () => {
    const p = model.predictOne(x);
    const e = model.explain(x);
    const sum = e.baseLogOdds + e.contributions.reduce((s, c) => s + c.logOdds, 0);
    expect(sum).toBeCloseTo(e.logOdds, 12);
    expect(e.logOdds).toBeCloseTo(p.logOdds, 5); // float32 tensors vs float64 explanation
    expect(e.probability).toBeCloseTo(p.probability, 6);
  });

  it('batch and single calls agree, and nothing leaks', () => {
    const rng = mulberry32(1);
    const rows = Array.from({ length: 50 }, () => x.map(() => rng() * 2 - 1));
    const batch = model.predictBatch(rows);
    rows.forEach((r, i) => expect(model.predictOne(r).probability).toBeCloseTo(batch[i]!.probability, 6));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) model.predictOne(x);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects what is not an artifact', async () => {
    await expect(EnsembleModel.load({ format: 'nope' })).rejects.toThrow();
  });
});

describe('training (small synthetic data)', () => {
  it('is deterministic and recovers the sign of a real effect', async () => {
    await initBackend();
    const rng = mulberry32(3);
    const x = Array.from({ length: 400 }, () => [rng() * 2 - 1, rng() * 2 - 1]);
    const y = x.map(([a]) => (rng() < 1 / (1 + Math.exp(-2 * a!)) ? 1 : 0));
    const opts = { members: 4, seed: 9, steps: 200, learningRate: 0.05, l2: 1e-3, fitBias: true };
    const a = trainEnsemble(x, y, opts);
    const b = trainEnsemble(x, y, opts);
    expect(a).toEqual(b);
    expect(a.kernel[0]!.every((w) => w > 0.8)).toBe(true);
    const before = tf.memory().numTensors;
    const artifact = await toArtifact(
      a,
      {
        modelId: 'test',
        sport: 'nfl',
        featureNames: ['a', 'b'],
        ratingParams: {} as never,
        members: 4,
        intervalCoverage: 0.8,
        trainSeasons: { from: 1, to: 2 },
        trainExamples: 400,
      },
      () => 'v1',
    );
    const m = await EnsembleModel.load(JSON.parse(JSON.stringify(artifact)));
    expect(m.members).toBe(4);
    expect(m.predictOne([1, 0]).probability).toBeGreaterThan(0.7);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
