import { Router, type Response } from 'express';
import { z } from 'zod';
import { documentId } from '../ids';
import { instant, SPORTS } from '../../data/games';
import { franchiseCode } from '../../domain/game-rows';
import { nflSeasonOf } from '../../domain/seasons';
import {
  PredictionError,
  type CacheLevel,
  type CachedPrediction,
  type PredictionService,
} from '../../services/predictions';
import { gameDate } from '../../services/ratings';
import { hasFeature } from '../../domain/tiers';
import { viewJson } from '../../services/predictions';
import { badRequest, HttpError, notFound } from '../errors';
import { handler } from '../handler';
import { accessOf, checkAllowance, requireFeature } from '../middleware/access';
import { parseRequest } from '../middleware/validate';

export const MAX_BATCH = 500;

const gameId = documentId(/^[A-Za-z0-9_-]{1,128}$/, 'a game id');
export const predictionParams = z.object({ gameId });

export const batchBody = z.object({
  gameIds: z
    .array(gameId)
    .min(1, 'give at least one game id')
    .max(MAX_BATCH, `at most ${MAX_BATCH} game ids per request`),
});
export const matchupBody = z
  .object({
    sport: z.enum(SPORTS),
    homeTeam: franchiseCode,
    awayTeam: franchiseCode,
    kickoff: instant,
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

function send(res: Response, cached: CachedPrediction, level: CacheLevel, details: boolean): void {
  // For the access log (a structured field Cloud Logging can count by).
  res.locals.modelVersion = `${cached.body.model.id}@${cached.body.model.version}`;
  res
    .set('X-Cache', level)
    .set('Cache-Control', 'private, max-age=60')
    .type('application/json')
    .send(viewJson(cached, details));
}

/**
 * Predictions. One game's probability is public (the core product); its interval and explanation,
 * batches and ad-hoc matchups need a paid tier (domain/tiers.ts).
 */
export function predictionRoutes(service: () => PredictionService): Router {
  const router = Router();
  router.get(
    '/games/:gameId/prediction',
    handler(async (req, res) => {
      const { params } = parseRequest(req, { params: predictionParams });
      const { cached, level } = await service().forGame(params.gameId).catch(toHttp);
      send(res, cached, level, hasFeature(accessOf(req), 'predictions.details'));
    }),
  );
  router.post(
    '/predictions\\:batch',
    requireFeature('predictions.batch'),
    handler(async (req, res) => {
      const { body } = parseRequest(req, { body: batchBody });
      checkAllowance(req, 'Games per batch', body.gameIds.length, (l) => l.batchMaxGames, 'body.gameIds');
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
    requireFeature('predictions.matchup'),
    handler(async (req, res) => {
      const { body } = parseRequest(req, { body: matchupBody });
      const kickoff = new Date(body.kickoff);
      const { cached, level } = await service()
        .forMatchup({ ...body, kickoff, season: nflSeasonOf(gameDate(kickoff)) })
        .catch(toHttp);
      send(res, cached, level, true);
    }),
  );
  return router;
}
