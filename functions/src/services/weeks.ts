import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import type { L2Cache } from '../cache/l2';
import { CACHE_TTLS } from '../cache/ttl';
import { bumpVersions, readVersionedKey, writeVersionedKeys } from '../cache/versioned';
import { Collections } from '../data/collections';
import type { Game } from '../data/games';
import { weekKey, weeksFamilyKey, type WeekKeyParts } from '../domain/cache-keys';
import { weekBounds, weekOf, weekOfKickoff, type Week } from '../domain/weeks';
import { listGames, parseGame } from './games';
import { PredictionError, type PredictionBody, type PredictionService } from './predictions';

/** The public part of a prediction, as a week's game card shows it. */
export type CardPrediction = Pick<
  PredictionBody,
  'homeWinProbability' | 'eloHomeWinProbability' | 'model' | 'ratingsVersion' | 'computedAt'
>;

/** A game with the public part of its prediction (null before a model serves). */
export type GameCard = Game & { prediction: CardPrediction | null };

export interface WeekView extends Week {
  sport: string;
  /** The first day of the nearest earlier and later weeks that have games (null: none). */
  previous: string | null;
  next: string | null;
  games: GameCard[];
}

/** A week holds at most one game per team; 64 leaves room for other sports' busier weeks. */
const MAX_WEEK_GAMES = 64;

/** The first game from `from` on (or of all), optionally only scheduled ones. */
async function firstGame(
  db: Firestore,
  sport: string,
  opts: { status?: 'scheduled'; from?: Date },
): Promise<Game | null> {
  const { games } = await listGames(db, { sport, ...opts, limit: 1 });
  return games[0] ?? null;
}

/** The latest game before `before` (or of all): the one descending query (LATEST_GAME_SHAPE). */
async function latestGame(db: Firestore, sport: string, before?: Date): Promise<Game | null> {
  let q = db.collection(Collections.games).where('sport', '==', sport);
  if (before) q = q.where('kickoff', '<', Timestamp.fromDate(before));
  const doc = (await q.orderBy('kickoff', 'desc').limit(1).get()).docs[0];
  return doc ? parseGame(doc.id, doc.data()) : null;
}

/**
 * The week to open when none is asked for: the week of the earliest game not yet played (what fans
 * come for), or, when every game is final, the week of the latest one.
 */
async function currentWeek(db: Firestore, sport: string): Promise<Week | null> {
  const upcoming = await firstGame(db, sport, { status: 'scheduled' });
  if (upcoming) return weekOfKickoff(new Date(upcoming.kickoff));
  const latest = await latestGame(db, sport);
  return latest ? weekOfKickoff(new Date(latest.kickoff)) : null;
}

/**
 * One football week of a sport: its games in kickoff order, each with its prediction (the public
 * part), and the nearest weeks before and after that have games, for navigation. `date` is any day
 * of the week; without it, the current week. Null when the sport has no games at all.
 */
export async function weekView(
  db: Firestore,
  predictions: PredictionService,
  sport: string,
  date?: string,
): Promise<WeekView | null> {
  const week = date ? weekOf(date) : await currentWeek(db, sport);
  if (!week) return null;
  const { start, end } = weekBounds(week);
  const [page, before, after] = await Promise.all([
    listGames(db, { sport, from: start, to: end, limit: MAX_WEEK_GAMES }),
    latestGame(db, sport, start),
    firstGame(db, sport, { from: end }),
  ]);
  // Before a model is active there is nothing to show but the games.
  const found = await cardPredictions(
    predictions,
    page.games.map((g) => g.gameId),
  );
  return {
    sport,
    ...week,
    previous: before ? weekOfKickoff(new Date(before.kickoff)).from : null,
    next: after ? weekOfKickoff(new Date(after.kickoff)).from : null,
    games: page.games.map((g) => ({ ...g, prediction: found.get(g.gameId) ?? null })),
  };
}

/** The served model and the ratings version a set of cards is (to be) made under; null: no model. */
export type Served = WeekKeyParts['served'];

