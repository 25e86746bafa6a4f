/**
 * L2 against the real @upstash/redis client and the local Upstash REST server over redis-server
 * (started by the test runner; its URL is in functions/.env.local), and against a dead port.
 */
import { randomUUID } from 'node:crypto';
import { createRedis } from '../../src/cache/redis';
import { L2Cache } from '../../src/cache/l2';
import { bumpVersions, VERSION_TTL_SECONDS, writeVersioned } from '../../src/cache/versioned';

const url = process.env.UPSTASH_REDIS_REST_URL as string;
const token = process.env.UPSTASH_REDIS_REST_TOKEN as string;
const prefix = `test:${randomUUID()}:`;

describe('L2Cache over the local Upstash server', () => {
  const redis = createRedis({ url, token, timeoutMs: 1000 });
  const l2 = new L2Cache(() => redis);

  it('stores JSON values with a TTL and reads many in one call', async () => {
    await l2.setMany([
      { key: `${prefix}a`, value: { p: 0.61, interval: [0.55, 0.67] }, ttlSeconds: 60 },
      { key: `${prefix}b`, value: { p: 0.3 }, ttlSeconds: 60 },
    ]);
    expect(await l2.getMany([`${prefix}a`, `${prefix}missing`, `${prefix}b`])).toEqual([
      { p: 0.61, interval: [0.55, 0.67] },
      undefined,
      { p: 0.3 },
    ]);
    expect(await redis.ttl(`${prefix}a`)).toBeGreaterThan(50);
    expect(l2.stats()).toMatchObject({ hits: 2, misses: 1, errors: 0 });
  });

  it('deletes keys and increments namespace counters', async () => {
    await l2.del([`${prefix}a`]);
    expect(await l2.get(`${prefix}a`)).toBeUndefined();
    expect(await l2.incr(`${prefix}ns`)).toBe(1);
    expect(await l2.incr(`${prefix}ns`)).toBe(2);
  });

  it('a family version bumped on a key that did not exist expires (no key kept forever per user)', async () => {
    const family = `${prefix}family:user-who-posted-once`;
    await bumpVersions(l2, [family]);
    const ttl = await redis.ttl(family);
    expect(ttl).toBeGreaterThan(VERSION_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(VERSION_TTL_SECONDS);
    // An answer stored in the hash later keeps a TTL too (its own, when shorter).
    writeVersioned(l2, family, 'days', 'v1', { n: 1 }, 300);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await redis.ttl(family)).toBeGreaterThan(0);
  });
});

describe('L2Cache with Redis unreachable', () => {
  it('answers misses, drops writes, and opens the breaker so later calls skip Redis', async () => {
    let now = 0;
    const dead = createRedis({ url: 'http://127.0.0.1:9', token: 'x', timeoutMs: 200 });
    const l2 = new L2Cache(() => dead, { tripAfter: 2, openMs: 1000, now: () => now });
    expect(await l2.get('k')).toBeUndefined();
    await expect(l2.setMany([{ key: 'k', value: 1, ttlSeconds: 10 }])).resolves.toBeUndefined();
    expect(l2.stats()).toMatchObject({ errors: 2, open: true });
    const started = Date.now();
    expect(await l2.get('k')).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(20);
    expect(l2.stats().skipped).toBe(1);
    now = 1001;
    expect(l2.stats().open).toBe(false);
  });

  it('treats a missing configuration as a miss', async () => {
    const l2 = new L2Cache(() => null);
    expect(await l2.get('k')).toBeUndefined();
  });
});
