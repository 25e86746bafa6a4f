/**
 * Apply counter increments exactly once per event: the ledger entry and the increments are written
 * in one transaction, so a redelivered event (at-least-once delivery, `retry: true`) finds its entry
 * and changes nothing, and a failed attempt leaves nothing behind.
 */
import { FieldValue, Timestamp, type Firestore } from 'firebase-admin/firestore';
import { ledgerDocId, ledgerExpiry } from '../domain/ledger';
import { Collections } from '../data/collections';

export interface EventRef {
  functionName: string;
  eventId: string;
  /** The document the event is about, kept in the ledger for debugging. */
  subject: string;
}

/** The ledger document of an event (`effect` separates several effects of one event). */
export function ledgerRef(db: Firestore, event: EventRef, effect?: string) {
  const fn = effect ? `${event.functionName}.${effect}` : event.functionName;
  return db.collection(Collections.processedEvents).doc(ledgerDocId(fn, event.eventId));
}

/** What a ledger document holds; `expireAt` drives the TTL policy and the cleanup job. */
export function ledgerEntry(event: EventRef, opts: { now: Date; retentionMs: number }) {
  return {
    functionName: event.functionName,
    eventId: event.eventId,
    subject: event.subject,
    processedAt: Timestamp.fromDate(opts.now),
    expireAt: Timestamp.fromDate(ledgerExpiry(opts.now, opts.retentionMs)),
  };
}

/** Increments to apply: document path → field → amount. */
export type Increments = Map<string, Record<string, number>>;
/** Plain fields written alongside the increments (identity fields such as userId and date). */
export type FieldsToSet = Map<string, Record<string, unknown>>;

export async function applyOnce(
  db: Firestore,
  event: EventRef,
  increments: Increments,
  opts: { now: Date; retentionMs: number; set?: FieldsToSet },
): Promise<'applied' | 'duplicate'> {
  const ledger = ledgerRef(db, event);
  return db.runTransaction(async (tx) => {
    if ((await tx.get(ledger)).exists) return 'duplicate';
    tx.create(ledger, ledgerEntry(event, opts));
    for (const [path, fields] of increments) {
      const update: Record<string, FieldValue> = {};
      for (const [field, amount] of Object.entries(fields)) update[field] = FieldValue.increment(amount);
      tx.set(db.doc(path), { ...opts.set?.get(path), ...update }, { merge: true });
    }
    return 'applied';
  });
}

/** Deletes ledger entries whose expiry has passed; returns how many. */
export async function deleteExpiredLedgerEntries(db: Firestore, now: Date, pageSize = 400): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await db
      .collection(Collections.processedEvents)
      .where('expireAt', '<', Timestamp.fromDate(now))
      .limit(pageSize)
      .get();
    if (page.empty) return deleted;
    const batch = db.batch();
    for (const doc of page.docs) batch.delete(doc.ref);
    await batch.commit();
    deleted += page.size;
  }
}
