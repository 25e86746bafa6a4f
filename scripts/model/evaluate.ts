/**
 * npm run evaluate [-- --model FILE --from 2015 --to 2017]
 *
 * Walk-forward forecasts of seasons [from, to] of the shared file (history = every earlier season)
 * with the validation artifact (trained on seasons <= 2014, so 2015-2017 are out of sample), scored
 * next to 538's elo_prob1 on the same games: Brier, log loss, forecasting-game points.
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../../functions/src/ml/backend';
import { EnsembleModel } from '../../functions/src/ml/model';
import { readRows } from './csv';
import { DATA_FILE, VALIDATION_ARTIFACT, compareWith538, comparisonTable, readArtifact } from './core';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: VALIDATION_ARTIFACT },
      data: { type: 'string', default: DATA_FILE },
      from: { type: 'string', default: '2015' },
      to: { type: 'string', default: '2017' },
    },
  });
  const backend = await initBackend();
  const model = await EnsembleModel.load(readArtifact(values.model ?? VALIDATION_ARTIFACT));
  try {
    const from = Number(values.from);
    const to = Number(values.to);
    const { trainSeasons } = model.metadata;
    if (trainSeasons.to >= from) {
      console.warn(
        `warning: model trained on ${trainSeasons.from}-${trainSeasons.to}: seasons ${from}-${to} are not out of sample`,
      );
    }
    const table = compareWith538(model, readRows(values.data ?? DATA_FILE), from, to);
    console.log(
      `model ${model.metadata.modelId}@${model.metadata.version} (trained ${trainSeasons.from}-${trainSeasons.to}), backend ${backend}\n`,
    );
    console.log(comparisonTable(table));
    const overall = table.at(-1);
    if (overall)
      console.log(
        `\nΔ Brier (ours - 538) on ${overall.label}: ${(overall.ours.brier - overall.fte.brier).toFixed(5)}`,
      );
  } finally {
    model.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
