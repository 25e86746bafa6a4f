import { Router } from 'express';
import { z } from 'zod';
import type { Firestore } from 'firebase-admin/firestore';
import { parkedEvents, reconciliationRuns } from '../../services/ops-reads';
import { handler } from '../handler';
import { requireAdmin, type TokenVerifier } from '../middleware/auth';
import { parseRequest } from '../middleware/validate';

export const opsListQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

/**
 * Admin operations reads: the latest reconciliation runs (aggregates and billing, newest first),
 * the Stripe events parked for an admin (no user for their customer) and the service's counters
 * over the last hour.
 */
export function adminOpsRoutes(
  db: () => Firestore,
  verify: TokenVerifier,
  serviceMetrics: (nowMs: number) => Promise<unknown>,
): Router {
  const router = Router();
  const admin = requireAdmin(verify);
  router.get(
    '/admin/metrics',
    admin,
    handler(async (_req, res) => {
      res.set('Cache-Control', 'private, no-store').json(await serviceMetrics(Date.now()));
    }),
  );
  router.get(
    '/admin/reconciliation-runs',
    admin,
    handler(async (req, res) => {
      const { query } = parseRequest(req, { query: opsListQuery });
      const runs = await reconciliationRuns(db(), query.limit);
      res.set('Cache-Control', 'private, no-store').json({ runs });
    }),
  );
  router.get(
    '/admin/billing/parked-events',
    admin,
    handler(async (req, res) => {
      const { query } = parseRequest(req, { query: opsListQuery });
      const events = await parkedEvents(db(), query.limit);
      res.set('Cache-Control', 'private, no-store').json({ events });
    }),
  );
  return router;
}
