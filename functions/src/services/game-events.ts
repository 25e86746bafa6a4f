/**
 * What the games trigger does with one write (DESIGN.md "Writes and invalidation"): recompute the
 * sport's ratings from the earliest final the write touched (ratings-worker), or just bump the
 * ratingsVersion when only a scheduled game's inputs changed, and (re)grade the stored predictions
 * of the game, raising (or withdrawing) an upset insight when the result surprised the model, and
 * withdrawing a deleted game's disagreement insight. Each effect is idempotent per event through its
 * own ledger entry, or convergent (the insight writes).
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { Collections } from '../data/collections';
import { gameDocSchema } from '../data/games';
import { gameChange, type GameChange, type GameFacts } from '../domain/game-changes';
import { gradingPlan, type StoredPrediction } from '../domain/grading-plan';
import { engineRatingParams } from '../domain/model-checks';
import { ledgerEntry, ledgerRef, type EventRef } from './idempotent';
import { bumpRatingsVersion, gameDate } from './ratings';
import { updateRatings } from './ratings-worker';
import type { L2Cache } from '../cache/l2';
import { bumpVersions } from '../cache/versioned';
import { modelMetricsKey } from './model-metrics';
import { settleDisagreement } from './disagreements';
import { invalidateWeeks, weeksToInvalidate } from './weeks';

export function gameFacts(data: unknown): GameFacts | null {
  const parsed = gameDocSchema.safeParse(data);
  if (!parsed.success) return null;
  const g = parsed.data;
  return {
    sport: g.sport,
    date: gameDate(g.kickoff.toDate()),
    season: g.season,
    homeTeam: g.homeTeam,
    awayTeam: g.awayTeam,
    neutral: g.neutral,
    playoff: g.playoff,
    final: g.status === 'final' && g.homeScore !== null && g.awayScore !== null,
    homeScore: g.homeScore,
    awayScore: g.awayScore,
  };
}

interface Opts {
  now: Date;
  retentionMs: number;
}

/** New prediction keys for the sport, once per event. */
async function bumpOnce(db: Firestore, sport: string, event: EventRef, opts: Opts): Promise<void> {
  const ledger = ledgerRef(db, event, 'bump');
  const ref = db.collection(Collections.sports).doc(sport);
  await db.runTransaction(async (tx) => {
    const [seen, current] = await Promise.all([tx.get(ledger), tx.get(ref)]);
    if (seen.exists) return;
    tx.create(ledger, ledgerEntry(event, opts));
    bumpRatingsVersion(tx, ref, current);
  });
}

/**
 * (Re)grades every stored prediction of the game into agg_model (the plan is domain/grading-plan.ts:
 * what each contributed before comes out, the grade for the new outcome goes in, the model's
 * probability and the Elo baseline alike) and raises or withdraws its upset insight. One
 * transaction with the ledger entry; the predictions are read inside it.
 */
export async function regrade(
  db: Firestore,
  gameId: string,
  season: number,
  outcomeAfter: number | null,
  final: GameFacts | null,
  event: EventRef,
  opts: Opts,
): Promise<{ graded: number; models: string[] }> {
  const ledger = ledgerRef(db, event, 'grade');
  return db.runTransaction(async (tx) => {
    // The game's predictions are read in the transaction (Firestore transactions are serializable,
    // queries included): a prediction stored while this runs either is in this read or is written
    // after the commit; read outside, one stored in between was never graded.
    const [seen, predictions] = await Promise.all([
      tx.get(ledger),
      tx.get(db.collection(Collections.predictions).where('gameId', '==', gameId)),
    ]);
    const models = [...new Set(predictions.docs.map((d) => d.id.split('__')[1]?.split('@')[0] ?? ''))].filter(
      Boolean,
    );
    if (seen.exists) return { graded: 0, models };
    const insightRef = db.collection(Collections.insights).doc(`${gameId}__upset`);
    const existingInsight = await tx.get(insightRef);
    const plan = gradingPlan({
      gameId,
      season,
      outcome: outcomeAfter,
      final,
      predictions: predictions.docs.map((d) => storedPrediction(d.id, d.data())),
      hasUpsetInsight: existingInsight.exists,
    });
    // Apply it.
    tx.create(ledger, ledgerEntry(event, opts));
    plan.graded.forEach(({ id, graded }) =>
      tx.update(db.collection(Collections.predictions).doc(id), { graded: graded ?? FieldValue.delete() }),
    );
    for (const [aggId, { modelId, version, fields }] of plan.aggIncrements) {
      const increments: Record<string, FieldValue> = {};
      for (const [k, v] of Object.entries(fields)) increments[k] = FieldValue.increment(v);
      tx.set(
        db.collection(Collections.aggModel).doc(aggId),
        { modelId, version, season, ...increments },
        { merge: true },
      );
    }
    if (plan.insight?.kind === 'upsert') {
      const { id: _id, ...fields } = plan.insight.insight;
      if (existingInsight.exists)
        tx.update(insightRef, { ...fields, updatedAt: FieldValue.serverTimestamp() });
      else
        tx.create(insightRef, { ...fields, gameId, status: 'open', createdAt: FieldValue.serverTimestamp() });
    } else if (plan.insight?.kind === 'withdraw') {
      tx.delete(insightRef);
    }
    return { graded: plan.graded.length, models };
  });
}

