/**
 * Activation is all or nothing (issue 12, defect 7): the model's active version and
 * `sports/{sport}.modelId` change in one transaction, so a failure part-way leaves both as they were
 * instead of a model whose flag says one version while the sport still points elsewhere.
 */
import { randomUUID } from 'node:crypto';
import { WriteBatch } from 'firebase-admin/firestore';
import { activate } from '../../src/services/registry';
import { clearFirestore, db } from './helpers';

beforeAll(clearFirestore, 30_000);

/** A model of a sport of its own (no games: its trigger has nothing to warm) with two ready versions. */
async function twoVersions(): Promise<{ modelId: string; sport: string }> {
  const modelId = `act-${randomUUID().slice(0, 8)}`;
  const sport = `sport-${modelId}`;
  const version = (sha256: string) => ({
    status: 'ready',
    metadata: {},
    artifact: { chunks: 1, bytes: 1, sha256 },
  });
  await db().doc(`models/${modelId}`).set({ sport, activeVersion: 'v1', previousVersion: null });
  await db().doc(`models/${modelId}/versions/v1`).set(version('a'));
  await db().doc(`models/${modelId}/versions/v2`).set(version('b'));
  await db().doc(`sports/${sport}`).set({ modelId: 'older-model' });
  return { modelId, sport };
}

it('a failure writing the sport leaves the model on its old version, and a retry activates both', async () => {
  const { modelId, sport } = await twoVersions();
  // Every write to sports/{sport} fails, whether in a transaction or on its own (both go through
  // WriteBatch#set), as a lost connection or a quota error would.
  const { set } = Object.getOwnPropertyDescriptors(WriteBatch.prototype);
  const original = set?.value as (this: WriteBatch, ...args: Parameters<WriteBatch['set']>) => WriteBatch;
  const spy = jest.spyOn(WriteBatch.prototype, 'set').mockImplementation(function (
    this: WriteBatch,
    ...args: Parameters<WriteBatch['set']>
  ) {
    if (args[0].path === `sports/${sport}`) throw new Error('injected: the sport write failed');
    return original.apply(this, args);
  });
  try {
    await expect(activate(db(), modelId, 'v2')).rejects.toThrow('injected');
  } finally {
    spy.mockRestore();
  }
  expect((await db().doc(`models/${modelId}`).get()).data()).toMatchObject({ activeVersion: 'v1' });
  expect((await db().doc(`sports/${sport}`).get()).get('modelId')).toBe('older-model');

  await expect(activate(db(), modelId, 'v2')).resolves.toMatchObject({
    activeVersion: 'v2',
    previousVersion: 'v1',
    sport,
  });
  expect((await db().doc(`models/${modelId}`).get()).get('activeVersion')).toBe('v2');
  expect((await db().doc(`sports/${sport}`).get()).get('modelId')).toBe(modelId);
});
