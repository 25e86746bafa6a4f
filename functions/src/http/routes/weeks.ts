import { Router } from 'express';
import { z } from 'zod';
import { calendarDate, SPORTS } from '../../data/games';
import type { Firestore } from 'firebase-admin/firestore';
import type { PredictionService } from '../../services/predictions';
import { weekView } from '../../services/weeks';
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
 */
export function weekRoutes(db: () => Firestore, predictions: () => PredictionService): Router {
  const router = Router();
  router.get(
    '/weeks',
    handler(async (req, res) => {
      const { query } = parseRequest(req, { query: weekQuery });
      const week = await weekView(db(), predictions(), query.sport, query.date);
      if (!week) throw notFound(`No ${query.sport} games yet.`);
      res.set('Cache-Control', 'private, no-cache').json(week); // a refetch after a live change must reach us
    }),
  );
  return router;
}
