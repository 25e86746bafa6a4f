/**
 * The prediction hot path (DESIGN.md "Predictions: the hot path").
 *
 * 1. Pointers: the sport's served model, its active version and the ratingsVersion (L1, short TTL).
 * 2. Key = pred:{modelId}@{version}:{gameId}:{ratingsVersion}: immutable content.
 * 3. L1 (this instance) → L2 (Upstash) → L3 (predictions/{gameId}__{modelId}@{version}, valid when
 *    its ratingsVersion matches) → inference. Concurrent misses of one key share one computation.
 * 4. Inference goes through the micro-batcher; the model is the warm one from the model cache.
 * 5. What a miss computed is written to L2 and L3 off the answer's path (write-behind), finished
 *    before the response is sent (observability/request-work.ts: Cloud Run throttles CPU after it).
 * A game is predicted from the rating state before its date, so a final game never sees its result.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { ByteLru } from '../cache/lru';
import type { L2Cache } from '../cache/l2';
import { SingleFlight } from '../cache/single-flight';
import { CACHE_TTLS } from '../cache/ttl';
import { Collections } from '../data/collections';
import { SPORTS, type Game } from '../data/games';
import { getModelDoc } from '../data/registry';
import {
  matchupKey,
  predictionKey,
  snapshotDateBefore,
  sportFromGameId,
  stateKey,
} from '../domain/cache-keys';
import { emptyRatingState } from '../domain/ratings/state';
import { eloHomeWinProbability } from '../domain/disagreements';
import { buildFeatures } from '../domain/features';
import type { GameInfo } from '../domain/games';
import type { RatingState } from '../domain/ratings/state';
import { MicroBatcher } from '../ml/batcher';
import type { ModelCache } from '../ml/model-cache';
import type { EnsembleModel, Prediction } from '../ml/model';
import { logger } from '../observability/logger';
import { finishBeforeResponse } from '../observability/request-work';
import { gameInfoOf, getGame, getGames, parseGame } from './games';
import { gameDate, getSport, snapshotDates, snapshotStates, stateBefore } from './ratings';

export type CacheLevel = 'l1' | 'l2' | 'l3' | 'miss';

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

/** A cached prediction: the object and its JSON (sent as is on an L1 hit). */
export interface CachedPrediction {
  body: PredictionBody;
  json: string;
  /** The JSON of the free view (no interval, no explanation), made once on first use. */
  basicJson?: string;
}

/** Fields only tiers with `predictions.details` see. */
export const DETAIL_FIELDS = ['interval', 'explanation'] as const;

/**
 * The JSON a tier is sent. Each view is serialised once per cached entry, so shaping an L1 hit
 * costs a property read.
 */
