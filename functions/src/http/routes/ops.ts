import { Router } from 'express';
import { requireAdmin, type TokenVerifier } from '../middleware/auth';

export interface RuntimeStats {
  (): Record<string, unknown>;
}

/**
 * GET /v1/ping: does no work and is not metered (uptime probes; the benchmark's floor).
 * GET /v1/admin/runtime: this instance's caches, batcher, models and memory (admin).
 */
export function pingRoute(): Router {
  const router = Router();
  router.get('/ping', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ ok: true });
  });
  return router;
}

export function opsRoutes(verify: TokenVerifier, runtimeStats: RuntimeStats): Router {
  const router = Router();
  router.get('/admin/runtime', requireAdmin(verify), (_req, res) => {
    const memory = process.memoryUsage();
    res.set('Cache-Control', 'no-store').json({
      ...runtimeStats(),
      memory: { rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external },
      uptimeSeconds: Math.round(process.uptime()),
    });
  });
  return router;
}
