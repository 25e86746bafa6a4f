/**
 * A real Firestore trigger in the Functions emulator: writes to insights/ (as the API or an admin in
 * the console would make them) keep agg_insights exact. Duplicate delivery, which the emulator never
 * produces, is injected by wrapping the exported function with firebase-functions-test.
 */
import functionsTest from 'firebase-functions-test';
import { onInsightWritten } from '../../src/index';
import { clearFirestore, db, eventually } from './helpers';

const testEnv = functionsTest({ projectId: process.env.GCLOUD_PROJECT });
afterAll(() => testEnv.cleanup());
beforeAll(clearFirestore, 30_000);

/** Both buckets in one read (getAll is one snapshot), so a move between them is never seen half done. */
const counts = async () => {
  const [open, resolved] = await db().getAll(
    db().doc('agg_insights/open_high'),
    db().doc('agg_insights/resolved_high'),
  );
  return {
    openHigh: (open?.get('count') as number | undefined) ?? 0,
    resolvedHigh: (resolved?.get('count') as number | undefined) ?? 0,
  };
};
const same = (want: { openHigh: number; resolvedHigh: number }) => (c: typeof want) =>
  c.openHigh === want.openHigh && c.resolvedHigh === want.resolvedHigh;

describe('onInsightWritten in the emulator', () => {
  it('counts a created insight, moves it on a status change, and uncounts it on delete', async () => {
    const start = await counts();
    const ref = db().collection('insights').doc('i1');
    await ref.set({ type: 'upset', status: 'open', severity: 'high', message: 'Upset alert', gameId: 'g1' });
    await eventually(counts, same({ ...start, openHigh: start.openHigh + 1 }));

    await ref.update({ status: 'resolved' });
    await eventually(counts, same({ ...start, resolvedHigh: start.resolvedHigh + 1 }));

    await ref.delete();
    await eventually(counts, same(start));
  });

  it('records each processed event in the ledger', async () => {
    await db().collection('insights').doc('i2').set({ status: 'open', severity: 'low', message: 'x' });
    const ledger = await eventually(
      () => db().collection('processed_events').where('subject', '==', 'insights/i2').get(),
      (snap) => snap.size === 1,
    );
    expect(ledger.docs[0]!.id).toMatch(/^onInsightWritten_/);
    expect(ledger.docs[0]!.get('expireAt').toMillis()).toBeGreaterThan(Date.now());
  });
});

describe('onInsightWritten, redelivered (wrapped)', () => {
  const wrapped = testEnv.wrap(onInsightWritten);

  const event = (id: string, before: object | null, after: object | null) => {
    const path = 'insights/wrapped-1';
    // makeDocumentSnapshot({}) stands for a document that does not exist.
    const snap = (data: object | null) => testEnv.firestore.makeDocumentSnapshot(data ?? {}, path);
    return {
      id,
      time: new Date().toISOString(),
      params: { insightId: 'wrapped-1' },
      data: testEnv.makeChange(snap(before), snap(after)),
    };
  };

  it('changes the aggregate once when the same event arrives twice', async () => {
    const start = await counts();
    const created = event('evt-create-1', null, { status: 'open', severity: 'high', message: 'm' });
    await wrapped(created);
    await wrapped(created);
    expect(await counts()).toEqual({ ...start, openHigh: start.openHigh + 1 });

    const moved = event(
      'evt-update-1',
      { status: 'open', severity: 'high' },
      { status: 'resolved', severity: 'high' },
    );
    await Promise.all([wrapped(moved), wrapped(moved)]);
    expect(await counts()).toEqual({ ...start, resolvedHigh: start.resolvedHigh + 1 });
  });
});
