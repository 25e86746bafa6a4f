/**
 * The 538 game files as rows and games.
 * `readGames` keeps only the columns the model may use — date, season, neutral, playoff, team1,
 * team2, score1, score2 — and never elo1, elo2, elo_prob1 or result1.
 */
import { readFileSync } from 'node:fs';
import { parseCsv as parseTable } from '../../functions/src/domain/csv';
import { parseGameRows } from '../../functions/src/domain/game-rows';
import type { GameInfo } from '../../functions/src/domain/games';

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

/**
 * The games of a file, read as the API import reads them (domain/game-rows: flag words, franchise
 * aliases, both-or-neither scores); a bad row stops the run, naming its line and fields.
 */
export function gamesFromRows(rows: readonly Row[], source = 'csv'): CsvGame[] {
  return parseGameRows(rows, source);
}

export function readGames(path: string): CsvGame[] {
  return gamesFromRows(parseCsv(readFileSync(path, 'utf8')), path);
}

export function readRows(path: string): Row[] {
  return parseCsv(readFileSync(path, 'utf8'));
}
