/**
 * What (re)grading a game's stored predictions changes, as a plan the games trigger applies in one
 * transaction (services/game-events.ts regrade): each prediction's new `graded` record, the change
 * of every agg_model sum (what each prediction contributed before is taken out, the grade for the
 * new outcome put in), and the game's upset insight (raised, updated or withdrawn).
 */
import type { GameFacts } from './game-changes';
import { add, gradePrediction, negate, type GradeFields } from './grading';
import { upsetInsight, type UpsetInsight } from './upsets';

export interface StoredPrediction {
  /** The prediction document's id. */
  id: string;
  modelId: string;
  version: string;
  homeWinProbability: number;
  eloHomeWinProbability?: number;
  computedAt?: string;
  /** What it contributed to agg_model when last graded. */
  graded?: { fields: GradeFields };
}

export interface GradingPlan {
  /** Per prediction: its new `graded` record, or null to remove it (the game is not final). */
  graded: { id: string; graded: { fields: GradeFields; outcome: number } | null }[];
  /** Per agg_model document (`{modelId}@{version}_{season}`): the increments, zeros left out. */
  aggIncrements: Map<string, { modelId: string; version: string; season: number; fields: GradeFields }>;
  /** The game's upset insight: raised or updated (`upsert`), withdrawn (`withdraw`), or none. */
  insight: { kind: 'upsert'; insight: UpsetInsight } | { kind: 'withdraw' } | null;
}

export function gradingPlan(input: {
  gameId: string;
  season: number;
  /** The home team's outcome after the write (1, 0.5, 0), null when the game is not final. */
  outcome: number | null;
  /** The final game (for the upset insight), null when not final. */
  final: GameFacts | null;
  predictions: readonly StoredPrediction[];
  /** Whether the game has an upset insight now. */
  hasUpsetInsight: boolean;
}): GradingPlan {
  const graded: GradingPlan['graded'] = [];
  const aggIncrements: GradingPlan['aggIncrements'] = new Map();
  for (const p of input.predictions) {
    const next =
      input.outcome === null
        ? null
        : gradePrediction(p.homeWinProbability, p.eloHomeWinProbability, input.outcome);
    graded.push({
      id: p.id,
      graded: next && input.outcome !== null ? { fields: next, outcome: input.outcome } : null,
    });
    const delta = add(p.graded ? negate(p.graded.fields) : {}, next ?? {});
    const aggId = `${p.modelId}@${p.version}_${input.season}`;
    const cur = aggIncrements.get(aggId) ?? {
      modelId: p.modelId,
      version: p.version,
      season: input.season,
      fields: {},
    };
    cur.fields = add(cur.fields, delta);
    aggIncrements.set(aggId, cur);
  }
  for (const agg of aggIncrements.values()) {
    agg.fields = Object.fromEntries(Object.entries(agg.fields).filter(([, v]) => v !== 0));
  }
  // An upset the latest prediction did not see coming is an insight (or stops being one).
  const latest = [...input.predictions].sort((a, b) =>
    String(b.computedAt).localeCompare(String(a.computedAt)),
  )[0];
  const f = input.final;
  const upset =
    latest && f && f.homeScore !== null && f.awayScore !== null
      ? upsetInsight({
          gameId: input.gameId,
          homeTeam: f.homeTeam,
          awayTeam: f.awayTeam,
          homeScore: f.homeScore,
          awayScore: f.awayScore,
          homeWinProbability: latest.homeWinProbability,
        })
      : null;
  const insight: GradingPlan['insight'] = upset
    ? { kind: 'upsert', insight: upset }
    : input.hasUpsetInsight
      ? { kind: 'withdraw' }
      : null;
  return { graded, aggIncrements, insight };
}
