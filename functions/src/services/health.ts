import { overallStatus, type DependencyCheck, type HealthReport } from '../domain/health';

/** A dependency probe: resolves when the dependency answered, rejects with the reason otherwise. */
export type Probe = () => Promise<void>;

export interface HealthDeps {
  firestore: Probe;
  /** null when Redis is not configured. */
  redis: Probe | null;
  version: string;
  timeoutMs: number;
  /** This instance's model cache: not ok while an active version fails to load (the last good one serves). */
  model?: () => DependencyCheck;
}

async function timed(probe: Probe, timeoutMs: number): Promise<DependencyCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: elapsed(started) };
  } catch (err) {
    return { ok: false, latencyMs: elapsed(started), reason: reasonOf(err) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'unknown error';
}

/** Probes every dependency concurrently, each bounded by the timeout. */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const [firestore, redis] = await Promise.all([
    timed(deps.firestore, deps.timeoutMs),
    deps.redis
      ? timed(deps.redis, deps.timeoutMs)
      : Promise.resolve<DependencyCheck>({ ok: false, latencyMs: 0, reason: 'not configured' }),
  ]);
  const checks = { firestore, redis, ...(deps.model ? { model: deps.model() } : {}) };
  return { status: overallStatus(checks), version: deps.version, checks };
}
