/**
 * The versioned response cache over the real L2 and @upstash/redis client, with Redis in memory
 * (test/support/memory-redis.ts): hashes, TTLs and a clock the tests move.
 */
import { L2Cache } from '../../../src/cache/l2';
import {
  bumpVersions,
  cachedAggregate,
  readVersionedKey,
  VERSION_TTL_SECONDS,
  writeVersionedKeys,
} from '../../../src/cache/versioned';
import { inRequestScope, settled } from '../../../src/observability/request-work';
import { memoryRedis, type MemoryRedisOptions } from '../../support/memory-redis';

let now = Date.parse('2026-03-01T12:00:00Z');
const clock = () => now;

function setup(opts: MemoryRedisOptions = {}) {
  const { redis, server } = memoryRedis({ now: clock, ...opts });
  const l2 = new L2Cache(() => redis, { now: clock });
  return { redis, server, l2 };
}

/** Runs `fn` as an API request does: the response is sent once its write-behind work settled. */
async function request<T>(fn: () => Promise<T>): Promise<T> {
  const pending = new Set<Promise<unknown>>();
  const result = await inRequestScope(pending, fn);
  await settled(pending);
  return result;
}

/** A computation that counts its runs and answers with the current aggregate. */
function aggregate(initial: number) {
  const state = { value: initial, runs: 0 };
  const compute = () => {
    state.runs += 1;
    return Promise.resolve({ total: state.value });
  };
  return { state, compute };
}

const FAMILY = 'analytics:user-1';
const TTL = 15 * 60;

describe('cachedAggregate and bumpVersions', () => {
  it('computes on the first read and serves the stored answer after, without computing again', async () => {
    const { l2 } = setup();
    const { state, compute } = aggregate(7);
    expect(await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute))).toEqual({
      value: { total: 7 },
      cache: 'miss',
    });
    expect(await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute))).toEqual({
      value: { total: 7 },
      cache: 'l2',
    });
    expect(state.runs).toBe(1);
  });

  it('a bumped version makes the answer cached before it unreachable: the next read shows the new numbers', async () => {
    const { l2 } = setup();
    const { state, compute } = aggregate(7);
    await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute));

    state.value = 8; // the trigger commits the new aggregate, then bumps
    await bumpVersions(l2, [FAMILY]);

    expect(await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute))).toEqual({
      value: { total: 8 },
      cache: 'miss',
    });
    // The fresh answer is stored under the new version and served from then on.
    expect(await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute))).toEqual({
      value: { total: 8 },
      cache: 'l2',
    });
    expect(state.runs).toBe(2);
  });

  it('an answer computed from aggregates read before a bump is never served after the bump', async () => {
    const { l2 } = setup();
    const { state, compute } = aggregate(7);
    // A slow reader: it read the old aggregate, and the change and its bump land before it stores.
    const slow = request(() =>
      cachedAggregate(l2, FAMILY, 'days', TTL, async () => {
        const stale = await compute();
        state.value = 8;
        await bumpVersions(l2, [FAMILY]);
        return stale;
      }),
    );
    expect((await slow).value).toEqual({ total: 7 });

    expect(await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute))).toEqual({
      value: { total: 8 },
      cache: 'miss',
    });
  });

  it('a bump invalidates every answer of the families bumped and none of the others', async () => {
    const { l2 } = setup();
    const runs = { a: 0, b: 0, c: 0 };
    const read = (family: 'a' | 'b' | 'c', field: string) =>
      request(() =>
        cachedAggregate(l2, `fam:${family}`, field, TTL, () => {
          runs[family] += 1;
          return Promise.resolve(`${family}.${field}`);
        }),
      );
    for (const family of ['a', 'b', 'c'] as const) {
      await read(family, 'days');
      await read(family, 'weeks');
    }
    await bumpVersions(l2, ['fam:a', 'fam:b']);

    expect((await read('a', 'days')).cache).toBe('miss');
    expect((await read('a', 'weeks')).cache).toBe('miss');
    expect((await read('b', 'days')).cache).toBe('miss');
    expect(await read('c', 'days')).toEqual({ value: 'c.days', cache: 'l2' });
    expect(await read('c', 'weeks')).toEqual({ value: 'c.weeks', cache: 'l2' });
    expect(runs).toEqual({ a: 4, b: 3, c: 2 });
  });

  it('a stored answer expires after its TTL and is then computed again', async () => {
    const { l2 } = setup();
    const { state, compute } = aggregate(7);
    await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute));
    now += (TTL - 1) * 1000;
    expect((await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute))).cache).toBe('l2');
    now += 2 * 1000;
    expect((await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute))).cache).toBe('miss');
    expect(state.runs).toBe(2);
  });

  it("an answer a slow reader stores after its family's hash expired is never served after later bumps", async () => {
    const { l2 } = setup();
    const { state, compute } = aggregate(1);
    await bumpVersions(l2, [FAMILY]);
    await bumpVersions(l2, [FAMILY]);
    // The last write to the family's hash: one answer, with its TTL.
    await request(() => cachedAggregate(l2, FAMILY, 'march', TTL, compute));
    // A reader of another answer misses and computes from the aggregate as it is (1); meanwhile the
    // hash expires, and the aggregate changes twice, each change bumping the family.
    await request(() =>
      cachedAggregate(l2, FAMILY, 'april', TTL, async () => {
        const value = await compute();
        now += TTL * 1000 + 1_000;
        state.value = 2;
        await bumpVersions(l2, [FAMILY]);
        state.value = 3;
        await bumpVersions(l2, [FAMILY]);
        return value;
      }),
    );
    // Whatever the slow reader stored, the next read shows the aggregate as it is now.
    expect(await request(() => cachedAggregate(l2, FAMILY, 'april', TTL, compute))).toEqual({
      value: { total: 3 },
      cache: 'miss',
    });
  });

  it('a family bumped before anyone read it gets a TTL, so a user who never comes back keeps no key', async () => {
    const { l2, redis, server } = setup();
    await bumpVersions(l2, ['analytics:user-who-posted-once']);
    expect(await redis.ttl('analytics:user-who-posted-once')).toBe(VERSION_TTL_SECONDS);
    now += VERSION_TTL_SECONDS * 1000;
    expect(server.keyNames()).toEqual([]);
  });

  it('the response waits for the cache write, so the next request finds the answer', async () => {
    const { l2, server } = setup({ latencyMs: 20 });
    const { compute } = aggregate(7);
    await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute));
    // Looked up in the server's memory at once, not through a request that would queue behind it.
    expect(server.command('hget', FAMILY, 'days')).toBe(JSON.stringify({ v: '', value: { total: 7 } }));
  });

  it('a bump that Redis fails rejects, so the trigger is retried, and the retry invalidates', async () => {
    const { l2, server } = setup();
    const { state, compute } = aggregate(7);
    await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute));
    state.value = 8;

    server.failRequests(1);
    await expect(bumpVersions(l2, [FAMILY])).rejects.toThrow();

    await bumpVersions(l2, [FAMILY]); // the redelivered trigger
    expect((await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute))).value).toEqual({
      total: 8,
    });
  });

  it('when Redis is down, reads still answer (computed each time) and bumps reject', async () => {
    const { l2, server } = setup();
    const { state, compute } = aggregate(7);
    server.failRequests();
    expect(await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute))).toEqual({
      value: { total: 7 },
      cache: 'miss',
    });
    expect(await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute))).toEqual({
      value: { total: 7 },
      cache: 'miss',
    });
    expect(state.runs).toBe(2);
    await expect(bumpVersions(l2, [FAMILY])).rejects.toThrow();
  });

  it('without Redis configured, every read computes and bumps succeed', async () => {
    const l2 = new L2Cache(() => null);
    const { state, compute } = aggregate(7);
    await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute));
    await request(() => cachedAggregate(l2, FAMILY, 'days', TTL, compute));
    expect(state.runs).toBe(2);
    await expect(bumpVersions(l2, [FAMILY])).resolves.toBeUndefined();
  });
});

