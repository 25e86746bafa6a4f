/**
 * A second, margin-based rating in points (a recursive least-squares-like "power rating"):
 * expected margin of team1 = pts1 - pts2 + home advantage; after the game both teams move by
 * K * (clipped actual margin - expected margin), zero-sum. Clipping at `marginCap` stops blowouts
 * from dominating. It sees the same results as Elo but weighs margins linearly, which carries
 * information Elo's win/loss view compresses away; the learned model decides how much to trust each.
 * Between seasons ratings regress toward 0 by `seasonRegression`.
 */

export interface PointsParams {
  k: number;
  homeAdvantage: number;
  marginCap: number;
  seasonRegression: number;
}

export const DEFAULT_POINTS_PARAMS: Readonly<PointsParams> = {
  k: 0.1,
  homeAdvantage: 2.5,
  marginCap: 24,
  seasonRegression: 0.4,
};

export function pointsExpectedMargin(p: PointsParams, pts1: number, pts2: number, neutral: boolean): number {
  return pts1 - pts2 + (neutral ? 0 : p.homeAdvantage);
}

/** Points team1 gains (team2 loses the same) after a final with margin score1 - score2. */
export function pointsShift(p: PointsParams, expectedMargin: number, margin: number): number {
  const clipped = Math.max(-p.marginCap, Math.min(p.marginCap, margin));
  return p.k * (clipped - expectedMargin);
}

export function regressPoints(p: PointsParams, rating: number, seasons: number): number {
  let r = rating;
  for (let i = 0; i < seasons; i++) r = (1 - p.seasonRegression) * r;
  return r;
}
