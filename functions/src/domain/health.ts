/** Health of the service from the health of its dependencies. Redis is optional for serving. */

export interface DependencyCheck {
  ok: boolean;
  latencyMs: number;
  reason?: string;
}

export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface HealthReport {
  status: HealthStatus;
  version: string;
  checks: { firestore: DependencyCheck; redis: DependencyCheck; model?: DependencyCheck };
}

/** Firestore down means the service is down; anything else failing only degrades it. */
export function overallStatus(checks: HealthReport['checks']): HealthStatus {
  if (!checks.firestore.ok) return 'down';
  return Object.values(checks).every((c) => c?.ok !== false) ? 'ok' : 'degraded';
}

/** 200 while the service can serve (ok or degraded), 503 when it cannot. */
export function healthHttpStatus(status: HealthStatus): number {
  return status === 'down' ? 503 : 200;
}
