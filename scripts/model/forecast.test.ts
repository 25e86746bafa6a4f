import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../functions/src/ml/backend';
import { EnsembleModel } from '../../functions/src/ml/model';
import { gamesFromRows, parseCsv, type Row } from './csv';
import { DATA_FILE, ROOT, SERVED_ARTIFACT, forecast, readArtifact } from './core';
import { gamePoints, score } from './metrics';

const rows = parseCsv(readFileSync(DATA_FILE, 'utf8'));
const historyRows = rows.filter((r) => Number(r.season) >= 2005 && Number(r.season) <= 2014);
const gameRows = rows.filter((r) => Number(r.season) === 2015);

let model: EnsembleModel;
beforeAll(async () => {
  await initBackend();
  model = await EnsembleModel.load(readArtifact(SERVED_ARTIFACT));
});
afterAll(() => model.dispose());

const run = (h: readonly Row[], g: readonly Row[]) =>
  forecast(model, gamesFromRows(h), gamesFromRows(g)).map(
    (f) => `${f.game.date},${f.game.team1},${f.game.team2},${f.probability.toFixed(6)}`,
  );

describe('forecast (walk-forward)', () => {
  it('has no look-ahead: scrambling the scores of every date >= D leaves every forecast before D unchanged', () => {
    const base = run(historyRows, gameRows);
    const dates = [...new Set(gameRows.map((r) => r.date))].sort();
    for (const cut of [dates[1]!, dates[Math.floor(dates.length / 2)]!, dates[dates.length - 1]!]) {
      let flip = 0;
      const scrambled = gameRows.map((r) =>
        r.date! >= cut ? { ...r, score1: String((flip += 17) % 45), score2: String((flip * 7) % 38) } : r,
      );
      const out = run(historyRows, scrambled);
      const before = (lines: string[]) => lines.filter((l) => l.slice(0, 10) < cut);
      expect(before(out)).toEqual(before(base));
      expect(before(base).length).toBeGreaterThan(0);
      if (cut !== dates[dates.length - 1]) expect(out).not.toEqual(base); // later forecasts do use results
    }
  });

  it("never reads 538's columns (elo1, elo2, elo_prob1, result1)", () => {
    const garbage = (r: Row): Row => ({ ...r, elo1: '9999', elo2: '1', elo_prob1: '0.999', result1: '0' });
    expect(run(historyRows.map(garbage), gameRows.map(garbage))).toEqual(run(historyRows, gameRows));
  });

  it('forecasts games of later seasons than the history, one row per game', () => {
    const out = run(historyRows, [...gameRows, ...rows.filter((r) => r.season === '2016')]);
    expect(out).toHaveLength(gameRows.length + rows.filter((r) => r.season === '2016').length);
  });
});

describe('npm run forecast (CLI)', () => {
  it('writes date,team1,team2,prob1 for every game, byte-identical across runs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'forecast-'));
    const header = Object.keys(rows[0]!).join(',');
    const toCsv = (rs: readonly Row[]) =>
      [header, ...rs.map((r) => Object.values(r).join(','))].join('\n') + '\n';
    writeFileSync(path.join(dir, 'h.csv'), toCsv(historyRows));
    writeFileSync(path.join(dir, 'g.csv'), toCsv(gameRows));
    const cli = (out: string) =>
      execFileSync(
        path.join(ROOT, 'node_modules/.bin/tsx'),
        [
          'scripts/model/forecast.ts',
          '--history',
          path.join(dir, 'h.csv'),
          '--games',
          path.join(dir, 'g.csv'),
          '--out',
          path.join(dir, out),
        ],
        {
          cwd: ROOT,
          stdio: 'pipe',
        },
      );
    cli('a.csv');
    cli('b.csv');
    const a = readFileSync(path.join(dir, 'a.csv'), 'utf8');
    expect(a).toBe(readFileSync(path.join(dir, 'b.csv'), 'utf8'));
    const lines = a.trim().split('\n');
    expect(lines[0]).toBe('date,team1,team2,prob1');
    expect(lines).toHaveLength(gameRows.length + 1);
    expect(lines.slice(1)).toEqual(run(historyRows, gameRows));
  }, 60_000);
});

describe('metrics', () => {
  it("scores 538's forecasting game: rounded to 2 decimals, doubled in the playoffs, ties skipped", () => {
    expect(gamePoints(0.734, 1, false)).toBeCloseTo(25 - 100 * 0.27 ** 2, 10);
    expect(gamePoints(0.734, 0, true)).toBeCloseTo(2 * (25 - 100 * 0.73 ** 2), 10);
    const s = score([
      { p: 0.5, outcome: 0.5, playoff: false },
      { p: 0.8, outcome: 1, playoff: false },
    ]);
    expect(s.points).toBeCloseTo(25 - 4, 10);
    expect(s.brier).toBeCloseTo(0.04 / 2, 12);
  });
});
