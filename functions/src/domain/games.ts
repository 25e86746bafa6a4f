/**
 * A game as the model sees it: only what is known before kickoff (date, season, teams, site,
 * playoff) plus, once final, the two scores. 538's own columns (elo1, elo2, elo_prob1, result1) are
 * deliberately absent: the served model never sees them.
 */

export interface GameInfo {
  /** Calendar date of the game, `YYYY-MM-DD`. */
  date: string;
  /** NFL season (a January playoff game belongs to the previous calendar year's season). */
  season: number;
  /** team1 is the home team unless the game is on a neutral site. */
  team1: string;
  team2: string;
  neutral: boolean;
  playoff: boolean;
}

export interface FinalGame extends GameInfo {
  score1: number;
  score2: number;
}

/**
 * Franchise codes that other data sources (or later 538 files) may use for a franchise our history
 * files under another code. The history keeps one code per franchise across moves (e.g. LAR for the
 * Rams in St. Louis), so a relocated team keeps its rating. Only codes absent from our history are
 * mapped, so no historical team is merged by accident.
 */
const FRANCHISE_ALIASES: Readonly<Record<string, string>> = {
  LV: 'OAK',
  LVR: 'OAK',
  WAS: 'WSH',
  LA: 'LAR',
  SD: 'LAC',
  SDG: 'LAC',
  JAC: 'JAX',
  KAN: 'KC',
  GNB: 'GB',
  NWE: 'NE',
  NOR: 'NO',
  SFO: 'SF',
  TAM: 'TB',
};

/** The history's code for a franchise code (the one alias table: imports and the model scripts use it). */
export function canonicalTeam(code: string): string {
  const upper = code.trim().toUpperCase();
  return FRANCHISE_ALIASES[upper] ?? upper;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whole days since 1970-01-01 for a `YYYY-MM-DD` date (UTC, no clock involved). */
export function dayNumber(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`bad date "${date}" (want YYYY-MM-DD)`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000;
}

/** Outcome for team1: 1 win, 0.5 tie, 0 loss. */
export function outcome1(game: FinalGame): number {
  if (game.score1 > game.score2) return 1;
  if (game.score1 < game.score2) return 0;
  return 0.5;
}

/** Stable chronological order (date, then the order given) — the order ratings are built in. */
export function sortByDate<T extends { date: string }>(games: readonly T[]): T[] {
  return games
    .map((game, index) => ({ game, index }))
    .sort((a, b) => (a.game.date < b.game.date ? -1 : a.game.date > b.game.date ? 1 : a.index - b.index))
    .map((x) => x.game);
}
