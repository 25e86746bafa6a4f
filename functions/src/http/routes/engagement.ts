import { createHash } from 'node:crypto';
import { Router } from 'express';
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { calendarDate } from '../../data/games';
import type { L2Cache } from '../../cache/l2';
import { Collections } from '../../data/collections';
import { METRIC_TYPES } from '../../domain/user-metrics';
import { userAnalytics } from '../../services/analytics';
import { handler } from '../handler';
import { checkAllowance } from '../middleware/access';
import { requireUser, type TokenVerifier } from '../middleware/auth';
import { idempotencyKeyOf, parseRequest } from '../middleware/validate';

export const MAX_ANALYTICS_DAYS = 366;

export const eventBody = z.object({
  type: z.enum(METRIC_TYPES),
  engagementScore: z.number().min(0).max(100),
});
export const analyticsQuery = z
  .object({ from: calendarDate, to: calendarDate })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 < MAX_ANALYTICS_DAYS, {
    message: `at most ${MAX_ANALYTICS_DAYS} days`,
    path: ['to'],
  });

/**
 * POST /v1/events: a signed-in user records an engagement event (a user_metrics document; the
 * trigger aggregates it). With an Idempotency-Key header a retried request records it once.
 * GET /v1/users/me/analytics: the user's UTC days from the aggregates only.
 */
export function engagementRoutes(db: () => Firestore, l2: () => L2Cache, verify: TokenVerifier): Router {
  const router = Router();
  router.post(
    '/events',
    requireUser(verify),
    handler(async (req, res) => {
      const { body } = parseRequest(req, { body: eventBody });
      const uid = req.auth?.uid as string;
      const key = idempotencyKeyOf(req);
      const collection = db().collection(Collections.userMetrics);
      const ref = key
        ? collection.doc(createHash('sha256').update(`${uid}:${key}`).digest('base64url').slice(0, 32))
        : collection.doc();
      try {
        await ref.create({ userId: uid, ...body, timestamp: FieldValue.serverTimestamp() });
      } catch (err) {
        if ((err as { code?: unknown }).code !== 6) throw err; // 6 = ALREADY_EXISTS: a retried request
        res.status(200).json({ id: ref.id, duplicate: true });
        return;
      }
      res.status(202).json({ id: ref.id });
    }),
  );
  router.get(
    '/users/me/analytics',
    requireUser(verify),
    handler(async (req, res) => {
      const { query } = parseRequest(req, { query: analyticsQuery });
      const span = Math.round((Date.parse(query.to) - Date.parse(query.from)) / 86_400_000) + 1;
      checkAllowance(req, 'Days of analytics', span, (l) => l.analyticsDays, 'query.from');
      const { days, cache } = await userAnalytics(db(), l2(), req.auth?.uid as string, query.from, query.to);
      res.set('X-Cache', cache).set('Cache-Control', 'private, no-store').json({ days });
    }),
  );
  return router;
}
