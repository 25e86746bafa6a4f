/**
 * Cache keys. Prediction keys are content-addressed: the model version, the game, and the sport's
 * ratingsVersion (bumped by every write that changes a model input). An entry under a key is
 * therefore immutable; a new model version or a ratings change makes new keys, and old entries
 * simply stop being asked for.
 */

export interface PredictionKeyParts {
  modelId: string;
  version: string;
  gameId: string;
  ratingsVersion: number;
}

export function predictionKey(p: PredictionKeyParts): string {
  return `pred:${p.modelId}@${p.version}:${p.gameId}:${p.ratingsVersion}`;
}

export interface MatchupKeyParts {
  modelId: string;
  version: string;
  sport: string;
  homeTeam: string;
  awayTeam: string;
  date: string;
  neutral: boolean;
  playoff: boolean;
  ratingsVersion: number;
}

export function matchupKey(p: MatchupKeyParts): string {
  return `matchup:${p.modelId}@${p.version}:${p.sport}:${p.homeTeam}:${p.awayTeam}:${p.date}:${p.neutral ? 'n' : 'h'}${
    p.playoff ? 'p' : 'r'
  }:${p.ratingsVersion}`;
}

/**
 * The next ratingsVersion: greater than the last one and than any earlier clock reading, so a
 * version is never reused even if the sports document is deleted and recreated (a reused number
 * would let caches serve predictions computed from other ratings under the same key).
 */
export function nextRatingsVersion(previous: number, nowMs: number): number {
  return Math.max(previous + 1, nowMs);
}

/** Rating state before a date, per ratings version (shared by every game of that date). */
export function stateKey(sport: string, date: string, ratingsVersion: number): string {
  return `state:${sport}:${date}:${ratingsVersion}`;
}

/** The sport a game id belongs to, when the id follows `{sport}_{date}_{home}_{away}`. */
export function sportFromGameId(gameId: string, sports: readonly string[]): string | null {
  const prefix = gameId.slice(0, gameId.indexOf('_'));
  return sports.includes(prefix) ? prefix : null;
}

/**
 * The snapshot a game on `date` is predicted from: the latest date with finals strictly before it
 * (`dates` sorted ascending), or null when there is none (the empty state).
 */
export function snapshotDateBefore(dates: readonly string[], date: string): string | null {
  let lo = 0;
  let hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((dates[mid] as string) < date) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : (dates[lo - 1] as string);
}

/** A sport's public ratings table, per ratings version (content-addressed: never edited). */
export function ratingsTableKey(sport: string, ratingsVersion: number): string {
  return `ratings:${sport}:${ratingsVersion}`;
}

/**
 * One team's season page (rating history, schedule with predictions), per ratings version and per
 * served model version (`none` before a model serves): a new final, any other game change that
 * moves ratingsVersion, or an activation makes a new key.
 */
export function teamPageKey(p: {
  sport: string;
  team: string;
  season: number;
  ratingsVersion: number;
  model: string | null;
}): string {
  return `team-page:${p.sport}:${p.team}:${p.season}:${p.ratingsVersion}:${p.model ?? 'none'}`;
}

/**
 * The family of a sport's week answers: its version is bumped after every write that changes a
 * game as the API shows it (a result, a score, a kickoff, a new or deleted game), since one game
 * moves its own week and the previous/next links and "current week" of others.
 */
export function weeksFamilyKey(sport: string): string {
  return `weeks:${sport}`;
}

export interface WeekKeyParts {
  sport: string;
  /** The week's first day, or `current` for the week opened without a date. */
  week: string;
  /** The served model and ratingsVersion the predictions were read under; null before any model. */
  served: { modelId: string; version: string; ratingsVersion: number } | null;
}

/** A week answer: a model activation or a ratings change gives every week a new key. */
export function weekKey(p: WeekKeyParts): string {
  const served = p.served ? `${p.served.modelId}@${p.served.version}:${p.served.ratingsVersion}` : 'none';
  return `week:${p.sport}:${p.week}:${served}`;
}
