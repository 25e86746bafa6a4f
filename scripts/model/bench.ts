/**
 * npm run bench:model — warm-model inference cost on the selected backend:
 * per-game time in batches of 500, single-game call latency, and tensor count before/after 10,000
 * predictions (must not grow: no leak).
 */
import * as tf from '@tensorflow/tfjs';
import { FEATURE_COUNT } from '../../functions/src/domain/features';
import { mulberry32 } from '../../functions/src/domain/random';
import { initBackend } from '../../functions/src/ml/backend';
import { EnsembleModel } from '../../functions/src/ml/model';
import { SERVED_ARTIFACT, readArtifact } from './core';

function timeIt(iterations: number, fn: () => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iterations; // ns per iteration
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const backend = await initBackend();
  const model = await EnsembleModel.load(readArtifact(SERVED_ARTIFACT));
  model.warmUp();
  const rng = mulberry32(7);
  const row = (): number[] => Array.from({ length: FEATURE_COUNT }, () => rng() * 4 - 2);
  const batch = Array.from({ length: 500 }, row);
  const flat = new Float32Array(batch.flat());
  const single = row();

  for (let i = 0; i < 200; i++) model.predictBatch(batch); // warm
  const batchNs = Math.min(...[0, 1, 2].map(() => timeIt(200, () => model.predictBatch(batch))));
  const flatNs = Math.min(...[0, 1, 2].map(() => timeIt(200, () => model.predictFlat(flat, 500))));
  const singles: number[] = [];
  for (let i = 0; i < 5000; i++) singles.push(timeIt(1, () => model.predictOne(single)));
  singles.sort((a, b) => a - b);

  const before = tf.memory().numTensors;
  for (let i = 0; i < 10_000; i++) model.predictOne(single);
  const after = tf.memory().numTensors;

  console.log(
    `backend: ${backend}, model ${model.metadata.modelId}@${model.metadata.version}, ${model.members} members`,
  );
  console.log(
    `batch of 500 (predictBatch): ${(batchNs / 1000).toFixed(1)} µs/batch = ${(batchNs / 500 / 1000).toFixed(3)} µs/game`,
  );
  console.log(
    `batch of 500 (predictFlat):  ${(flatNs / 1000).toFixed(1)} µs/batch = ${(flatNs / 500 / 1000).toFixed(3)} µs/game`,
  );
  console.log(
    `single game: p50 ${(percentile(singles, 0.5) / 1e6).toFixed(4)} ms, p99 ${(percentile(singles, 0.99) / 1e6).toFixed(4)} ms`,
  );
  console.log(
    `tensors before/after 10,000 predictions: ${before} / ${after} ${before === after ? '(no leak)' : '(LEAK)'}`,
  );
  model.dispose();
  console.log(`tensors after dispose: ${tf.memory().numTensors}`);
  if (before !== after) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
