/**
 * A value loaded once per key and kept in this instance: an L1 entry (byte-bounded LRU, TTL) while
 * it lives, else one load that concurrent callers share (single-flight). A failed load is not kept.
 * Null is a value like any other (a sport without a snapshot index is remembered as such).
 */
import { ByteLru, type LruStats } from './lru';
import { SingleFlight } from './single-flight';

export class Memo<V> {
  private readonly lru: ByteLru<{ value: V }>;
  private readonly flights = new SingleFlight<V>();

  constructor(
    maxBytes: number,
    private readonly ttlMs: number,
    now?: () => number,
  ) {
    this.lru = new ByteLru(maxBytes, now);
  }

  /** The value of `key`: kept, or loaded by `load` and kept for the TTL at `bytes(value)` bytes. */
  get(key: string, load: () => Promise<V>, bytes: (value: V) => number): Promise<V> {
    const hit = this.lru.get(key);
    if (hit) return Promise.resolve(hit.value);
    return this.flights.run(key, async () => {
      const value = await load();
      this.lru.set(key, { value }, bytes(value), this.ttlMs);
      return value;
    });
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  stats(): LruStats {
    return this.lru.stats();
  }
}
