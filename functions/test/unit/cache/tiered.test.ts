import { TieredCache, type Computed, type Tiers } from '../../../src/cache/tiered';
import { inRequestScope, settled } from '../../../src/observability/request-work';

/** An in-process L2: a map, with every call recorded. */
function fakeL2(initial: Record<string, string> = {}) {
  const store = new Map(Object.entries(initial));
  const calls = {
    gets: [] as string[][],
    sets: [] as { key: string; value: unknown; ttlSeconds: number }[][],
  };
  let failWrites = false;
  return {
    store,
    calls,
    failWrites: () => (failWrites = true),
    getMany<V>(keys: readonly string[]): Promise<(V | undefined)[]> {
      calls.gets.push([...keys]);
      return Promise.resolve(keys.map((k) => store.get(k) as V | undefined));
    },
    async setMany(entries: readonly { key: string; value: unknown; ttlSeconds: number }[]): Promise<void> {
      calls.sets.push([...entries]);
      await new Promise((r) => setTimeout(r, 5));
      if (failWrites) throw new Error('redis is down');
      for (const e of entries) store.set(e.key, e.value as string);
    },
  };
}

type Item = { key: string };
const items = (...keys: string[]): Item[] => keys.map((key) => ({ key }));

function setup(l2 = fakeL2()) {
  const cache = new TieredCache<string, { value: string }>({
    l2,
    l1MaxBytes: 1e6,
    l1TtlMs: 60_000,
    l2TtlSeconds: 3600,
    entry: (value) => ({ entry: { value }, bytes: value.length }),
  });
  const l3 = new Map<string, string>();
  const stored: string[][] = [];
  const computed: string[][] = [];
  const l3Reads: string[][] = [];
  /** L3 from the map; compute answers `computed(key)`, nothing for keys starting with `none`. */
  const tiers = (over: Partial<Tiers<Item, string>> = {}): Tiers<Item, string> => ({
    l3: (batch) => {
      l3Reads.push(batch.map((i) => i.key));
      return Promise.resolve(batch.map((i) => l3.get(i.key)));
    },
    compute: async (batch) => {
      computed.push(batch.map((i) => i.key));
      await new Promise((r) => setTimeout(r, 5));
      return batch.map((i): Computed<string> | undefined =>
        i.key.startsWith('none') ? undefined : { value: `computed(${i.key})`, cache: true },
      );
    },
    store: (values) => {
      stored.push(values);
      return Promise.resolve();
    },
    ...over,
  });
  return { cache, l2, l3, l3Reads, stored, computed, tiers };
}

const levels = (found: ({ level: string } | undefined)[]) => found.map((f) => f?.level ?? 'absent');

describe('a tiered lookup of many keys', () => {
  it('asks each level once for what the levels before it missed, and reports the level of each key', async () => {
    const t = setup(fakeL2({ b: 'from-l2' }));
    t.l3.set('c', 'from-l3');
    await t.cache.lookup(items('a'), t.tiers()); // now in L1
    t.computed.length = 0;
    t.l2.calls.gets.length = 0;

    const found = await t.cache.lookup(items('a', 'b', 'c', 'd', 'none'), t.tiers());
    expect(levels(found)).toEqual(['l1', 'l2', 'l3', 'miss', 'absent']);
    expect(found.map((f) => f?.entry.value)).toEqual([
      'computed(a)',
      'from-l2',
      'from-l3',
      'computed(d)',
      undefined,
    ]);
    expect(t.l2.calls.gets).toEqual([['b', 'c', 'd', 'none']]);
    expect(t.l3Reads.at(-1)).toEqual(['c', 'd', 'none']);
    expect(t.computed).toEqual([['d', 'none']]);
  });

  it('keeps what it found in L1, so the next lookup answers from there', async () => {
    const t = setup(fakeL2({ b: 'from-l2' }));
    t.l3.set('c', 'from-l3');
    await t.cache.lookup(items('b', 'c', 'd'), t.tiers());
    const again = await t.cache.lookup(items('b', 'c', 'd'), t.tiers());
    expect(levels(again)).toEqual(['l1', 'l1', 'l1']);
    expect(t.cache.stats().l1.entries).toBe(3);
  });

  it('writes back behind the answer: an L3 value to L2, a computed one to L2 and L3', async () => {
    const t = setup();
    t.l3.set('c', 'from-l3');
    await t.cache.lookup(items('c', 'd'), t.tiers());
    await t.cache.drain();
    expect(t.l2.calls.sets).toEqual([
      [
        { key: 'c', value: 'from-l3', ttlSeconds: 3600 },
        { key: 'd', value: 'computed(d)', ttlSeconds: 3600 },
      ],
    ]);
    expect(t.stored).toEqual([['computed(d)']]);
    expect(t.cache.stats().pendingWrites).toBe(0);
  });

  it('answers a value computed with cache: false without keeping or writing it', async () => {
    const t = setup();
    const tiers = t.tiers({
      compute: (batch) => Promise.resolve(batch.map(() => ({ value: 'x', cache: false }))),
    });
    const first = await t.cache.lookup(items('a'), tiers);
    expect(levels(first)).toEqual(['miss']);
    expect(first[0]?.entry).toEqual({ value: 'x' });
    await t.cache.drain();
    expect(t.l2.calls.sets).toEqual([]);
    expect(t.stored).toEqual([]);
    expect(levels(await t.cache.lookup(items('a'), tiers))).toEqual(['miss']);
  });

  it('without an L3 goes from L2 straight to compute, and without a store keeps computed values in L1 and L2 only', async () => {
    const t = setup();
    t.l3.set('a', 'from-l3');
    const found = await t.cache.lookup(items('a'), t.tiers({ l3: undefined, store: undefined }));
    expect(levels(found)).toEqual(['miss']);
    await t.cache.drain();
    expect(t.l3Reads).toEqual([]);
    expect(t.l2.store.get('a')).toBe('computed(a)');
    expect(t.stored).toEqual([]);
  });

  it('tells the phases as each level is done', async () => {
    const t = setup();
    const phases: string[] = [];
    await t.cache.lookup(items('a'), t.tiers({ phase: (p) => phases.push(p) }));
    await t.cache.lookup(items('a'), t.tiers({ phase: (p) => phases.push(`again:${p}`) }));
    expect(phases).toEqual(['l1', 'l2', 'l3', 'again:l1']);
  });
});

