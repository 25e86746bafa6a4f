/**
 * The model artifact: a TensorFlow.js layers model (topology + weight specs, as produced by
 * `model.save(tf.io.withSaveHandler(...))`) with its weights base64-encoded, plus the metadata the
 * serving path needs to rebuild the same features (feature names, rating parameters). One small JSON
 * object, so it can live in a repo file or in Firestore and be loaded with `tf.io.fromMemory`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { RatingParams } from '../domain/ratings/state';

export const ARTIFACT_FORMAT = 'tfjs-layers-inline/1';

export interface ModelMetadata {
  modelId: string;
  /** Content-derived version (hash of topology + weights), so the same training gives the same id. */
  version: string;
  sport: string;
  featureNames: string[];
  ratingParams: RatingParams;
  members: number;
  /** Central coverage of the member-spread interval, e.g. 0.8 for the 10th-90th percentiles. */
  intervalCoverage: number;
  trainSeasons: { from: number; to: number };
  trainExamples: number;
}

export interface ModelArtifact {
  format: typeof ARTIFACT_FORMAT;
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** Base64 of the concatenated little-endian float32 weights. */
  weightData: string;
  metadata: ModelMetadata;
}

export function isModelArtifact(value: unknown): value is ModelArtifact {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ModelArtifact>;
  return (
    v.format === ARTIFACT_FORMAT &&
    typeof v.modelTopology === 'object' &&
    Array.isArray(v.weightSpecs) &&
    typeof v.weightData === 'string' &&
    typeof v.metadata === 'object' &&
    v.metadata !== null &&
    Array.isArray(v.metadata.featureNames)
  );
}

export function encodeWeights(data: ArrayBuffer): string {
  return Buffer.from(data).toString('base64');
}

export function decodeWeights(base64: string): ArrayBuffer {
  const buf = Buffer.from(base64, 'base64');
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}
