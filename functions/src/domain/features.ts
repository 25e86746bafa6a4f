/**
 * Pre-kickoff features of a game, from team1's side, read from the rating state built from earlier
 * finals only. Every feature is 0 for "an even game on a neutral site between rested teams", so a
 * linear model's intercept is the baseline and each weight * value is that feature's push away from
 * it (see explain.ts).
 *
 * - eloDiff:        (elo1 - elo2) / 100, ratings after lazy season regression.
 * - pointsDiff:     (pts1 - pts2) / 7, margin-based ratings, in touchdowns.
 * - home:           1 when team1 is at home, 0 on a neutral site (the model learns home advantage).
 * - playoffEloDiff: eloDiff in playoff games, else 0 (favourites win playoff games more often).
 * - earlyEloDiff:   eloDiff * (1 - min(games played this season) / 8, floored at 0): early in a season
 *                   the ratings lean on last year, so the model can discount them.
 * - restDiff:       (rest1 - rest2) / 7, days since each team's last game capped at 14 (byes, short
 *                   weeks; the first game of a season counts as fully rested).
 * - formDiff:       form1 - form2, recent results beyond what Elo expected.
 */
import { dayNumber, type GameInfo } from './games';
import { teamAt, type RatingParams, type RatingState, type TeamState } from './ratings/state';

export const FEATURE_NAMES = [
  'eloDiff',
  'pointsDiff',
  'home',
  'playoffEloDiff',
  'earlyEloDiff',
  'restDiff',
  'formDiff',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;

export const MAX_REST_DAYS = 14;
export const EARLY_SEASON_GAMES = 8;

export interface GameFeatures {
  /** Values in FEATURE_NAMES order. */
  values: number[];
  /** The team states the values were computed from (stored with a prediction as its snapshot). */
  team1: TeamState;
  team2: TeamState;
}

function restDays(team: TeamState, day: number): number {
  if (team.lastDay === null) return MAX_REST_DAYS;
  return Math.max(0, Math.min(MAX_REST_DAYS, day - team.lastDay));
}

export function featuresFromTeams(team1: TeamState, team2: TeamState, game: GameInfo): number[] {
  const day = dayNumber(game.date);
  const eloDiff = (team1.elo - team2.elo) / 100;
  const played = Math.min(team1.seasonGames, team2.seasonGames);
  const early = Math.max(0, 1 - played / EARLY_SEASON_GAMES);
  return [
    eloDiff,
    (team1.pts - team2.pts) / 7,
    game.neutral ? 0 : 1,
    game.playoff ? eloDiff : 0,
    eloDiff * early,
    (restDays(team1, day) - restDays(team2, day)) / 7,
    team1.form - team2.form,
  ];
}

export function buildFeatures(state: RatingState, params: RatingParams, game: GameInfo): GameFeatures {
  const team1 = teamAt(state, params, game.team1, game.season);
  const team2 = teamAt(state, params, game.team2, game.season);
  return { values: featuresFromTeams(team1, team2, game), team1, team2 };
}