describe('single-flight per key', () => {
  it('concurrent lookups of one key compute it once and share the level', async () => {
    const t = setup();
    const all = await Promise.all([1, 2, 3].map(() => t.cache.lookup(items('a'), t.tiers())));
    expect(t.computed).toEqual([['a']]);
    expect(all.map(levels)).toEqual([['miss'], ['miss'], ['miss']]);
  });

  it('a batch joins the keys another lookup is loading and loads the rest itself, in one batch', async () => {
    const t = setup();
    const single = t.cache.lookup(items('b'), t.tiers());
    const batch = t.cache.lookup(items('a', 'b', 'c'), t.tiers());
    const alone = t.cache.lookup(items('c'), t.tiers());
    const [one, many, other] = await Promise.all([single, batch, alone]);
    expect(t.computed).toEqual([['b'], ['a', 'c']]);
    expect(levels(many)).toEqual(['miss', 'miss', 'miss']);
    expect(one[0]?.entry).toBe(many[1]?.entry);
    expect(other[0]?.entry).toBe(many[2]?.entry);
  });

  it('a failed load fails every lookup sharing it, and is not remembered', async () => {
    const t = setup();
    let fail = true;
    const tiers = t.tiers({
      compute: (batch) =>
        fail
          ? Promise.reject(new Error('unknown team'))
          : Promise.resolve(batch.map(() => ({ value: 'ok', cache: true }))),
    });
    const results = await Promise.allSettled([
      t.cache.lookup(items('a'), tiers),
      t.cache.lookup(items('a', 'b'), tiers),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(levels(await t.cache.lookup(items('a', 'b'), tiers))).toEqual(['miss', 'miss']);
  });
});

describe('write-behind', () => {
  it('is registered with the request, so its response waits for the writes', async () => {
    const t = setup();
    let storedToL3 = false;
    const store = async () => {
      await new Promise((r) => setTimeout(r, 5));
      storedToL3 = true;
    };
    const pending = new Set<Promise<unknown>>();
    await inRequestScope(pending, () => t.cache.lookup(items('a'), t.tiers({ store })));
    expect(pending.size).toBe(2); // L2 and L3
    expect([t.l2.store.has('a'), storedToL3]).toEqual([false, false]);
    await settled(pending);
    expect([t.l2.store.get('a'), storedToL3]).toEqual(['computed(a)', true]);
  });

  it('never fails the answer: a failed write is logged and drained like the rest', async () => {
    const l2 = fakeL2();
    l2.failWrites();
    const t = setup(l2);
    const found = await t.cache.lookup(items('a'), t.tiers());
    expect(found[0]?.entry.value).toBe('computed(a)');
    await expect(t.cache.drain()).resolves.toBeUndefined();
    expect(t.cache.stats().pendingWrites).toBe(0);
  });

  it('hands every write to the background hook', async () => {
    const background: Promise<unknown>[] = [];
    const cache = new TieredCache<string, string>({
      l2: fakeL2(),
      l1MaxBytes: 1e6,
      l1TtlMs: 60_000,
      l2TtlSeconds: 60,
      entry: (value) => ({ entry: value, bytes: 1 }),
      background: (work) => background.push(work),
    });
    await cache.lookup(items('a'), {
      compute: (batch) => Promise.resolve(batch.map(() => ({ value: 'v', cache: true }))),
    });
    expect(background).toHaveLength(1);
  });
});
