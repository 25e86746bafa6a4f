/**
 * Feature / rating / training-setting search with rolling walk-forward folds, on seasons before 2015
 * only. Fold Y fits a logistic regression (no intercept, mean cross-entropy + L2, as train.ts, but a
 * plain Newton fit without bootstrap: the ensemble mean is essentially the same fit) on seasons
 * [1978, Y-1] and scores Y..Y+2; 538's elo_prob1 on the same games is the benchmark (read here only,
 * never an input). Two sets of folds:
 *   - tuning folds Y = 2000, 2003, 2006, 2009, 2012 (what candidates were selected on);
 *   - check folds  Y = 1985, 1988, 1991, 1994, 1997 (earlier seasons, looked at only after selecting).
 * A change is worth making only when it wins on average AND on most folds of both sets.
 *
 * Result of the search (see the candidates below): the best tuning-fold candidate (a points rating
 * with a faster gain early in a season, regression 0.5, only eloDiff/pointsDiff/home/restDiff) won on
 * 4 of 5 tuning folds but lost to the current model on 4 of 5 check folds, so NFL_RATING_PARAMS and
 * FEATURE_NAMES were left unchanged.
 *
 *   npx tsx scripts/model/tune.ts        main candidates vs the current model and 538
 *   npx tsx scripts/model/tune.ts grid   grid over the early-season-gain points rating
 */
import { FEATURE_NAMES, buildFeatures } from '../../functions/src/domain/features';
import { sortByDate, type FinalGame } from '../../functions/src/domain/games';
import {
  DEFAULT_RATING_PARAMS,
  NFL_RATING_PARAMS,
  emptyRatingState,
  ingestFinal,
  type RatingParams,
} from '../../functions/src/domain/ratings/state';
import { DATA_FILE } from './core';
import { gamesFromRows, readRows } from './csv';

const TUNING_FOLDS = [2000, 2003, 2006, 2009, 2012];
const CHECK_FOLDS = [1985, 1988, 1991, 1994, 1997];
const LAST_TUNING_SEASON = 2014;

interface Final {
  game: FinalGame;
  /** 538's probability: the benchmark only. */
  p538: number;
  y: number;
}

function loadFinals(): Final[] {
  const rows = readRows(DATA_FILE);
  const games = gamesFromRows(rows, DATA_FILE);
  const out: Final[] = [];
  games.forEach((g, i) => {
    if (g.score1 === null || g.score2 === null || g.season > LAST_TUNING_SEASON) return;
    const game = { ...g, score1: g.score1, score2: g.score2 };
    const y = game.score1 > game.score2 ? 1 : game.score1 < game.score2 ? 0 : 0.5;
    out.push({ game, p538: Number(rows[i]?.elo_prob1), y });
  });
  const order = new Map(sortByDate(out.map((f) => f.game)).map((g, i) => [g, i]));
  return out.sort((a, b) => (order.get(a.game) ?? 0) - (order.get(b.game) ?? 0));
}

const finals = loadFinals();

/**
 * A points-rating variant the engine does not have: like ratings/points.ts, but with a gain raised
 * by `earlyBoost` × K in a team's first game of a season, fading to K once both teams have played
 * `earlyGames` games (early-season ratings are least certain).
 */
interface BoostedPoints {
  k: number;
  seasonRegression: number;
  earlyBoost: number;
  earlyGames: number;
}

/**
 * Candidate features: the engine's seven, elo538Diff (Elo with 538's K = 20 and the same MOV formula,
 * as an extra input) and the boosted points rating when asked for.
 */
type Candidates = Record<string, number>;

