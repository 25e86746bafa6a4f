/**
 * Exactly-once counter increments per event, over an in-memory Firestore that keeps what the
 * ledger relies on: all-or-nothing commits, ALREADY_EXISTS on create, and transactions that retry
 * when a document they read changed (test/support/memory-firestore.ts).
 */
import { Timestamp } from 'firebase-admin/firestore';
import { Collections } from '../../../src/data/collections';
import {
  applyOnce,
  deleteExpiredLedgerEntries,
  ledgerEntry,
  ledgerRef,
  type EventRef,
  type Increments,
} from '../../../src/services/idempotent';
import { MemoryFirestore } from '../../support/memory-firestore';

const DAY = 86_400_000;
const now = new Date('2026-03-01T12:00:00Z');
const opts = { now, retentionMs: 7 * DAY };

const event: EventRef = {
  functionName: 'onInsightWritten',
  eventId: 'evt-1',
  subject: 'insights/abc',
};

const BUCKET = `${Collections.aggUserDaily}/u1_2026-03-01`;
const OTHER = `${Collections.aggInsights}/all`;

function increments(): Increments {
  return new Map<string, Record<string, number>>([
    [BUCKET, { count: 1, engagementSum: 3 }],
    [OTHER, { total: 2 }],
  ]);
}

function ledgerIds(store: MemoryFirestore): string[] {
  return store.ids(Collections.processedEvents);
}

/** The event ids the ledger still holds. */
function ledgerEvents(store: MemoryFirestore): unknown[] {
  return ledgerIds(store)
    .map((id) => store.read(`${Collections.processedEvents}/${id}`)?.eventId)
    .sort();
}

