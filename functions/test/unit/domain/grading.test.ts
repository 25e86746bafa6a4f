import {
  add,
  grade,
  gradePrediction,
  metricsFrom,
  negate,
  scorecardFrom,
  type GradeFields,
} from '../../../src/domain/grading';

/** Drops the zeros an add-then-subtract leaves, as the agg update does (it writes only non-zero deltas). */
const nonZero = (f: GradeFields) =>
  Object.fromEntries(Object.entries(f).filter(([, v]) => Math.abs(v) > 1e-12));

describe('gradePrediction', () => {
  it('grades the model and, under elo_ fields, the Elo baseline of the same game', () => {
    const f = gradePrediction(0.7, 0.4, 1);
    expect(f).toMatchObject({
      n: 1,
      hits: 1,
      bin7_n: 1,
      bin7_p: 0.7,
      bin7_o: 1,
      elo_n: 1,
      elo_hits: 0,
      elo_bin4_n: 1,
      elo_bin4_p: 0.4,
      elo_bin4_o: 1,
    });
    expect(f.brierSum).toBeCloseTo(0.09, 12);
    expect(f.elo_brierSum).toBeCloseTo(0.36, 12);
    expect(f.elo_logLossSum).toBeCloseTo(-Math.log(0.4), 12);
    // The model's part is exactly grade() (unchanged for documents graded before the baseline).
    expect(Object.fromEntries(Object.entries(f).filter(([k]) => !k.startsWith('elo_')))).toEqual(
      grade(0.7, 1),
    );
  });

  it('grades only the model when the prediction has no Elo number (older documents)', () => {
    expect(gradePrediction(0.7, undefined, 0)).toEqual(grade(0.7, 0));
    expect(gradePrediction(0.7, Number.NaN, 0)).toEqual(grade(0.7, 0));
  });

  it('a tie counts in n for both, in hits for neither', () => {
    expect(gradePrediction(0.6, 0.3, 0.5)).toMatchObject({ n: 1, hits: 0, elo_n: 1, elo_hits: 0 });
  });

  it('a corrected score subtracts exactly what was recorded, Elo included', () => {
    const other = gradePrediction(0.55, 0.52, 1);
    const recorded = gradePrediction(0.8, 0.65, 1);
    const agg = add(other, recorded);
    const corrected = gradePrediction(0.8, 0.65, 0);
    const after = add(agg, add(negate(recorded), corrected));
    for (const [k, v] of Object.entries(add(other, corrected))) expect(after[k]).toBeCloseTo(v, 12);
    // Deleting the game takes everything it added back out.
    const removed = nonZero(add(after, negate(corrected)));
    expect(Object.keys(removed).sort()).toEqual(Object.keys(other).sort());
    for (const [k, v] of Object.entries(other)) expect(removed[k]).toBeCloseTo(v, 12);
  });

  it('an old grade without Elo fields, regraded, adds the Elo fields once', () => {
    const old = grade(0.8, 1);
    const next = gradePrediction(0.8, 0.65, 1);
    const delta = nonZero(add(negate(old), next));
    expect(Object.keys(delta).every((k) => k.startsWith('elo_'))).toBe(true);
    expect(delta.elo_n).toBe(1);
  });
});

describe('scorecardFrom', () => {
  it('computes the model and the Elo baseline over the same games', () => {
    const games: [number, number, number][] = [
      [0.7, 0.6, 1],
      [0.2, 0.45, 0],
      [0.55, 0.62, 0],
      [0.35, 0.5, 1],
    ];
    const sums = games.reduce<GradeFields>((acc, [p, e, o]) => add(acc, gradePrediction(p, e, o)), {});
    const card = scorecardFrom(sums);
    const brier = (xs: number[]) =>
      Math.round((xs.reduce((s, x, i) => s + (x - (games[i]?.[2] ?? 0)) ** 2, 0) / xs.length) * 1e6) / 1e6;
    expect(card.n).toBe(4);
    expect(card.elo.n).toBe(4);
    expect(card.brier).toBe(brier(games.map((g) => g[0])));
    expect(card.elo.brier).toBe(brier(games.map((g) => g[1])));
    expect(card.accuracy).toBe(0.5); // 0.7 W, 0.2 L right; 0.55 L, 0.35 W wrong
    expect(card.elo.accuracy).toBe(0.5); // 0.6 W, 0.45 L right; 0.62 L wrong; 0.5 W wrong (not > 0.5)
    expect(card.elo.calibration.find((b) => b.bin === '0.6-0.7')).toEqual({
      bin: '0.6-0.7',
      n: 2,
      meanPredicted: 0.61,
      observedRate: 0.5,
    });
    expect(card.elo.calibration.reduce((s, b) => s + b.n, 0)).toBe(4);
    expect(card).toEqual({ ...metricsFrom(sums), elo: metricsFrom(sums, 'elo_') });
  });

  it('an aggregate from before the baseline: elo has n 0 and nulls', () => {
    const card = scorecardFrom(add(grade(0.7, 1), grade(0.3, 1)));
    expect(card.n).toBe(2);
    expect(card.elo).toMatchObject({ n: 0, brier: null, logLoss: null, accuracy: null });
    expect(card.elo.calibration).toHaveLength(10);
    expect(
      card.elo.calibration.every((b) => b.n === 0 && b.meanPredicted === null && b.observedRate === null),
    ).toBe(true);
  });
});
