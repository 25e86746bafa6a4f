import type { Firestore } from 'firebase-admin/firestore';
import { activateVersion, putVersion, readArtifactJson } from '../data/registry';
import { engineMismatches } from '../domain/model-checks';
import { FEATURE_COUNT } from '../domain/features';
import { artifactProblems, type ModelArtifact } from '../ml/artifact';
import { initBackend } from '../ml/backend';
import { EnsembleModel } from '../ml/model';

export class ModelRejected extends Error {
  constructor(
    message: string,
    readonly fields: { field: string; message: string }[],
  ) {
    super(message);
  }
}

/**
 * Validates an uploaded artifact by loading it as the serving path will (shapes, weights), checking
 * it against the engine (features, rating parameters), and running a probe batch (finite
 * probabilities in (0, 1)); then stores it. A version that fails is never stored, so it can never
 * become active.
 */
export async function uploadVersion(
  db: Firestore,
  modelId: string,
  artifact: unknown,
  metrics?: Record<string, unknown>,
): Promise<{ modelId: string; version: string; stored: 'created' | 'exists' | 'conflict' }> {
  const problems = artifactProblems(artifact);
  if (problems.length > 0) throw new ModelRejected('Not a valid model artifact.', problems);
  const meta = (artifact as ModelArtifact).metadata;
  const mismatches = engineMismatches(modelId, meta);
  if (mismatches.length > 0) throw new ModelRejected('The model does not fit the rating engine.', mismatches);
  await initBackend();
  let model: EnsembleModel;
  try {
    model = await EnsembleModel.load(artifact);
  } catch (err) {
    throw new ModelRejected('The artifact does not load.', [
      { field: 'artifact', message: err instanceof Error ? err.message : String(err) },
    ]);
  }
  try {
    const probe = [new Array<number>(FEATURE_COUNT).fill(0), new Array<number>(FEATURE_COUNT).fill(1)];
    const out = model.predictBatch(probe);
    const bad = out.some((p) => !(p.probability > 0 && p.probability < 1) || !(p.low <= p.high));
    if (bad || model.featureCount !== FEATURE_COUNT) {
      throw new ModelRejected('The model gives invalid predictions.', [
        { field: 'artifact.weightData', message: 'probe predictions are not finite probabilities' },
      ]);
    }
  } finally {
    model.dispose();
  }
  const stored = await putVersion(db, {
    modelId,
    sport: meta.sport,
    version: meta.version,
    artifactJson: JSON.stringify(artifact),
    metadata: meta,
    ...(metrics ? { metrics } : {}),
  });
  return { modelId, version: meta.version, stored };
}

/** Activates a stored version and makes the model the one its sport serves (one transaction). */
export async function activate(
  db: Firestore,
  modelId: string,
  version: string,
): Promise<
  | { modelId: string; activeVersion: string; previousVersion: string | null; sport: string }
  | 'unknown-model'
  | 'unknown-version'
> {
  const result = await activateVersion(db, modelId, version);
  return typeof result === 'string' ? result : { modelId, ...result };
}

/** The artifact source of the model cache: the registry, parsed. */
export async function loadArtifact(db: Firestore, modelId: string, version: string): Promise<unknown> {
  const json = await readArtifactJson(db, modelId, version);
  if (json === null) throw new Error(`no version ${version} of model ${modelId}`);
  return JSON.parse(json) as unknown;
}
