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
