/**
 * The 538 game files as rows and games.
 * `readGames` keeps only the columns the model may use — date, season, neutral, playoff, team1,
 * team2, score1, score2 — and never elo1, elo2, elo_prob1 or result1.
 */
import { readFileSync } from 'node:fs';
import { parseCsv as parseTable } from '../../functions/src/domain/csv';
import { canonicalTeam, parseFlag, type GameInfo } from '../../functions/src/domain/games';

export type Row = Record<string, string>;

/** Rows keyed by the header, cells trimmed (the one CSV reader: functions/src/domain/csv.ts). */
export function parseCsv(text: string): Row[] {
  return parseTable(text).rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([name, cell]) => [name, cell.trim()])),
  );
}

/** A game with its scores when known (null when the row has no final score yet). */
export interface CsvGame extends GameInfo {
  score1: number | null;
  score2: number | null;
}

const MODEL_COLUMNS = ['date', 'season', 'neutral', 'playoff', 'team1', 'team2', 'score1', 'score2'] as const;

function score(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function gamesFromRows(rows: readonly Row[], source = 'csv'): CsvGame[] {
  return rows.map((row, i) => {
    const r: Partial<Record<(typeof MODEL_COLUMNS)[number], string>> = {};
    for (const c of MODEL_COLUMNS) r[c] = row[c];
    const season = Number(r.season);
    if (!r.date || !Number.isInteger(season) || !r.team1 || !r.team2) {
      throw new Error(`${source}: row ${i + 2} lacks date, season or teams`);
    }
    return {
      date: r.date,
      season,
      neutral: parseFlag(r.neutral),
      playoff: parseFlag(r.playoff),
      team1: canonicalTeam(r.team1),
      team2: canonicalTeam(r.team2),
      score1: score(r.score1),
      score2: score(r.score2),
    };
  });
}

export function readGames(path: string): CsvGame[] {
  return gamesFromRows(parseCsv(readFileSync(path, 'utf8')), path);
}

export function readRows(path: string): Row[] {
  return parseCsv(readFileSync(path, 'utf8'));
}
