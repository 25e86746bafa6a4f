/**
 * Insights before kickoff: the model disagrees with the ratings. Every prediction carries, besides the
 * model's probability, what Elo alone expects from the same pre-game rating state (home advantage
 * and playoff scaling included). Where the two differ by DISAGREEMENT_THRESHOLD or more, the model
 * is reading something the ratings do not (early-season doubt about last year's ratings, rest,
 * recent form, margins), and fans and bettors want to know which side it leans.
 *
 * On 2015-2017 (walk-forward, validation model) |model - Elo| has p50 0.039 and p95 0.102; 49 of 801
 * games (6%) reach 0.10, 7 reach 0.15. In those 49 games the side the model leaned toward won 29.
 *
 * The insight id is derived from the game, so evaluating a game again writes the same document; it
 * is updated when the numbers move and withdrawn when the disagreement goes away before kickoff.
 */
import { eloEdge, eloExpected, type EloParams } from './ratings/elo';

export const DISAGREEMENT_THRESHOLD = 0.1;
export const MEDIUM_DISAGREEMENT = 0.15;

/** Home team's win probability from Elo alone, on a game's pre-kickoff ratings. */
export function eloHomeWinProbability(
  params: EloParams,
  homeElo: number,
  awayElo: number,
  game: { neutral: boolean; playoff: boolean },
): number {
  return eloExpected(eloEdge(params, homeElo, awayElo, game.neutral, game.playoff));
}

export interface DisagreementInsight {
  id: string;
  type: 'disagreement';
  severity: 'low' | 'medium';
  message: string;
  /** The model (id@version) whose prediction disagreed. */
  model: string;
  modelProbability: number;
  eloProbability: number;
  kickoff: string;
}

/** The fields of a disagreement insight that say what it is; a stored one differing in any is stale. */
export const DISAGREEMENT_FIELDS = [
  'type',
  'severity',
  'message',
  'model',
  'modelProbability',
  'eloProbability',
  'kickoff',
] as const;

const pct = (p: number): string => `${Math.round(p * 100)}%`;
const round3 = (p: number): number => Math.round(p * 1e3) / 1e3;

export function disagreementInsight(input: {
  gameId: string;
  homeTeam: string;
  awayTeam: string;
  kickoff: string;
  model: { id: string; version: string };
  /** Home team's win probability from the model and from Elo alone. */
  homeWinProbability: number;
  eloHomeWinProbability: number;
}): DisagreementInsight | null {
  const gap = input.homeWinProbability - input.eloHomeWinProbability;
  if (Math.abs(gap) < DISAGREEMENT_THRESHOLD) return null;
  // Speak for the team the model likes more than the ratings do.
  const homeSide = gap > 0;
  const team = homeSide ? input.homeTeam : input.awayTeam;
  const opponent = homeSide ? input.awayTeam : input.homeTeam;
  const modelP = homeSide ? input.homeWinProbability : 1 - input.homeWinProbability;
  const eloP = homeSide ? input.eloHomeWinProbability : 1 - input.eloHomeWinProbability;
  const where = homeSide ? 'vs' : 'at';
  return {
    id: `${input.gameId}__disagreement`,
    type: 'disagreement',
    severity: Math.abs(gap) >= MEDIUM_DISAGREEMENT ? 'medium' : 'low',
    message:
      `Model vs ratings: the model gives ${team} ${pct(modelP)} ${where} ${opponent}, ` +
      `Elo ratings alone ${pct(eloP)}.`,
    model: `${input.model.id}@${input.model.version}`,
    modelProbability: round3(input.homeWinProbability),
    eloProbability: round3(input.eloHomeWinProbability),
    kickoff: input.kickoff,
  };
}

/** True when a stored insight document already says what `desired` says (status is the admin's). */
export function sameDisagreement(stored: Record<string, unknown>, desired: DisagreementInsight): boolean {
  return DISAGREEMENT_FIELDS.every((f) => stored[f] === desired[f]);
}
