/**
 * What a write to a game changes downstream. Ratings depend on the set of final games and their
 * content (date, season, teams, site, playoff, scores); every model input also includes the game's
 * own date, teams and site. So:
 * - a write that touches a final (becomes final, score corrected, reverted, moved, deleted) must
 *   recompute ratings from the earliest date it touched;
 * - any other change to a model input (kickoff date, teams, site, playoff of a scheduled game) only
 *   needs new prediction keys (a ratingsVersion bump);
 * - anything else (a status note, a console touch that changed nothing) changes nothing: that is the
 *   loop guard, and why an import of unchanged games fires no work.
 */

export interface GameFacts {
  sport: string;
  date: string;
  season: number;
  homeTeam: string;
  awayTeam: string;
  neutral: boolean;
  playoff: boolean;
  final: boolean;
  homeScore: number | null;
  awayScore: number | null;
}

export interface GameChange {
  sport: string | null;
  /** Recompute ratings from this date on, or null. */
  ratingsFrom: string | null;
  /** Model inputs changed without touching a final: new prediction keys are enough. */
  inputsChanged: boolean;
  /** The outcome for the home team before and after (1, 0.5, 0), null when not final. */
  outcomeBefore: number | null;
  outcomeAfter: number | null;
}

export function outcome(g: GameFacts | null): number | null {
  if (!g?.final || g.homeScore === null || g.awayScore === null) return null;
  return g.homeScore > g.awayScore ? 1 : g.homeScore < g.awayScore ? 0 : 0.5;
}

function inputs(g: GameFacts): string {
  return JSON.stringify([g.sport, g.date, g.season, g.homeTeam, g.awayTeam, g.neutral, g.playoff]);
}

function finalContent(g: GameFacts | null): string | null {
  return g?.final ? `${inputs(g)}|${g.homeScore}-${g.awayScore}` : null;
}

export function gameChange(before: GameFacts | null, after: GameFacts | null): GameChange {
  const sport = after?.sport ?? before?.sport ?? null;
  const change: GameChange = {
    sport,
    ratingsFrom: null,
    inputsChanged: false,
    outcomeBefore: outcome(before),
    outcomeAfter: outcome(after),
  };
  if (finalContent(before) !== finalContent(after)) {
    const dates = [before?.final ? before.date : null, after?.final ? after.date : null].filter(
      (d): d is string => d !== null,
    );
    change.ratingsFrom = dates.sort()[0] ?? null;
  } else if ((before ? inputs(before) : null) !== (after ? inputs(after) : null)) {
    change.inputsChanged = true;
  }
  return change;
}
