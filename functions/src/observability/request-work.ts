/**
 * Work a request starts that does not change its answer (cache write-behind, rate-limit blocks
 * reserved ahead, a tier refreshed in the background) still has to finish while the request holds
 * its CPU: Cloud Run throttles an instance's CPU once the response is sent, so work left running
 * after it stalls until the next request, or is lost when the instance is stopped. The API tracks
 * such work per request (AsyncLocalStorage) and sends the response once it has settled.
 * Outside a request (a trigger, a job, a test) the work simply runs on its own.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<Set<Promise<unknown>>>();

/** Registers `work` with the current request, if any, so its response waits for it. */
export function finishBeforeResponse(work: Promise<unknown>): void {
  const pending = scope.getStore();
  if (!pending) return;
  const tracked: Promise<unknown> = work.then(
    (): boolean => pending.delete(tracked),
    (): boolean => pending.delete(tracked),
  );
  pending.add(tracked);
}

/** Runs `fn` as a request whose work is collected into `pending`. */
export function inRequestScope<T>(pending: Set<Promise<unknown>>, fn: () => T): T {
  return scope.run(pending, fn);
}

/** Resolves once every piece of work in `pending` (including any added meanwhile) has settled. */
export async function settled(pending: Set<Promise<unknown>>): Promise<void> {
  while (pending.size > 0) await Promise.allSettled([...pending]);
}
