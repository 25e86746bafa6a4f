import { Router } from 'express';
import { healthHttpStatus } from '../../domain/health';
import { checkHealth, type HealthDeps } from '../../services/health';
import { handler } from '../handler';

/** GET /v1/health: public; 200 when ok or degraded, 503 when down. Never cached. */
export function healthRoutes(deps: () => HealthDeps): Router {
  const router = Router();
  router.get(
    '/health',
    handler(async (_req, res) => {
      const report = await checkHealth(deps());
      res.set('Cache-Control', 'no-store').status(healthHttpStatus(report.status)).json(report);
    }),
  );
  return router;
}
