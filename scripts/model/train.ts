/**
 * npm run train — deterministic (seeded bootstrap, zero init, wasm backend) training of the NFL
 * win-probability ensemble.
 *
 * 1. Features for every shared game, walk-forward (each game sees only earlier dates).
 * 2. Dev check (the window the rating parameters were tuned on): fit 1978-2004, score 2005-2014.
 * 3. Validation: fit 1978-2014 → models/nfl/validation-model.json; score 2015-2017 walk-forward
 *    through the same forecast path as `npm run forecast`, next to 538's elo_prob1.
 * 4. Served model: refit on 1978-2017 (every shared season) → models/nfl/model.json.
 * 5. Model card (models/nfl/MODEL_CARD.md) and metrics.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { outcome1, type FinalGame } from '../../functions/src/domain/games';
import { FEATURE_NAMES } from '../../functions/src/domain/features';
import { NFL_RATING_PARAMS, emptyRatingState } from '../../functions/src/domain/ratings/state';
import { initBackend } from '../../functions/src/ml/backend';
import { EnsembleModel } from '../../functions/src/ml/model';
import type { ModelArtifact } from '../../functions/src/ml/artifact';
import { DEFAULT_TRAIN_OPTIONS, toArtifact, trainEnsemble } from '../../functions/src/ml/train';
import { gamesFromRows, readRows } from './csv';
import {
  DATA_FILE,
  MODEL_DIR,
  SERVED_ARTIFACT,
  VALIDATION_ARTIFACT,
  compareWith538,
  comparisonTable,
  contentVersion,
} from './core';
import { score, type Scored } from './metrics';
import { isFinal, walkDates, type FeaturedGame } from './walk';

const TRAIN_FROM = 1978; // first 16-game season: the modern schedule
const DEV_TRAIN_TO = 2004;
const VALIDATE_FROM = 2015;
const VALIDATE_TO = 2017;

function fit(featured: readonly FeaturedGame[], from: number, to: number) {
  const rows = featured.filter((f) => f.game.season >= from && f.game.season <= to && isFinal(f.game));
  const x = rows.map((r) => r.values);
  const y = rows.map((r) => outcome1(r.game as FinalGame));
  return { trained: trainEnsemble(x, y, DEFAULT_TRAIN_OPTIONS), examples: rows.length };
}

async function artifactFor(
  featured: readonly FeaturedGame[],
  from: number,
  to: number,
): Promise<ModelArtifact> {
  const { trained, examples } = fit(featured, from, to);
  console.log(`  seasons ${from}-${to}: ${examples} games, final loss ${trained.finalLoss.toFixed(5)}`);
  return toArtifact(
    trained,
    {
      modelId: 'nfl-wp',
      sport: 'nfl',
      featureNames: [...FEATURE_NAMES],
      ratingParams: NFL_RATING_PARAMS,
      members: DEFAULT_TRAIN_OPTIONS.members,
      intervalCoverage: 0.8,
      trainSeasons: { from, to },
      trainExamples: examples,
    },
    (weightData) => contentVersion({ modelTopology: {} }, weightData),
  );
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 1) + '\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const backend = await initBackend(['wasm', 'cpu']);
  console.log(`backend: ${backend}`);
  const rows = readRows(DATA_FILE);
  const games = gamesFromRows(rows, DATA_FILE);
  const featured = walkDates(emptyRatingState(), games, NFL_RATING_PARAMS);

  console.log('dev (tuning window):');
  const dev = await EnsembleModel.load(await artifactFor(featured, TRAIN_FROM, DEV_TRAIN_TO));
  const devScored: Scored[] = featured
    .filter((f) => f.game.season > DEV_TRAIN_TO && f.game.season < VALIDATE_FROM && isFinal(f.game))
    .map((f) => ({
      p: dev.predictOne(f.values).probability,
      outcome: outcome1(f.game as FinalGame),
      playoff: f.game.playoff,
    }));
  const devScores = score(devScored);
  const devFte = compareWith538(dev, rows, DEV_TRAIN_TO + 1, VALIDATE_FROM - 1).at(-1);
  dev.dispose();

  console.log('validation:');
  const validationArtifact = await artifactFor(featured, TRAIN_FROM, VALIDATE_FROM - 1);
  const validation = await EnsembleModel.load(validationArtifact);
  const comparison = compareWith538(validation, rows, VALIDATE_FROM, VALIDATE_TO);
  const weights = validation.linear;
  validation.dispose();

  console.log('served:');
  const lastSeason = Math.max(...games.map((g) => g.season));
  const served = await artifactFor(featured, TRAIN_FROM, lastSeason);
  const servedModel = await EnsembleModel.load(served);
  const servedWeights = servedModel.linear;
  servedModel.dispose();

  mkdirSync(MODEL_DIR, { recursive: true });
  writeJson(VALIDATION_ARTIFACT, validationArtifact);
  writeJson(SERVED_ARTIFACT, served);
  const seconds = (Date.now() - started) / 1000;
  const overall = comparison.at(-1);
  writeJson(path.join(MODEL_DIR, 'metrics.json'), {
    validation: {
      modelVersion: validationArtifact.metadata.version,
      trainSeasons: validationArtifact.metadata.trainSeasons,
      seasons: comparison,
    },
    dev: {
      trainSeasons: { from: TRAIN_FROM, to: DEV_TRAIN_TO },
      seasons: { from: DEV_TRAIN_TO + 1, to: VALIDATE_FROM - 1 },
      ours: devScores,
      fte: devFte?.fte,
    },
    served: { modelVersion: served.metadata.version, trainSeasons: served.metadata.trainSeasons },
  });
  writeFileSync(
    path.join(MODEL_DIR, 'MODEL_CARD.md'),
    modelCard({
      comparison: comparisonTable(comparison),
      devBrier: devScores.brier,
      devFte: devFte?.fte.brier ?? NaN,
      weights,
      servedWeights,
      served,
      validationArtifact,
    }),
  );
  console.log('\n' + comparisonTable(comparison));
  if (overall)
    console.log(
      `\nΔ Brier vs 538 on ${overall.label}: ${(overall.ours.brier - overall.fte.brier).toFixed(5)}`,
    );
  console.log(`trained in ${seconds.toFixed(1)} s`);
}

interface CardInput {
  comparison: string;
  devBrier: number;
  devFte: number;
  weights: { names: readonly string[]; weights: readonly number[]; bias: number };
  servedWeights: { names: readonly string[]; weights: readonly number[]; bias: number };
  served: ModelArtifact;
  validationArtifact: ModelArtifact;
}

function modelCard(c: CardInput): string {
  const p = NFL_RATING_PARAMS;
  const o = DEFAULT_TRAIN_OPTIONS;
  const weightRows = c.weights.names
    .map(
      (n, i) =>
        `| ${n} | ${(c.weights.weights[i] ?? 0).toFixed(4)} | ${(c.servedWeights.weights[i] ?? 0).toFixed(4)} |`,
    )
    .join('\n');
  return `# Model card: nfl-wp (NFL win probability)

Generated by \`npm run train\` (deterministic: seeded bootstrap, zero initialisation, TF.js wasm backend).
Do not edit by hand.

- Served artifact: \`models/nfl/model.json\`, version \`${c.served.metadata.version}\`, trained on seasons
  ${c.served.metadata.trainSeasons.from}-${c.served.metadata.trainSeasons.to} (${c.served.metadata.trainExamples} games).
- Validation artifact: \`models/nfl/validation-model.json\`, version \`${c.validationArtifact.metadata.version}\`, trained on
  seasons ${c.validationArtifact.metadata.trainSeasons.from}-${c.validationArtifact.metadata.trainSeasons.to} (${c.validationArtifact.metadata.trainExamples} games); the numbers below are its walk-forward
  forecasts of 2015-2017, reported once after tuning.
- Inputs: only date, season, neutral, playoff, team1, team2 and final scores. 538's elo1, elo2,
  elo_prob1 and result1 are never model inputs (elo_prob1 is read by the evaluation as the benchmark).

## What it is
1. **Ratings** (\`functions/src/domain/ratings/\`), from final scores only, updated one final at a time:
   - Elo: K = ${p.elo.k}, home advantage ${p.elo.homeAdvantage}, playoff edge × ${p.elo.playoffScale}, margin-of-victory multiplier
     ln(|margin| + 1) × ${p.elo.autocorr} / (${p.elo.autocorr} + 0.001 × winner's edge) (538's autocorrelation correction),
     regression to ${p.elo.mean} by ${p.elo.seasonRegression.toFixed(3)} between seasons, expansion teams start at ${p.elo.expansionRating}.
   - Points rating (margin-based): K = ${p.points.k}, home advantage ${p.points.homeAdvantage} points, margins clipped at
     ±${p.points.marginCap}, regression to 0 by ${p.points.seasonRegression} between seasons.
   - Form: exponentially weighted (α = ${p.formAlpha}) mean of the Elo surprise, reset each season.
2. **Features** (\`functions/src/domain/features.ts\`), all 0 for an even game on a neutral site:
   ${FEATURE_NAMES.join(', ')}.
3. **Model** (\`functions/src/ml/\`): ${o.members} logistic regressions trained on bootstrap resamples (seed ${o.seed}),
   stored as one TF.js Dense layer (features × members). Probability = sigmoid(mean member log-odds);
   interval = 10th-90th percentile of member probabilities (fit uncertainty). Full-batch Adam, ${o.steps} steps,
   learning rate ${o.learningRate}, L2 ${o.l2}, ${o.fitBias ? 'learned intercept' : 'no intercept (an even game on a neutral site is 50/50; home advantage is the `home` weight)'}. Ties train as 0.5.
4. **Explanation** (\`functions/src/domain/explain.ts\`): contribution of feature i = mean weight_i × value_i in
   log-odds; bias + contributions = the prediction's log-odds exactly.

## Tuning (seasons before 2015 only)
Rating parameters and the feature set were chosen on a dev split: model fit on ${TRAIN_FROM}-${DEV_TRAIN_TO}, scored
walk-forward on ${DEV_TRAIN_TO + 1}-${VALIDATE_FROM - 1}. Dev Brier: ours ${c.devBrier.toFixed(4)}, 538 ${c.devFte.toFixed(4)}.
The response surface was flat near the optimum; we took values in the middle of the good region.

## Validation: 2015-2017, walk-forward (history = every season before 2015)
Brier and log loss count ties as 0.5; points = 538's forecasting game (25 - 100 × (round(p, 2) - outcome)²,
doubled in the playoffs, ties skipped). Reproduce with \`npm run evaluate\`.

${c.comparison}

## Weights (mean over members, log-odds per unit of feature)
| feature | validation model (≤ ${c.validationArtifact.metadata.trainSeasons.to}) | served model (≤ ${c.served.metadata.trainSeasons.to}) |
|---|---:|---:|
${weightRows}
| bias | ${c.weights.bias.toFixed(4)} | ${c.servedWeights.bias.toFixed(4)} |

## Limits
- No travel distance, injuries, quarterback changes, weather or betting lines: results-only ratings.
- Franchise codes follow 538's history (one code per franchise); a few other spellings (LV, WAS, SD, ...) are
  mapped in \`functions/src/domain/games.ts\`. An unknown code starts as an expansion team.
- The interval reflects model-fit uncertainty only; it is not a prediction interval for the outcome.
`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
