import { nextRatingsVersion } from '../domain/cache-keys';
import {
  FieldValue,
  Timestamp,
  type DocumentReference,
  type DocumentSnapshot,
  type Firestore,
  type Transaction,
} from 'firebase-admin/firestore';
import { Collections } from '../data/collections';
import { gameDocSchema } from '../data/games';
import { snapshotId, snapshotIndexSchema, sportDocSchema, type SportDoc } from '../data/ratings';
import type { FinalGame } from '../domain/games';
import { emptyRatingState, ingestFinal, type RatingParams, type RatingState } from '../domain/ratings/state';

/** The UTC calendar date of a kickoff, `YYYY-MM-DD`: the date ratings and features use. */
export function gameDate(kickoff: Date): string {
  return kickoff.toISOString().slice(0, 10);
}

export async function getSport(db: Firestore, sport: string): Promise<SportDoc | null> {
  const snap = await db.collection(Collections.sports).doc(sport).get();
  return snap.exists ? sportDocSchema.parse(snap.data()) : null;
}

/** The rating state built from every final on dates before `date` (empty if there is none). */
export async function stateBefore(db: Firestore, sport: string, date: string): Promise<RatingState> {
  const snap = await db
    .collection(Collections.ratingSnapshots)
    .where('sport', '==', sport)
    .where('date', '<', date)
    .orderBy('date', 'desc')
    .limit(1)
    .get();
  const doc = snap.docs[0];
  return doc ? (doc.get('state') as RatingState) : emptyRatingState();
}

/** The sorted snapshot dates of a sport (rating_indexes), or null if it has no index yet. */
export async function snapshotDates(db: Firestore, sport: string): Promise<string[] | null> {
  const snap = await db.collection(Collections.ratingIndexes).doc(sport).get();
  return snap.exists ? snapshotIndexSchema.parse(snap.data()).dates : null;
}

/** Snapshot states by date, in one batched read. */
export async function snapshotStates(
  db: Firestore,
  sport: string,
  dates: readonly string[],
): Promise<Map<string, RatingState>> {
  const out = new Map<string, RatingState>();
  const unique = [...new Set(dates)];
  for (let i = 0; i < unique.length; i += 300) {
    const refs = unique
      .slice(i, i + 300)
      .map((d) => db.collection(Collections.ratingSnapshots).doc(snapshotId(sport, d)));
    for (const snap of await db.getAll(...refs)) {
      if (snap.exists) out.set(snap.get('date') as string, snap.get('state') as RatingState);
    }
  }
  return out;
}

/** Every final game of a sport, in date order (then id, for a stable order within a date). */
export async function readFinals(
  db: Firestore,
  sport: string,
  fromDate?: string,
): Promise<(FinalGame & { gameId: string })[]> {
  let q = db.collection(Collections.games).where('sport', '==', sport).where('status', '==', 'final');
  if (fromDate) q = q.where('kickoff', '>=', Timestamp.fromDate(new Date(`${fromDate}T00:00:00Z`)));
  const snap = await q.orderBy('kickoff').get();
  const finals: (FinalGame & { gameId: string })[] = [];
  for (const d of snap.docs) {
    const parsed = gameDocSchema.safeParse(d.data());
    if (!parsed.success || parsed.data.homeScore === null || parsed.data.awayScore === null) continue;
    const g = parsed.data;
    finals.push({
      gameId: d.id,
      date: gameDate(g.kickoff.toDate()),
      season: g.season,
      team1: g.homeTeam,
      team2: g.awayTeam,
      neutral: g.neutral,
      playoff: g.playoff,
      score1: g.homeScore as number,
      score2: g.awayScore as number,
    });
  }
  return finals.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.gameId < b.gameId ? -1 : 1));
}

/**
 * Recomputes ratings from `fromDate` on (all history when absent): starts from the snapshot before
 * it, ingests every final from then in date order, rewrites the snapshots of those dates, deletes
 * snapshots of dates that no longer have a final, and bumps ratingsVersion. The result equals a
 * from-scratch rebuild because the incremental and rebuild paths run the same `ingestFinal`.
 */
export async function rebuildRatings(
  db: Firestore,
  sport: string,
  params: RatingParams,
  opts: { fromDate?: string; modelId?: string } = {},
): Promise<{ finals: number; snapshots: number; ratingsVersion: number }> {
  const state = opts.fromDate ? await stateBefore(db, sport, opts.fromDate) : emptyRatingState();
  const finals = await readFinals(db, sport, opts.fromDate);
  const writer = db.bulkWriter();
  const writes: Promise<unknown>[] = [];
  const dates = new Set<string>();
  for (let i = 0; i < finals.length; i++) {
    const game = finals[i] as FinalGame;
    ingestFinal(state, params, game);
    const next = finals[i + 1];
    if (!next || next.date !== game.date) {
      dates.add(game.date);
      writes.push(
        writer.set(db.collection(Collections.ratingSnapshots).doc(snapshotId(sport, game.date)), {
          sport,
          date: game.date,
          // A copy: the state keeps changing while BulkWriter may still be holding this write.
          state: structuredClone(state),
        }),
      );
    }
  }
  // Snapshots of dates from fromDate on that no longer have any final (a final reverted or moved).
  let stale = db.collection(Collections.ratingSnapshots).where('sport', '==', sport);
  if (opts.fromDate) stale = stale.where('date', '>=', opts.fromDate);
  for (const doc of (await stale.select('date').get()).docs) {
    if (!dates.has(doc.get('date') as string)) writes.push(writer.delete(doc.ref));
  }
  await writer.close();
  await Promise.all(writes);
  // The date index: the dates before fromDate are unchanged, the rest are the ones just written.
  const kept = opts.fromDate ? await snapshotDates(db, sport) : [];
  const allDates = kept
    ? [...kept.filter((d) => d < (opts.fromDate as string)), ...[...dates].sort()]
    : (await db.collection(Collections.ratingSnapshots).where('sport', '==', sport).select('date').get()).docs
        .map((d) => d.get('date') as string)
        .sort();
  await db.collection(Collections.ratingIndexes).doc(sport).set({ dates: allDates });
  const lastFinalDate = allDates[allDates.length - 1] ?? null;
  const ratingsVersion = await db.runTransaction(async (tx) => {
    const ref = db.collection(Collections.sports).doc(sport);
    const current = await tx.get(ref);
    const doc = current.exists ? sportDocSchema.parse(current.data()) : null;
    return bumpRatingsVersion(tx, ref, current, {
      modelId: opts.modelId ?? doc?.modelId ?? null,
      lastFinalDate,
      finals: state.games,
    });
  });
  return { finals: finals.length, snapshots: dates.size, ratingsVersion };
}

/**
 * The one way ratingsVersion moves: in the caller's transaction, to the next version after the one
 * `current` holds (strictly increasing, from the clock), with `fields` set alongside. Returns it.
 */
export function bumpRatingsVersion(
  tx: Transaction,
  ref: DocumentReference,
  current: DocumentSnapshot,
  fields: Record<string, unknown> = {},
): number {
  const version = nextRatingsVersion(
    current.exists ? sportDocSchema.parse(current.data()).ratingsVersion : 0,
    Date.now(),
  );
  tx.set(
    ref,
    { ...fields, ratingsVersion: version, updatedAt: FieldValue.serverTimestamp() },
    { merge: true },
  );
  return version;
}
