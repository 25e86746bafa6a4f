import { Router } from 'express';
import { z } from 'zod';
import { calendarDate, SPORTS } from '../../data/games';
import type { Firestore } from 'firebase-admin/firestore';
import type { L2Cache } from '../../cache/l2';
import type { PredictionService } from '../../services/predictions';
import { cachedWeekView } from '../../services/weeks';
import { notFound } from '../errors';
import { handler } from '../handler';
import { parseRequest } from '../middleware/validate';

export const weekQuery = z.object({
  sport: z.enum(SPORTS).default('nfl'),
  date: calendarDate.optional().meta({ description: 'Any day of the week; without it, the current week' }),
});

/**
 * GET /v1/weeks: one football week (Tuesday to Monday) of games with their public predictions, in one
 * answer, for the web app's home page. Public, like each game's probability; one request's charge.
 * Answered from L2 when nothing behind it changed (`X-Cache: l2|miss`; services/weeks.ts).
 */
export function weekRoutes(
  db: () => Firestore,
  l2: () => L2Cache,
  predictions: () => PredictionService,
): Router {
  const router = Router();
  router.get(
    '/weeks',
    handler(async (req, res) => {
      const { query } = parseRequest(req, { query: weekQuery });
      const { value: week, cache } = await cachedWeekView(db(), l2(), predictions(), query.sport, query.date);
      if (!week) throw notFound(`No ${query.sport} games yet.`);
      // no-cache: a refetch after a live change must reach us.
      res.set('Cache-Control', 'private, no-cache').set('X-Cache', cache).json(week);
    }),
  );
  return router;
}
