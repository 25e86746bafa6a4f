/**
 * EntitlementStore against the Firestore emulator and the real Redis, with its clock in the test's
 * hands: how long an instance may keep a tier after the document changed, and that a write's
 * version bump stops every instance from serving the old tier from Redis.
 */
import { L2Cache } from '../../src/cache/l2';
import { grantedEntitlementDoc } from '../../src/data/billing';
import { EntitlementStore, invalidateEntitlement } from '../../src/services/entitlements';
import { withoutTriggers } from '../../../scripts/lib/api';
import { db, testRedis } from './helpers';

const TTL = 1_000;

function store(clock: { now: number }, background: Promise<unknown>[]) {
  const redis = testRedis();
  return new EntitlementStore(
    db,
    new L2Cache(() => redis),
    TTL,
    () => clock.now,
    (w) => background.push(w),
  );
}

it('serves a cached tier for at most the TTL: fresh for half, then while one refresh runs', async () => {
  const uid = `ent-${Date.now().toString(36)}`;
  const ref = db().doc(`entitlements/${uid}`);
  await ref.set(grantedEntitlementDoc(uid, 'pro'));
  const clock = { now: Date.now() };
  const background: Promise<unknown>[] = [];
  const instance = store(clock, background);
  expect((await instance.get(uid)).tier).toBe('pro');

  await ref.delete(); // a change the instance has not heard of (no invalidation yet)
  await invalidateEntitlement(new L2Cache(() => testRedis()), uid);
  clock.now += TTL / 2 - 1;
  expect((await instance.get(uid)).tier).toBe('pro'); // fresh: no I/O
  expect(background).toHaveLength(0);

  clock.now += 2;
  expect((await instance.get(uid)).tier).toBe('pro'); // stale: answered at once, refreshed behind
  expect(background).toHaveLength(1);
  await Promise.all(background);
  expect((await instance.get(uid)).tier).toBe('free');
});

it('a new instance after a write reads the new tier, never the old one from Redis', async () => {
  const uid = `ent2-${Date.now().toString(36)}`;
  const ref = db().doc(`entitlements/${uid}`);
  await ref.set(grantedEntitlementDoc(uid, 'elite'));
  const clock = { now: Date.now() };
  expect((await store(clock, []).get(uid)).tier).toBe('elite'); // now cached in Redis too
  // A write whose trigger has not run yet (triggers paused): Redis still answers the old tier...
  await withoutTriggers(() => ref.set(grantedEntitlementDoc(uid, 'pro')));
  expect((await store(clock, []).get(uid)).tier).toBe('elite');
  // ...until the version bump the sync (or onEntitlementWritten) makes after every write.
  await invalidateEntitlement(new L2Cache(() => testRedis()), uid);
  expect((await store(clock, []).get(uid)).tier).toBe('pro');
});