/** The public part of each game's prediction, by game id; none before a model serves. */
export async function cardPredictions(
  predictions: PredictionService,
  gameIds: string[],
): Promise<Map<string, CardPrediction>> {
  const found = new Map<string, CardPrediction>();
  if (gameIds.length === 0) return found;
  const { predictions: bodies } = await predictions.forGames(gameIds).catch((err: unknown) => {
    if (err instanceof PredictionError && err.code === 'no_model') return { predictions: [] };
    throw err;
  });
  for (const p of bodies) {
    if (!p.gameId) continue;
    found.set(p.gameId, {
      homeWinProbability: p.homeWinProbability,
      eloHomeWinProbability: p.eloHomeWinProbability,
      model: p.model,
      ratingsVersion: p.ratingsVersion,
      computedAt: p.computedAt,
    });
  }
  return found;
}

/**
 * The pointers cards are read under (null before a model is active). With `atLeast`, pointers this
 * instance cached before the ratings moved to that version are read again, so the cards are made
 * under the version a key names.
 */
export async function servedPointers(
  predictions: PredictionService,
  sport: string,
  atLeast = 0,
): Promise<Served> {
  const read = () =>
    predictions.pointers(sport).then(
      (p) => ({ modelId: p.modelId, version: p.version, ratingsVersion: p.ratingsVersion }),
      (err: unknown) => {
        if (err instanceof PredictionError && err.code === 'no_model') return null;
        throw err;
      },
    );
  const served = await read();
  if (!served || served.ratingsVersion >= atLeast) return served;
  predictions.invalidatePointers(sport);
  return read();
}

/**
 * True when an answer may be stored under a key naming `served`: every game has a card made under
 * that model version and ratings version (not a fallback model's, not one made under pointers that
 * moved while it was computed), or, before any model, none has.
 */
export function madeUnder(games: readonly GameCard[], served: Served): boolean {
  return games.every((g) =>
    served
      ? g.prediction !== null &&
        g.prediction.model.id === served.modelId &&
        g.prediction.model.version === served.version &&
        g.prediction.ratingsVersion === served.ratingsVersion
      : g.prediction === null,
  );
}

/**
 * The week view through L2 (the home page's one read; DESIGN.md "Writes and invalidation"). Keyed
 * by the week (or `current`), the active model version and the ratingsVersion, so an activation or
 * a ratings change makes new keys; checked against the sport's weeks version, which the games
 * trigger bumps after every write that changes a game as shown (see weeksToInvalidate). A hit is
 * one round trip. The current week depends only on the games (the earliest scheduled game, else
 * the latest), never on the clock, so its answer is invalidated by the same version; it is also
 * stored under its resolved week.
 */
export async function cachedWeekView(
  db: Firestore,
  l2: L2Cache,
  predictions: PredictionService,
  sport: string,
  date?: string,
): Promise<{ value: WeekView | null; cache: 'l2' | 'miss' }> {
  const served = await servedPointers(predictions, sport);
  const key = weekKey({ sport, week: date ? weekOf(date).from : 'current', served });
  const got = await readVersionedKey<WeekView>(l2, weeksFamilyKey(sport), key);
  if (got?.hit) return { value: got.value, cache: 'l2' };
  const value = await weekView(db, predictions, sport, date);
  if (got && value && madeUnder(value.games, served)) {
    const keys = [key];
    if (!date) keys.push(weekKey({ sport, week: value.from, served }));
    writeVersionedKeys(l2, keys, got.version, value, CACHE_TTLS.apiResponse.l2Seconds);
  }
  return { value, cache: 'miss' };
}

/**
 * The sports whose week answers a write to games/{gameId} made stale: any change to the game as
 * the API shows it (created, deleted, a score, the status, a kickoff, teams, site). A write that
 * changes nothing shown (a console touch) invalidates nothing.
 */
export function weeksToInvalidate(gameId: string, beforeData: unknown, afterData: unknown): string[] {
  const before = beforeData === undefined ? null : parseGame(gameId, beforeData);
  const after = afterData === undefined ? null : parseGame(gameId, afterData);
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [...new Set([before?.sport, after?.sport].filter((s): s is Game['sport'] => s !== undefined))];
}

/** Bumps the sports' weeks versions (rejects if Redis fails, so the trigger retries). */
export function invalidateWeeks(l2: L2Cache, sports: readonly string[]): Promise<void> {
  return bumpVersions(l2, sports.map(weeksFamilyKey));
}
