/**
 * Scoring rules. Brier and log loss count ties as outcome 0.5; FiveThirtyEight's forecasting game
 * gives 25 - 100 * (round(p, 2) - outcome)^2 points per game, doubled in the playoffs, ties skipped.
 */
export interface Scored {
  p: number;
  outcome: number;
  playoff: boolean;
}

export interface Scores {
  games: number;
  brier: number;
  logLoss: number;
  points: number;
  pointsPerGame: number;
}

export function gamePoints(p: number, outcome: number, playoff: boolean): number {
  const rounded = Math.round(p * 100) / 100;
  const pts = 25 - 100 * (rounded - outcome) ** 2;
  return playoff ? 2 * pts : pts;
}

export function score(items: readonly Scored[]): Scores {
  let brier = 0;
  let logLoss = 0;
  let points = 0;
  let pointGames = 0;
  for (const { p, outcome, playoff } of items) {
    brier += (p - outcome) ** 2;
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p));
    logLoss -= outcome * Math.log(q) + (1 - outcome) * Math.log(1 - q);
    if (outcome !== 0.5) {
      points += gamePoints(p, outcome, playoff);
      pointGames++;
    }
  }
  const n = items.length;
  return {
    games: n,
    brier: brier / n,
    logLoss: logLoss / n,
    points,
    pointsPerGame: pointGames ? points / pointGames : 0,
  };
}
