/**
 * The public team reads: a sport's ratings table and one team's season (its rating over time and
 * its schedule with the public prediction of each game).
 *
 * Cached in L2 under content-addressed keys (domain/cache-keys.ts): the sport's ratingsVersion,
 * read fresh from sports/{sport} on every request, is in the key, and every write that changes
 * these answers moves it (a final rebuilds the ratings; any other change to a game's date, teams,
 * season, site or playoff flag bumps it: domain/game-changes.ts), so a stale entry is never asked
 * for again; the TTL only bounds Redis. The data is read after the version, so an entry can only
 * be newer than its key, never older. A team's page also keys on the served model version, is
 * stored only when every prediction in it was made under the key's ratings and model versions, and
 * is checked against the sport's weeks version (the games trigger bumps it on any change to a game
 * as shown, such as a kickoff moved within its day, which moves no ratings version).
 */
import type { Firestore, Timestamp } from 'firebase-admin/firestore';
import type { L2Cache } from '../cache/l2';
import { CACHE_TTLS } from '../cache/ttl';
import { cachedAggregate, readVersionedKey, writeVersionedKeys } from '../cache/versioned';
import { Collections } from '../data/collections';
import type { Game } from '../data/games';
import { sportDocSchema } from '../data/ratings';
import { ratingsTableKey, teamPageKey, weeksFamilyKey } from '../domain/cache-keys';
import { engineRatingParams } from '../domain/model-checks';
import { emptyRatingState, type RatingState } from '../domain/ratings/state';
import {
  dateOfKickoff,
  finalDates,
  gamesOfTeam,
  ratingsTable,
  seasonHistory,
  type HistoryPoint,
  type TeamRatingRow,
} from '../domain/team-ratings';
import { listGames, parseGame } from './games';
import type { PredictionService } from './predictions';
import { snapshotStates, stateBefore } from './ratings';
import {
  cardPredictions,
  madeUnder,
  servedPointers,
  type CardPrediction,
  type GameCard,
  type Served,
} from './weeks';

/** More than any sport's season (NFL: 267 games; NBA: 1,230 and playoffs). */
const MAX_SEASON_GAMES = 2_000;
/** After every snapshot date: the state after the latest final. */
const END_OF_TIME = '9999-12-31';

export interface SportHead {
  ratingsVersion: number;
  updatedAt: string | null;
  lastFinalDate: string | null;
}

export interface RatingsTableView extends SportHead {
  sport: string;
  /** The latest season with games (null before any game); the teams are its teams. */
  season: number | null;
  teams: TeamRatingRow[];
}

export interface TeamPageView extends SportHead {
  sport: string;
  team: string;
  season: number;
  /** The team's row of the current ratings table; null when it has no game in the current season. */
  current: TeamRatingRow | null;
  history: HistoryPoint[];
  games: GameCard[];
}

type Cached<T> = { value: T; cache: 'l2' | 'miss' };

/** The sport's ratings version and when ratings last changed: always read, never cached. */
export async function sportHead(db: Firestore, sport: string): Promise<SportHead> {
  const snap = await db.collection(Collections.sports).doc(sport).get();
  const parsed = sportDocSchema.safeParse(snap.data() ?? {});
  const updatedAt = snap.get('updatedAt') as Timestamp | undefined;
  return {
    ratingsVersion: parsed.success ? parsed.data.ratingsVersion : 0,
    lastFinalDate: parsed.success ? parsed.data.lastFinalDate : null,
    updatedAt: typeof updatedAt?.toDate === 'function' ? updatedAt.toDate().toISOString() : null,
  };
}

/** The season of the sport's latest game (LATEST_GAME_SHAPE), or null before any game. */
async function latestSeason(db: Firestore, sport: string): Promise<number | null> {
  const snap = await db
    .collection(Collections.games)
    .where('sport', '==', sport)
    .orderBy('kickoff', 'desc')
    .limit(1)
    .get();
  const doc = snap.docs[0];
  return doc ? (parseGame(doc.id, doc.data())?.season ?? null) : null;
}

/** The state after every final so far. */
const latestState = (db: Firestore, sport: string): Promise<RatingState> =>
  stateBefore(db, sport, END_OF_TIME);

