/**
 * Minimal CSV reading/writing for the 538 game files (comma separated, optional double quotes).
 * `readGames` keeps only the columns the model may use — date, season, neutral, playoff, team1,
 * team2, score1, score2 — and never elo1, elo2, elo_prob1 or result1.
 */
import { readFileSync } from 'node:fs';
import { canonicalTeam, parseFlag, type GameInfo } from '../../functions/src/domain/games';

export type Row = Record<string, string>;

function splitLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseCsv(text: string): Row[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitLine(lines[0] ?? '').map((h) => h.trim());
  return lines.slice(1).map((line) => {
    const cells = splitLine(line);
    const row: Row = {};
    header.forEach((h, i) => (row[h] = (cells[i] ?? '').trim()));
    return row;
  });
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