export function viewJson(cached: CachedPrediction, details: boolean): string {
  if (details) return cached.json;
  if (cached.basicJson === undefined) {
    const { interval: _i, explanation: _e, ...basic } = cached.body;
    cached.basicJson = JSON.stringify({ ...basic, locked: DETAIL_FIELDS });
  }
  return cached.basicJson;
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

export class PredictionError extends Error {
  constructor(
    readonly code: 'not_found' | 'no_model' | 'unknown_team',
    message: string,
    readonly fields?: { field: string; message: string }[],
  ) {
    super(message);
  }
}

export interface PredictionServiceOptions {
  db: () => Firestore;
  l2: L2Cache;
  models: ModelCache;
  l1MaxBytes: number;
  /** How long pointers are trusted (default CACHE_TTLS.pointer.l1Ms). */
  pointerTtlMs?: number;
  batchWindowMs: number;
  batchMaxSize: number;
  batching?: boolean;
  /** Where write-behind work goes (tests and the benchmark can await it). */
  background?: (work: Promise<unknown>) => void;
  now?: () => Date;
}

interface InferenceInput {
  model: EnsembleModel;
  values: number[];
}

/** Six decimals, and no -0 (JSON would print it as 0 while Firestore keeps it). */
const round = (x: number): number => Math.round(x * 1e6) / 1e6 || 0;

export class PredictionService {
  readonly l1: ByteLru<CachedPrediction>;
  private readonly pointerCache: ByteLru<Pointers>;
  private readonly states: ByteLru<RatingState>;
  private readonly flights = new SingleFlight<{ cached: CachedPrediction; level: CacheLevel }>();
  private readonly pointerFlights = new SingleFlight<Pointers>();
  private readonly stateFlights = new SingleFlight<RatingState>();
  private readonly indexes = new ByteLru<{ dates: string[] | null }>(8 * 1024 * 1024);
  private readonly indexFlights = new SingleFlight<string[] | null>();
  private readonly gameSports = new Map<string, string>();
  readonly batcher: MicroBatcher<InferenceInput, Prediction>;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly opts: PredictionServiceOptions) {
    this.l1 = new ByteLru(opts.l1MaxBytes);
    this.pointerCache = new ByteLru(1024 * 1024);
    this.states = new ByteLru(32 * 1024 * 1024);
    this.batcher = new MicroBatcher<InferenceInput, Prediction>({
      windowMs: opts.batchWindowMs,
      maxBatch: opts.batchMaxSize,
      enabled: opts.batching ?? true,
      run: (inputs) => runInference(inputs),
    });
  }

  /** Active model and ratings version of a sport (cached for the pointer TTL). */
  async pointers(sport: string): Promise<Pointers> {
    const active = await this.activePointers(sport);
    const version = this.opts.models.servingVersion(active.modelId, active.version, active.previousVersion);
    return version === active.version ? active : { ...active, version };
  }

  /** The registry's pointers for a sport (L1, short TTL). */
  private activePointers(sport: string): Promise<Pointers> {
    const hit = this.pointerCache.get(sport);
    if (hit) return Promise.resolve(hit);
    return this.pointerFlights.run(sport, async () => {
      const db = this.opts.db();
      const sportDoc = await getSport(db, sport);
      if (!sportDoc?.modelId) throw new PredictionError('no_model', `No model serves ${sport} yet.`);
      const model = await getModelDoc(db, sportDoc.modelId);
      if (!model?.activeVersion)
        throw new PredictionError('no_model', `Model ${sportDoc.modelId} has no active version.`);
      const pointers = {
        sport,
        modelId: sportDoc.modelId,
        version: model.activeVersion,
        activeVersion: model.activeVersion,
        previousVersion: model.previousVersion ?? null,
        ratingsVersion: sportDoc.ratingsVersion,
      };
      this.pointerCache.set(sport, pointers, 256, this.opts.pointerTtlMs ?? CACHE_TTLS.pointer.l1Ms);
      return pointers;
    });
  }

  /** Forget cached pointers (after a write in this instance: activation, ratings rebuild). */
  invalidatePointers(sport?: string): void {
    if (sport) this.pointerCache.delete(sport);
    else this.pointerCache.clear();
  }

  /** A game's prediction and the cache level that answered; PredictionError('not_found') if unknown. */
  async forGame(gameId: string): Promise<{ cached: CachedPrediction; level: CacheLevel }> {
    const sport = await this.sportOf(gameId);
    const pointers = await this.pointers(sport);
    const key = predictionKey({ ...pointers, gameId });
    const hit = this.l1.get(key);
    if (hit) return { cached: hit, level: 'l1' };
    return this.flights.run(key, async () => {
      const fromL2 = await this.opts.l2.get<PredictionBody>(key);
      if (fromL2) return { cached: this.remember(key, fromL2), level: 'l2' as const };
      // One round trip for L3 and the game (getAll), with the rating state read alongside.
      const [fromL3, game] = await Promise.all([
        this.readL3AndGame(gameId, pointers),
        this.prefetchState(pointers, gameId),
      ]).then(([pair]) => pair);
      if (fromL3) {
        const cached = this.remember(key, fromL3);
        this.later(
          this.opts.l2.setMany([{ key, value: fromL3, ttlSeconds: CACHE_TTLS.prediction.l2Seconds }]),
        );
        return { cached, level: 'l3' as const };
      }
      if (!game) throw new PredictionError('not_found', `No game ${gameId}.`);
      const [body] = (await this.compute(pointers, [game])) as [PredictionBody];
      if (!servedActive(body, pointers))
        return { cached: { body, json: JSON.stringify(body) }, level: 'miss' as const };
      const cached = this.remember(key, body);
      this.writeBehind([{ key, body: cached.body }]);
      return { cached, level: 'miss' as const };
    });
  }

  /**
   * Predictions for up to 500 games: one L2 read and one games read for the misses (no N+1), one
   * batched inference. Unknown ids are reported in `errors`.
   */
  async forGames(gameIds: readonly string[]): Promise<{
    predictions: PredictionBody[];
    errors: { gameId: string; code: string }[];
    levels: Record<CacheLevel, number>;
    /** Milliseconds per phase, for the Server-Timing header. */
    timings: Record<string, number>;
  }> {
    const timings: Record<string, number> = {};
    let mark = performance.now();
    const phase = (name: string) => {
      const now = performance.now();
      timings[name] = (timings[name] ?? 0) + (now - mark);
      mark = now;
    };
    const ids = [...new Set(gameIds)];
    const levels: Record<CacheLevel, number> = { l1: 0, l2: 0, l3: 0, miss: 0 };
    const found = new Map<string, PredictionBody>();
    const errors: { gameId: string; code: string }[] = [];
    const db = this.opts.db();

    // Sports: from the id where it says, else from the game documents (one batched read).
    const unknownSport = ids.filter((id) => !this.knownSport(id));
    const gamesRead =
      unknownSport.length > 0 ? await getGames(db, unknownSport) : new Map<string, Game | null>();
    for (const [id, game] of gamesRead) if (game) this.gameSports.set(id, game.sport);
    const keyed: { gameId: string; key: string; pointers: Pointers }[] = [];
    for (const gameId of ids) {
      const sport = this.knownSport(gameId);
      if (!sport) {
        errors.push({ gameId, code: 'not_found' });
        continue;
      }
      const pointers = await this.pointers(sport);
      keyed.push({ gameId, key: predictionKey({ ...pointers, gameId }), pointers });
    }

    let misses = keyed.filter((k) => {
      const hit = this.l1.get(k.key);
      if (hit) {
        found.set(k.gameId, hit.body);
        levels.l1 += 1;
      }
      return !hit;
    });
    phase('l1');
    const fromL2 = await this.opts.l2.getMany<PredictionBody>(misses.map((m) => m.key));
    phase('l2');
    misses = misses.filter((m, i) => {
      const body = fromL2[i];
      if (body) {
        this.remember(m.key, body);
        found.set(m.gameId, body);
        levels.l2 += 1;
      }
      return !body;
    });
    // The games and their rating states in one parallel step (getAll reads, no N+1). L3 is not
    // read here: the games must be read anyway and inference is microseconds, so reading the
    // stored predictions would only add a read per game. Misses are still written to L3.
    const [missGames] = await Promise.all([
      getGames(
        db,
        misses.filter((m) => !gamesRead.get(m.gameId)).map((m) => m.gameId),
      ),
      ...misses.map((m) => this.prefetchState(m.pointers, m.gameId)),
    ]);
    phase('read');

    if (misses.length > 0) {
      const games = missGames;
      for (const [id, game] of gamesRead) if (game) games.set(id, game);
      const bySport = new Map<string, { miss: (typeof misses)[number]; game: Game }[]>();
      for (const m of misses) {
        const game = games.get(m.gameId);
        if (!game) {
          errors.push({ gameId: m.gameId, code: 'not_found' });
          continue;
        }
        const list = bySport.get(m.pointers.sport) ?? [];
        list.push({ miss: m, game });
        bySport.set(m.pointers.sport, list);
      }
      const computed: { key: string; body: PredictionBody }[] = [];
      for (const list of bySport.values()) {
        const first = list[0];
        if (!first) continue;
        const bodies = await this.compute(
          first.miss.pointers,
          list.map((x) => x.game),
          true,
        );
        list.forEach((x, i) => {
          const body = bodies[i] as PredictionBody;
          if (servedActive(body, x.miss.pointers)) {
            this.remember(x.miss.key, body);
            computed.push({ key: x.miss.key, body });
          }
          found.set(x.miss.gameId, body);
          levels.miss += 1;
        });
      }
      phase('infer');
      this.writeBehind(computed);
    }
    const predictions = gameIds
      .filter((id, i) => gameIds.indexOf(id) === i)
      .map((id) => found.get(id))
      .filter((p): p is PredictionBody => p !== undefined);
    return { predictions, errors, levels, timings };
  }

  /** A hypothetical matchup (the interactive tool): L1 + L2 only. */
  async forMatchup(input: {
    sport: string;
    homeTeam: string;
    awayTeam: string;
    kickoff: Date;
    season: number;
    neutral: boolean;
    playoff: boolean;
  }): Promise<{ cached: CachedPrediction; level: CacheLevel }> {
    const pointers = await this.pointers(input.sport);
    const date = gameDate(input.kickoff);
    const key = matchupKey({ ...pointers, ...input, date });
    const hit = this.l1.get(key);
    if (hit) return { cached: hit, level: 'l1' };
    return this.flights.run(key, async () => {
      const fromL2 = await this.opts.l2.get<PredictionBody>(key);
      if (fromL2) return { cached: this.remember(key, fromL2), level: 'l2' as const };
      const state = await this.stateBefore(pointers, date);
      const unknown = (['homeTeam', 'awayTeam'] as const).filter((side) => !state.teams[input[side]]);
      if (unknown.length > 0) {
        throw new PredictionError(
          'unknown_team',
          `Unknown team: ${unknown.map((side) => input[side]).join(', ')}.`,
          unknown.map((side) => ({
            field: `body.${side}`,
            message: `no ${input.sport} team ${input[side]}`,
          })),
        );
      }
      const [body] = await this.computeFrom(pointers, [
        {
          info: {
            date,
            season: input.season,
            team1: input.homeTeam,
            team2: input.awayTeam,
            neutral: input.neutral,
            playoff: input.playoff,
          },
          kickoff: input.kickoff.toISOString(),
          state,
        },
      ]);
      const cached = this.remember(key, body as PredictionBody);
      this.later(
        this.opts.l2.setMany([{ key, value: cached.body, ttlSeconds: CACHE_TTLS.prediction.l2Seconds }]),
      );
      return { cached, level: 'miss' as const };
    });
  }

  /** Counters of this instance's caches and batcher (GET /v1/admin/runtime). */
  stats() {
    return {
      l1: this.l1.stats(),
      l2: this.opts.l2.stats(),
      batcher: this.batcher.stats(),
      ratingStates: this.states.stats().entries,
      pendingWrites: this.pending.size,
    };
  }

  /** Resolves when every write-behind started so far has settled (tests, benchmark, shutdown). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private knownSport(gameId: string): string | null {
    return this.gameSports.get(gameId) ?? sportFromGameId(gameId, SPORTS);
  }

  private async sportOf(gameId: string): Promise<string> {
    const known = this.knownSport(gameId);
    if (known) return known;
    const game = await getGame(this.opts.db(), gameId);
    if (!game) throw new PredictionError('not_found', `No game ${gameId}.`);
    this.gameSports.set(gameId, game.sport);
    return game.sport;
  }

  private remember(key: string, body: PredictionBody): CachedPrediction {
    const json = JSON.stringify(body);
    const cached = { body, json };
    this.l1.set(key, cached, json.length * 3 + 200, CACHE_TTLS.prediction.l1Ms);
    return cached;
  }

  /**
   * The rating state before `date`: the snapshot date comes from the sport's date index (read once
   * per ratingsVersion), the snapshot by id; states are cached per snapshot date, so every game
   * between two dates with finals shares one. Without an index, a query finds the snapshot.
   */
  private async stateBefore(pointers: Pointers, date: string): Promise<RatingState> {
    const dates = await this.snapshotIndex(pointers);
    if (!dates)
      return this.cachedState(stateKey(pointers.sport, `<${date}`, pointers.ratingsVersion), () =>
        stateBefore(this.opts.db(), pointers.sport, date),
      );
    const snapshot = snapshotDateBefore(dates, date);
    if (snapshot === null) return emptyRatingState();
    return this.cachedState(stateKey(pointers.sport, snapshot, pointers.ratingsVersion), async () => {
      const state = (await snapshotStates(this.opts.db(), pointers.sport, [snapshot])).get(snapshot);
      if (!state) throw new Error(`rating snapshot ${pointers.sport}_${snapshot} is missing`);
      return state;
    });
  }

  private cachedState(key: string, load: () => Promise<RatingState>): Promise<RatingState> {
    const hit = this.states.get(key);
    if (hit) return Promise.resolve(hit);
    return this.stateFlights.run(key, async () => {
      const state = await load();
      this.states.set(key, state, JSON.stringify(state).length * 3, CACHE_TTLS.prediction.l1Ms);
      return state;
    });
  }

  private snapshotIndex(pointers: Pointers): Promise<string[] | null> {
    const key = `index:${pointers.sport}:${pointers.ratingsVersion}`;
    const hit = this.indexes.get(key);
    if (hit !== undefined) return Promise.resolve(hit.dates);
    return this.indexFlights.run(key, async () => {
      const dates = await snapshotDates(this.opts.db(), pointers.sport);
      this.indexes.set(key, { dates }, (dates?.length ?? 0) * 40 + 100, CACHE_TTLS.prediction.l1Ms);
      return dates;
    });
  }

  private async compute(pointers: Pointers, games: Game[], many = false): Promise<PredictionBody[]> {
    const inputs = await Promise.all(
      games.map(async (game) => {
        const info = gameInfoOf(game);
        return {
          gameId: game.gameId,
          info,
          kickoff: game.kickoff,
          state: await this.stateBefore(pointers, info.date),
        };
      }),
    );
    return this.computeFrom(pointers, inputs, many);
  }

  private async computeFrom(
    pointers: Pointers,
    inputs: { gameId?: string; info: GameInfo; kickoff: string; state: RatingState }[],
    many = false,
  ): Promise<PredictionBody[]> {
    return this.opts.models.use(pointers.modelId, pointers.activeVersion, pointers.previousVersion, (model) =>
      this.computeWith(model, pointers, inputs, many),
    );
  }

  private async computeWith(
    model: EnsembleModel,
    pointers: Pointers,
    inputs: { gameId?: string; info: GameInfo; kickoff: string; state: RatingState }[],
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

  private l3Ref(gameId: string, pointers: Pointers) {
    return this.opts
      .db()
      .collection(Collections.predictions)
      .doc(`${gameId}__${pointers.modelId}@${pointers.version}`);
  }

  private async readL3AndGame(
    gameId: string,
    pointers: Pointers,
  ): Promise<[PredictionBody | null, Game | null]> {
    const db = this.opts.db();
    const [l3, game] = await db.getAll(
      this.l3Ref(gameId, pointers),
      db.collection(Collections.games).doc(gameId),
    );
    return [l3Body(l3?.data(), pointers), game?.exists ? parseGame(game.id, game.data()) : null];
  }

  /**
   * Starts reading the rating state of the date in the game id (ids are `{sport}_{date}_...`) so it
   * arrives with the game; compute() then finds it in the state cache. Failures surface there.
   */
  private prefetchState(pointers: Pointers, gameId: string): Promise<unknown> {
    const date = /^[a-z]+_(\d{4}-\d{2}-\d{2})_/.exec(gameId)?.[1];
    return date ? this.stateBefore(pointers, date).catch(() => undefined) : Promise.resolve();
  }

  private writeBehind(entries: { key: string; body: PredictionBody }[]): void {
    if (entries.length === 0) return;
    this.later(
      this.opts.l2.setMany(
        entries.map((e) => ({ key: e.key, value: e.body, ttlSeconds: CACHE_TTLS.prediction.l2Seconds })),
      ),
    );
    const db = this.opts.db();
    const writes = entries.filter((e) => e.body.gameId);
    this.later(
      (async () => {
        for (let i = 0; i < writes.length; i += 400) {
          const batch = db.batch();
          for (const e of writes.slice(i, i + 400)) {
            const body = e.body;
            batch.set(
              db
                .collection(Collections.predictions)
                .doc(`${body.gameId}__${body.model.id}@${body.model.version}`),
              { ...body, modelId: body.model.id, version: body.model.version },
              // merge: keeps `graded`, which the games trigger records on the document.
              { merge: true },
            );
          }
          await batch.commit();
        }
      })(),
    );
  }

  private later(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => {
      logger.warn('write-behind failed', { err: err instanceof Error ? err : new Error(String(err)) });
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    finishBeforeResponse(tracked);
    this.opts.background?.(tracked);
  }
}

/**
 * True when a prediction was made by the version its key names. One made by a fallback the key
 * did not expect (the active version failed to load on this very request) is not cached under the
 * active version's key, so it stops being served as soon as the active version loads; once the
 * failure is remembered, the pointers name the fallback and its answers are cached under it.
 */
function servedActive(body: PredictionBody, pointers: Pointers): boolean {
  return body.model.version === pointers.version;
}

function l3Body(data: unknown, pointers: Pointers): PredictionBody | null {
  if (typeof data !== 'object' || data === null) return null;
  const doc = data as PredictionBody & { modelId?: string; version?: string };
  if (doc.ratingsVersion !== pointers.ratingsVersion || doc.model?.version !== pointers.version) return null;
  const { modelId: _m, version: _v, ...body } = doc;
  return body;
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
