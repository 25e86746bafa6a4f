import type { GameFacts } from '../../../src/domain/game-changes';
import { gradePrediction } from '../../../src/domain/grading';
import { gradingPlan, type StoredPrediction } from '../../../src/domain/grading-plan';

const final = (homeScore: number, awayScore: number): GameFacts => ({
  sport: 'nfl',
  date: '2016-09-11',
  season: 2016,
  homeTeam: 'BAL',
  awayTeam: 'BUF',
  neutral: false,
  playoff: false,
  final: true,
  homeScore,
  awayScore,
});
const prediction = (id: string, p: number, over: Partial<StoredPrediction> = {}): StoredPrediction => ({
  id,
  modelId: 'nfl-wp',
  version: 'v1',
  homeWinProbability: p,
  eloHomeWinProbability: p - 0.05,
  computedAt: '2016-09-10T12:00:00.000Z',
  ...over,
});
const plan = (outcome: number | null, predictions: StoredPrediction[], hasUpsetInsight = false) =>
  gradingPlan({
    gameId: 'nfl_2016-09-11_BAL_BUF',
    season: 2016,
    outcome,
    final: outcome === null ? null : outcome === 1 ? final(13, 7) : final(7, 13),
    predictions,
    hasUpsetInsight,
  });

describe('the grading plan of a game’s stored predictions', () => {
  it('a first result grades each prediction into its version’s season sums', () => {
    const p = plan(1, [prediction('a', 0.7), prediction('b', 0.6, { version: 'v2' })]);
    expect(p.graded).toEqual([
      { id: 'a', graded: { fields: gradePrediction(0.7, 0.7 - 0.05, 1), outcome: 1 } },
      { id: 'b', graded: { fields: gradePrediction(0.6, 0.6 - 0.05, 1), outcome: 1 } },
    ]);
    expect([...p.aggIncrements.keys()]).toEqual(['nfl-wp@v1_2016', 'nfl-wp@v2_2016']);
    expect(p.aggIncrements.get('nfl-wp@v1_2016')?.fields).toEqual(gradePrediction(0.7, 0.7 - 0.05, 1));
  });

  it('a corrected result takes the old grade out and puts the new one in (counted once)', () => {
    const old = gradePrediction(0.7, 0.7 - 0.05, 1);
    const p = plan(0, [prediction('a', 0.7, { graded: { fields: old } })]);
    const fields = p.aggIncrements.get('nfl-wp@v1_2016')?.fields ?? {};
    expect(fields.n).toBeUndefined(); // still one graded prediction: no change in the count
    expect(fields.brierSum).toBeCloseTo(0.7 ** 2 - 0.3 ** 2, 12);
    expect(p.graded[0]?.graded?.outcome).toBe(0);
  });

  it('a result taken back ungrades every prediction and takes their grades out', () => {
    const old = gradePrediction(0.7, 0.7 - 0.05, 1);
    const p = plan(null, [prediction('a', 0.7, { graded: { fields: old } })]);
    expect(p.graded).toEqual([{ id: 'a', graded: null }]);
    expect(p.aggIncrements.get('nfl-wp@v1_2016')?.fields.n).toBe(-1);
  });

  it('an upset the latest prediction did not see coming is raised, and withdrawn when the result goes', () => {
    const confident = [
      prediction('old', 0.5, { computedAt: '2016-09-01T00:00:00Z' }),
      prediction('new', 0.8),
    ];
    const raised = plan(0, confident).insight;
    expect(raised).toMatchObject({
      kind: 'upsert',
      insight: { type: 'upset', id: 'nfl_2016-09-11_BAL_BUF__upset' },
    });
    expect(plan(1, confident).insight).toBeNull(); // the favourite won: no upset, none to withdraw
    expect(plan(1, confident, true).insight).toEqual({ kind: 'withdraw' });
    expect(plan(null, confident, true).insight).toEqual({ kind: 'withdraw' });
  });

  it('with no stored prediction there is nothing to grade and no upset', () => {
    expect(plan(1, [])).toEqual({ graded: [], aggIncrements: new Map(), insight: null });
  });
});
