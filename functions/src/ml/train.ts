/**
 * Training of the bootstrap ensemble of logistic regressions (see model.ts for the serving side).
 *
 * All members train at once: kernel [features x members], bias [members]. Each member sees its own
 * bootstrap resample, expressed as per-example weights (counts) rather than copied rows, and the
 * loss is the sum over members of that member's weighted mean cross-entropy plus an L2 penalty on
 * its weights (not the bias). Members do not interact, so this is exactly M separate fits in one
 * batched graph. Logistic regression is convex: zero initialisation plus full-batch Adam for a fixed
 * number of steps converges, and there is no random initialisation to seed. Ties train as y = 0.5.
 */
import * as tf from '@tensorflow/tfjs';
import { bootstrapCounts } from '../domain/random';
import { ARTIFACT_FORMAT, encodeWeights, type ModelArtifact, type ModelMetadata } from './artifact';

export interface TrainOptions {
  members: number;
  seed: number;
  steps: number;
  learningRate: number;
  l2: number;
  /**
   * Learn an intercept? Off for the NFL: team1 is arbitrary on a neutral site, so an even neutral game
   * must be 50/50, and with almost every game at home a free intercept would absorb (and misplace)
   * the home advantage that the `home` feature should carry. The bias tensor stays, at 0.
   */
  fitBias: boolean;
}

export const DEFAULT_TRAIN_OPTIONS: Readonly<TrainOptions> = {
  members: 16,
  seed: 20240917,
  steps: 1500,
  learningRate: 0.05,
  l2: 1e-3,
  fitBias: false,
};

export interface TrainResult {
  kernel: number[][];
  bias: number[];
  finalLoss: number;
}

export function trainEnsemble(
  x: readonly (readonly number[])[],
  y: readonly number[],
  opts: TrainOptions,
): TrainResult {
  const n = x.length;
  const f = x[0]?.length ?? 0;
  if (n === 0 || f === 0 || y.length !== n) throw new Error('trainEnsemble: empty or mismatched data');
  const m = opts.members;
  const counts = bootstrapCounts(n, m, opts.seed);
  const weightsFlat = new Float32Array(n * m);
  for (let j = 0; j < m; j++) {
    const c = counts[j] as Float32Array;
    for (let i = 0; i < n; i++) weightsFlat[i * m + j] = c[i] ?? 0;
  }
  const X = tf.tensor2d(x.map((row) => [...row]));
  const Y = tf.tensor2d([...y], [n, 1]);
  const Wb = tf.tensor2d(weightsFlat, [n, m]);
  const perMember = tf.sum(Wb, 0);
  const kernel = tf.variable<tf.Rank.R2>(tf.zeros([f, m]), true, 'kernel');
  const bias = tf.variable<tf.Rank.R1>(tf.zeros([m]), true, 'bias');
  const optimizer = tf.train.adam(opts.learningRate);
  let finalLoss = Number.NaN;
  try {
    for (let step = 0; step < opts.steps; step++) {
      const last = step === opts.steps - 1;
      const loss = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const z = tf.add(tf.matMul(X, kernel), bias);
            // Cross-entropy from logits, stable: softplus(z) - y * z.
            const ce = tf.sub(tf.softplus(z), tf.mul(Y, z));
            const member = tf.div(tf.sum(tf.mul(ce, Wb), 0), perMember);
            return tf.add<tf.Scalar>(tf.sum(member), tf.mul(opts.l2, tf.sum(tf.square(kernel))));
          }),
        last,
        opts.fitBias ? [kernel, bias] : [kernel],
      );
      if (loss) {
        finalLoss = (loss.dataSync()[0] ?? Number.NaN) / m;
        loss.dispose();
      }
    }
    return { kernel: kernel.arraySync(), bias: bias.arraySync(), finalLoss };
  } finally {
    optimizer.dispose();
    tf.dispose([X, Y, Wb, perMember, kernel, bias]);
  }
}

/** Packs trained weights into a TF.js layers model and serialises it in memory (no filesystem). */
export async function toArtifact(
  trained: TrainResult,
  metadata: Omit<ModelMetadata, 'version'>,
  version: (weightData: string) => string,
): Promise<ModelArtifact> {
  const f = trained.kernel.length;
  const m = trained.bias.length;
  const model = tf.sequential({
    name: metadata.modelId.replace(/[^A-Za-z0-9_]/g, '_'),
    layers: [tf.layers.dense({ units: m, inputShape: [f], name: 'members', useBias: true })],
  });
  let saved: tf.io.ModelArtifacts | null = null;
  try {
    tf.tidy(() => model.setWeights([tf.tensor2d(trained.kernel, [f, m]), tf.tensor1d(trained.bias)]));
    await model.save(
      tf.io.withSaveHandler((artifacts) => {
        saved = artifacts;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } });
      }),
    );
  } finally {
    model.dispose();
  }
  const artifacts = saved as tf.io.ModelArtifacts | null;
  if (!artifacts?.modelTopology || !artifacts.weightSpecs || !artifacts.weightData) {
    throw new Error('model save produced no artifacts');
  }
  const weightData = encodeWeights(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  return {
    format: ARTIFACT_FORMAT,
    modelTopology: artifacts.modelTopology,
    weightSpecs: artifacts.weightSpecs,
    weightData,
    metadata: { ...metadata, version: version(weightData) },
  };
}
