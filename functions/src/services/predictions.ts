/**
 * The prediction hot path (DESIGN.md "Predictions: the hot path"): the facade routes, triggers,
 * jobs and the benchmark call. What it composes:
 *
 * 1. Pointers: the sport's served model, its serving version and the ratingsVersion (L1, short TTL).
 * 2. Key = pred:{modelId}@{version}:{gameId}:{ratingsVersion}: immutable content.
 * 3. One tiered lookup (cache/tiered.ts): L1 (this instance) → L2 (Upstash) → L3 (prediction-docs.ts,
 *    valid when its ratingsVersion matches; read with the game by a single game, not by a batch)
 *    → compute; concurrent misses of one key share one computation. What a miss computed is written
 *    to L2 and L3 behind the answer, finished before the response is sent.
 * 4. Compute: the rating state before the game's date (rating-states.ts), then the predictor
 *    (predictor.ts: the warm model in use for the whole batch, through the micro-batcher).
 * A game is predicted from the rating state before its date, so a final game never sees its result.
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { L2Cache } from '../cache/l2';
import { Memo } from '../cache/memo';
import { TieredCache, type Computed, type Found, type TierLevel, type Tiers } from '../cache/tiered';
import { CACHE_TTLS } from '../cache/ttl';
import { SPORTS, type Game } from '../data/games';
import { getModelDoc } from '../data/registry';
import { matchupKey, predictionKey, sportFromGameId } from '../domain/cache-keys';
import type { ModelCache } from '../ml/model-cache';
import { gameInfoOf, getGame, getGames } from './games';
import { readStoredAndGame, storePredictions } from './prediction-docs';
import { Predictor, servedAsKeyed, type Pointers, type PredictionBody } from './predictor';
import { firestoreSnapshots, RatingStates } from './rating-states';
import { gameDate, getSport } from './ratings';

export type { Pointers, PredictionBody } from './predictor';

export type CacheLevel = TierLevel;

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
  /** Told of every model call (count, ms): the service counters. */
  onInference?: (count: number, ms: number) => void;
}

/** A game of a batch, keyed under its sport's pointers. */
interface GameKey {
  gameId: string;
  key: string;
  pointers: Pointers;
}

type Answer = Found<CachedPrediction>;

export class PredictionService {
  private readonly cache: TieredCache<PredictionBody, CachedPrediction>;
  private readonly states: RatingStates;
  private readonly predictor: Predictor;
  private readonly pointerCache: Memo<Pointers>;
  private readonly gameSports = new Map<string, string>();

  constructor(private readonly opts: PredictionServiceOptions) {
    this.cache = new TieredCache({
      l2: opts.l2,
      l1MaxBytes: opts.l1MaxBytes,
      l1TtlMs: CACHE_TTLS.prediction.l1Ms,
      l2TtlSeconds: CACHE_TTLS.prediction.l2Seconds,
      entry: cachedPrediction,
      background: opts.background,
    });
    this.states = new RatingStates(firestoreSnapshots(opts.db));
    this.predictor = new Predictor(opts);
    this.pointerCache = new Memo(1024 * 1024, opts.pointerTtlMs ?? CACHE_TTLS.pointer.l1Ms);
  }

  /** Active model and ratings version of a sport (cached for the pointer TTL), as served. */
  async pointers(sport: string): Promise<Pointers> {
    return this.predictor.serving(await this.activePointers(sport));
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
    let game: Game | null = null;
    const found = await this.one(predictionKey({ ...pointers, gameId }), {
      // One round trip for L3 and the game (getAll), with the rating state read alongside.
      l3: async () => {
        const [[stored, read]] = await Promise.all([
          readStoredAndGame(this.opts.db(), gameId, pointers),
          this.states.prefetch(pointers, gameId),
        ]);
        game = read;
        return [stored ?? undefined];
      },
      compute: async () => {
        if (!game) return [undefined];
        const [body] = await this.computeGames(pointers, [game]);
        return [asAnswer(body as PredictionBody, pointers)];
      },
      store: (bodies) => storePredictions(this.opts.db(), bodies),
    });
    if (!found) throw new PredictionError('not_found', `No game ${gameId}.`);
    return { cached: found.entry, level: found.level };
  }

