/**
 * Keeps a sport's ratings equal to a from-scratch recomputation while finals arrive concurrently.
 *
 * Each game event marks the sport dirty from the earliest date it touched (`ops/ratings_{sport}`:
 * dirtyFrom = min(...), seq + 1), in the same transaction as its ledger entry, so a redelivered event
 * marks nothing. Then one holder at a time (a lease with an expiry, so a crashed holder is replaced)
 * rebuilds from dirtyFrom and clears the mark only if no event marked it meanwhile (seq unchanged);
 * otherwise it goes round again. An event that finds the lease taken leaves its mark for the holder:
 * the holder's clearing transaction sees it, so no mark is ever dropped. The holder renews its lease
 * while it works (a heartbeat, three times per lease), so a rebuild longer than the lease is never
 * joined by a second holder; only a holder that stopped beating (crashed) is replaced.
 */
import { randomUUID } from 'node:crypto';
import { FieldValue, Timestamp, type Firestore } from 'firebase-admin/firestore';
import { Collections } from '../data/collections';
import { heartbeatEveryMs, leaseFree, renewLease, type Lease } from '../domain/lease';
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
const leaseOf = (doc: WorkerDoc): Lease | null =>
  doc.lease ? { holder: doc.lease.holder, expiresAtMs: doc.lease.expiresAt.toMillis() } : null;
const storedLease = (lease: Lease) => ({
  holder: lease.holder,
  expiresAt: Timestamp.fromMillis(lease.expiresAtMs),
});

interface WorkerOpts {
  now: Date;
  retentionMs: number;
  /** How long a lease lasts without renewal (tests shorten it). */
  leaseMs?: number;
}

/**
 * Renews `holder`'s lease every third of it until stopped; stops by itself when the lease is lost.
 * `stop()` resolves once no renewal is in flight, so nothing is written after the holder is done.
 */
function heartbeat(
  db: Firestore,
  sport: string,
  holder: string,
  leaseMs: number,
): { stop: () => Promise<void> } {
  let stopped = false;
  let inFlight: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const beat = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = db
        .runTransaction(async (tx) => {
          const now = ((await tx.get(workerRef(db, sport))).data() ?? {}) as WorkerDoc;
          const renewed = renewLease(leaseOf(now), holder, Date.now(), leaseMs);
          if (renewed) tx.update(workerRef(db, sport), { lease: storedLease(renewed) });
          return renewed !== null;
        })
        // A failed renewal is retried at the next beat; the clearing transaction checks the lease.
        .then((held) => held && beat(), beat);
    }, heartbeatEveryMs(leaseMs));
  };
  beat();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await inFlight.catch(() => undefined);
    },
  };
}

/**
 * Marks the sport dirty from `fromDate` (once per event; none without an event), and with a
 * `holder`, takes the lease if it is free; true when this call now holds the lease.
 */
async function markAndLease(
  db: Firestore,
  sport: string,
  fromDate: string | null,
  event: EventRef | null,
  holder: string | null,
  opts: WorkerOpts,
): Promise<boolean> {
  const ledger = event ? ledgerRef(db, event) : null;
  return db.runTransaction(async (tx) => {
    const [doc, seen] = await Promise.all([tx.get(workerRef(db, sport)), ledger ? tx.get(ledger) : null]);
    const state = (doc.data() ?? {}) as WorkerDoc;
    const update: Record<string, unknown> = {};
    if (event && ledger && seen && !seen.exists && fromDate !== null) {
      tx.create(ledger, ledgerEntry(event, opts));
      update.dirtyFrom = state.dirtyFrom && state.dirtyFrom < fromDate ? state.dirtyFrom : fromDate;
      update.seq = (state.seq ?? 0) + 1;
    }
    const free = holder !== null && leaseFree(leaseOf(state), Date.now());
    if (free) update.lease = storedLease({ holder, expiresAtMs: Date.now() + (opts.leaseMs ?? LEASE_MS) });
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
  opts: WorkerOpts,
): Promise<'rebuilt' | 'handed-over'> {
  const holder = randomUUID();
  if (!(await markAndLease(db, sport, fromDate, event, holder, opts))) return 'handed-over';
  await work(db, sport, params, holder, opts.leaseMs ?? LEASE_MS);
  return 'rebuilt';
}

/**
 * Queues a recomputation from `fromDate` (once per event) without doing it: the sport's worker
 * document is marked, and the write starts `onRatingsQueued`, which does the work in its own
 * invocation (the API's admin rebuild never runs a long recomputation inside a request).
 */
export async function queueRatings(
  db: Firestore,
  sport: string,
  fromDate: string,
  event: EventRef,
  opts: WorkerOpts,
): Promise<void> {
  await markAndLease(db, sport, fromDate, event, null, opts);
}

/**
 * Does the queued work, if any and if nobody holds the lease: 'rebuilt' when this call brought the
 * ratings up to date, 'idle' when nothing was queued or another invocation is at it.
 */
export async function drainRatings(
  db: Firestore,
  sport: string,
  params: RatingParams,
  opts: WorkerOpts,
): Promise<'rebuilt' | 'idle'> {
  const state = ((await workerRef(db, sport).get()).data() ?? {}) as WorkerDoc;
  if (!state.dirtyFrom || !leaseFree(leaseOf(state), Date.now())) return 'idle';
  const holder = randomUUID();
  if (!(await markAndLease(db, sport, null, null, holder, opts))) return 'idle';
  await work(db, sport, params, holder, opts.leaseMs ?? LEASE_MS);
  return 'rebuilt';
}

/** Whether the sport has no recomputation queued or running. */
export async function ratingsSettled(db: Firestore, sport: string): Promise<boolean> {
  const state = ((await workerRef(db, sport).get()).data() ?? {}) as WorkerDoc;
  return !state.dirtyFrom && !state.lease;
}

/** Waits (at most `maxMs`) for the sport's queued recomputations to be done; true when they are. */
export async function waitForRatings(db: Firestore, sport: string, maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    if (await ratingsSettled(db, sport)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The holder's loop: rebuild from the mark, clear it if nobody marked meanwhile, else go round. */
async function work(db: Firestore, sport: string, params: RatingParams, holder: string, leaseMs: number) {
  const beating = heartbeat(db, sport, holder, leaseMs);
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
          lease: storedLease({ holder, expiresAtMs: Date.now() + leaseMs }),
        });
        return false;
      });
      if (done) return;
    }
  } catch (err) {
    await beating.stop();
    // Leave the mark for the retry (retry: true) or the next event; free the lease for it (if it is
    // still ours: a lease lost to another holder is theirs now).
    await db
      .runTransaction(async (tx) => {
        const now = ((await tx.get(workerRef(db, sport))).data() ?? {}) as WorkerDoc;
        if (now.lease?.holder === holder) tx.update(workerRef(db, sport), { lease: FieldValue.delete() });
      })
      .catch(() => undefined);
    throw err;
  } finally {
    await beating.stop();
  }
}