describe('readVersionedKey and writeVersionedKeys (one key per answer)', () => {
  const WEEKS = 'weeks:nfl';
  /** Stores as a request does after a miss; resolves once the request could respond. */
  const store = (l2: L2Cache, keys: string[], version: string, value: string) =>
    request(() => {
      writeVersionedKeys(l2, keys, version, value, TTL);
      return Promise.resolve();
    });

  it('an answer stored under the family version is served from every key it was stored under', async () => {
    const { l2 } = setup();
    const got = await readVersionedKey<string>(l2, WEEKS, 'weeks:nfl:2017:1');
    expect(got).toEqual({ hit: false, version: '' });
    await store(l2, ['weeks:nfl:2017:1', 'weeks:nfl:current'], '', 'week 1');
    expect(await readVersionedKey<string>(l2, WEEKS, 'weeks:nfl:current')).toEqual({
      hit: true,
      value: 'week 1',
    });
    expect(await readVersionedKey<string>(l2, WEEKS, 'weeks:nfl:2017:1')).toEqual({
      hit: true,
      value: 'week 1',
    });
  });

  it('a bump of the family makes the stored answers unreachable and gives the version to store under', async () => {
    const { l2 } = setup();
    await store(l2, ['weeks:nfl:2017:1'], '', 'week 1, before the result');
    await bumpVersions(l2, [WEEKS]);
    const got = await readVersionedKey<string>(l2, WEEKS, 'weeks:nfl:2017:1');
    expect(got).toEqual({ hit: false, version: expect.stringMatching(/^v/) });
    if (!got || got.hit) throw new Error('a miss');

    await store(l2, ['weeks:nfl:2017:1'], got.version, 'week 1, final');
    expect(await readVersionedKey<string>(l2, WEEKS, 'weeks:nfl:2017:1')).toEqual({
      hit: true,
      value: 'week 1, final',
    });
  });

  it('each answer key expires on its own TTL, so answers under old versions do not pile up', async () => {
    const { l2, server } = setup();
    await bumpVersions(l2, [WEEKS]);
    const got = await readVersionedKey<string>(l2, WEEKS, 'weeks:nfl:2017:1');
    if (!got || got.hit) throw new Error('a miss');
    await store(l2, ['weeks:nfl:2017:1', 'weeks:nfl:2017:2'], got.version, 'a week');
    now += TTL * 1000;
    expect(server.keyNames()).toEqual([WEEKS]);
    expect(await readVersionedKey<string>(l2, WEEKS, 'weeks:nfl:2017:1')).toEqual({
      hit: false,
      version: got.version,
    });
  });

  it('when Redis cannot be asked the read says so (null), not a miss at version 0 to store under', async () => {
    const { l2, server } = setup();
    await bumpVersions(l2, [WEEKS]);
    server.failRequests(1);
    expect(await readVersionedKey<string>(l2, WEEKS, 'weeks:nfl:2017:1')).toBeNull();
  });
});
