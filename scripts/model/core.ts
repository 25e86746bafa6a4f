/** Shared pieces of the model scripts: paths, artifact files, walk-forward forecasts, evaluation tables. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { outcome1 } from '../../functions/src/domain/games';
import type { ModelArtifact } from '../../functions/src/ml/artifact';
import type { EnsembleModel } from '../../functions/src/ml/model';
import { gamesFromRows, type CsvGame, type Row } from './csv';
import { score, type Scored, type Scores } from './metrics';
import { isFinal, stateFrom, walkDates } from './walk';

export const ROOT = path.resolve(__dirname, '../..');
export const DATA_FILE = path.join(ROOT, 'data/nfl/nfl_games_1920_2017.csv');
export const MODEL_DIR = path.join(ROOT, 'models/nfl');
/** The artifact the API serves and `npm run forecast` uses. */
export const SERVED_ARTIFACT = path.join(MODEL_DIR, 'model.json');
/** Trained on seasons <= 2014 only: what `npm run evaluate` scores on 2015-2017. */
export const VALIDATION_ARTIFACT = path.join(MODEL_DIR, 'validation-model.json');

export function readArtifact(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

export function contentVersion(artifact: Pick<ModelArtifact, 'modelTopology'>, weightData: string): string {
  return createHash('sha256')
    .update(JSON.stringify(artifact.modelTopology))
    .update(weightData)
    .digest('hex')
    .slice(0, 12);
}

export interface GameForecast {
  game: CsvGame;
  probability: number;
}

/**
 * Forecasts every game of `games` walk-forward from the state built on `history` (see walk.ts),
 * in date order (stable within a date). One batched model call per date.
 */
export function forecast(
  model: EnsembleModel,
  history: readonly CsvGame[],
  games: readonly CsvGame[],
): GameForecast[] {
  const params = model.metadata.ratingParams;
  const state = stateFrom(history, params);
  const out: GameForecast[] = [];
  walkDates(state, games, params, (day) => {
    const preds = model.predictBatch(day.map((d) => d.values));
    day.forEach((d, i) =>
      out.push({ game: d.game, probability: (preds[i] as { probability: number }).probability }),
    );
  });
  return out;
}

export interface SeasonComparison {
  label: string;
  ours: Scores;
  fte: Scores;
}

const key = (g: { date: string; team1: string; team2: string }): string => `${g.date}|${g.team1}|${g.team2}`;

/**
 * Walk-forward evaluation on seasons [from, to] of the shared file: history = every earlier season,
 * ours vs 538's elo_prob1 on the same games (538's column is read here only, as the benchmark).
 */
export function compareWith538(
  model: EnsembleModel,
  rows: readonly Row[],
  from: number,
  to: number,
): SeasonComparison[] {
  const all = gamesFromRows(rows);
  const fte = new Map<string, number>();
  rows.forEach((row, i) => fte.set(key(all[i] as CsvGame), Number(row.elo_prob1)));
  const history = all.filter((g) => g.season < from);
  const target = all.filter((g) => g.season >= from && g.season <= to && isFinal(g));
  const forecasts = forecast(model, history, target);
  const bySeason = new Map<number, { ours: Scored[]; fte: Scored[] }>();
  const overall = { ours: [] as Scored[], fte: [] as Scored[] };
  for (const f of forecasts) {
    if (!isFinal(f.game)) continue;
    const outcome = outcome1(f.game);
    const p538 = fte.get(key(f.game));
    if (p538 === undefined || !Number.isFinite(p538))
      throw new Error(`no 538 probability for ${key(f.game)}`);
    const s = bySeason.get(f.game.season) ?? { ours: [], fte: [] };
    bySeason.set(f.game.season, s);
    for (const bucket of [s, overall]) {
      bucket.ours.push({ p: f.probability, outcome, playoff: f.game.playoff });
      bucket.fte.push({ p: p538, outcome, playoff: f.game.playoff });
    }
  }
  const out: SeasonComparison[] = [...bySeason.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([season, s]) => ({ label: String(season), ours: score(s.ours), fte: score(s.fte) }));
  out.push({ label: `${from}-${to}`, ours: score(overall.ours), fte: score(overall.fte) });
  return out;
}

export function comparisonTable(rows: readonly SeasonComparison[]): string {
  const lines = [
    '| seasons | games | Brier (ours) | Brier (538) | Δ Brier | log loss (ours) | log loss (538) | points (ours) | points (538) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${r.ours.games} | ${r.ours.brier.toFixed(4)} | ${r.fte.brier.toFixed(4)} | ${(r.ours.brier - r.fte.brier).toFixed(4)} | ` +
        `${r.ours.logLoss.toFixed(4)} | ${r.fte.logLoss.toFixed(4)} | ${r.ours.points.toFixed(1)} | ${r.fte.points.toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}
