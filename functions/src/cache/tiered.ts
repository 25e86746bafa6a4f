/**
 * One tiered lookup for many keys at once (a single key is a list of one): L1 (this instance's
 * byte-bounded LRU) → L2 (Redis, fail-open) → L3 (the caller's store, when it has one) → compute,
 * each level asked in one call for just what the levels before it missed. Every key reports the
 * level that answered it. Concurrent lookups of a key share one load (single-flight per key, inside
 * a batch too). Found values are kept in L1; what L2 missed is written back behind the answer: an
 * L3 value to L2, a computed one (unless the caller says not to cache it) to L2 and L3. The writes
 * are off the answer's path but finish before the response is sent (observability/request-work.ts:
 * Cloud Run throttles the CPU after it), and `drain` waits for them.
 */
import { logger } from '../observability/logger';
import { finishBeforeResponse, settled } from '../observability/request-work';
import type { L2Cache } from './l2';
import { ByteLru, type LruStats } from './lru';
import { SingleFlight } from './single-flight';

export type TierLevel = 'l1' | 'l2' | 'l3' | 'miss';

/** What a lookup found for a key: its L1 entry and the level that answered. */
export interface Found<E> {
  entry: E;
  level: TierLevel;
}

/** A computed value; `cache: false` answers the lookup (and those sharing it) without keeping it. */
export interface Computed<V> {
  value: V;
  cache: boolean;
}

/** What one lookup asks of the levels past L2. */
export interface Tiers<I, V> {
  /** L3: stored values of the items L1 and L2 missed (undefined where none). Omitted: no L3 read. */
  l3?: (items: I[]) => Promise<(V | undefined)[]>;
  /** The items no level had, in one batch; undefined for an item that does not exist. */
  compute: (items: I[]) => Promise<(Computed<V> | undefined)[]>;
  /** Writes the computed values to L3. Omitted: they are kept in L1 and L2 only. */
  store?: (values: V[]) => Promise<unknown>;
  /** Told as each level is done, for timings. */
  phase?: (level: Exclude<TierLevel, 'miss'>) => void;
}

export interface TieredCacheOptions<V, E> {
  l2: Pick<L2Cache, 'getMany' | 'setMany'>;
  l1MaxBytes: number;
  l1TtlMs: number;
  l2TtlSeconds: number;
  /** The L1 entry of a value and its size in bytes. */
  entry: (value: V) => { entry: E; bytes: number };
  /** Also handed every write-behind (tests and the benchmark can await it). */
  background?: (work: Promise<unknown>) => void;
  now?: () => number;
}

interface Entry<V> {
  key: string;
  value: V;
}

export class TieredCache<V, E> {
  private readonly l1: ByteLru<E>;
  private readonly flights = new SingleFlight<Found<E> | undefined>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly opts: TieredCacheOptions<V, E>) {
    this.l1 = new ByteLru(opts.l1MaxBytes, opts.now);
  }

  /** What each item's key holds, in order: the entry and its level, or undefined if it does not exist. */
  async lookup<I extends { key: string }>(
    items: readonly I[],
    tiers: Tiers<I, V>,
  ): Promise<(Found<E> | undefined)[]> {
    const found = items.map((item): Found<E> | undefined => {
      const entry = this.l1.get(item.key);
      return entry === undefined ? undefined : { entry, level: 'l1' };
    });
    tiers.phase?.('l1');
    const misses = new Map(items.filter((_, i) => !found[i]).map((item) => [item.key, item]));
    if (misses.size === 0) return found;
    const keys = [...misses.keys()];
    const loaded = await this.flights.runMany(keys, (owned) =>
      this.load(
        owned.map((key) => misses.get(key) as I),
        tiers,
      ),
    );
    const byKey = new Map(keys.map((key, i) => [key, loaded[i]]));
    return items.map((item, i) => found[i] ?? byKey.get(item.key));
  }

  stats(): { l1: LruStats; pendingWrites: number } {
    return { l1: this.l1.stats(), pendingWrites: this.pending.size };
  }

  /** Resolves when every write-behind started so far has settled (tests, benchmark, shutdown). */
  drain(): Promise<void> {
    return settled(this.pending);
  }

  /** L2, then L3, then compute, for keys L1 missed and no other lookup is loading. */
  private async load<I extends { key: string }>(
    items: I[],
    tiers: Tiers<I, V>,
  ): Promise<(Found<E> | undefined)[]> {
    const found = new Array<Found<E> | undefined>(items.length);
    const fromL2 = await this.opts.l2.getMany<V>(items.map((item) => item.key));
    tiers.phase?.('l2');
    let rest = items.flatMap((item, i) => {
      const value = fromL2[i];
      if (value === undefined) return [i];
      found[i] = { entry: this.remember(item.key, value), level: 'l2' };
      return [];
    });
    const backfill: Entry<V>[] = [];
    if (tiers.l3 && rest.length > 0) {
      const fromL3 = await tiers.l3(rest.map((i) => items[i] as I));
      tiers.phase?.('l3');
      rest = rest.filter((i, j) => {
        const value = fromL3[j];
        if (value === undefined) return true;
        const { key } = items[i] as I;
        found[i] = { entry: this.remember(key, value), level: 'l3' };
        backfill.push({ key, value });
        return false;
      });
    }
    const fresh: Entry<V>[] = [];
    if (rest.length > 0) {
      const computed = await tiers.compute(rest.map((i) => items[i] as I));
      rest.forEach((i, j) => {
        const answer = computed[j];
        if (!answer) return;
        const { key } = items[i] as I;
        if (answer.cache) fresh.push({ key, value: answer.value });
        const entry = answer.cache ? this.remember(key, answer.value) : this.opts.entry(answer.value).entry;
        found[i] = { entry, level: 'miss' };
      });
    }
    this.writeBehind([...backfill, ...fresh], fresh, tiers.store);
    return found;
  }

  private remember(key: string, value: V): E {
    const { entry, bytes } = this.opts.entry(value);
    this.l1.set(key, entry, bytes, this.opts.l1TtlMs);
    return entry;
  }

  private writeBehind(toL2: Entry<V>[], toL3: Entry<V>[], store: Tiers<unknown, V>['store']): void {
    if (toL2.length > 0) {
      const ttlSeconds = this.opts.l2TtlSeconds;
      this.later(this.opts.l2.setMany(toL2.map(({ key, value }) => ({ key, value, ttlSeconds }))));
    }
    if (store && toL3.length > 0) this.later(store(toL3.map((e) => e.value)));
  }

  private later(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => {
      logger.warn('write-behind failed', { err: err instanceof Error ? err : new Error(String(err)) });
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    finishBeforeResponse(tracked);
    this.opts.background?.(tracked);
  }
}
