/**
 * Insights from results: an upset is a final whose winner the model gave less than
 * UPSET_THRESHOLD before kickoff (high severity under HIGH_THRESHOLD). The insight id is derived
 * from the game, so grading the same result twice writes the same insight, and a corrected score
 * that is no longer an upset removes it.
 */

export const UPSET_THRESHOLD = 0.35;
export const HIGH_THRESHOLD = 0.2;

export interface UpsetInsight {
  id: string;
  type: 'upset';
  severity: 'medium' | 'high';
  message: string;
  winnerProbability: number;
}

export function upsetInsight(input: {
  gameId: string;
  homeTeam: string;
  awayTeam: string;
  homeScore: number;
  awayScore: number;
  homeWinProbability: number;
}): UpsetInsight | null {
  if (input.homeScore === input.awayScore) return null;
  const homeWon = input.homeScore > input.awayScore;
  const p = homeWon ? input.homeWinProbability : 1 - input.homeWinProbability;
  if (p >= UPSET_THRESHOLD) return null;
  const [winner, loser] = homeWon ? [input.homeTeam, input.awayTeam] : [input.awayTeam, input.homeTeam];
  const score = homeWon ? `${input.homeScore}-${input.awayScore}` : `${input.awayScore}-${input.homeScore}`;
  return {
    id: `${input.gameId}__upset`,
    type: 'upset',
    severity: p < HIGH_THRESHOLD ? 'high' : 'medium',
    message: `Upset: ${winner} (${Math.round(p * 100)}% to win) beat ${loser} ${score}.`,
    winnerProbability: Math.round(p * 1e4) / 1e4,
  };
}
