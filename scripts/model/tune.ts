/**
 * Rating-parameter and feature-set search on seasons before 2015 only (fit 1978-2004, score
 * 2005-2014 walk-forward) with a plain Newton logistic fit; how NFL_RATING_PARAMS were chosen.
 * `npx tsx scripts/model/tune.ts feat` compares feature subsets; without argument, a parameter grid.
 */
import { readGames } from './csv';
import {
  DEFAULT_RATING_PARAMS,
  emptyRatingState,
  ingestFinal,
  type RatingParams,
} from '../../functions/src/domain/ratings/state';
import { buildFeatures } from '../../functions/src/domain/features';
import type { FinalGame } from '../../functions/src/domain/games';

const games = readGames('data/nfl/nfl_games_1920_2017.csv').filter(
  (g): g is FinalGame => g.score1 !== null && g.score2 !== null,
);
interface Ex {
  season: number;
  x: number[];
  y: number;
}
function examples(p: RatingParams, to: number): Ex[] {
  const s = emptyRatingState();
  const out: Ex[] = [];
  let i = 0;
  while (i < games.length && games[i]!.season <= to) {
    let j = i;
    const date = games[i]!.date;
    while (j < games.length && games[j]!.date === date) j++;
    const day = games.slice(i, j);
    for (const g of day)
      out.push({
        season: g.season,
        x: buildFeatures(s, p, g).values,
        y: g.score1 > g.score2 ? 1 : g.score1 < g.score2 ? 0 : 0.5,
      });
    for (const g of day) ingestFinal(s, p, g);
    i = j;
  }
  return out;
}
function fit(ex: Ex[], mask: number[], l2: number): number[] {
  const d = mask.length + 1;
  let w = new Array<number>(d).fill(0);
  for (let it = 0; it < 25; it++) {
    const g = new Array<number>(d).fill(0);
    const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (const e of ex) {
      const x = [1, ...mask.map((m) => e.x[m]!)];
      let z = 0;
      for (let k = 0; k < d; k++) z += w[k]! * x[k]!;
      const p = 1 / (1 + Math.exp(-z));
      const r = p - e.y;
      const v = p * (1 - p);
      for (let a = 0; a < d; a++) {
        g[a]! += r * x[a]!;
        for (let b = 0; b < d; b++) H[a]![b]! += v * x[a]! * x[b]!;
      }
    }
    for (let a = 1; a < d; a++) {
      g[a]! += l2 * w[a]!;
      H[a]![a]! += l2;
    }
    // solve H dw = g
    const M = H.map((row, a) => [...row, g[a]!]);
    for (let c = 0; c < d; c++) {
      let piv = c;
      for (let r = c + 1; r < d; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
      [M[c], M[piv]] = [M[piv]!, M[c]!];
      for (let r = 0; r < d; r++)
        if (r !== c) {
          const f = M[r]![c]! / M[c]![c]!;
          for (let k = c; k <= d; k++) M[r]![k]! -= f * M[c]![k]!;
        }
    }
    w = w.map((wi, a) => wi - M[a]![d]! / M[a]![a]!);
  }
  return w;
}
function brier(ex: Ex[], mask: number[], w: number[]): number {
  let b = 0;
  for (const e of ex) {
    let z = w[0]!;
    mask.forEach((m, k) => (z += w[k + 1]! * e.x[m]!));
    const p = 1 / (1 + Math.exp(-z));
    b += (p - e.y) ** 2;
  }
  return b / ex.length;
}
export function evalCfg(
  p: RatingParams,
  mask: number[],
  trainFrom: number,
  trainTo: number,
  valFrom: number,
  valTo: number,
): number {
  const ex = examples(p, valTo);
  const w = fit(
    ex.filter((e) => e.season >= trainFrom && e.season <= trainTo),
    mask,
    1,
  );
  return brier(
    ex.filter((e) => e.season >= valFrom && e.season <= valTo),
    mask,
    w,
  );
}
const b: RatingParams = {
  ...DEFAULT_RATING_PARAMS,
  elo: { ...DEFAULT_RATING_PARAMS.elo, k: 10 },
  points: { ...DEFAULT_RATING_PARAMS.points, k: 0.08, seasonRegression: 0.6, marginCap: 32 },
};
const all = [0, 1, 2, 3, 4, 5, 6];
const args = process.argv.slice(2);
if (args[0] === 'feat') {
  for (const mask of [
    [0, 2],
    [0, 1, 2],
    [1, 2],
    [0, 1, 2, 3],
    [0, 1, 2, 3, 4],
    [0, 1, 2, 3, 4, 5],
    all,
    [0, 1, 2, 3, 5],
    [0, 1, 2, 3, 4, 6],
  ])
    console.log(
      JSON.stringify(mask),
      evalCfg(b, mask, 1978, 2004, 2005, 2014).toFixed(5),
      'from1990',
      evalCfg(b, mask, 1990, 2004, 2005, 2014).toFixed(5),
    );
} else {
  const res: [number, string][] = [];
  for (const k of [8, 10, 12])
    for (const rev of [0.25, 1 / 3])
      for (const pk of [0.08])
        for (const prev of [0.6, 0.7])
          for (const cap of [32]) {
            const p: RatingParams = {
              ...b,
              elo: { ...b.elo, k, seasonRegression: rev, movPower: 1 },
              points: { ...b.points, k: pk, seasonRegression: prev, marginCap: cap },
            };
            res.push([evalCfg(p, all, 1978, 2004, 2005, 2014), JSON.stringify({ k, rev, pk, prev, cap })]);
          }
  res.sort((x, y) => x[0] - y[0]);
  for (const r of res.slice(0, 12)) console.log(r[0].toFixed(5), r[1]);
}
