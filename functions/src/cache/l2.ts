/**
 * L2: Upstash Redis, fail-open. Every call is bounded by the client's per-call timeout; any failure
 * is a miss (reads) or a dropped write (writes), logged and counted, never an error to the caller.
 * After `tripAfter` consecutive failures a breaker skips Redis for `openMs`, so a dead Redis costs
 * requests nothing instead of one timeout each.
 */
import type { Redis } from '@upstash/redis';
import { logger } from '../observability/logger';

export interface L2Options {
  tripAfter?: number;
  openMs?: number;
  now?: () => number;
}

export interface L2Stats {
  hits: number;
  misses: number;
  errors: number;
  skipped: number;
  open: boolean;
}

export class L2Cache {
  private failures = 0;
  private openUntil = 0;
  private readonly stat = { hits: 0, misses: 0, errors: 0, skipped: 0 };
  private readonly tripAfter: number;
  private readonly openMs: number;
  private readonly now: () => number;

  /** `redis` is resolved per call so a misconfiguration or a later fix is picked up. */
  constructor(
    private readonly redis: () => Redis | null,
    opts: L2Options = {},
  ) {
    this.tripAfter = opts.tripAfter ?? 3;
    this.openMs = opts.openMs ?? 5_000;
    this.now = opts.now ?? Date.now;
  }

  /** Values for the keys (undefined = miss), in order. One round trip (MGET). */
  async getMany<V>(keys: readonly string[]): Promise<(V | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.call('mget', (r) => r.mget<(V | null)[]>(...keys));
    if (!values) {
      this.stat.misses += keys.length;
      return keys.map(() => undefined);
    }
    return values.map((v) => {
      if (v === null || v === undefined) {
        this.stat.misses += 1;
        return undefined;
      }
      this.stat.hits += 1;
      return v;
    });
  }

  async get<V>(key: string): Promise<V | undefined> {
    const [value] = await this.getMany<V>([key]);
    return value;
  }

  /** Writes with a TTL in seconds; one round trip for many entries (a pipeline). */
  async setMany(entries: readonly { key: string; value: unknown; ttlSeconds: number }[]): Promise<void> {
    if (entries.length === 0) return;
    await this.call('set', (r) => {
      const p = r.pipeline();
      for (const e of entries) p.set(e.key, e.value, { ex: e.ttlSeconds });
      return p.exec();
    });
  }

  async del(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.call('del', (r) => r.del(...keys));
  }

  /** Increments a namespace version counter (for invalidating families of keys); null on failure. */
  async incr(key: string): Promise<number | null> {
    return this.call('incr', (r) => r.incr(key));
  }

  /** Any other command(s), fail-open like the rest: null when Redis is off, open or failing. */
  run<T>(op: string, fn: (redis: Redis) => Promise<T>): Promise<T | null> {
    return this.call(op, fn);
  }

  /**
   * For invalidation, where a silent failure would leave a stale entry: rejects when Redis is
   * configured but the call fails (the trigger then retries); resolves when Redis is not configured.
   */
  async strict(op: string, fn: (redis: Redis) => Promise<unknown>): Promise<void> {
    const client = this.redis();
    if (!client) return;
    try {
      await fn(client);
    } catch (err) {
      this.fail(op, err);
      throw err instanceof Error ? err : new Error(`redis ${op}: ${String(err)}`);
    }
  }

  stats(): L2Stats {
    return { ...this.stat, open: this.now() < this.openUntil };
  }

  private async call<T>(op: string, fn: (r: Redis) => Promise<T>): Promise<T | null> {
    if (this.now() < this.openUntil) {
      this.stat.skipped += 1;
      return null;
    }
    let client: Redis | null;
    try {
      client = this.redis();
    } catch (err) {
      this.fail(op, err);
      return null;
    }
    if (!client) return null;
    try {
      const result = await fn(client);
      this.failures = 0;
      return result;
    } catch (err) {
      this.fail(op, err);
      return null;
    }
  }

  private fail(op: string, err: unknown): void {
    this.stat.errors += 1;
    this.failures += 1;
    const tripped = this.failures >= this.tripAfter;
    if (tripped) {
      this.openUntil = this.now() + this.openMs;
      this.failures = 0;
    }
    logger.warn('redis call failed; serving without L2', {
      op,
      err: err instanceof Error ? err : new Error(String(err)),
      breakerOpenMs: tripped ? this.openMs : 0,
    });
  }
}
