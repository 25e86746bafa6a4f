/**
 * Warm models per instance. A version is loaded on first need (never at module scope), once even
 * under concurrent requests (single-flight), warmed with a dummy batch, and kept in an LRU over
 * loaded versions (evicted models are disposed, freeing their tensors). If the active version fails
 * to load, the last good model of the same id keeps serving and the failure is reported in health.
 */
import * as tf from '@tensorflow/tfjs';
import { SingleFlight } from '../cache/single-flight';
import { logger } from '../observability/logger';
import { initBackend } from './backend';
import { EnsembleModel } from './model';

export type ArtifactSource = (modelId: string, version: string) => Promise<unknown>;

export interface ModelLoadFailure {
  modelId: string;
  version: string;
  error: string;
  at: string;
}

export interface ModelCacheStats {
  loaded: string[];
  /** Live TensorFlow.js tensors in this process (constant while serving: no leak). */
  numTensors: number;
  lastGood: Record<string, string>;
  failures: ModelLoadFailure[];
}

export class ModelCache {
  private readonly loaded = new Map<string, EnsembleModel>();
  private readonly lastGood = new Map<string, string>();
  private readonly failures = new Map<string, ModelLoadFailure>();
  private readonly flights = new SingleFlight<EnsembleModel>();

  constructor(
    private readonly source: ArtifactSource,
    private readonly maxLoaded = 3,
  ) {}

  /**
   * The model to serve for `modelId` when `version` is active: that version, or (if it cannot be
   * loaded) the previously active version, or the last version that loaded in this instance, so a
   * broken activation never stops serving. The caller sees which version it got.
   */
  async forServing(
    modelId: string,
    version: string,
    previousVersion?: string | null,
  ): Promise<EnsembleModel> {
    try {
      const model = await this.load(modelId, version);
      this.lastGood.set(modelId, version);
      this.failures.delete(modelId);
      return model;
    } catch (err) {
      const failure = {
        modelId,
        version,
        error: err instanceof Error ? err.message : String(err),
        at: new Date().toISOString(),
      };
      this.failures.set(modelId, failure);
      const candidates = [previousVersion, this.lastGood.get(modelId)].filter(
        (v, i, all): v is string => typeof v === 'string' && v !== version && all.indexOf(v) === i,
      );
      for (const fallback of candidates) {
        try {
          const model = await this.load(modelId, fallback);
          logger.error('model load failed; serving a previous version', {
            ...failure,
            serving: fallback,
            err,
          });
          return model;
        } catch {
          // try the next candidate
        }
      }
      throw err;
    }
  }

  /** Loads (once) and returns a version; rejects if it cannot be loaded. */
  load(modelId: string, version: string): Promise<EnsembleModel> {
    const k = key(modelId, version);
    const hit = this.loaded.get(k);
    if (hit) {
      this.loaded.delete(k);
      this.loaded.set(k, hit);
      return Promise.resolve(hit);
    }
    return this.flights.run(k, async () => {
      await initBackend();
      const artifact = await this.source(modelId, version);
      const model = await EnsembleModel.load(artifact);
      if (model.metadata.version !== version) {
        model.dispose();
        throw new Error(`artifact declares version ${model.metadata.version}, expected ${version}`);
      }
      model.warmUp();
      this.loaded.set(k, model);
      this.evict();
      logger.info('model loaded', { modelId, version, members: model.members });
      return model;
    });
  }

  stats(): ModelCacheStats {
    return {
      loaded: [...this.loaded.keys()],
      numTensors: tf.memory().numTensors,
      lastGood: Object.fromEntries(this.lastGood),
      failures: [...this.failures.values()],
    };
  }

  /** Disposes least recently used models beyond the limit, never a model's last good version. */
  private evict(): void {
    for (const [k, model] of this.loaded) {
      if (this.loaded.size <= this.maxLoaded) return;
      const [modelId, version] = k.split('@') as [string, string];
      if (this.lastGood.get(modelId) === version) continue;
      this.loaded.delete(k);
      model.dispose();
    }
  }
}

function key(modelId: string, version: string): string {
  return `${modelId}@${version}`;
}
