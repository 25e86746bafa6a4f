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

const count = async (bucket: string): Promise<number> => {
  const snap = await db().doc(`agg_insights/${bucket}`).get();
  return (snap.get('count') as number | undefined) ?? 0;
};
const counts = async () => ({
  openHigh: await count('open_high'),
  resolvedHigh: await count('resolved_high'),
});

describe('onInsightWritten in the emulator', () => {
  it('counts a created insight, moves it on a status change, and uncounts it on delete', async () => {
    const start = await counts();
    const ref = db().collection('insights').doc('i1');
    await ref.set({ type: 'upset', status: 'open', severity: 'high', message: 'Upset alert', gameId: 'g1' });
    await eventually(counts, (c) => c.openHigh === start.openHigh + 1);

    await ref.update({ status: 'resolved' });
    expect(await eventually(counts, (c) => c.resolvedHigh === start.resolvedHigh + 1)).toEqual({
      openHigh: start.openHigh,
      resolvedHigh: start.resolvedHigh + 1,
    });

    await ref.delete();
    expect(await eventually(counts, (c) => c.resolvedHigh === start.resolvedHigh)).toEqual(start);
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
    const created = event('evt-create-1', null, { status: 'open', severity: 'high', message: 'm' });
    await wrapped(created);
    await wrapped(created);
    expect(await count('open_high')).toBe(1);

    const moved = event(
      'evt-update-1',
      { status: 'open', severity: 'high' },
      { status: 'resolved', severity: 'high' },
    );
    await Promise.all([wrapped(moved), wrapped(moved)]);
    expect(await counts()).toEqual({ openHigh: 0, resolvedHigh: 1 });
  });
});
