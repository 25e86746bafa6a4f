/**
 * L1: a per-instance LRU bounded in bytes, with a TTL per entry. A Map keeps insertion order, so
 * re-inserting on hit makes the first key the least recently used; eviction pops from the front
 * until the byte budget holds. Sizes are the caller's estimate (for JSON values, the string length
 * x 2 is a fair upper bound of V8's footprint).
 */

interface Entry<V> {
  value: V;
  bytes: number;
  expiresAt: number;
}

export interface LruStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  evictions: number;
}

export class ByteLru<V> {
  private readonly map = new Map<string, Entry<V>>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const entry = this.map.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      if (entry) this.remove(key, entry);
      this.misses += 1;
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, entry);
    this.hits += 1;
    return entry.value;
  }

  /** Stores the value unless it alone exceeds the budget. */
  set(key: string, value: V, bytes: number, ttlMs: number): void {
    const old = this.map.get(key);
    if (old) this.remove(key, old);
    if (bytes > this.maxBytes || ttlMs <= 0) return;
    this.map.set(key, { value, bytes, expiresAt: this.now() + ttlMs });
    this.bytes += bytes;
    while (this.bytes > this.maxBytes) {
      const oldest = this.map.entries().next().value;
      if (!oldest) break;
      this.remove(oldest[0], oldest[1]);
      this.evictions += 1;
    }
  }

  delete(key: string): void {
    const entry = this.map.get(key);
    if (entry) this.remove(key, entry);
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }

  stats(): LruStats {
    return {
      entries: this.map.size,
      bytes: this.bytes,
      maxBytes: this.maxBytes,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
    };
  }

  private remove(key: string, entry: Entry<V>): void {
    this.map.delete(key);
    this.bytes -= entry.bytes;
  }
}
