/**
 * Elo for the NFL, in the FiveThirtyEight family, computed from final scores only.
 *
 * - Expected score of team1: 1 / (1 + 10^(-d / 400)), d = elo1 - elo2 + home advantage (0 on a
 *   neutral site), scaled by `playoffScale` in the playoffs (favourites win playoff games more often).
 * - Update: both teams move by K * M * (outcome - expected), zero-sum.
 * - Margin of victory multiplier M = ln(|margin| + 1)^movPower * C / (C + 0.001 * winnerDiff), where
 *   winnerDiff is the winner's pre-game edge including home advantage. The second factor is 538's
 *   autocorrelation correction: favourites win by more, so without it their ratings inflate. A tie
 *   uses margin 1 (ln 2), as 538 does.
 * - Between seasons every rating regresses toward `mean` by `seasonRegression` (538: 1/3), because
 *   rosters turn over. This happens lazily, the first time a team is looked at in a later season,
 *   so the result does not depend on when (or whether) a season boundary is "announced".
 */

export interface EloParams {
  k: number;
  homeAdvantage: number;
  playoffScale: number;
  movPower: number;
  /** C in the autocorrelation correction (538: 2.2). */
  autocorr: number;
  seasonRegression: number;
  mean: number;
  /** Rating of a franchise first seen after the first season of the history (expansion teams). */
  expansionRating: number;
}

export const DEFAULT_ELO_PARAMS: Readonly<EloParams> = {
  k: 20,
  homeAdvantage: 65,
  playoffScale: 1.2,
  movPower: 1,
  autocorr: 2.2,
  seasonRegression: 1 / 3,
  mean: 1505,
  expansionRating: 1300,
};

/** Pre-game rating edge of team1 in Elo points (home advantage and playoff scaling included). */
export function eloEdge(
  p: EloParams,
  elo1: number,
  elo2: number,
  neutral: boolean,
  playoff: boolean,
): number {
  const d = elo1 - elo2 + (neutral ? 0 : p.homeAdvantage);
  return playoff ? d * p.playoffScale : d;
}

export function eloExpected(edge: number): number {
  return 1 / (1 + Math.pow(10, -edge / 400));
}

export function movMultiplier(p: EloParams, margin: number, edge: number): number {
  const m = Math.abs(margin);
  // The winner's edge: positive when the favourite won (shrinks the multiplier).
  const winnerEdge = margin > 0 ? edge : margin < 0 ? -edge : 0;
  const base = Math.log(Math.max(m, 1) + 1);
  return Math.pow(base, p.movPower) * (p.autocorr / (p.autocorr + 0.001 * winnerEdge));
}

/** Rating points team1 gains (team2 loses the same) for a final result. */
export function eloShift(p: EloParams, edge: number, margin: number): number {
  const outcome = margin > 0 ? 1 : margin < 0 ? 0 : 0.5;
  return p.k * movMultiplier(p, margin, edge) * (outcome - eloExpected(edge));
}

export function regressElo(p: EloParams, rating: number, seasons: number): number {
  let r = rating;
  for (let i = 0; i < seasons; i++) r = p.mean + (1 - p.seasonRegression) * (r - p.mean);
  return r;
}