describe('applyOnce', () => {
  it('applies the increments and records the event in the ledger with its expiry', async () => {
    const store = new MemoryFirestore();
    expect(await applyOnce(store.asFirestore(), event, increments(), opts)).toBe('applied');

    expect(store.read(BUCKET)).toEqual({ count: 1, engagementSum: 3 });
    expect(store.read(OTHER)).toEqual({ total: 2 });
    expect(ledgerIds(store)).toHaveLength(1);
    const entry = store.read(`${Collections.processedEvents}/${ledgerIds(store)[0]}`)!;
    expect(entry).toMatchObject({
      functionName: 'onInsightWritten',
      eventId: 'evt-1',
      subject: 'insights/abc',
    });
    expect(entry.processedAt).toEqual(Timestamp.fromDate(now));
    expect(entry.expireAt).toEqual(Timestamp.fromDate(new Date(now.getTime() + 7 * DAY)));
  });

  it('a redelivered event reports a duplicate and changes no counter', async () => {
    const store = new MemoryFirestore();
    const db = store.asFirestore();
    await applyOnce(db, event, increments(), opts);
    expect(await applyOnce(db, event, increments(), opts)).toBe('duplicate');
    expect(await applyOnce(db, event, increments(), { ...opts, now: new Date(now.getTime() + DAY) })).toBe(
      'duplicate',
    );

    expect(store.read(BUCKET)).toEqual({ count: 1, engagementSum: 3 });
    expect(store.read(OTHER)).toEqual({ total: 2 });
    expect(ledgerIds(store)).toHaveLength(1);
  });

  it('two deliveries of one event running at once apply it once', async () => {
    const store = new MemoryFirestore();
    const db = store.asFirestore();
    const outcomes = await Promise.all([
      applyOnce(db, event, increments(), opts),
      applyOnce(db, event, increments(), opts),
    ]);

    expect(outcomes.sort()).toEqual(['applied', 'duplicate']);
    expect(store.read(BUCKET)).toEqual({ count: 1, engagementSum: 3 });
  });

  it('a failed attempt leaves nothing behind, and the retry applies the increments exactly once', async () => {
    const store = new MemoryFirestore();
    const db = store.asFirestore();
    store.failCommits(1, BUCKET); // e.g. the bucket's write is refused; the whole commit fails
    await expect(applyOnce(db, event, increments(), opts)).rejects.toThrow(/UNAVAILABLE/);
    expect(store.read(BUCKET)).toBeUndefined();
    expect(ledgerIds(store)).toEqual([]);

    expect(await applyOnce(db, event, increments(), opts)).toBe('applied');
    expect(await applyOnce(db, event, increments(), opts)).toBe('duplicate');
    expect(store.read(BUCKET)).toEqual({ count: 1, engagementSum: 3 });
  });

  it('different events add up, and one event id seen by two functions counts for each', async () => {
    const store = new MemoryFirestore();
    const db = store.asFirestore();
    await applyOnce(db, event, increments(), opts);
    await applyOnce(db, { ...event, eventId: 'evt-2' }, increments(), opts);
    await applyOnce(db, { ...event, functionName: 'onInsightWrittenV2' }, increments(), opts);

    expect(store.read(BUCKET)).toEqual({ count: 3, engagementSum: 9 });
    expect(ledgerIds(store)).toHaveLength(3);
  });

  it('adds to existing counters, keeps the document’s other fields and writes the fields to set', async () => {
    const store = new MemoryFirestore();
    store.seed(BUCKET, { count: 4, engagementSum: 10, userId: 'u1', date: '2026-03-01', note: 'kept' });
    await applyOnce(store.asFirestore(), event, new Map([[BUCKET, { count: 1, engagementSum: -2 }]]), {
      ...opts,
      set: new Map([[BUCKET, { userId: 'u1', date: '2026-03-01' }]]),
    });

    expect(store.read(BUCKET)).toEqual({
      count: 5,
      engagementSum: 8,
      userId: 'u1',
      date: '2026-03-01',
      note: 'kept',
    });
  });

  it('a bucket created by the event carries its identity fields with the counters', async () => {
    const store = new MemoryFirestore();
    await applyOnce(store.asFirestore(), event, increments(), {
      ...opts,
      set: new Map([[BUCKET, { userId: 'u1', date: '2026-03-01' }]]),
    });

    expect(store.read(BUCKET)).toEqual({ count: 1, engagementSum: 3, userId: 'u1', date: '2026-03-01' });
    // A path without fields to set gets only its counters.
    expect(store.read(OTHER)).toEqual({ total: 2 });
  });

  it('another effect of the same event, recorded under its own name, does not mark the increments done', async () => {
    const store = new MemoryFirestore();
    const db = store.asFirestore();
    await db.runTransaction(async (tx) => {
      const ref = ledgerRef(db, event, 'bump');
      if (!(await tx.get(ref)).exists) tx.create(ref, ledgerEntry(event, opts));
    });

    expect(await applyOnce(db, event, increments(), opts)).toBe('applied');
    expect(store.read(BUCKET)).toEqual({ count: 1, engagementSum: 3 });
    expect(ledgerIds(store)).toHaveLength(2);
  });
});

describe('deleteExpiredLedgerEntries', () => {
  it('deletes every entry whose retention has passed, page by page, and keeps the others', async () => {
    const store = new MemoryFirestore();
    const db = store.asFirestore();
    for (let i = 0; i < 5; i += 1)
      await applyOnce(db, { ...event, eventId: `old-${i}` }, increments(), { now, retentionMs: DAY });
    for (let i = 0; i < 2; i += 1)
      await applyOnce(db, { ...event, eventId: `recent-${i}` }, increments(), { now, retentionMs: 7 * DAY });

    const deleted = await deleteExpiredLedgerEntries(db, new Date(now.getTime() + 2 * DAY), 2);

    expect(deleted).toBe(5);
    expect(ledgerEvents(store)).toEqual(['recent-0', 'recent-1']);
  });

  it('keeps an entry until its expiry has passed, so a redelivery until then is still a duplicate', async () => {
    const store = new MemoryFirestore();
    const db = store.asFirestore();
    await applyOnce(db, event, increments(), opts);

    expect(await deleteExpiredLedgerEntries(db, new Date(now.getTime() + 7 * DAY))).toBe(0);
    expect(await applyOnce(db, event, increments(), opts)).toBe('duplicate');
    expect(store.read(BUCKET)).toEqual({ count: 1, engagementSum: 3 });

    expect(await deleteExpiredLedgerEntries(db, new Date(now.getTime() + 7 * DAY + 1))).toBe(1);
    expect(ledgerIds(store)).toEqual([]);
  });
});
