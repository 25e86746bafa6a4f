import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { Collections } from '../data/collections';
import type { Game } from '../data/games';
import { weekBounds, weekOf, weekOfKickoff, type Week } from '../domain/weeks';
import { listGames, parseGame } from './games';
import { PredictionError, type PredictionBody, type PredictionService } from './predictions';

/** The public part of a prediction, as a week's game card shows it. */
export type CardPrediction = Pick<
  PredictionBody,
  'homeWinProbability' | 'eloHomeWinProbability' | 'model' | 'ratingsVersion' | 'computedAt'
>;

export interface WeekView extends Week {
  sport: string;
  /** The first day of the nearest earlier and later weeks that have games (null: none). */
  previous: string | null;
  next: string | null;
  games: (Game & { prediction: CardPrediction | null })[];
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
  const found = new Map<string, CardPrediction>();
  if (page.games.length > 0) {
    // Before a model is active there is nothing to show but the games.
    const { predictions: bodies } = await predictions
      .forGames(page.games.map((g) => g.gameId))
      .catch((err: unknown) => {
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
  }
  return {
    sport,
    ...week,
    previous: before ? weekOfKickoff(new Date(before.kickoff)).from : null,
    next: after ? weekOfKickoff(new Date(after.kickoff)).from : null,
    games: page.games.map((g) => ({ ...g, prediction: found.get(g.gameId) ?? null })),
  };
}
