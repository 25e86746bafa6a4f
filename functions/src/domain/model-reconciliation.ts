/**
 * Reconciling `agg_model` with the documents it is derived from. The truth: every stored prediction
 * of a final game adds gradePrediction(p, eloP, outcome) (domain/grading.ts) to
 * `agg_model/{modelId}@{version}_{season}` of its model version and the game's season, and records
 * exactly that as its `graded` ({fields, outcome}); a prediction of a game that is not final (or
 * no longer exists, or no longer reads as a game) adds nothing and carries no `graded`. The games
 * trigger keeps both incrementally (services/game-events.ts regrade subtracts what `graded` says
 * and adds the new grade); this module computes what they should be, so the reconciliation can
 * compare and repair both together.
 *
 * Predictions are grouped by model version and the game's current season: a group is one agg_model
 * document, plus, per model version, a group without a season (the game is missing or unreadable)
 * that has no document and can only need its `graded` fields removed. The planner folds one page of
 * predictions at a time, so its memory is bounded by groups, not by predictions; a group that
 * disagrees is then re-read and repaired in a transaction (settleGroup is that transaction's view).
 *
 * The sums are floating point and are added in another order than the trigger's increments: two
 * numbers agree when they differ by at most SUM_TOLERANCE relative (absolute below 1).
 */
import { z } from 'zod';
import { gradePrediction, type GradeFields } from './grading';

export const SUM_TOLERANCE = 1e-9;

export function close(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= SUM_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Every field of either agrees (a missing field reads as 0). */
export function sumsAgree(a: GradeFields, b: GradeFields): boolean {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
    if (!close(a[k] ?? 0, b[k] ?? 0)) return false;
  return true;
}

/** The fields that disagree, as they were and as they should be (for the run's report). */
export function fieldDiff(was: GradeFields, now: GradeFields): { was: GradeFields; now: GradeFields } {
  const out = { was: {} as GradeFields, now: {} as GradeFields };
  for (const k of [...new Set([...Object.keys(was), ...Object.keys(now)])].sort()) {
    const w = was[k] ?? 0;
    const n = now[k] ?? 0;
    if (!close(w, n)) {
      out.was[k] = w;
      out.now[k] = n;
    }
  }
  return out;
}

/** The numeric fields of an agg_model document (its sums; `season` is a key, not a sum). */
export function aggFields(data: unknown): GradeFields {
  const out: GradeFields = {};
  if (typeof data !== 'object' || data === null) return out;
  for (const [k, v] of Object.entries(data)) if (typeof v === 'number' && k !== 'season') out[k] = v;
  return out;
}

export interface Graded {
  fields: GradeFields;
  outcome: number;
}

/** A stored prediction as the reconciliation reads it: what grading uses, left unparsed. */
export interface PredictionRow {
  id: string;
  gameId: string;
  modelId: string;
  version: string;
  p: unknown;
  eloP: unknown;
  graded: unknown;
  updatedMs: number;
}

/** The fields read of a prediction (for a projection). */
export const PREDICTION_FIELDS = [
  'gameId',
  'modelId',
  'version',
  'homeWinProbability',
  'eloHomeWinProbability',
  'graded',
] as const;

const predictionKeys = z.object({
  gameId: z.string().min(1),
  modelId: z.string().min(1),
  version: z.string().min(1),
});

/** Null when the document names no game or model version: nothing can grade it into a bucket. */
export function predictionRow(id: string, data: unknown, updatedMs: number): PredictionRow | null {
  const keys = predictionKeys.safeParse(data);
  if (!keys.success) return null;
  const d = data as Record<string, unknown>;
  return {
    id,
    ...keys.data,
    p: d.homeWinProbability,
    eloP: d.eloHomeWinProbability,
    graded: d.graded,
    updatedMs,
  };
}

/** A game as grading sees it: season null when it is missing or does not read as a game. */
export interface GameRow {
  season: number | null;
  /** 1 home win, 0 away win, 0.5 tie; null when not final. */
  outcome: number | null;
  /** When it was last written; null when missing. */
  updatedMs: number | null;
}

export const MISSING_GAME: GameRow = { season: null, outcome: null, updatedMs: null };

/** What the prediction's `graded` must be: the grade of its game's outcome, or none. */
export function expectedGraded(pred: PredictionRow, game: GameRow): Graded | null {
  if (game.season === null || game.outcome === null) return null;
  const p = pred.p;
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) return null;
  const eloP = typeof pred.eloP === 'number' ? pred.eloP : undefined;
  return { fields: gradePrediction(p, eloP, game.outcome), outcome: game.outcome };
}