  /**
   * Predictions for up to 500 games: one L2 read and one games read for the misses (no N+1), one
   * batched inference per sport. Unknown ids are reported in `errors`.
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
    const errors: { gameId: string; code: string }[] = [];
    const db = this.opts.db();

    // Sports: from the id where it says, else from the game documents (one batched read).
    const unknownSport = ids.filter((id) => !this.knownSport(id));
    const gamesRead =
      unknownSport.length > 0 ? await getGames(db, unknownSport) : new Map<string, Game | null>();
    for (const [id, game] of gamesRead) if (game) this.gameSports.set(id, game.sport);
    const sportPointers = new Map<string, Pointers>();
    const keyed: GameKey[] = [];
    for (const gameId of ids) {
      const sport = this.knownSport(gameId);
      if (!sport) {
        errors.push({ gameId, code: 'not_found' });
        continue;
      }
      const pointers = sportPointers.get(sport) ?? (await this.pointers(sport));
      sportPointers.set(sport, pointers);
      keyed.push({ gameId, key: predictionKey({ ...pointers, gameId }), pointers });
    }

    // No L3 read for a batch: the games must be read anyway and inference is microseconds, so
    // reading the stored predictions would only add a read per game. Misses are still stored.
    const found = await this.cache.lookup(keyed, {
      compute: (misses) => this.computeMisses(db, misses, gamesRead, phase),
      store: (bodies) => storePredictions(db, bodies),
      phase,
    });
    // Levels nothing was asked of (everything was found before them) still show, as ~0 ms.
    for (const name of ['l2', 'read']) if (!(name in timings)) phase(name);

    const levels: Record<CacheLevel, number> = { l1: 0, l2: 0, l3: 0, miss: 0 };
    const predictions: PredictionBody[] = [];
    keyed.forEach(({ gameId }, i) => {
      const answer = found[i];
      if (!answer) errors.push({ gameId, code: 'not_found' });
      else {
        predictions.push(answer.entry.body);
        levels[answer.level] += 1;
      }
    });
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
    const found = await this.one(matchupKey({ ...pointers, ...input, date }), {
      compute: async () => {
        const state = await this.states.before(pointers, date);
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
        const info = {
          date,
          season: input.season,
          team1: input.homeTeam,
          team2: input.awayTeam,
          neutral: input.neutral,
          playoff: input.playoff,
        };
        const [body] = await this.predictor.compute(pointers, [
          { info, kickoff: input.kickoff.toISOString(), state },
        ]);
        // Like a game's: cached only when the version its key names made it (defect 3).
        return [{ value: body as PredictionBody, cache: servedAsKeyed(body as PredictionBody, pointers) }];
      },
    });
    if (!found) throw new Error('a matchup is always computed');
    return { cached: found.entry, level: found.level };
  }

  /** Counters of this instance's caches and batcher (GET /v1/admin/runtime). */
  stats() {
    const cache = this.cache.stats();
    return {
      l1: cache.l1,
      l2: this.opts.l2.stats(),
      batcher: this.predictor.stats(),
      ratingStates: this.states.size,
      pendingWrites: cache.pendingWrites,
    };
  }

  /** Resolves when every write-behind started so far has settled (tests, benchmark, shutdown). */
  drain(): Promise<void> {
    return this.cache.drain();
  }

  /** The registry's pointers for a sport (L1, short TTL). */
  private activePointers(sport: string): Promise<Pointers> {
    return this.pointerCache.get(
      sport,
      async () => {
        const db = this.opts.db();
        const sportDoc = await getSport(db, sport);
        if (!sportDoc?.modelId) throw new PredictionError('no_model', `No model serves ${sport} yet.`);
        const model = await getModelDoc(db, sportDoc.modelId);
        if (!model?.activeVersion)
          throw new PredictionError('no_model', `Model ${sportDoc.modelId} has no active version.`);
        return {
          sport,
          modelId: sportDoc.modelId,
          version: model.activeVersion,
          activeVersion: model.activeVersion,
          previousVersion: model.previousVersion ?? null,
          ratingsVersion: sportDoc.ratingsVersion,
        };
      },
      () => 256,
    );
  }

  private async one(key: string, tiers: Tiers<{ key: string }, PredictionBody>): Promise<Answer | undefined> {
    const [found] = await this.cache.lookup([{ key }], tiers);
    return found;
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

  /**
   * A batch's misses: their games (those not read already) and rating states in one parallel step
   * (getAll reads, no N+1), then one model call per sport. Undefined for a game that does not exist.
   */
  private async computeMisses(
    db: Firestore,
    misses: GameKey[],
    gamesRead: Map<string, Game | null>,
    phase: (name: string) => void,
  ): Promise<(Computed<PredictionBody> | undefined)[]> {
    const [games] = await Promise.all([
      getGames(
        db,
        misses.filter((m) => !gamesRead.get(m.gameId)).map((m) => m.gameId),
      ),
      ...misses.map((m) => this.states.prefetch(m.pointers, m.gameId)),
    ]);
    phase('read');
    for (const [id, game] of gamesRead) if (game) games.set(id, game);
    const bySport = new Map<string, { index: number; game: Game }[]>();
    misses.forEach((m, index) => {
      const game = games.get(m.gameId);
      if (!game) return;
      const list = bySport.get(m.pointers.sport) ?? [];
      list.push({ index, game });
      bySport.set(m.pointers.sport, list);
    });
    const out = new Array<Computed<PredictionBody> | undefined>(misses.length);
    for (const list of bySport.values()) {
      const { pointers } = misses[(list[0] as (typeof list)[number]).index] as GameKey;
      const bodies = await this.computeGames(
        pointers,
        list.map((x) => x.game),
        true,
      );
      list.forEach(({ index }, i) => {
        out[index] = asAnswer(bodies[i] as PredictionBody, pointers);
      });
    }
    phase('infer');
    return out;
  }

  /** Games predicted from the rating state before each one's date. */
  private async computeGames(
    pointers: Pointers,
    games: readonly Game[],
    many = false,
  ): Promise<PredictionBody[]> {
    const inputs = await Promise.all(
      games.map(async (game) => {
        const info = gameInfoOf(game);
        return {
          gameId: game.gameId,
          info,
          kickoff: game.kickoff,
          state: await this.states.before(pointers, info.date),
        };
      }),
    );
    return this.predictor.compute(pointers, inputs, many);
  }
}

/** The L1 entry of a body: the body and its JSON (about 3 bytes a character, plus the object). */
function cachedPrediction(body: PredictionBody): { entry: CachedPrediction; bytes: number } {
  const json = JSON.stringify(body);
  return { entry: { body, json }, bytes: json.length * 3 + 200 };
}

/** A computed game's body, cached only when made by the version its key names. */
function asAnswer(body: PredictionBody, pointers: Pointers): Computed<PredictionBody> {
  return { value: body, cache: servedAsKeyed(body, pointers) };
}
