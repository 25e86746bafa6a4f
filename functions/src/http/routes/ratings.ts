import { Router } from 'express';
import { z } from 'zod';
import type { Firestore } from 'firebase-admin/firestore';
import { SPORTS } from '../../data/games';
import { engineRatingParams } from '../../domain/model-checks';
import { rebuildRatings } from '../../services/ratings';
import { handler } from '../handler';
import { requireAdmin, type TokenVerifier } from '../middleware/auth';
import { parseRequest } from '../middleware/validate';

/** Admin: recompute a sport's ratings from its final games (all of them, or from a date on). */
export function ratingRoutes(
  db: () => Firestore,
  verify: TokenVerifier,
  onRebuilt: (sport: string) => void,
): Router {
  const router = Router();
  router.post(
    '/admin/sports/:sport/ratings\\:rebuild',
    requireAdmin(verify),
    handler(async (req, res) => {
      const { params, body } = parseRequest(req, {
        params: z.object({ sport: z.enum(SPORTS) }),
        body: z.object({ fromDate: z.iso.date().optional() }).default({}),
      });
      const result = await rebuildRatings(db(), params.sport, engineRatingParams(params.sport), {
        ...(body.fromDate ? { fromDate: body.fromDate } : {}),
      });
      onRebuilt(params.sport);
      res.json({ sport: params.sport, ...result });
    }),
  );
  return router;
}