const gradedSchema = z.object({ fields: z.record(z.string(), z.number()), outcome: z.number() });

export function gradedAgrees(stored: unknown, expected: Graded | null): boolean {
  if (expected === null) return stored === undefined || stored === null;
  const parsed = gradedSchema.safeParse(stored);
  return (
    parsed.success &&
    parsed.data.outcome === expected.outcome &&
    sumsAgree(parsed.data.fields, expected.fields)
  );
}

export interface GroupKey {
  modelId: string;
  version: string;
  /** null: predictions whose game is missing or unreadable (no agg_model document). */
  season: number | null;
}

export function aggModelId(modelId: string, version: string, season: number): string {
  return `${modelId}@${version}_${season}`;
}

function keyOf(g: GroupKey): string {
  return `${g.modelId}@${g.version}_${g.season ?? ''}`;
}

/** The group of an agg_model document, from its fields (as regrade writes them) or else its id. */
export function storedGroup(id: string, data: unknown): GroupKey | null {
  const fields = z
    .object({ modelId: z.string().min(1), version: z.string().min(1), season: z.number().int() })
    .safeParse(data);
  if (fields.success) return fields.data;
  const m = /^([^@]+)@(.+)_(\d+)$/.exec(id);
  return m ? { modelId: m[1] as string, version: m[2] as string, season: Number(m[3]) } : null;
}

export function isRecent(updatedMs: number | null, nowMs: number, settleMs: number): boolean {
  return updatedMs !== null && nowMs - updatedMs < settleMs;
}

interface GroupState extends GroupKey {
  expected: GradeFields;
  predictions: number;
  gradedMismatches: number;
  recent: boolean;
  firstGameId: string;
  lastGameId: string;
}

/** One group to re-read and repair: its predictions are those of the model version in the game id range. */
export interface GroupWork extends GroupKey {
  /** The agg_model document (null for a group without a season). */
  aggId: string | null;
  /** The range of game ids its predictions had (null: none, only a document). */
  gameIds: { first: string; last: string } | null;
}

export interface ModelAggPlan {
  /** agg_model documents (with a prediction, a document, or both) looked at. */
  checked: number;
  /** Of those, left for the next run: something of theirs changed within the settle window. */
  skippedRecent: number;
  /** Groups that disagree: a document's sums, or a prediction's `graded`. */
  work: GroupWork[];
}

export class ModelAggPlanner {
  private readonly groups = new Map<string, GroupState>();
  private readonly stored = new Map<
    string,
    GroupKey & { id: string; fields: GradeFields; recent: boolean }
  >();
  /** Predictions read (including those that name no model version). */
  predictions = 0;

  constructor(private readonly clock: { nowMs: number; settleMs: number }) {}

  /** One page of predictions, with the games they name (a game not in the map is missing). */
  addPredictions(rows: readonly (PredictionRow | null)[], games: ReadonlyMap<string, GameRow>): void {
    for (const row of rows) {
      this.predictions += 1;
      if (!row) continue;
      const game = games.get(row.gameId) ?? MISSING_GAME;
      const key: GroupKey = { modelId: row.modelId, version: row.version, season: game.season };
      const k = keyOf(key);
      const group = this.groups.get(k) ?? {
        ...key,
        expected: {},
        predictions: 0,
        gradedMismatches: 0,
        recent: false,
        firstGameId: row.gameId,
        lastGameId: row.gameId,
      };
      const expected = expectedGraded(row, game);
      if (expected)
        for (const [f, v] of Object.entries(expected.fields))
          group.expected[f] = (group.expected[f] ?? 0) + v;
      if (!gradedAgrees(row.graded, expected)) group.gradedMismatches += 1;
      group.predictions += 1;
      const { nowMs, settleMs } = this.clock;
      if (isRecent(row.updatedMs, nowMs, settleMs) || isRecent(game.updatedMs, nowMs, settleMs))
        group.recent = true;
      if (row.gameId < group.firstGameId) group.firstGameId = row.gameId;
      if (row.gameId > group.lastGameId) group.lastGameId = row.gameId;
      this.groups.set(k, group);
    }
  }