const cache = new Map<string, Candidates[]>();
function candidates(params: RatingParams, boosted?: BoostedPoints): Candidates[] {
  const key = JSON.stringify([params, boosted]);
  const hit = cache.get(key);
  if (hit) return hit;
  const state = emptyRatingState();
  const fteParams: RatingParams = { ...params, elo: { ...DEFAULT_RATING_PARAMS.elo } };
  const fteState = emptyRatingState();
  const alt = new Map<string, { pts: number; season: number; games: number }>();
  const altAt = (team: string, season: number): { pts: number; season: number; games: number } => {
    const t = alt.get(team);
    if (!t) return { pts: 0, season, games: 0 };
    if (t.season >= season || !boosted) return t;
    const gap = Math.min(season - t.season, 10);
    return { pts: t.pts * Math.pow(1 - boosted.seasonRegression, gap), season, games: 0 };
  };
  const p = params.points;
  const out: Candidates[] = [];
  let i = 0;
  while (i < finals.length) {
    const date = finals[i]?.game.date;
    let j = i;
    while (j < finals.length && finals[j]?.game.date === date) j++;
    const day = finals.slice(i, j).map((f) => f.game);
    for (const game of day) {
      const values = buildFeatures(state, params, game).values;
      const c: Candidates = Object.fromEntries(FEATURE_NAMES.map((n, k) => [n, values[k] ?? 0]));
      c.elo538Diff = buildFeatures(fteState, fteParams, game).values[0] ?? 0;
      c.boostedPointsDiff = (altAt(game.team1, game.season).pts - altAt(game.team2, game.season).pts) / 7;
      out.push(c);
    }
    for (const game of day) {
      if (boosted) {
        const t1 = altAt(game.team1, game.season);
        const t2 = altAt(game.team2, game.season);
        const played = Math.min(t1.games, t2.games);
        const gain = boosted.k * (1 + boosted.earlyBoost * Math.max(0, 1 - played / boosted.earlyGames));
        const margin = Math.max(-p.marginCap, Math.min(p.marginCap, game.score1 - game.score2));
        const shift = gain * (margin - (t1.pts - t2.pts + (game.neutral ? 0 : p.homeAdvantage)));
        alt.set(game.team1, { pts: t1.pts + shift, season: game.season, games: t1.games + 1 });
        alt.set(game.team2, { pts: t2.pts - shift, season: game.season, games: t2.games + 1 });
      }
      ingestFinal(state, params, game);
      ingestFinal(fteState, fteParams, game);
    }
    i = j;
  }
  cache.set(key, out);
  return out;
}

/** Weighted logistic regression without intercept: weighted mean cross-entropy + l2 * |w|^2. */
function fit(x: readonly number[][], y: readonly number[], weight: readonly number[], l2: number): number[] {
  const d = x[0]?.length ?? 0;
  let w = new Array<number>(d).fill(0);
  const total = weight.reduce((a, b) => a + b, 0);
  for (let it = 0; it < 30; it++) {
    const g = new Array<number>(d).fill(2 * l2).map((v, a) => v * (w[a] ?? 0));
    const H = Array.from({ length: d }, (_, a) =>
      Array.from({ length: d }, (_, b) => (a === b ? 2 * l2 : 0)),
    );
    x.forEach((xi, n) => {
      const z = xi.reduce((s, v, k) => s + v * (w[k] ?? 0), 0);
      const p = 1 / (1 + Math.exp(-z));
      const wn = (weight[n] ?? 0) / total;
      for (let a = 0; a < d; a++) {
        g[a] = (g[a] ?? 0) + wn * (p - (y[n] ?? 0)) * (xi[a] ?? 0);
        const row = H[a] as number[];
        for (let b = 0; b < d; b++) row[b] = (row[b] ?? 0) + wn * p * (1 - p) * (xi[a] ?? 0) * (xi[b] ?? 0);
      }
    });
    const step = solve(H, g);
    w = w.map((wi, a) => wi - (step[a] ?? 0));
    if (Math.max(...step.map(Math.abs)) < 1e-10) break;
  }
  return w;
}

/** Gaussian elimination with partial pivoting: A x = b. */
function solve(A: number[][], b: number[]): number[] {
  const d = b.length;
  const M = A.map((row, i) => [...row, b[i] ?? 0]);
  const at = (r: number, c: number): number => M[r]?.[c] ?? 0;
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(at(r, c)) > Math.abs(at(piv, c))) piv = r;
    [M[c], M[piv]] = [M[piv] as number[], M[c] as number[]];
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = at(r, c) / at(c, c);
      const row = M[r] as number[];
      for (let k = c; k <= d; k++) row[k] = at(r, k) - f * at(c, k);
    }
  }
  return M.map((row, i) => (row[d] ?? 0) / (row[i] ?? 1));
}

interface Candidate {
  name: string;
  params: RatingParams;
  boosted?: BoostedPoints;
  features: string[];
  trainFrom?: number;
  l2?: number;
  /** Recency half-life of training examples in seasons (default: none). */
  halfLife?: number;
  /** Log-odds divided by this temperature (default 1). */
  temperature?: number;
}

interface Fold {
  fold: number;
  games: number;
  brier: number;
  logLoss: number;
  brier538: number;
}

