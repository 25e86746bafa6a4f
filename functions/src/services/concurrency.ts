/**
 * Runs `work` on every item with at most `limit` running at once (the reconciliation's repair
 * transactions: one at a time is too slow at scale, all at once contends and holds every snapshot).
 * Items start in order; after a failure no new item starts, and the first failure is rethrown once
 * the running ones have settled.
 */
export async function forEachLimit<T>(
  items: Iterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failed: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    for (let next = iterator.next(); !next.done && !failed; next = iterator.next()) {
      try {
        await work(next.value);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (failed) throw (failed as { error: unknown }).error;
}
