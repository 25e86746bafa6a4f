import { Router } from 'express';
import { healthHttpStatus, type HealthReport } from '../../domain/health';
import { logger } from '../../observability/logger';
import { checkHealth, type HealthDeps } from '../../services/health';
import { handler } from '../handler';
import { accessOf } from '../middleware/access';

/**
 * GET /v1/health: public; 200 when ok or degraded, 503 when down. Never cached. Why a check fails
 * (error text that may name hosts, files or artifacts) is for admins and the logs only: anyone else
 * sees which check fails, not why.
 */
export function healthRoutes(deps: () => HealthDeps): Router {
  const router = Router();
  router.get(
    '/health',
    handler(async (req, res) => {
      const report = await checkHealth(deps());
      const failing = Object.entries(report.checks).filter(([, c]) => c && !c.ok);
      if (failing.length > 0)
        logger.warn('health check failing', {
          status: report.status,
          failing: Object.fromEntries(failing.map(([name, c]) => [name, c?.reason ?? null])),
        });
      res
        .set('Cache-Control', 'no-store')
        .status(healthHttpStatus(report.status))
        .json(accessOf(req).admin ? report : withoutReasons(report));
    }),
  );
  return router;
}

function withoutReasons(report: HealthReport): HealthReport {
  const checks = Object.fromEntries(
    Object.entries(report.checks).map(([name, check]) => [
      name,
      check && { ok: check.ok, latencyMs: check.latencyMs },
    ]),
  ) as HealthReport['checks'];
  return { ...report, checks };
}
