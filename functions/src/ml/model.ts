/**
 * The warm ensemble model the functions serve and the scripts evaluate.
 *
 * The artifact is a single Dense layer with one unit per ensemble member: member m's log-odds for a
 * game is x . W[:, m] + b[m] (a bootstrap-trained logistic regression). One matMul therefore runs
 * every member for a whole batch. The ensemble probability is sigmoid(mean member log-odds), which
 * equals sigmoid(x . mean(W) + mean(b)), so the linear explanation (domain/explain.ts) over the mean
 * weights adds up exactly to the served log-odds. The interval is the spread of the members'
 * probabilities (model-fit uncertainty from bootstrap resampling, not outcome uncertainty).
 *
 * Tensors: the kernel and bias are the only long-lived tensors; every call runs in tf.tidy and reads
 * its result back with dataSync, so the tensor count is unchanged after any number of predictions.
 */
import * as tf from '@tensorflow/tfjs';
import { explainLinear, sigmoid, type Explanation, type LinearWeights } from '../domain/explain';
import { decodeWeights, isModelArtifact, type ModelArtifact, type ModelMetadata } from './artifact';

export interface Prediction {
  /** Probability that team1 wins. */
  probability: number;
  logOdds: number;
  /** Member-spread interval (metadata.intervalCoverage) around the probability. */
  low: number;
  high: number;
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (pos - lo);
}

export class EnsembleModel {
  private disposed = false;

  private constructor(
    readonly metadata: ModelMetadata,
    private readonly kernel: tf.Tensor2D,
    private readonly bias: tf.Tensor1D,
    /** Mean member weights, in float64, for explanations. */
    readonly linear: LinearWeights,
  ) {}

  /** Builds the model from an in-memory artifact (repo file or Firestore document). */
  static async load(artifact: unknown): Promise<EnsembleModel> {
    if (!isModelArtifact(artifact)) throw new Error('not a model artifact (format or fields missing)');
    const layers = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: artifact.modelTopology,
        weightSpecs: artifact.weightSpecs,
        weightData: decodeWeights(artifact.weightData),
      }),
    );
    try {
      const [kernel, bias] = layers.getWeights();
      const features = artifact.metadata.featureNames.length;
      if (!kernel || !bias || kernel.rank !== 2 || kernel.shape[0] !== features || bias.rank !== 1) {
        throw new Error(`artifact weights do not match ${features} features`);
      }
      const members = kernel.shape[1] ?? 0;
      const k = kernel.arraySync() as number[][];
      const b = bias.arraySync() as number[];
      const mean = (row: readonly number[]): number => row.reduce((s, v) => s + v, 0) / members;
      const linear: LinearWeights = {
        names: artifact.metadata.featureNames,
        weights: k.map(mean),
        bias: mean(b),
      };
      return new EnsembleModel(
        artifact.metadata,
        tf.keep(kernel.clone() as tf.Tensor2D),
        tf.keep(bias.clone() as tf.Tensor1D),
        linear,
      );
    } finally {
      layers.dispose();
    }
  }

  get featureCount(): number {
    return this.linear.weights.length;
  }

  get members(): number {
    return this.bias.shape[0];
  }

  /** Member log-odds for a batch, row-major [rows x members]. */
  private memberLogOdds(flat: Float32Array, rows: number): Float32Array {
    if (this.disposed) throw new Error('model is disposed');
    const out = tf.tidy(() => {
      const x = tf.tensor2d(flat, [rows, this.featureCount]);
      return tf.add(tf.matMul(x, this.kernel), this.bias);
    });
    try {
      return out.dataSync() as Float32Array;
    } finally {
      out.dispose();
    }
  }

  predictBatch(rows: readonly (readonly number[])[]): Prediction[] {
    const f = this.featureCount;
    const flat = new Float32Array(rows.length * f);
    rows.forEach((row, r) => {
      if (row.length !== f) throw new Error(`expected ${f} features, got ${row.length}`);
      flat.set(row, r * f);
    });
    return this.predictFlat(flat, rows.length);
  }

  /** Batch prediction from a row-major Float32Array of features (the allocation-free path). */
  predictFlat(flat: Float32Array, rows: number): Prediction[] {
    if (rows === 0) return [];
    const m = this.members;
    const logits = this.memberLogOdds(flat, rows);
    const q = (1 - this.metadata.intervalCoverage) / 2;
    const probs = new Float64Array(m);
    const out: Prediction[] = new Array<Prediction>(rows);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let j = 0; j < m; j++) {
        const z = logits[r * m + j] ?? 0;
        sum += z;
        probs[j] = sigmoid(z);
      }
      probs.sort();
      const logOdds = sum / m;
      out[r] = {
        probability: sigmoid(logOdds),
        logOdds,
        low: quantile(probs, q),
        high: quantile(probs, 1 - q),
      };
    }
    return out;
  }

  predictOne(values: readonly number[]): Prediction {
    const [p] = this.predictBatch([values]);
    if (!p) throw new Error('no prediction');
    return p;
  }

  /** Per-feature log-odds contributions; baseLogOdds + their sum = the prediction's log-odds. */
  explain(values: readonly number[]): Explanation {
    return explainLinear(this.linear, values);
  }

  /** Runs one dummy batch so the first real request does not pay for kernel setup. */
  warmUp(): void {
    this.predictBatch([new Array<number>(this.featureCount).fill(0)]);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.kernel.dispose();
    this.bias.dispose();
  }
}

export type { ModelArtifact };
