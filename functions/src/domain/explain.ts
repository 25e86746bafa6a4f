/**
 * Explanations for a logistic (log-odds-linear) model: log-odds = bias + sum_i w_i * x_i.
 * With every feature defined so that 0 means "neutral" (features.ts), the contribution of feature i
 * is w_i * x_i in log-odds, and bias + sum of contributions equals the prediction's log-odds exactly.
 * For an ensemble whose prediction is sigmoid(mean of member log-odds), the weights are the members'
 * mean weights, so the identity holds for the ensemble too. Probabilities are reported alongside:
 * the shift of a feature is not additive in probability space, so we give log-odds contributions as
 * the exact decomposition and the baseline/final probabilities for reading.
 */

export interface LinearWeights {
  names: readonly string[];
  weights: readonly number[];
  bias: number;
}

export interface Contribution {
  feature: string;
  value: number;
  /** w * x, in log-odds. */
  logOdds: number;
}

export interface Explanation {
  /** bias: log-odds of an even game on a neutral site. */
  baseLogOdds: number;
  baseProbability: number;
  contributions: Contribution[];
  /** baseLogOdds + sum(contributions.logOdds). */
  logOdds: number;
  probability: number;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

export function explainLinear(model: LinearWeights, values: readonly number[]): Explanation {
  if (values.length !== model.weights.length || model.names.length !== model.weights.length) {
    throw new Error(`explainLinear: ${values.length} values for ${model.weights.length} weights`);
  }
  let total = model.bias;
  const contributions = model.weights.map((w, i) => {
    const value = values[i] ?? 0;
    const logOdds = w * value;
    total += logOdds;
    return { feature: model.names[i] ?? `f${i}`, value, logOdds };
  });
  return {
    baseLogOdds: model.bias,
    baseProbability: sigmoid(model.bias),
    contributions,
    logOdds: total,
    probability: sigmoid(total),
  };
}
