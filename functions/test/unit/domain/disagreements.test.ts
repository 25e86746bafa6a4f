import {
  disagreementInsight,
  eloHomeWinProbability,
  sameDisagreement,
} from '../../../src/domain/disagreements';
import { DEFAULT_ELO_PARAMS } from '../../../src/domain/ratings/elo';

const p = DEFAULT_ELO_PARAMS; // home 65, playoff x1.2
const game = {
  gameId: 'nfl_2017-09-10_CHI_ATL',
  homeTeam: 'CHI',
  awayTeam: 'ATL',
  kickoff: '2017-09-10T17:00:00.000Z',
  model: { id: 'nfl-wp', version: 'abc123' },
};

describe('eloHomeWinProbability', () => {
  it('is the Elo expectation with home advantage, none on a neutral site, scaled in the playoffs', () => {
    // 1 / (1 + 10^(-65/400))
    expect(eloHomeWinProbability(p, 1500, 1500, { neutral: false, playoff: false })).toBeCloseTo(
      0.59246623,
      8,
    );
    expect(eloHomeWinProbability(p, 1500, 1500, { neutral: true, playoff: false })).toBe(0.5);
    // (1600 - 1500 + 65) * 1.2 = 198
    expect(eloHomeWinProbability(p, 1600, 1500, { neutral: false, playoff: true })).toBeCloseTo(
      1 / (1 + 10 ** (-198 / 400)),
      12,
    );
  });
});

describe('disagreementInsight', () => {
  it('speaks for the side the model likes more than Elo does, low from 10 points, medium from 15', () => {
    expect(disagreementInsight({ ...game, homeWinProbability: 0.28, eloHomeWinProbability: 0.39 })).toEqual({
      id: 'nfl_2017-09-10_CHI_ATL__disagreement',
      type: 'disagreement',
      severity: 'low',
      message: 'Model vs ratings: the model gives ATL 72% at CHI, Elo ratings alone 61%.',
      model: 'nfl-wp@abc123',
      modelProbability: 0.28,
      eloProbability: 0.39,
      kickoff: '2017-09-10T17:00:00.000Z',
    });
    const home = disagreementInsight({ ...game, homeWinProbability: 0.7, eloHomeWinProbability: 0.5444 });
    expect(home?.severity).toBe('medium');
    expect(home?.message).toBe('Model vs ratings: the model gives CHI 70% vs ATL, Elo ratings alone 54%.');
    expect(home?.eloProbability).toBe(0.544);
  });

  it('stays quiet when the two are within 10 points', () => {
    expect(
      disagreementInsight({ ...game, homeWinProbability: 0.6, eloHomeWinProbability: 0.5001 }),
    ).toBeNull();
    expect(
      disagreementInsight({ ...game, homeWinProbability: 0.45, eloHomeWinProbability: 0.54 }),
    ).toBeNull();
  });
});

describe('sameDisagreement', () => {
  const desired = disagreementInsight({ ...game, homeWinProbability: 0.28, eloHomeWinProbability: 0.39 })!;
  it('ignores status and timestamps but not the numbers or the model', () => {
    const { id: _id, ...fields } = desired;
    expect(sameDisagreement({ ...fields, status: 'acknowledged', createdAt: 1 }, desired)).toBe(true);
    expect(sameDisagreement({ ...fields, modelProbability: 0.27 }, desired)).toBe(false);
    expect(sameDisagreement({ ...fields, model: 'nfl-wp@old' }, desired)).toBe(false);
    expect(sameDisagreement({ ...fields, severity: 'high' }, desired)).toBe(false);
  });
});
