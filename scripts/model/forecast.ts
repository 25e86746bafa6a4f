/**
 * npm run forecast -- --history H.csv --games G.csv --out OUT.csv [--model models/nfl/model.json]
 *
 * Builds rating state from H, then walks G in date order: every game of a date is forecast from the
 * state built from H and G's earlier dates, then that date's scores are ingested. Reads only date,
 * season, neutral, playoff, team1, team2, score1, score2. Writes `date,team1,team2,prob1` (6 decimals),
 * one row per game of G, in date order (G's order within a date). Deterministic byte for byte.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initBackend } from '../../functions/src/ml/backend';
import { EnsembleModel } from '../../functions/src/ml/model';
import { readGames } from './csv';
import { SERVED_ARTIFACT, forecast, readArtifact } from './core';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      history: { type: 'string' },
      games: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string', default: SERVED_ARTIFACT },
    },
  });
  if (!values.history || !values.games || !values.out) {
    throw new Error('usage: npm run forecast -- --history H.csv --games G.csv --out OUT.csv [--model FILE]');
  }
  await initBackend();
  const model = await EnsembleModel.load(readArtifact(values.model ?? SERVED_ARTIFACT));
  try {
    const rows = forecast(model, readGames(values.history), readGames(values.games));
    const lines = [
      'date,team1,team2,prob1',
      ...rows.map((r) => `${r.game.date},${r.game.team1},${r.game.team2},${r.probability.toFixed(6)}`),
    ];
    writeFileSync(values.out, lines.join('\n') + '\n');
    console.error(
      `forecast ${rows.length} games with ${model.metadata.modelId}@${model.metadata.version} → ${values.out}`,
    );
  } finally {
    model.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
