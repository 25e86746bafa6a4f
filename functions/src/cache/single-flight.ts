/**
 * Concurrent callers asking for the same key share one computation: the first starts it, the rest
 * await the same promise, and the key is forgotten once it settles (a failure is not cached).
 */
export class SingleFlight<V> {
  private readonly inflight = new Map<string, Promise<V>>();

  run(key: string, compute: () => Promise<V>): Promise<V> {
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const promise = (async () => {
      try {
        return await compute();
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, promise);
    return promise;
  }

  get size(): number {
    return this.inflight.size;
  }
}
