/**
 * Loading API data in a page: the state of one call, retried on its own when the problem is
 * passing (offline, unavailable, rate limited), with a message that says when.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Problem } from './api';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T }
  | { state: 'problem'; problem: Problem; retryInSeconds: number | null };

const RETRY_SECONDS = { offline: 5, unavailable: 5 } as const;

function retryDelay(problem: Problem): number | null {
  if (problem.kind === 'rate_limited') return Math.max(1, problem.retryAfterSeconds ?? 1);
  if (problem.kind === 'offline' || problem.kind === 'unavailable') return RETRY_SECONDS[problem.kind];
  return null;
}

/** `load` runs again whenever one of `deps` changes, and by itself after a passing problem. */
export function useLoad<T>(
  load: () => Promise<{ ok: true; data: T } | { ok: false; problem: Problem }>,
  deps: readonly unknown[],
  /** Data already in hand (the first paint then shows it; `load` still runs to confirm it). */
  initial?: T,
): [Loaded<T>, () => void] {
  const [result, setResult] = useState<Loaded<T>>(
    initial === undefined ? { state: 'loading' } : { state: 'ok', data: initial },
  );
  const [attemptNo, setAttemptNo] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    void load().then((r) => {
      if (!live) return;
      if (r.ok) {
        setResult({ state: 'ok', data: r.data });
        return;
      }
      const delay = retryDelay(r.problem);
      setResult({ state: 'problem', problem: r.problem, retryInSeconds: delay });
      if (delay !== null) timer = setTimeout(() => setAttemptNo((n) => n + 1), delay * 1000);
    });
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [...deps, attemptNo]); // the caller names what the load depends on
  return [result, () => setAttemptNo((n) => n + 1)];
}

/** A problem in words, with when the page will try again, or a button to try now. */
export function ProblemNotice({
  problem,
  retryInSeconds,
  onRetry,
}: {
  problem: Problem;
  retryInSeconds: number | null;
  onRetry?: () => void;
}) {
  // Not errors: a feature above the caller's tier, or one that needs an account.
  if (problem.kind === 'upgrade_required')
    return (
      <aside class="upgrade" data-problem={problem.kind}>
        <p>
          This is for {problem.requiredTier === 'elite' ? 'Elite' : 'Pro'} members.{' '}
          <a href="/account">See the plans</a>.
        </p>
      </aside>
    );
  if (problem.kind === 'unauthenticated')
    return (
      <aside class="upgrade" data-problem={problem.kind}>
        <p>
          <a href={`/sign-in?next=${encodeURIComponent(location.pathname)}`}>Sign in</a> to see this.
        </p>
      </aside>
    );
  return (
    <div class="notice" role="alert" data-problem={problem.kind}>
      <p>{problem.message}</p>
      {retryInSeconds !== null && <p>Trying again in {retryInSeconds} s…</p>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again now
        </button>
      )}
    </div>
  );
}

/**
 * Live documents said the data shown is behind (a new ratings or model version): ask again after
 * 0.4 s and, if still behind, once more at 2.5 s (servers re-read those versions within 2 s). At most
 * two requests per change, however the answers come back.
 */
export function useCatchUp(version: unknown, behind: boolean, reload: () => void): void {
  const stillBehind = useRef(behind);
  stillBehind.current = behind;
  useEffect(() => {
    if (!behind) return;
    const timers = [400, 2500].map((ms) =>
      setTimeout(() => {
        if (stillBehind.current) reload();
      }, ms),
    );
    return () => timers.forEach(clearTimeout);
  }, [version]);
}
