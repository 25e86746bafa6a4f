/**
 * Warm models per instance. A version is loaded on first need (never at module scope), once even
 * under concurrent requests (single-flight), warmed with a dummy batch, and kept in an LRU over
 * loaded versions (evicted models are disposed, freeing their tensors). If the active version fails
 * to load, the last good model of the same id keeps serving and the failure is reported in health;
 * the failure is remembered for a while (`failureMemoryMs`), so requests meanwhile do not each re-read
 * and re-hash the broken artifact, and `servingVersion` names the version that serves instead, so
 * its answers can be cached under their own version. A model in use (`use`) is never disposed under
 * its user: an evicted model is disposed once its last user is done.
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

export interface ModelCacheOptions {
  /** Versions kept loaded (LRU). */
  maxLoaded?: number;
  /** How long a failed load is remembered before the version is tried again. */
  failureMemoryMs?: number;
  now?: () => number;
}

export class ModelCache {
  private readonly loaded = new Map<string, EnsembleModel>();
  private readonly lastGood = new Map<string, string>();
  private readonly failures = new Map<string, ModelLoadFailure>();
  /** Versions that failed to load: the error, until when it stands. */
  private readonly failedLoads = new Map<string, { error: Error; untilMs: number }>();
  /** Models being used (`use`), by number of users; evicted ones are disposed by their last user. */
  private readonly users = new Map<EnsembleModel, number>();
  private readonly retired = new Set<EnsembleModel>();
  private readonly flights = new SingleFlight<EnsembleModel>();
  private readonly maxLoaded: number;
  private readonly failureMemoryMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: ArtifactSource,
    opts: ModelCacheOptions = {},
  ) {
    this.maxLoaded = opts.maxLoaded ?? 3;
    this.failureMemoryMs = opts.failureMemoryMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * The version that serves `modelId` while `version` is active: `version`, unless it failed to
   * load recently and a fallback (`previousVersion`, else the last good one) is loaded here.
   */
  servingVersion(modelId: string, version: string, previousVersion?: string | null): string {
    const failed = this.failedLoads.get(key(modelId, version));
    if (!failed || failed.untilMs <= this.now()) return version;
    for (const fallback of [previousVersion, this.lastGood.get(modelId)]) {
      if (fallback && fallback !== version && this.loaded.has(key(modelId, fallback))) return fallback;
    }
    return version;
  }

  /**
   * Runs `work` with the model that serves `version` (see forServing); the model is not disposed
   * while `work` runs, even if it is evicted meanwhile.
   */
  async use<T>(
    modelId: string,
    version: string,
    previousVersion: string | null | undefined,
    work: (model: EnsembleModel) => Promise<T>,
  ): Promise<T> {
    const model = await this.forServing(modelId, version, previousVersion);
    this.users.set(model, (this.users.get(model) ?? 0) + 1);
    try {
      return await work(model);
    } finally {
      const left = (this.users.get(model) ?? 1) - 1;
      if (left > 0) this.users.set(model, left);
      else {
        this.users.delete(model);
        if (this.retired.delete(model)) model.dispose();
      }
    }
  }

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
      this.evict(key(modelId, version));
      this.failures.delete(modelId);
      return model;
    } catch (err) {
      const known = this.failures.get(modelId);
      const failure =
        known?.version === version
          ? known
          : {
              modelId,
              version,
              error: err instanceof Error ? err.message : String(err),
              at: new Date(this.now()).toISOString(),
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
    const failed = this.failedLoads.get(k);
    if (failed && failed.untilMs > this.now()) return Promise.reject(failed.error);
    return this.flights.run(k, async () => {
      try {
        await initBackend();
        const artifact = await this.source(modelId, version);
        const model = await EnsembleModel.load(artifact);
        if (model.metadata.version !== version) {
          model.dispose();
          throw new Error(`artifact declares version ${model.metadata.version}, expected ${version}`);
        }
        model.warmUp();
        this.failedLoads.delete(k);
        this.loaded.set(k, model);
        this.evict(k);
        logger.info('model loaded', { modelId, version, members: model.members });
        return model;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.failedLoads.set(k, { error, untilMs: this.now() + this.failureMemoryMs });
        throw error;
      }
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

  /**
   * Drops least recently used models beyond the limit, never a model's last good version nor `keep`
   * (the one just loaded or served). A dropped
   * model is disposed now if nobody uses it, else by its last user; the disposal waits for the
   * next turn of the event loop, so a caller that has just been handed the model (and is about to
   * `use` it) is counted first.
   */
  private evict(keep: string): void {
    for (const [k, model] of this.loaded) {
      if (this.loaded.size <= this.maxLoaded) return;
      const [modelId, version] = k.split('@') as [string, string];
      if (k === keep || this.lastGood.get(modelId) === version) continue;
      this.loaded.delete(k);
      this.retired.add(model);
      setImmediate(() => {
        if (!this.users.has(model) && this.retired.delete(model)) model.dispose();
      });
    }
  }
}

function key(modelId: string, version: string): string {
  return `${modelId}@${version}`;
}
