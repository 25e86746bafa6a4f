/**
 * Team rating state for one sport, built from final results only, one game at a time.
 *
 * The same `ingestFinal` runs in a full rebuild (fold over history in date order) and in the
 * trigger that fires when one game goes final, so both paths reach the same state. Everything that
 * depends on the season (regression to the mean, games played this season, form) is applied lazily
 * in `teamAt`, when a team is next looked at in a later season: there is no separate "new season"
 * step that one path could miss. State is plain JSON (Firestore-friendly) and never holds 538's
 * numbers.
 */
import { dayNumber, type FinalGame } from '../games';
import { DEFAULT_ELO_PARAMS, eloEdge, eloExpected, eloShift, regressElo, type EloParams } from './elo';
import {
  DEFAULT_POINTS_PARAMS,
  pointsExpectedMargin,
  pointsShift,
  regressPoints,
  type PointsParams,
} from './points';

export interface RatingParams {
  elo: EloParams;
  points: PointsParams;
  /** Weight of the latest game in the exponentially weighted form (Elo surprise) of a team. */
  formAlpha: number;
}

export const DEFAULT_RATING_PARAMS: Readonly<RatingParams> = {
  elo: DEFAULT_ELO_PARAMS,
  points: DEFAULT_POINTS_PARAMS,
  formAlpha: 0.3,
};

/**
 * Tuned on seasons before 2015 (features + logistic trained on 1978-2004, scored on 2005-2014
 * walk-forward; see models/nfl/MODEL_CARD.md). The response surface is flat near the optimum, so
 * these sit in the middle of the good region rather than at its best point. With the margin-based
 * rating carrying the fast signal, a slow Elo (K = 10) was better than 538's K = 20.
 */
export const NFL_RATING_PARAMS: Readonly<RatingParams> = {
  elo: { ...DEFAULT_ELO_PARAMS, k: 10, homeAdvantage: 65, seasonRegression: 1 / 3, movPower: 1 },
  points: { ...DEFAULT_POINTS_PARAMS, k: 0.08, homeAdvantage: 2.5, marginCap: 32, seasonRegression: 0.6 },
  formAlpha: 0.3,
};

export interface TeamState {
  elo: number;
  /** Margin-based rating in points. */
  pts: number;
  /** Season the numbers above belong to. */
  season: number;
  /** Day number (days since 1970-01-01) of the team's latest final, null if none yet. */
  lastDay: number | null;
  /** Finals played in `season`. */
  seasonGames: number;
  /** Exponentially weighted mean of (outcome - Elo expectation): recent over/under-performance. */
  form: number;
}

export interface RatingState {
  /** First season ever ingested; teams first seen later are expansion teams. */
  firstSeason: number | null;
  teams: Record<string, TeamState>;
  /** Number of finals ingested (for bookkeeping and cache keys). */
  games: number;
}

export function emptyRatingState(): RatingState {
  return { firstSeason: null, teams: {}, games: 0 };
}

/** Seasons of regression are capped: a franchise dormant for decades is simply back at the mean. */
const MAX_REGRESSION_SEASONS = 10;

/** A team's state as it stands at the start of a game in `season` (pure: the state is not changed). */
export function teamAt(state: RatingState, params: RatingParams, team: string, season: number): TeamState {
  const t = state.teams[team];
  if (!t) {
    const expansion = state.firstSeason !== null && season > state.firstSeason;
    return {
      elo: expansion ? params.elo.expansionRating : params.elo.mean,
      pts: 0,
      season,
      lastDay: null,
      seasonGames: 0,
      form: 0,
    };
  }
  if (season <= t.season) return t;
  const gap = Math.min(season - t.season, MAX_REGRESSION_SEASONS);
  return {
    elo: regressElo(params.elo, t.elo, gap),
    pts: regressPoints(params.points, t.pts, gap),
    season,
    lastDay: t.lastDay,
    seasonGames: 0,
    form: 0,
  };
}

export interface GameUpdate {
  team1: TeamState;
  team2: TeamState;
}

/** The two teams' states after a final (pure). */
export function updateForFinal(
  params: RatingParams,
  before1: TeamState,
  before2: TeamState,
  game: FinalGame,
): GameUpdate {
  const margin = game.score1 - game.score2;
  const edge = eloEdge(params.elo, before1.elo, before2.elo, game.neutral, game.playoff);
  const expected = eloExpected(edge);
  const shift = eloShift(params.elo, edge, margin);
  const expectedMargin = pointsExpectedMargin(params.points, before1.pts, before2.pts, game.neutral);
  const ptsShift = pointsShift(params.points, expectedMargin, margin);
  const outcome = margin > 0 ? 1 : margin < 0 ? 0 : 0.5;
  const day = dayNumber(game.date);
  const a = params.formAlpha;
  return {
    team1: {
      elo: before1.elo + shift,
      pts: before1.pts + ptsShift,
      season: game.season,
      lastDay: day,
      seasonGames: before1.seasonGames + 1,
      form: (1 - a) * before1.form + a * (outcome - expected),
    },
    team2: {
      elo: before2.elo - shift,
      pts: before2.pts - ptsShift,
      season: game.season,
      lastDay: day,
      seasonGames: before2.seasonGames + 1,
      form: (1 - a) * before2.form + a * (expected - outcome),
    },
  };
}

/** Applies one final to the state in place (the incremental path; a rebuild is a fold of this). */
export function ingestFinal(state: RatingState, params: RatingParams, game: FinalGame): void {
  if (game.team1 === game.team2) throw new Error(`a team cannot play itself: ${game.team1} on ${game.date}`);
  if (!Number.isFinite(game.score1) || !Number.isFinite(game.score2)) {
    throw new Error(`final without scores: ${game.team1}-${game.team2} on ${game.date}`);
  }
  if (state.firstSeason === null) state.firstSeason = game.season;
  const before1 = teamAt(state, params, game.team1, game.season);
  const before2 = teamAt(state, params, game.team2, game.season);
  const after = updateForFinal(params, before1, before2, game);
  state.teams[game.team1] = after.team1;
  state.teams[game.team2] = after.team2;
  state.games += 1;
}

/** Full rebuild from history: finals are applied in date order (stable for same-day games). */
export function rebuildRatings(params: RatingParams, finals: readonly FinalGame[]): RatingState {
  const state = emptyRatingState();
  const ordered = [...finals].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  for (const game of ordered) ingestFinal(state, params, game);
  return state;
}
