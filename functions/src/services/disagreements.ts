/**
 * The model-vs-ratings insight of each game (domain/disagreements), kept equal to what the served
 * prediction says: raised, updated (keeping the status an admin gave it) or withdrawn. Writes are
 * convergent (a game-derived id, compared before writing), so repeated or overlapping passes write
 * nothing more.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { Collections } from '../data/collections';
import { disagreementInsight, sameDisagreement, type DisagreementInsight } from '../domain/disagreements';
import type { PredictionBody } from './predictions';

export interface DisagreementWrites {
  raised: number;
  updated: number;
  withdrawn: number;
}

type InsightWrite = 'raised' | 'updated' | 'withdrawn' | null;

/** Brings one game's disagreement insight to `desired` (null: none), keeping an admin's status. */
export async function settleDisagreement(
  db: Firestore,
  gameId: string,
  desired: DisagreementInsight | null,
): Promise<InsightWrite> {
  const ref = db.collection(Collections.insights).doc(`${gameId}__disagreement`);
  return db.runTransaction(async (tx) => {
    const stored = await tx.get(ref);
    if (!desired) {
      if (!stored.exists) return null;
      tx.delete(ref);
      return 'withdrawn';
    }
    const { id: _id, ...fields } = desired;
    if (!stored.exists) {
      tx.create(ref, { ...fields, gameId, status: 'open', createdAt: FieldValue.serverTimestamp() });
      return 'raised';
    }
    if (sameDisagreement(stored.data() ?? {}, desired)) return null;
    tx.update(ref, { ...fields, updatedAt: FieldValue.serverTimestamp() });
    return 'updated';
  });
}

/** Compares the served predictions with the stored insights (one read) and settles those that differ. */
export async function refreshDisagreements(
  db: Firestore,
  predictions: readonly PredictionBody[],
  writes: DisagreementWrites,
): Promise<void> {
  // A prediction stored before it carried the Elo-only number says nothing either way.
  const judged = predictions.filter(
    (p): p is PredictionBody & { gameId: string } =>
      p.gameId !== undefined && typeof p.eloHomeWinProbability === 'number',
  );
  if (judged.length === 0) return;
  const refs = judged.map((p) => db.collection(Collections.insights).doc(`${p.gameId}__disagreement`));
  const stored = await db.getAll(...refs);
  for (const [i, p] of judged.entries()) {
    const desired = disagreementInsight({ ...p, gameId: p.gameId });
    const current = stored[i];
    const settled = current?.exists
      ? desired && sameDisagreement(current.data() ?? {}, desired)
      : desired === null;
    if (settled) continue;
    const written = await settleDisagreement(db, p.gameId, desired);
    if (written) writes[written] += 1;
  }
}