function runFolds(c: Candidate, folds: readonly number[]): Fold[] {
  const feats = candidates(c.params, c.boosted);
  const x = feats.map((f) => c.features.map((n) => f[n] ?? 0));
  const from = c.trainFrom ?? 1978;
  return folds.map((Y) => {
    const train = finals
      .map((f, i) => ({ f, i }))
      .filter(({ f }) => f.game.season >= from && f.game.season < Y);
    const hl = c.halfLife ?? Infinity;
    const w = fit(
      train.map(({ i }) => x[i] ?? []),
      train.map(({ f }) => f.y),
      train.map(({ f }) => (Number.isFinite(hl) ? Math.pow(0.5, (Y - 1 - f.game.season) / hl) : 1)),
      c.l2 ?? 1e-3,
    );
    let brier = 0;
    let logLoss = 0;
    let brier538 = 0;
    let games = 0;
    finals.forEach((f, i) => {
      if (f.game.season < Y || f.game.season > Y + 2) return;
      const z = (x[i] ?? []).reduce((s, v, k) => s + v * (w[k] ?? 0), 0) / (c.temperature ?? 1);
      const p = 1 / (1 + Math.exp(-z));
      brier += (p - f.y) ** 2;
      logLoss -= f.y * Math.log(p) + (1 - f.y) * Math.log(1 - p);
      brier538 += (f.p538 - f.y) ** 2;
      games++;
    });
    return { fold: Y, games, brier: brier / games, logLoss: logLoss / games, brier538: brier538 / games };
  });
}

function row(name: string, folds: Fold[]): string {
  const n = folds.reduce((s, f) => s + f.games, 0);
  const mean = (k: 'brier' | 'logLoss' | 'brier538'): number =>
    folds.reduce((s, f) => s + f[k] * f.games, 0) / n;
  const wins = folds.filter((f) => f.brier < f.brier538).length;
  return (
    `| ${name} | ${folds.map((f) => (f.brier - f.brier538).toFixed(4)).join(' | ')} | ` +
    `${mean('brier').toFixed(5)} | ${(mean('brier') - mean('brier538')).toFixed(5)} | ${mean('logLoss').toFixed(4)} | ${wins}/${folds.length} |`
  );
}

function header(folds: readonly number[]): string {
  return [
    `| candidate | ${folds.map((y) => `Δ538 ${y}-${y + 2}`).join(' | ')} | Brier | Δ538 | log loss | folds won |`,
    `|---|${folds.map(() => '---:').join('|')}|---:|---:|---:|---:|`,
  ].join('\n');
}

const ALL = [...FEATURE_NAMES];
const FOUR = ['eloDiff', 'pointsDiff', 'home', 'restDiff'];
const BOOSTED_FOUR = ['eloDiff', 'boostedPointsDiff', 'home', 'restDiff'];
const BOOST: BoostedPoints = { k: 0.08, seasonRegression: 0.5, earlyBoost: 1, earlyGames: 8 };

function main(): void {
  const base = NFL_RATING_PARAMS;
  if (process.argv[2] === 'grid') {
    console.log(header(TUNING_FOLDS));
    for (const k of [0.06, 0.08, 0.1])
      for (const seasonRegression of [0.5, 0.6, 0.7])
        for (const earlyBoost of [0, 0.5, 1, 1.5])
          for (const earlyGames of earlyBoost === 0 ? [8] : [4, 8, 12]) {
            const name = `K ${k}, regression ${seasonRegression}, boost ${earlyBoost} over ${earlyGames}`;
            const boosted = { k, seasonRegression, earlyBoost, earlyGames };
            console.log(
              row(name, runFolds({ name, params: base, boosted, features: BOOSTED_FOUR }, TUNING_FOLDS)),
            );
          }
    return;
  }
  const boostedAll = ALL.map((n) => (n === 'pointsDiff' ? 'boostedPointsDiff' : n));
  const list: Candidate[] = [
    { name: 'current model (7 features)', params: base, features: ALL },
    { name: 'current, trained from 1990', params: base, features: ALL, trainFrom: 1990 },
    { name: 'current, L2 0.01', params: base, features: ALL, l2: 1e-2 },
    { name: 'current, recency half-life 10 seasons', params: base, features: ALL, halfLife: 10 },
    { name: 'current, temperature 0.95', params: base, features: ALL, temperature: 0.95 },
    { name: 'current + 538 Elo (K 20)', params: base, features: [...ALL, 'elo538Diff'] },
    { name: 'current without formDiff', params: base, features: ALL.filter((n) => n !== 'formDiff') },
    { name: 'eloDiff, pointsDiff, home, restDiff', params: base, features: FOUR },
    { name: '538 Elo (K 20) + home only', params: base, features: ['elo538Diff', 'home'] },
    { name: 'early-gain points rating, 7 features', params: base, boosted: BOOST, features: boostedAll },
    { name: 'early-gain points rating, 4 features', params: base, boosted: BOOST, features: BOOSTED_FOUR },
  ];
  for (const folds of [TUNING_FOLDS, CHECK_FOLDS]) {
    console.log(`\n${folds === TUNING_FOLDS ? 'tuning' : 'check'} folds\n${header(folds)}`);
    for (const c of list) console.log(row(c.name, runFolds(c, folds)));
  }
}

main();