  /** One stored agg_model document. */
  addStored(id: string, data: unknown, updatedMs: number): void {
    const key = storedGroup(id, data);
    if (!key) return;
    this.stored.set(keyOf(key), {
      ...key,
      id,
      fields: aggFields(data),
      recent: isRecent(updatedMs, this.clock.nowMs, this.clock.settleMs),
    });
  }

  plan(): ModelAggPlan {
    const plan: ModelAggPlan = { checked: 0, skippedRecent: 0, work: [] };
    const keys = new Set([...this.groups.keys(), ...this.stored.keys()]);
    for (const k of [...keys].sort()) {
      const group = this.groups.get(k);
      const stored = this.stored.get(k);
      const key = (group ?? stored) as GroupKey;
      const season = key.season;
      const work: GroupWork = {
        modelId: key.modelId,
        version: key.version,
        season,
        aggId: season === null ? null : (stored?.id ?? aggModelId(key.modelId, key.version, season)),
        gameIds: group ? { first: group.firstGameId, last: group.lastGameId } : null,
      };
      if (season === null) {
        // No document: only `graded` fields to remove, and nothing counted as checked.
        if (group && group.gradedMismatches > 0 && !group.recent) plan.work.push(work);
        continue;
      }
      plan.checked += 1;
      if (group?.recent || stored?.recent) {
        plan.skippedRecent += 1;
        continue;
      }
      if ((group?.gradedMismatches ?? 0) > 0 || !sumsAgree(stored?.fields ?? {}, group?.expected ?? {}))
        plan.work.push(work);
    }
    return plan;
  }
}

export type GroupOutcome =
  | { kind: 'recent' }
  | {
      kind: 'settled';
      /** The document's sums as they were and as they must be, when they disagree. */
      agg: { was: GradeFields; now: GradeFields } | null;
      /** Predictions whose `graded` must be set (null: removed). */
      fixes: { id: string; graded: Graded | null }[];
    };

/**
 * The repair transaction's decision for one group, from what it re-read: the document (null when
 * missing), the model version's predictions in the group's game id range (those whose game is now
 * in another season belong to another group and are ignored) and their games.
 */
export function settleGroup(input: {
  group: GroupKey;
  stored: { data: unknown; updatedMs: number } | null;
  predictions: readonly PredictionRow[];
  games: ReadonlyMap<string, GameRow>;
  nowMs: number;
  settleMs: number;
}): GroupOutcome {
  const { group, nowMs, settleMs } = input;
  if (input.stored && isRecent(input.stored.updatedMs, nowMs, settleMs)) return { kind: 'recent' };
  const expected: GradeFields = {};
  const fixes: { id: string; graded: Graded | null }[] = [];
  for (const row of input.predictions) {
    const game = input.games.get(row.gameId) ?? MISSING_GAME;
    if (row.modelId !== group.modelId || row.version !== group.version || game.season !== group.season)
      continue;
    if (isRecent(row.updatedMs, nowMs, settleMs) || isRecent(game.updatedMs, nowMs, settleMs))
      return { kind: 'recent' };
    const want = expectedGraded(row, game);
    if (want) for (const [f, v] of Object.entries(want.fields)) expected[f] = (expected[f] ?? 0) + v;
    if (!gradedAgrees(row.graded, want)) fixes.push({ id: row.id, graded: want });
  }
  const was = aggFields(input.stored?.data);
  const agg = group.season !== null && !sumsAgree(was, expected) ? { was, now: expected } : null;
  return { kind: 'settled', agg, fixes };
}

/** What a repair changed, for the run's report: |Δn| and |Δ Brier sum| of the model's grades. */
export function aggDrift(agg: { was: GradeFields; now: GradeFields }): { n: number; brier: number } {
  // A stored value that is not a number at all (NaN from a broken write) drifted by all of the truth.
  const diff = (k: string) => {
    const d = Math.abs((agg.was[k] ?? 0) - (agg.now[k] ?? 0));
    return Number.isFinite(d) ? d : Math.abs(agg.now[k] ?? 0);
  };
  return { n: diff('n'), brier: diff('brierSum') };
}
