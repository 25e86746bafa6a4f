import { Router } from 'express';
import { z } from 'zod';
import { documentId } from '../ids';
import type { Firestore } from 'firebase-admin/firestore';
import type { L2Cache } from '../../cache/l2';
import { INSIGHT_SEVERITIES, INSIGHT_STATUSES } from '../../domain/insights';
import {
  decodeInsightCursor,
  insightSummary,
  listInsights,
  setInsightStatus,
} from '../../services/insights-read';
import { notFound } from '../errors';
import { handler } from '../handler';
import { requireFeature } from '../middleware/access';
import { requireAdmin, type TokenVerifier } from '../middleware/auth';
import { parseRequest } from '../middleware/validate';

export const insightListQuery = z.object({
  status: z.enum(INSIGHT_STATUSES).optional(),
  severity: z.enum(INSIGHT_SEVERITIES).optional(),
  gameId: documentId(/^[A-Za-z0-9_-]{1,128}$/, 'a game id').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .max(300)
    .refine((c) => decodeInsightCursor(c) !== null, 'not a cursor this API returned')
    .optional(),
});

export const insightParams = z.object({
  id: documentId(/^[A-Za-z0-9_@-]{1,200}$/, 'an insight id'),
});
export const insightPatchBody = z.object({ status: z.enum(INSIGHT_STATUSES) });

/** The insights feed for paid tiers; status changes for admins; counts from agg_insights. */
export function insightRoutes(db: () => Firestore, l2: () => L2Cache, verify: TokenVerifier): Router {
  const router = Router();
  router.get(
    '/insights/summary',
    requireFeature('insights.feed'),
    handler(async (_req, res) => {
      const { value, cache } = await insightSummary(db(), l2());
      res.set('X-Cache', cache).json(value);
    }),
  );
  router.get(
    '/insights',
    requireFeature('insights.feed'),
    handler(async (req, res) => {
      const { query } = parseRequest(req, { query: insightListQuery });
      const cursor = query.cursor ? (decodeInsightCursor(query.cursor) ?? undefined) : undefined;
      res.json(
        await listInsights(db(), {
          limit: query.limit,
          ...(query.status ? { status: query.status } : {}),
          ...(query.severity ? { severity: query.severity } : {}),
          ...(query.gameId ? { gameId: query.gameId } : {}),
          ...(cursor ? { cursor } : {}),
        }),
      );
    }),
  );
  router.patch(
    '/insights/:id',
    requireAdmin(verify),
    handler(async (req, res) => {
      const { params, body } = parseRequest(req, {
        params: insightParams,
        body: insightPatchBody,
      });
      if (!(await setInsightStatus(db(), params.id, body.status))) throw notFound(`No insight ${params.id}.`);
      res.json({ id: params.id, status: body.status });
    }),
  );
  return router;
}
