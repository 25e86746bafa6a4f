/**
 * The predictor: pointers → the model that serves them → prediction bodies.
 *
 * The model is borrowed from the warm model cache with `use`, which counts its users, so an LRU
 * eviction meanwhile never disposes it under a batch. When the active version cannot be loaded, the
 * model cache serves a fallback and remembers the failure for a while; `serving` then names the
 * fallback in the pointers, so its answers are keyed, and cached, under the version that made
 * them. A body made by a fallback its pointers did not name (the failure happened on this very
 * call) is told apart by `servedAsKeyed` and is not cached under the active version's key.
 * Inference goes through the micro-batcher.
 */
import { eloHomeWinProbability } from '../domain/disagreements';
import { buildFeatures } from '../domain/features';
import type { GameInfo } from '../domain/games';
import type { RatingState } from '../domain/ratings/state';
import { MicroBatcher, type BatcherStats } from '../ml/batcher';
import type { ModelCache } from '../ml/model-cache';
import type { EnsembleModel, Prediction } from '../ml/model';

export interface PredictionBody {
  gameId?: string;
  sport: string;
  homeTeam: string;
  awayTeam: string;
  kickoff: string;
  model: { id: string; version: string };
  homeWinProbability: number;
  interval: [number, number];
  /** What Elo alone expects from the same pre-game ratings (the model-vs-ratings insight compares). */
  eloHomeWinProbability: number;
  /** Log-odds contributions; `baseline` first. They sum to logit(homeWinProbability). */
  explanation: { feature: string; contribution: number }[];
  ratingsVersion: number;
  computedAt: string;
}

export interface Pointers {
  sport: string;
  modelId: string;
  /**
   * The version that serves, which keys the cache: the active one, or while it recently failed to
   * load, the fallback serving instead (so the fallback's answers are cached under its own name).
   */
  version: string;
  /** The model's active version (what the registry says). */
  activeVersion: string;
  /** Served instead when the active version cannot be loaded. */
  previousVersion: string | null;
  ratingsVersion: number;
}

/** One game (or matchup) to predict, from the rating state before its date. */
export interface PredictionInput {
  gameId?: string;
  info: GameInfo;
  kickoff: string;
  state: RatingState;
}

export interface PredictorOptions {
  models: ModelCache;
  batchWindowMs: number;
  batchMaxSize: number;
  batching?: boolean;
  now?: () => Date;
  /** Told of every model call: how many predictions it made and how long it took (service counters). */
  onInference?: (count: number, ms: number) => void;
}

interface InferenceInput {
  model: EnsembleModel;
  values: number[];
}

/** Six decimals, and no -0 (JSON would print it as 0 while Firestore keeps it). */
const round = (x: number): number => Math.round(x * 1e6) / 1e6 || 0;

export class Predictor {
  private readonly batcher: MicroBatcher<InferenceInput, Prediction>;

  constructor(private readonly opts: PredictorOptions) {
    this.batcher = new MicroBatcher<InferenceInput, Prediction>({
      windowMs: opts.batchWindowMs,
      maxBatch: opts.batchMaxSize,
      enabled: opts.batching ?? true,
      run: (inputs) => {
        const started = performance.now();
        const out = runInference(inputs);
        opts.onInference?.(inputs.length, performance.now() - started);
        return out;
      },
    });
  }

  /** The registry's pointers as served: `version` names the fallback while the active one is failing. */
  serving(active: Pointers): Pointers {
    const version = this.opts.models.servingVersion(active.modelId, active.version, active.previousVersion);
    return version === active.version ? active : { ...active, version };
  }

  /**
   * Bodies for the inputs, in order, from the model serving `pointers` (held for the whole batch).
   * `many`: one batch now (a batch request); otherwise each joins the micro-batcher's window.
   */
  compute(pointers: Pointers, inputs: readonly PredictionInput[], many = false): Promise<PredictionBody[]> {
    return this.opts.models.use(pointers.modelId, pointers.activeVersion, pointers.previousVersion, (model) =>
      this.computeWith(model, pointers, inputs, many),
    );
  }

  stats(): BatcherStats {
    return this.batcher.stats();
  }

  private async computeWith(
    model: EnsembleModel,
    pointers: Pointers,
    inputs: readonly PredictionInput[],
    many: boolean,
  ): Promise<PredictionBody[]> {
    const params = model.metadata.ratingParams;
    const built = inputs.map((x) => buildFeatures(x.state, params, x.info));
    const features = built.map((b) => b.values);
    const batch = features.map((values) => ({ model, values }));
    const predictions = many
      ? await this.batcher.submitMany(batch)
      : await Promise.all(batch.map((b) => this.batcher.submit(b)));
    const computedAt = (this.opts.now?.() ?? new Date()).toISOString();
    return inputs.map((x, i) => {
      const p = predictions[i] as Prediction;
      const explanation = model.explain(features[i] as number[]);
      const teams = built[i] as (typeof built)[number];
      return {
        ...(x.gameId ? { gameId: x.gameId } : {}),
        sport: pointers.sport,
        homeTeam: x.info.team1,
        awayTeam: x.info.team2,
        kickoff: x.kickoff,
        model: { id: pointers.modelId, version: model.metadata.version },
        homeWinProbability: round(p.probability),
        interval: [round(p.low), round(p.high)],
        eloHomeWinProbability: round(
          eloHomeWinProbability(params.elo, teams.team1.elo, teams.team2.elo, x.info),
        ),
        explanation: [
          { feature: 'baseline', contribution: round(explanation.baseLogOdds) },
          ...explanation.contributions.map((c) => ({ feature: c.feature, contribution: round(c.logOdds) })),
        ],
        ratingsVersion: pointers.ratingsVersion,
        computedAt,
      };
    });
  }
}

/**
 * True when a prediction was made by the version its key names. One made by a fallback the key
 * did not expect (the active version failed to load on this very request) is not cached under the
 * active version's key, so it stops being served as soon as the active version loads; once the
 * failure is remembered, the pointers name the fallback and its answers are cached under it.
 */
export function servedAsKeyed(body: PredictionBody, pointers: Pointers): boolean {
  return body.model.version === pointers.version;
}

/** One model call per distinct model in the batch (a batch is almost always one model). */
function runInference(inputs: InferenceInput[]): Prediction[] {
  const out = new Array<Prediction>(inputs.length);
  const byModel = new Map<EnsembleModel, number[]>();
  inputs.forEach((input, i) => {
    const list = byModel.get(input.model) ?? [];
    list.push(i);
    byModel.set(input.model, list);
  });
  for (const [model, indexes] of byModel) {
    const predictions = model.predictBatch(indexes.map((i) => (inputs[i] as InferenceInput).values));
    indexes.forEach((idx, j) => {
      out[idx] = predictions[j] as Prediction;
    });
  }
  return out;
}
