import { createHash, randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Firestore } from 'firebase-admin/firestore';
import { ledgerRetentionMs, RATINGS_REBUILD_WAIT_MS } from '../../config';
import { calendarDate, SPORTS } from '../../data/games';
import { getSport } from '../../services/ratings';
import { FROM_THE_START, queueRatings, waitForRatings } from '../../services/ratings-worker';
import { handler } from '../handler';
import { requireAdmin, type TokenVerifier } from '../middleware/auth';
import { idempotencyKeyOf, parseRequest } from '../middleware/validate';

export const rebuildParams = z.object({ sport: z.enum(SPORTS) });
export const rebuildBody = z.object({ fromDate: calendarDate.optional() }).default({});

/**
 * How long the caller asked to wait (`Prefer: wait=<seconds>`, RFC 7240), at most
 * RATINGS_REBUILD_WAIT_MS; 0 without it.
 */
export function waitMsOf(prefer: string | undefined): number {
  const seconds = /(?:^|[,;\s])wait=(\d+)/i.exec(prefer ?? '')?.[1];
  return seconds === undefined ? 0 : Math.min(Number(seconds) * 1000, RATINGS_REBUILD_WAIT_MS);
}

/**
 * Admin: recompute a sport's ratings from its final games (all of them, or from a date on). The
 * request queues it for the ratings worker (`onRatingsQueued` does it in its own invocation, never
 * alongside another recomputation) and answers 202 `queued`; with `Prefer: wait=<seconds>` it
 * waits (up to RATINGS_REBUILD_WAIT_MS) and answers 200 `rebuilt` once the ratings include it
 * (asking again with the same Idempotency-Key waits again without queueing another). Each request is a new recomputation, unless it carries an
 * `Idempotency-Key` the same admin already sent. The request id is never the key: it is the
 * caller's to reuse.
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
      await queueRatings(
        db(),
        params.sport,
        body.fromDate ?? FROM_THE_START,
        { functionName: 'ratingsRebuild', eventId, subject: `sports/${params.sport}` },
        { now: new Date(), retentionMs: ledgerRetentionMs() },
      );
      const done = await waitForRatings(db(), params.sport, waitMsOf(req.get('prefer')));
      onRebuilt(params.sport);
      const sport = await getSport(db(), params.sport);
      res.status(done ? 200 : 202).json({
        sport: params.sport,
        status: done ? 'rebuilt' : 'queued',
        ratingsVersion: sport?.ratingsVersion ?? 0,
        finals: sport?.finals ?? 0,
        lastFinalDate: sport?.lastFinalDate ?? null,
      });
    }),
  );
  return router;
}
