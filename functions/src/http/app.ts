/**
 * The `api` HTTP app: cross-cutting middleware (request id, access log, /api prefix), one router
 * per resource under /v1, and the one error policy. Dependencies are injected so tests can build
 * the same app the function serves.
 */
import express, { type Express, type RequestHandler } from 'express';
import './types';
import { errorHandler, notFoundHandler } from './errors';
import type { TokenVerifier } from './middleware/auth';
import { finishWorkBeforeResponse } from './middleware/request-work';
import { requestContext, stripApiPrefix, type RequestCounter } from './middleware/request-context';
import { healthRoutes } from './routes/health';
import { contractRoutes } from './routes/contract';
import { identityRoutes } from './routes/me';
import { gameRoutes } from './routes/games';
import { weekRoutes } from './routes/weeks';
import type { HealthDeps } from '../services/health';
import type { Firestore } from 'firebase-admin/firestore';
import type { PredictionService } from '../services/predictions';
import { modelRoutes } from './routes/models';
import { predictionRoutes } from './routes/predictions';
import { ratingRoutes } from './routes/ratings';
import { teamRoutes } from './routes/teams';
import { adminOpsRoutes } from './routes/admin-ops';
import { alertRoutes } from './routes/alerts';
import { opsRoutes, pingRoute, type RuntimeStats } from './routes/ops';
import { engagementRoutes } from './routes/engagement';
import { insightRoutes } from './routes/insights';
import type { L2Cache } from '../cache/l2';
import type { BillingDeps } from '../services/billing';
import type { EntitlementReader } from '../services/entitlements';
import type { RateLimiter } from '../services/rate-limiter';
import { identify, rateLimit, rejectBadToken } from './middleware/access';
import { bodyPolicy, corsPolicy, methodNotAllowed } from './middleware/http-policy';
import { billingRoutes } from './routes/billing';
import { recentMetrics } from '../services/service-metrics';

export interface AppDeps {
  db: () => Firestore;
  l2: () => L2Cache;
  predictions: () => PredictionService;
  verifyIdToken: TokenVerifier;
  health: () => HealthDeps;
  entitlements: () => EntitlementReader;
  limiter: () => RateLimiter;
  billing: () => BillingDeps;
  runtimeStats?: RuntimeStats;
  /** The clock tiers are judged by (a past-due grace period ends by it). */
  now?: () => number;
  /** Browser origins allowed to call the API (CORS); none by default. */
  corsOrigins?: () => readonly string[];
  /** Counts every answer (the instance's service counters); none by default. */
  counters?: RequestCounter;
  /** The service's last hour of counters (GET /v1/admin/metrics); by default read as written. */
  serviceMetrics?: (nowMs: number) => Promise<unknown>;
}

/**
 * The Cloud Functions runtime (functions-framework) reads the body before the app runs: JSON into
 * an object, text/plain into a string, anything else (text/csv) into a Buffer, and keeps the bytes
 * in req.rawBody. Parsing again would fail on the consumed stream, so these parsers only run under
 * other hosts (unit tests).
 */
function bodyParsers(): RequestHandler {
  const json = express.json({ limit: '10mb' });
  const csv = express.text({ type: 'text/csv', limit: '10mb' });
  return (req, res, next) => {
    if (req.rawBody !== undefined || req.readableEnded) {
      next();
      return;
    }
    json(req, res, (err?: unknown) => (err ? next(err) : csv(req, res, next)));
  };
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(requestContext(deps.counters), stripApiPrefix, corsPolicy(deps.corsOrigins ?? (() => [])));
  app.use(bodyParsers());
  const v1 = express.Router();
  // Every /v1 request: who is calling and at which tier, then their rate limit (headers on every answer).
  const access = {
    verify: deps.verifyIdToken,
    entitlements: deps.entitlements,
    limiter: deps.limiter,
    now: deps.now,
  };
  // GET /v1/ping alone comes first: uptime probes and the benchmark's floor, unmetered.
  v1.use(pingRoute());
  v1.use(finishWorkBeforeResponse, identify(access), rateLimit(access), rejectBadToken, bodyPolicy);
  v1.use(healthRoutes(deps.health));
  v1.use(contractRoutes(() => deps.health().version));
  v1.use(opsRoutes(deps.verifyIdToken, deps.runtimeStats ?? (() => ({}))));
  v1.use(identityRoutes(deps.verifyIdToken));
  v1.use(billingRoutes(deps.billing, deps.entitlements, deps.verifyIdToken, deps.now));
  v1.use(predictionRoutes(deps.predictions));
  v1.use(gameRoutes(deps.db, deps.verifyIdToken));
  v1.use(weekRoutes(deps.db, deps.l2, deps.predictions));
  v1.use(engagementRoutes(deps.db, deps.l2, deps.verifyIdToken));
  const dropPointers = (sport: string) => deps.predictions().invalidatePointers(sport);
  v1.use(modelRoutes(deps.db, deps.l2, deps.verifyIdToken, dropPointers));
  v1.use(insightRoutes(deps.db, deps.l2, deps.verifyIdToken));
  v1.use(ratingRoutes(deps.db, deps.verifyIdToken, dropPointers));
  v1.use(teamRoutes(deps.db, deps.l2, deps.predictions));
  const serviceMetrics = deps.serviceMetrics ?? ((nowMs: number) => recentMetrics(deps.db(), nowMs));
  v1.use(adminOpsRoutes(deps.db, deps.verifyIdToken, serviceMetrics));
  v1.use(alertRoutes(deps.db, deps.verifyIdToken));
  v1.use(methodNotAllowed(v1));
  app.use('/v1', v1);
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
