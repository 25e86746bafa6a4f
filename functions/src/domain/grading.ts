/**
 * Grading predictions into `agg_model/{modelId}@{version}_{season}`: n, brierSum, logLossSum, hits
 * (ties count in n but not in hits) and 10 calibration bins (bin{k}_n, bin{k}_p = sum of predicted
 * probabilities, bin{k}_o = sum of outcomes). Averages are derived on read. A graded prediction
 * records what it added, so a corrected score subtracts exactly that and adds the new grade.
 *
 * The Elo baseline stored on the same prediction (`eloHomeWinProbability`) is graded with it into
 * the same document under `elo_`-prefixed fields (elo_n, elo_brierSum, ..., elo_bin3_n), so the
 * scorecard compares the model and Elo over exactly the same games, and the recorded fields
 * subtract both exactly.
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

/** Prefix of the Elo baseline's fields in agg_model and in a prediction's `graded.fields`. */
export const ELO_PREFIX = 'elo_';

/**
 * What one graded prediction adds: the model's grade, and the Elo baseline's on the same game
 * (prefixed) when the prediction carries one (older stored predictions may not).
 */
export function gradePrediction(p: number, eloP: number | undefined, outcome: number): GradeFields {
  const fields = grade(p, outcome);
  if (typeof eloP !== 'number' || !Number.isFinite(eloP)) return fields;
  for (const [k, v] of Object.entries(grade(eloP, outcome))) fields[`${ELO_PREFIX}${k}`] = v;
  return fields;
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

/** The model's metrics and, beside them, the Elo baseline's over the same graded games. */
export interface Scorecard extends ModelMetrics {
  elo: ModelMetrics;
}

/**
 * Metrics from summed aggregate fields (of one or many agg_model documents); `prefix` selects a
 * baseline's fields (ELO_PREFIX). Missing fields (documents older than the baseline) count as 0.
 */
export function metricsFrom(sums: GradeFields, prefix = ''): ModelMetrics {
  const get = (k: string): number => sums[`${prefix}${k}`] ?? 0;
  const n = get('n');
  const per = (x: number) => (n > 0 ? Math.round((x / n) * 1e6) / 1e6 : null);
  return {
    n,
    brier: per(get('brierSum')),
    logLoss: per(get('logLossSum')),
    accuracy: per(get('hits')),
    calibration: Array.from({ length: 10 }, (_, k) => {
      const bn = get(`bin${k}_n`);
      return {
        bin: `${k / 10}-${(k + 1) / 10}`,
        n: bn,
        meanPredicted: bn > 0 ? Math.round((get(`bin${k}_p`) / bn) * 1e6) / 1e6 : null,
        observedRate: bn > 0 ? Math.round((get(`bin${k}_o`) / bn) * 1e6) / 1e6 : null,
      };
    }),
  };
}

/** The model's metrics with the Elo baseline's (`elo`), from the same summed fields. */
export function scorecardFrom(sums: GradeFields): Scorecard {
  return { ...metricsFrom(sums), elo: metricsFrom(sums, ELO_PREFIX) };
}
