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

  /**
   * Many keys at once: a key already in flight joins that flight; the others are computed together
   * by one call of `compute` (given them in order, answering their values in that order), each of
   * them a flight of its own meanwhile, so a caller asking for one of them joins it.
   */
  runMany(keys: readonly string[], compute: (owned: string[]) => Promise<V[]>): Promise<V[]> {
    const owned = new Map<string, { resolve: (value: V) => void; reject: (err: unknown) => void }>();
    const answers = keys.map((key) => {
      const pending = this.inflight.get(key);
      if (pending) return pending;
      const flight = new Promise<V>((resolve, reject) => owned.set(key, { resolve, reject }));
      this.inflight.set(key, flight);
      return flight;
    });
    if (owned.size > 0) {
      const land = () => {
        for (const key of owned.keys()) this.inflight.delete(key);
        return [...owned.values()];
      };
      void (async () => compute([...owned.keys()]))().then(
        (values) => land().forEach((o, i) => o.resolve(values[i] as V)),
        (err: unknown) => land().forEach((o) => o.reject(err)),
      );
    }
    return Promise.all(answers);
  }

  get size(): number {
    return this.inflight.size;
  }
}
