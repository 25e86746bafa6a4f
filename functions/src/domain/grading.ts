/**
 * Grading predictions into `agg_model/{modelId}@{version}_{season}`: n, brierSum, logLossSum, hits
 * (ties count in n but not in hits) and 10 calibration bins (bin{k}_n, bin{k}_p = sum of predicted
 * probabilities, bin{k}_o = sum of outcomes). Averages are derived on read. A graded prediction
 * records what it added, so a corrected score subtracts exactly that and adds the new grade.
 */

export type GradeFields = Record<string, number>;

const EPS = 1e-15;

export function grade(p: number, outcome: number): GradeFields {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  const bin = Math.min(9, Math.floor(p * 10));
  return {
    n: 1,
    brierSum: (p - outcome) ** 2,
    logLossSum: -(outcome * Math.log(q) + (1 - outcome) * Math.log(1 - q)),
    hits: outcome === 0.5 ? 0 : p > 0.5 === (outcome === 1) ? 1 : 0,
    [`bin${bin}_n`]: 1,
    [`bin${bin}_p`]: p,
    [`bin${bin}_o`]: outcome,
  };
}

export function negate(fields: GradeFields): GradeFields {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, -v]));
}

export function add(a: GradeFields, b: GradeFields): GradeFields {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export interface ModelMetrics {
  n: number;
  brier: number | null;
  logLoss: number | null;
  accuracy: number | null;
  calibration: { bin: string; n: number; meanPredicted: number | null; observedRate: number | null }[];
}

/** Metrics from summed aggregate fields (of one or many agg_model documents). */
export function metricsFrom(sums: GradeFields): ModelMetrics {
  const n = sums.n ?? 0;
  const per = (x: number | undefined) => (n > 0 ? Math.round(((x ?? 0) / n) * 1e6) / 1e6 : null);
  return {
    n,
    brier: per(sums.brierSum),
    logLoss: per(sums.logLossSum),
    accuracy: per(sums.hits),
    calibration: Array.from({ length: 10 }, (_, k) => {
      const bn = sums[`bin${k}_n`] ?? 0;
      return {
        bin: `${k / 10}-${(k + 1) / 10}`,
        n: bn,
        meanPredicted: bn > 0 ? Math.round(((sums[`bin${k}_p`] ?? 0) / bn) * 1e6) / 1e6 : null,
        observedRate: bn > 0 ? Math.round(((sums[`bin${k}_o`] ?? 0) / bn) * 1e6) / 1e6 : null,
      };
    }),
  };
}
