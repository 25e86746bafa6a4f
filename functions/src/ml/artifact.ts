/**
 * The model artifact: a TensorFlow.js layers model (topology + weight specs, as produced by
 * `model.save(tf.io.withSaveHandler(...))`) with its weights base64-encoded, plus the metadata the
 * serving path needs to rebuild the same features (feature names, rating parameters). One small JSON
 * object, so it can live in a repo file or in Firestore and be loaded with `tf.io.fromMemory`.
 */
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { RatingParams } from '../domain/ratings/state';

export const ARTIFACT_FORMAT = 'tfjs-layers-inline/1';

/**
 * What a model or version id may be: it names a Firestore document and a cache key, and is what an
 * admin activates, so a version stored with `/`, `@` or `:` could never be activated.
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

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

const metadataSchema = z.object({
  modelId: z.string().regex(ID_PATTERN, 'letters, digits, _ and -, at most 64'),
  version: z.string().regex(ID_PATTERN, 'letters, digits, _ and -, at most 64'),
  sport: z.string().min(1),
  featureNames: z.array(z.string()).min(1),
  ratingParams: z.record(z.string(), z.unknown()),
  members: z.number().int().min(1).max(64),
  intervalCoverage: z.number().gt(0).lt(1),
  trainSeasons: z.object({ from: z.number().int(), to: z.number().int() }),
  trainExamples: z.number().int().min(0),
});

/** The artifact's shape, metadata included (the weights themselves are checked by loading them). */
export const artifactSchema = z.object({
  format: z.literal(ARTIFACT_FORMAT),
  modelTopology: z.record(z.string(), z.unknown()),
  weightSpecs: z.array(z.record(z.string(), z.unknown())),
  weightData: z.string(),
  metadata: metadataSchema,
});

/** Why `value` is not an artifact, as `artifact.<path>` fields; empty when it is one. */
export function artifactProblems(value: unknown): { field: string; message: string }[] {
  const parsed = artifactSchema.safeParse(value);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    field: ['artifact', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

export function isModelArtifact(value: unknown): value is ModelArtifact {
  return artifactSchema.safeParse(value).success;
}

export function encodeWeights(data: ArrayBuffer): string {
  return Buffer.from(data).toString('base64');
}

export function decodeWeights(base64: string): ArrayBuffer {
  const buf = Buffer.from(base64, 'base64');
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}
