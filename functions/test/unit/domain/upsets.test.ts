import { upsetInsight } from '../../../src/domain/upsets';

const game = { gameId: 'nfl_2017-09-07_NE_KC', homeTeam: 'NE', awayTeam: 'KC' };

describe('upsetInsight', () => {
  it('flags a winner the model gave under 35%, high under 20%', () => {
    expect(upsetInsight({ ...game, homeScore: 27, awayScore: 42, homeWinProbability: 0.7 })).toEqual({
      id: 'nfl_2017-09-07_NE_KC__upset',
      type: 'upset',
      severity: 'medium',
      message: 'Upset: KC (30% to win) beat NE 42-27.',
      winnerProbability: 0.3,
    });
    expect(upsetInsight({ ...game, homeScore: 27, awayScore: 42, homeWinProbability: 0.85 })?.severity).toBe(
      'high',
    );
  });
  it('does not flag the favourite winning, a close call, or a tie', () => {
    expect(upsetInsight({ ...game, homeScore: 42, awayScore: 27, homeWinProbability: 0.7 })).toBeNull();
    expect(upsetInsight({ ...game, homeScore: 27, awayScore: 42, homeWinProbability: 0.6 })).toBeNull();
    expect(upsetInsight({ ...game, homeScore: 20, awayScore: 20, homeWinProbability: 0.9 })).toBeNull();
  });
});
