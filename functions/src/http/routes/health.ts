import { Router } from 'express';
import { healthHttpStatus } from '../../domain/health';
import { checkHealth, type HealthDeps } from '../../services/health';

/** GET /v1/health: public; 200 when ok or degraded, 503 when down. Never cached. */
export function healthRoutes(deps: () => HealthDeps): Router {
  const router = Router();
  router.get('/health', (_req, res, next) => {
    checkHealth(deps())
      .then((report) => {
        res.set('Cache-Control', 'no-store').status(healthHttpStatus(report.status)).json(report);
      })
      .catch(next);
  });
  return router;
}
