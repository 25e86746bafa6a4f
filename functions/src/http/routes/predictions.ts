import { Router, type Response } from 'express';
import { z } from 'zod';
import { SPORTS } from '../../data/games';
import { nflSeasonOf } from '../../domain/seasons';
import {
  PredictionError,
  type CacheLevel,
  type CachedPrediction,
  type PredictionService,
} from '../../services/predictions';
import { gameDate } from '../../services/ratings';
import { badRequest, HttpError, notFound } from '../errors';
import { handler } from '../handler';
import { requireUser, type TokenVerifier } from '../middleware/auth';
import { parseRequest } from '../middleware/validate';

export const MAX_BATCH = 500;
const gameId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'a game id');
const team = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{2,4}$/, 'a team code of 2-4 letters or digits');

const batchBody = z.object({
  gameIds: z
    .array(gameId)
    .min(1, 'give at least one game id')
    .max(MAX_BATCH, `at most ${MAX_BATCH} game ids per request`),
});
const matchupBody = z
  .object({
    sport: z.enum(SPORTS),
    homeTeam: team,
    awayTeam: team,
    kickoff: z.iso.datetime({ offset: true }),
    neutral: z.boolean().default(false),
    playoff: z.boolean().default(false),
  })
  .refine((b) => b.homeTeam !== b.awayTeam, { message: 'a team cannot play itself', path: ['awayTeam'] });

function toHttp(err: unknown): never {
  if (err instanceof PredictionError) {
    if (err.code === 'not_found') throw notFound(err.message);
    if (err.code === 'unknown_team') throw badRequest(err.message, err.fields);
    throw new HttpError(503, 'unavailable', err.message);
  }
  throw err;
}

function send(res: Response, cached: CachedPrediction, level: CacheLevel): void {
  res
    .set('X-Cache', level)
    .set('Cache-Control', 'private, max-age=60')
    .type('application/json')
    .send(cached.json);
}

/** Predictions for signed-in users (subscription tiers come later). */
export function predictionRoutes(service: () => PredictionService, verify: TokenVerifier): Router {
  const router = Router();
  router.get(
    '/games/:gameId/prediction',
    requireUser(verify),
    handler(async (req, res) => {
      const { params } = parseRequest(req, { params: z.object({ gameId }) });
      const { cached, level } = await service().forGame(params.gameId).catch(toHttp);
      send(res, cached, level);
    }),
  );
  router.post(
    '/predictions\\:batch',
    requireUser(verify),
    handler(async (req, res) => {
      const { body } = parseRequest(req, { body: batchBody });
      const { predictions, errors, levels, timings } = await service().forGames(body.gameIds).catch(toHttp);
      const worst: CacheLevel = levels.miss ? 'miss' : levels.l3 ? 'l3' : levels.l2 ? 'l2' : 'l1';
      res
        .set('X-Cache', worst)
        .set('X-Cache-Detail', `l1=${levels.l1},l2=${levels.l2},l3=${levels.l3},miss=${levels.miss}`)
        .set(
          'Server-Timing',
          Object.entries(timings)
            .map(([name, ms]) => `${name};dur=${ms.toFixed(2)}`)
            .join(', '),
        )
        .json({ predictions, errors });
    }),
  );
  router.post(
    '/predictions',
    requireUser(verify),
    handler(async (req, res) => {
      const { body } = parseRequest(req, { body: matchupBody });
      const kickoff = new Date(body.kickoff);
      const { cached, level } = await service()
        .forMatchup({ ...body, kickoff, season: nflSeasonOf(gameDate(kickoff)) })
        .catch(toHttp);
      send(res, cached, level);
    }),
  );
  return router;
}
