/**
 * Keeps a sport's ratings equal to a from-scratch recomputation while finals arrive concurrently.
 *
 * Each game event marks the sport dirty from the earliest date it touched (`ops/ratings_{sport}`:
 * dirtyFrom = min(...), seq + 1), in the same transaction as its ledger entry, so a redelivered event
 * marks nothing. Then one holder at a time (a lease with an expiry, so a crashed holder is replaced)
 * rebuilds from dirtyFrom and clears the mark only if no event marked it meanwhile (seq unchanged);
 * otherwise it goes round again. An event that finds the lease taken leaves its mark for the holder:
 * the holder's clearing transaction sees it, so no mark is ever dropped.
 */
import { randomUUID } from 'node:crypto';
import { FieldValue, Timestamp, type Firestore } from 'firebase-admin/firestore';
import { Collections } from '../data/collections';
import type { RatingParams } from '../domain/ratings/state';
import { ledgerEntry, ledgerRef, type EventRef } from './idempotent';
import { rebuildRatings } from './ratings';

export const LEASE_MS = 120_000;
/** Before every date: a full rebuild. */
export const FROM_THE_START = '0000-01-01';

interface WorkerDoc {
  dirtyFrom?: string | null;
  seq?: number;
  lease?: { holder: string; expiresAt: Timestamp } | null;
}

const workerRef = (db: Firestore, sport: string) => db.collection(Collections.ops).doc(`ratings_${sport}`);

/** Marks the sport dirty from `fromDate` (once per event); true when this call now holds the lease. */
async function markAndLease(
  db: Firestore,
  sport: string,
  fromDate: string | null,
  event: EventRef,
  holder: string,
  opts: { now: Date; retentionMs: number },
): Promise<boolean> {
  const ledger = ledgerRef(db, event);
  return db.runTransaction(async (tx) => {
    const [doc, seen] = await Promise.all([tx.get(workerRef(db, sport)), tx.get(ledger)]);
    const state = (doc.data() ?? {}) as WorkerDoc;
    const update: Record<string, unknown> = {};
    if (!seen.exists && fromDate !== null) {
      tx.create(ledger, ledgerEntry(event, opts));
      update.dirtyFrom = state.dirtyFrom && state.dirtyFrom < fromDate ? state.dirtyFrom : fromDate;
      update.seq = (state.seq ?? 0) + 1;
    }
    const free = !state.lease || state.lease.expiresAt.toMillis() < Date.now();
    if (free) update.lease = { holder, expiresAt: Timestamp.fromMillis(Date.now() + LEASE_MS) };
    if (Object.keys(update).length > 0) tx.set(workerRef(db, sport), update, { merge: true });
    return free;
  });
}

/**
 * Records that an event changed final results from `fromDate` on, and (if no other invocation is
 * already at it) brings the ratings up to date. Resolves once the ratings include this event's
 * change, or once the invocation holding the lease has been told to include it.
 */
export async function updateRatings(
  db: Firestore,
  sport: string,
  params: RatingParams,
  fromDate: string,
  event: EventRef,
  opts: { now: Date; retentionMs: number },
): Promise<'rebuilt' | 'handed-over'> {
  const holder = randomUUID();
  if (!(await markAndLease(db, sport, fromDate, event, holder, opts))) return 'handed-over';
  try {
    for (;;) {
      const pending = ((await workerRef(db, sport).get()).data() ?? {}) as WorkerDoc;
      if (pending.dirtyFrom) {
        await rebuildRatings(
          db,
          sport,
          params,
          pending.dirtyFrom === FROM_THE_START ? {} : { fromDate: pending.dirtyFrom },
        );
      }
      // Clear the mark and release only if nobody marked it meanwhile; else go round again.
      const done = await db.runTransaction(async (tx) => {
        const now = ((await tx.get(workerRef(db, sport))).data() ?? {}) as WorkerDoc;
        if (now.lease?.holder !== holder) throw new Error('ratings lease lost (expired while rebuilding)');
        if ((now.seq ?? 0) === (pending.seq ?? 0)) {
          tx.update(workerRef(db, sport), { dirtyFrom: null, lease: null });
          return true;
        }
        tx.update(workerRef(db, sport), {
          lease: { holder, expiresAt: Timestamp.fromMillis(Date.now() + LEASE_MS) },
        });
        return false;
      });
      if (done) return 'rebuilt';
    }
  } catch (err) {
    // Leave the mark for the retry (retry: true) or the next event; free the lease for it.
    await workerRef(db, sport)
      .update({ lease: FieldValue.delete() })
      .catch(() => undefined);
    throw err;
  }
}
