/**
 * Cache warming: predictions for every scheduled game of the next days, computed in batches so the
 * first fan to open a game finds it in L2 (any instance) and L3 rather than paying for a miss.
 * Only misses are computed and written; already cached games cost one MGET.
 *
 * The same pass keeps the model-vs-ratings insights of those games current (domain/disagreements):
 * raised, updated or withdrawn to match the prediction being served, so they follow new ratings and
 * a newly activated model within one run. Writes are convergent (a game-derived id, compared before
 * writing), so a repeated or overlapping run writes nothing more.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { Collections } from '../data/collections';
import { SPORTS } from '../data/games';
import { disagreementInsight, sameDisagreement, type DisagreementInsight } from '../domain/disagreements';
import { listGames } from './games';
import { PredictionError, type PredictionBody, type PredictionService } from './predictions';

export interface WarmReport {
  games: number;
  computed: number;
  alreadyCached: number;
  skippedSports: string[];
  /** Model-vs-ratings insights written by this run. */
  disagreements: { raised: number; updated: number; withdrawn: number };
}

type InsightWrite = 'raised' | 'updated' | 'withdrawn' | null;

/** Brings one game's disagreement insight to `desired` (null: none), keeping an admin's status. */
async function settleDisagreement(
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
async function refreshDisagreements(
  db: Firestore,
  predictions: readonly PredictionBody[],
  report: WarmReport,
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
    if (written) report.disagreements[written] += 1;
  }
}

export async function warmUpcoming(
  db: Firestore,
  predictions: PredictionService,
  opts: { now: Date; days: number; sports?: readonly string[] },
): Promise<WarmReport> {
  const report: WarmReport = {
    games: 0,
    computed: 0,
    alreadyCached: 0,
    skippedSports: [],
    disagreements: { raised: 0, updated: 0, withdrawn: 0 },
  };
  const to = new Date(opts.now.getTime() + opts.days * 86_400_000);
  for (const sport of opts.sports ?? SPORTS) {
    let cursor: { kickoffMs: number; gameId: string } | undefined;
    do {
      const page = await listGames(db, {
        sport,
        status: 'scheduled',
        from: opts.now,
        to,
        limit: 500,
        ...(cursor ? { cursor } : {}),
      });
      const ids = page.games.map((g) => g.gameId);
      if (ids.length > 0) {
        try {
          const { levels, predictions: served } = await predictions.forGames(ids);
          report.games += ids.length;
          report.computed += levels.miss;
          report.alreadyCached += levels.l1 + levels.l2 + levels.l3;
          await refreshDisagreements(db, served, report);
        } catch (err) {
          if (err instanceof PredictionError && err.code === 'no_model') {
            report.skippedSports.push(sport);
            break;
          }
          throw err;
        }
      }
      const last = page.games[page.games.length - 1];
      cursor =
        page.nextCursor && last ? { kickoffMs: Date.parse(last.kickoff), gameId: last.gameId } : undefined;
    } while (cursor);
  }
  await predictions.drain();
  return report;
}
