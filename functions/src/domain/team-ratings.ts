/**
 * The public ratings table of a sport and one team's season, from the rating state
 * (./ratings/state.ts) and a season's games. Pure: the service reads the snapshots and games.
 *
 * A team's rating in the table is the one its next game of the season would be predicted from:
 * `teamAt` applies the between-seasons regression lazily, so before a team's first final of a new
 * season the table shows its regressed (preseason) rating, as the predictions use it. The table
 * lists the teams that have a game in the season; ranks are by Elo (ties by team code).
 */
import { teamAt, type RatingParams, type RatingState } from './ratings/state';

/** What the table and a team's page need of a game (the API's Game has these fields). */
export interface SeasonGame {
  gameId: string;
  /** ISO date-time in UTC: its first 10 characters are the date ratings use. */
  kickoff: string;
  season: number;
  homeTeam: string;
  awayTeam: string;
  status: 'scheduled' | 'final';
  homeScore: number | null;
  awayScore: number | null;
}

export interface TeamRecord {
  wins: number;
  losses: number;
  ties: number;
}

export interface TeamRatingRow {
  team: string;
  /** 1 = the highest Elo. */
  rank: number;
  elo: number;
  /** The margin-based rating, in points against an average team on a neutral field. */
  points: number;
  /** Recent over- (positive) or under-performance against Elo's expectation, -1 to 1. */
  form: number;
  /** Finals of the season (regular season and playoffs). */
  record: TeamRecord;
  /** The date of the team's latest final (any season), or null. */
  lastGameDate: string | null;
}

export interface HistoryPoint {
  /** The game's date; for the season's starting rating, the date of the team's first game. */
  date: string;
  /** The final this rating came out of; null for the rating the team started the season with. */
  gameId: string | null;
  elo: number;
  points: number;
}

const DAY_MS = 86_400_000;
const round = (x: number, places: number): number => {
  const f = 10 ** places;
  return Math.round(x * f) / f || 0;
};

/** The UTC date ratings use for a game (`YYYY-MM-DD`). */
export const dateOfKickoff = (kickoff: string): string => new Date(kickoff).toISOString().slice(0, 10);

const isFinal = (g: SeasonGame): g is SeasonGame & { homeScore: number; awayScore: number } =>
  g.status === 'final' && g.homeScore !== null && g.awayScore !== null;

/** Each team's wins, losses and ties over the final games given (both teams of every game listed). */
export function seasonRecords(games: readonly SeasonGame[]): Map<string, TeamRecord> {
  const out = new Map<string, TeamRecord>();
  const of = (team: string) => {
    let r = out.get(team);
    if (!r) out.set(team, (r = { wins: 0, losses: 0, ties: 0 }));
    return r;
  };
  for (const g of games) {
    const home = of(g.homeTeam);
    const away = of(g.awayTeam);
    if (!isFinal(g)) continue;
    if (g.homeScore > g.awayScore) {
      home.wins += 1;
      away.losses += 1;
    } else if (g.homeScore < g.awayScore) {
      home.losses += 1;
      away.wins += 1;
    } else {
      home.ties += 1;
      away.ties += 1;
    }
  }
  return out;
}

/** The table of every team with a game in `season`'s `games`, rated from `state`, by Elo. */
export function ratingsTable(
  state: RatingState,
  params: RatingParams,
  season: number,
  games: readonly SeasonGame[],
): TeamRatingRow[] {
  const records = seasonRecords(games.filter((g) => g.season === season));
  const rows = [...records].map(([team, record]) => {
    const t = teamAt(state, params, team, season);
    return {
      team,
      rank: 0,
      elo: round(t.elo, 2),
      points: round(t.pts, 2),
      form: round(t.form, 4),
      record,
      lastGameDate: t.lastDay === null ? null : new Date(t.lastDay * DAY_MS).toISOString().slice(0, 10),
    };
  });
  rows.sort((a, b) => b.elo - a.elo || (a.team < b.team ? -1 : a.team > b.team ? 1 : 0));
  rows.forEach((row, i) => (row.rank = i + 1));
  return rows;
}

/** A team's games of a season (home or away), in kickoff order. */
export function gamesOfTeam<G extends SeasonGame>(games: readonly G[], team: string): G[] {
  return games
    .filter((g) => g.homeTeam === team || g.awayTeam === team)
    .sort((a, b) => (a.kickoff < b.kickoff ? -1 : a.kickoff > b.kickoff ? 1 : a.gameId < b.gameId ? -1 : 1));
}

/** The snapshot dates a team's season history needs: the dates of its finals. */
export function finalDates(teamGames: readonly SeasonGame[]): string[] {
  return [...new Set(teamGames.filter(isFinal).map((g) => dateOfKickoff(g.kickoff)))];
}

/**
 * A team's rating over a season: the rating it started the season with (from `before`, the state
 * before its first game), then its rating after each of its finals (from the snapshot of that
 * game's date, in `after`). A final whose snapshot is not there yet (ratings still being
 * recomputed) has no point. One point per game: at most a season's games plus one.
 */
export function seasonHistory(
  params: RatingParams,
  team: string,
  season: number,
  teamGames: readonly SeasonGame[],
  before: RatingState,
  after: ReadonlyMap<string, RatingState>,
): HistoryPoint[] {
  const first = teamGames[0];
  if (!first) return [];
  const start = teamAt(before, params, team, season);
  const points: HistoryPoint[] = [
    {
      date: dateOfKickoff(first.kickoff),
      gameId: null,
      elo: round(start.elo, 2),
      points: round(start.pts, 2),
    },
  ];
  for (const g of teamGames) {
    if (!isFinal(g)) continue;
    const date = dateOfKickoff(g.kickoff);
    const t = after.get(date)?.teams[team];
    if (!t || t.season !== season) continue;
    points.push({ date, gameId: g.gameId, elo: round(t.elo, 2), points: round(t.pts, 2) });
  }
  return points;
}
