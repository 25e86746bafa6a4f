import { explainLinear, logit, sigmoid } from '../../../src/domain/explain';

describe('explainLinear', () => {
  const model = { names: ['a', 'b', 'c'], weights: [0.5, -1.25, 2], bias: 0.1 };

  it('contributions are w * x and add up to the log-odds', () => {
    const e = explainLinear(model, [2, 0.4, -0.3]);
    expect(e.contributions.map((c) => c.logOdds)).toEqual([1, -0.5, -0.6]);
    const sum = e.baseLogOdds + e.contributions.reduce((s, c) => s + c.logOdds, 0);
    expect(sum).toBeCloseTo(e.logOdds, 14);
    expect(e.logOdds).toBeCloseTo(0.1 + 1 - 0.5 - 0.6, 14);
    expect(e.probability).toBeCloseTo(sigmoid(e.logOdds), 14);
    expect(logit(e.probability)).toBeCloseTo(e.logOdds, 10);
  });

  it('rejects a feature vector of the wrong length', () => {
    expect(() => explainLinear(model, [1, 2])).toThrow();
  });
});