/** A prediction document as the grading plan reads it. */
function storedPrediction(id: string, data: Record<string, unknown>): StoredPrediction {
  return {
    id,
    modelId: data.modelId as string,
    version: data.version as string,
    homeWinProbability: data.homeWinProbability as number,
    ...(typeof data.eloHomeWinProbability === 'number'
      ? { eloHomeWinProbability: data.eloHomeWinProbability }
      : {}),
    ...(typeof data.computedAt === 'string' ? { computedAt: data.computedAt } : {}),
    ...(data.graded ? { graded: data.graded as StoredPrediction['graded'] & object } : {}),
  };
}

export interface GameWriteResult extends GameChange {
  /** The game's date (after the write, else before). */
  date?: string;
  /** 'rebuilt' or 'version-bumped': every prediction of the sport has new keys; 'handed-over':
   * the invocation holding the ratings lease will include this change. */
  ratings?: 'rebuilt' | 'handed-over' | 'version-bumped';
  graded?: number;
  /** The deleted game's disagreement insight was withdrawn. */
  insightWithdrawn?: boolean;
}

/** True when this invocation's write gave the sport's predictions new keys (and new numbers). */
export function predictionsMoved(result: GameWriteResult): boolean {
  return result.ratings === 'rebuilt' || result.ratings === 'version-bumped';
}

export async function handleGameWrite(
  db: Firestore,
  gameId: string,
  beforeData: unknown,
  afterData: unknown,
  event: EventRef,
  opts: Opts,
  l2: L2Cache,
): Promise<GameWriteResult> {
  const before = beforeData === undefined ? null : gameFacts(beforeData);
  const after = afterData === undefined ? null : gameFacts(afterData);
  const change = gameChange(before, after);
  // First: the game as shown is committed already, so the cached weeks built on the old one go now,
  // before the ratingsVersion moves (the web app refetches its week when it sees that move).
  await invalidateWeeks(l2, weeksToInvalidate(gameId, beforeData, afterData));
  if (!change.sport) return change;
  const result: GameWriteResult = { ...change, date: (after ?? before)?.date };
  // A deleted game has no kickoff left to disagree about (its upset, if final, goes with the regrade).
  if (afterData === undefined && (await settleDisagreement(db, gameId, null))) result.insightWithdrawn = true;
  if (change.ratingsFrom) {
    result.ratings = await updateRatings(
      db,
      change.sport,
      engineRatingParams(change.sport),
      change.ratingsFrom,
      event,
      opts,
    );
  } else if (change.inputsChanged) {
    await bumpOnce(db, change.sport, event, opts);
    result.ratings = 'version-bumped';
  }
  if (change.outcomeBefore !== change.outcomeAfter || (change.ratingsFrom && change.outcomeAfter !== null)) {
    const { graded, models } = await regrade(
      db,
      gameId,
      (after ?? before)?.season as number,
      change.outcomeAfter,
      after?.final ? after : null,
      event,
      opts,
    );
    result.graded = graded;
    await bumpVersions(l2, models.map(modelMetricsKey));
  }
  return result;
}
