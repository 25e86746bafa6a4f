import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Firestore } from 'firebase-admin/firestore';
import type { L2Cache } from '../../cache/l2';
import { SPORTS } from '../../data/games';
import { canonicalTeam } from '../../domain/games';
import type { PredictionService } from '../../services/predictions';
import { sportRatings, teamPage } from '../../services/team-ratings';
import { notFound } from '../errors';
import { handler } from '../handler';
import { parseRequest } from '../middleware/validate';

export const sportParams = z.object({ sport: z.enum(SPORTS) });
export const teamParams = sportParams.extend({
  team: z
    .string()
    .regex(/^[A-Za-z0-9]{2,4}$/, 'a team code of 2-4 letters or digits')
    .meta({
      description: 'A team code, e.g. NE (case does not matter; former codes such as WAS map to WSH)',
    }),
});
export const teamQuery = z.object({
  season: z.coerce
    .number()
    .int()
    .min(1900)
    .max(2100)
    .optional()
    .meta({ description: 'Without it, the current season (the latest with games)' }),
});

/**
 * Public data that changes with every final: any cache may keep it but must ask again (the ETag
 * makes that a 304 when nothing changed), so a page that saw the ratings version move gets the new
 * numbers on its refetch.
 */
const revalidate = (res: Response, cache: string) =>
  res.set('X-Cache', cache).set('Cache-Control', 'public, no-cache');

/**
 * GET /v1/sports/{sport}/ratings and /v1/sports/{sport}/teams/{team}: the ratings table and one
 * team's season, for the web app's teams pages. Public; one request's charge each.
 */
export function teamRoutes(
  db: () => Firestore,
  l2: () => L2Cache,
  predictions: () => PredictionService,
): Router {
  const router = Router();
  router.get(
    '/sports/:sport/ratings',
    handler(async (req, res) => {
      const { params } = parseRequest(req, { params: sportParams });
      const { value, cache } = await sportRatings(db(), l2(), params.sport);
      revalidate(res, cache).json(value);
    }),
  );
  router.get(
    '/sports/:sport/teams/:team',
    handler(async (req, res) => {
      const { params, query } = parseRequest(req, { params: teamParams, query: teamQuery });
      const team = canonicalTeam(params.team);
      const page = await teamPage(db(), l2(), predictions(), params.sport, team, query.season);
      if (!page) throw notFound(`No ${params.sport} team ${team}.`);
      revalidate(res, page.cache).json(page.value);
    }),
  );
  return router;
}
