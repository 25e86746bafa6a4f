import { createHash, randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Firestore } from 'firebase-admin/firestore';
import { ledgerRetentionMs } from '../../config';
import { calendarDate, SPORTS } from '../../data/games';
import { engineRatingParams } from '../../domain/model-checks';
import { getSport } from '../../services/ratings';
import { FROM_THE_START, updateRatings } from '../../services/ratings-worker';
import { handler } from '../handler';
import { requireAdmin, type TokenVerifier } from '../middleware/auth';
import { idempotencyKeyOf, parseRequest } from '../middleware/validate';

export const rebuildParams = z.object({ sport: z.enum(SPORTS) });
export const rebuildBody = z.object({ fromDate: calendarDate.optional() }).default({});

/**
 * Admin: recompute a sport's ratings from its final games (all of them, or from a date on). It goes
 * through the same worker as the games trigger, so it never runs alongside another recomputation:
 * if one is running, the request is queued with it (202). Each request is a new rebuild, unless it
 * carries an `Idempotency-Key` the same admin already sent (a retry: answered with the ratings as
 * they are). The request id is never the key: it is the caller's to reuse.
 */
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
        params: rebuildParams,
        body: rebuildBody,
      });
      const key = idempotencyKeyOf(req);
      const eventId = key
        ? createHash('sha256')
            .update(`${req.auth?.uid as string}:${key}`)
            .digest('base64url')
        : randomUUID();
      const outcome = await updateRatings(
        db(),
        params.sport,
        engineRatingParams(params.sport),
        body.fromDate ?? FROM_THE_START,
        { functionName: 'ratingsRebuild', eventId, subject: `sports/${params.sport}` },
        { now: new Date(), retentionMs: ledgerRetentionMs() },
      );
      onRebuilt(params.sport);
      const sport = await getSport(db(), params.sport);
      res.status(outcome === 'rebuilt' ? 200 : 202).json({
        sport: params.sport,
        status: outcome === 'rebuilt' ? 'rebuilt' : 'queued',
        ratingsVersion: sport?.ratingsVersion ?? 0,
        finals: sport?.finals ?? 0,
        lastFinalDate: sport?.lastFinalDate ?? null,
      });
    }),
  );
  return router;
}