async function computeTable(db: Firestore, sport: string, head: SportHead): Promise<RatingsTableView> {
  const season = await latestSeason(db, sport);
  if (season === null) return { sport, season, ...head, teams: [] };
  const [state, page] = await Promise.all([
    latestState(db, sport),
    listGames(db, { sport, season, limit: MAX_SEASON_GAMES }),
  ]);
  return {
    sport,
    season,
    ...head,
    teams: ratingsTable(state, engineRatingParams(sport), season, page.games),
  };
}

/**
 * Version 0 means no ratings were ever computed (no sports document): nothing to key by, since a
 * database emptied and refilled (tests, a restore) would read 0 again. Such answers are not cached.
 */
const uncacheable = (head: SportHead): boolean => head.ratingsVersion === 0;

async function tableFor(
  db: Firestore,
  l2: L2Cache,
  sport: string,
  head: SportHead,
): Promise<Cached<RatingsTableView>> {
  if (uncacheable(head)) return { value: await computeTable(db, sport, head), cache: 'miss' };
  return cachedAggregate(
    l2,
    ratingsTableKey(sport, head.ratingsVersion),
    'table',
    CACHE_TTLS.apiResponse.l2Seconds,
    () => computeTable(db, sport, head),
  );
}

/** GET /v1/sports/{sport}/ratings. */
export async function sportRatings(
  db: Firestore,
  l2: L2Cache,
  sport: string,
): Promise<Cached<RatingsTableView>> {
  return tableFor(db, l2, sport, await sportHead(db, sport));
}

/** One team's games of a season: two equality queries (single-field indexes merge; no composite). */
async function teamGames(db: Firestore, sport: string, team: string, season: number): Promise<Game[]> {
  const base = db.collection(Collections.games).where('sport', '==', sport).where('season', '==', season);
  const [home, away] = await Promise.all([
    base.where('homeTeam', '==', team).get(),
    base.where('awayTeam', '==', team).get(),
  ]);
  const games = [...home.docs, ...away.docs]
    .map((d) => parseGame(d.id, d.data()))
    .filter((g): g is Game => g !== null);
  return gamesOfTeam(games, team);
}

/**
 * GET /v1/sports/{sport}/teams/{team}: null for a team the sport has never rated and that has no
 * game in the current season. `season` defaults to the current one (the table's).
 */
export async function teamPage(
  db: Firestore,
  l2: L2Cache,
  predictions: PredictionService,
  sport: string,
  team: string,
  season?: number,
): Promise<Cached<TeamPageView> | null> {
  const head = await sportHead(db, sport);
  const [table, pointers] = await Promise.all([
    tableFor(db, l2, sport, head),
    servedPointers(predictions, sport, head.ratingsVersion),
  ]);
  // What the key names: the served model version, at the ratings version read with the table.
  const served: Served = pointers && { ...pointers, ratingsVersion: head.ratingsVersion };
  const current = table.value.teams.find((row) => row.team === team) ?? null;
  if (!current && !Object.hasOwn((await latestState(db, sport)).teams, team)) return null;
  const target = season ?? table.value.season;
  if (target === null) return null;
  const key = teamPageKey({
    sport,
    team,
    season: target,
    ratingsVersion: head.ratingsVersion,
    model: served ? `${served.modelId}@${served.version}` : null,
  });
  // Checked against the sport's weeks version, which the games trigger bumps on every change to a
  // game as shown (a kickoff moved within a day moves no ratings version, but must show).
  const got = uncacheable(head) ? null : await readVersionedKey<TeamPageView>(l2, weeksFamilyKey(sport), key);
  if (got?.hit) return { value: got.value, cache: 'l2' };

  const params = engineRatingParams(sport);
  const games = await teamGames(db, sport, team, target);
  const first = games[0];
  const [before, after, found] = await Promise.all([
    first ? stateBefore(db, sport, dateOfKickoff(first.kickoff)) : Promise.resolve(emptyRatingState()),
    snapshotStates(db, sport, finalDates(games)),
    served
      ? cardPredictions(
          predictions,
          games.map((g) => g.gameId),
        )
      : Promise.resolve(new Map<string, CardPrediction>()),
  ]);
  const value: TeamPageView = {
    sport,
    team,
    season: target,
    ...head,
    current,
    history: seasonHistory(params, team, target, games, before, after),
    games: games.map((g) => ({ ...g, prediction: found.get(g.gameId) ?? null })),
  };
  if (got && madeUnder(value.games, served))
    writeVersionedKeys(l2, [key], got.version, value, CACHE_TTLS.apiResponse.l2Seconds);
  return { value, cache: 'miss' };
}
