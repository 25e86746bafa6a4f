/**
 * The API contract: an OpenAPI 3.1 document assembled (zod-openapi) from the zod schemas the routes
 * validate requests with and the answer schemas of ./schemas.ts. Served at GET /v1/openapi.json, so
 * it always describes the code that is deployed. Every operation says who may call it (and which
 * tier it needs), and lists every status our code can answer it with.
 */
import type { ZodType } from 'zod';
import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import { FEATURES, LIMITS, type Feature } from '../../domain/tiers';
import { checkoutBody } from '../routes/billing';
import { analyticsQuery, eventBody } from '../routes/engagement';
import { gameListQuery, gameParams } from '../routes/games';
import { weekQuery } from '../routes/weeks';
import { insightListQuery, insightParams, insightPatchBody } from '../routes/insights';
import { activateBody, metricsQuery, modelParams, uploadBody } from '../routes/models';
import { batchBody, matchupBody, predictionParams } from '../routes/predictions';
import { rebuildBody, rebuildParams } from '../routes/ratings';
import { sportParams, teamParams, teamQuery } from '../routes/teams';
import { opsListQuery } from '../routes/admin-ops';
import { alertListQuery, alertParams, silenceBody } from '../routes/alerts';
import { importRowSchema } from '../../data/games';
import * as S from './schemas';

type Access = 'public' | 'user' | 'admin';
type Status = 200 | 201 | 202 | 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

interface Operation {
  method: 'get' | 'post' | 'patch';
  /** OpenAPI path, below the server (`/api`). */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  feature?: Feature;
  params?: z.ZodObject;
  query?: ZodType;
  body?: ZodType;
  /** Body media types (default JSON). */
  bodyTypes?: Record<string, ZodType>;
  ok: { status: Status; description: string; schema: ZodType; variants?: ZodType[] }[];
  /** Statuses beyond the ones every operation of its kind can get. */
  errors?: Status[];
  /** Sends X-Cache. */
  cached?: boolean;
  /** Not charged to the rate limit (no RateLimit headers, no 429). */
  unmetered?: boolean;
  /** What a 5xx carries when not the error body (health's report says `down`). */
  serverErrorSchema?: ZodType;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'The request is invalid: `fields` names each bad field. A body that is not JSON at all is answered by the Functions runtime before our code runs: 400 with a small `text/html` page saying `Bad Request`.',
  401: 'No valid Firebase ID token (missing where required, or one that does not verify).',
  403: '`permission_denied` (admin only) or `upgrade_required` (`requiredTier` names the tier that unlocks it).',
  404: 'Not found.',
  405: 'Known path, other method: `Allow` lists the methods.',
  409: 'Conflict.',
  413: '`payload_too_large`: `maxBytes` is the route’s limit.',
  415: '`unsupported_media_type`: `accepted` lists the types the route takes.',
  422: 'The upload was checked and rejected: `fields` says why.',
  429: '`rate_limited`: over the burst or the daily quota. `Retry-After` says when to retry.',
  500: 'Internal error; quote the request id.',
  503: 'A dependency (Stripe, the model) is unavailable; retry later.',
};

const header = (id: string, description: string, example?: string) =>
  z.string().meta({ description, ...(example ? { example } : {}), header: { id } });

const HEADERS = {
  requestId: header('X-Request-Id', 'The request id (yours, if you sent a well-formed X-Request-Id).'),
  policy: header(
    'RateLimit-Policy',
    'draft-ietf-httpapi-ratelimit-headers-11: your tier’s windows',
    '"burst";q=120;w=60, "daily";q=10000;w=86400',
  ),
  rateLimit: header(
    'RateLimit',
    'What is left in each window and seconds until it refills',
    '"burst";r=119;t=10, "daily";r=9999;t=3600',
  ),
  retryAfter: header('Retry-After', 'Seconds to wait before retrying', '7'),
  cache: header(
    'X-Cache',
    'Which cache level answered: l1, l2, l3 or miss (l2 or miss for aggregates)',
    'l1',
  ),
  allow: header('Allow', 'The methods this path takes'),
};

function headersFor(op: Operation, status: number) {
  const shape: Record<string, ZodType> = { 'X-Request-Id': HEADERS.requestId };
  if (!op.unmetered) {
    shape['RateLimit-Policy'] = HEADERS.policy;
    shape.RateLimit = HEADERS.rateLimit;
  }
  if (status === 429) shape['Retry-After'] = HEADERS.retryAfter;
  if (op.cached && status < 300) shape['X-Cache'] = HEADERS.cache;
  if (status === 405) shape.Allow = HEADERS.allow;
  return z.object(shape);
}

function errorStatuses(op: Operation): Status[] {
  const out = new Set<Status>(op.errors ?? []);
  if (!op.unmetered) {
    out.add(429);
    out.add(401); // a bearer token that does not verify is refused on every metered route
  }
  if (op.params || op.query || op.body || op.bodyTypes) out.add(400);
  if (op.access === 'admin' || (op.feature && FEATURES[op.feature] !== 'anonymous')) out.add(403);
  if (op.body || op.bodyTypes) {
    out.add(413);
    out.add(415);
  }
  return [...out].sort();
}

function who(op: Operation): string {
  const tier = op.feature ? FEATURES[op.feature] : null;
  if (op.access === 'admin') return 'Admins (the `admin` custom claim).';
  if (tier && tier !== 'anonymous') return `Signed-in users of the **${tier}** tier or higher (admins too).`;
  return op.access === 'user' ? 'Any signed-in user.' : 'Anyone; a token, when sent, must verify.';
}

/** One shared response per error status and kind of operation (registered once as a component). */
const errorResponses = new Map<string, ZodOpenApiResponseObject>();

function errorResponse(op: Operation, status: Status): ZodOpenApiResponseObject {
  const withBody = status === 400 && Boolean(op.body || op.bodyTypes);
  const id = `Error${status}${withBody ? 'Body' : ''}${op.unmetered ? 'Unmetered' : ''}`;
  const known = errorResponses.get(id);
  if (known) return known;
  const response: ZodOpenApiResponseObject = {
    id,
    description: ERROR_TEXT[status] ?? 'Error',
    headers: headersFor({ ...op, cached: false }, status),
    content: {
      'application/json': { schema: S.ErrorBody },
      ...(withBody ? { 'text/html': { schema: z.string() } } : {}),
    },
  };
  errorResponses.set(id, response);
  return response;
}

function operation(op: Operation): ZodOpenApiOperationObject {
  const tier = op.feature ? FEATURES[op.feature] : undefined;
  const responses: ZodOpenApiOperationObject['responses'] = {};
  for (const ok of op.ok) {
    const schema = ok.variants ? z.union(ok.variants) : ok.schema;
    responses[`${ok.status}`] = {
      description: ok.description,
      headers: headersFor(op, ok.status),
      content: { 'application/json': { schema } },
    };
  }
  for (const status of errorStatuses(op)) responses[`${status}`] = errorResponse(op, status);
  responses.default = {
    description:
      '5xx: 500 for an internal error (quote the request id), 503 when a dependency (Stripe, the model, Firestore) is unavailable: retry later.',
    headers: headersFor({ ...op, cached: false }, 500),
    content: {
      'application/json': {
        schema: op.serverErrorSchema ? z.union([op.serverErrorSchema, S.ErrorBody]) : S.ErrorBody,
      },
    },
  };
  const body = op.bodyTypes ?? (op.body ? { 'application/json': op.body } : undefined);
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: [op.description, `**Who:** ${who(op)}`].filter(Boolean).join('\n\n'),
    security: op.access === 'public' ? [{}, { firebaseIdToken: [] }] : [{ firebaseIdToken: [] }],
    ...(tier ? { 'x-required-tier': tier } : {}),
    ...(op.params || op.query
      ? {
          requestParams: {
            ...(op.params ? { path: op.params } : {}),
            ...(op.query ? { query: op.query as z.ZodObject } : {}),
          },
        }
      : {}),
    ...(body
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(Object.entries(body).map(([t, s]) => [t, { schema: s }])),
          },
        }
      : {}),
    responses,
  };
}

const limitsTable = (['anonymous', 'free', 'pro', 'elite', 'admin'] as const)
  .map(
    (p) =>
      `| ${p} | ${LIMITS[p].burstPerMinute} | ${LIMITS[p].dailyQuota} | ${LIMITS[p].batchMaxGames || '—'} |`,
  )
  .join('\n');

export const OPERATIONS: Operation[] = [
  {
    method: 'get',
    path: '/v1/health',
    operationId: 'getHealth',
    tag: 'service',
    summary: 'Service health',
    description:
      '200 when ok or degraded (Redis or the model failing); 503 with the same report when down (Firestore failing).',
    access: 'public',
    ok: [{ status: 200, description: 'ok or degraded', schema: S.Health }],
    serverErrorSchema: S.Health,
  },
  {
    method: 'get',
    path: '/v1/ping',
    operationId: 'ping',
    tag: 'service',
    summary: 'Does nothing (uptime probes)',
    access: 'public',
    unmetered: true,
    ok: [{ status: 200, description: 'Alive', schema: S.Ping }],
  },
  {
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'getOpenApi',
    tag: 'service',
    summary: 'This document',
    access: 'public',
    ok: [{ status: 200, description: 'OpenAPI 3.1', schema: S.OpenApiDocument }],
  },
  {
    method: 'get',
    path: '/v1/me',
    operationId: 'getMe',
    tag: 'account',
    summary: 'Who I am, and my tier',
    access: 'user',
    ok: [{ status: 200, description: 'The caller', schema: S.Me }],
  },
  {
    method: 'get',
    path: '/v1/admin/whoami',
    operationId: 'adminWhoami',
    tag: 'admin',
    summary: 'Who I am (admins)',
    access: 'admin',
    ok: [{ status: 200, description: 'The caller', schema: S.Me }],
  },
  {
    method: 'get',
    path: '/v1/admin/runtime',
    operationId: 'adminRuntime',
    tag: 'admin',
    summary: 'This instance’s caches, models and memory',
    access: 'admin',
    ok: [{ status: 200, description: 'Counters', schema: S.Runtime }],
  },
  {
    method: 'get',
    path: '/v1/games',
    operationId: 'listGames',
    tag: 'games',
    summary: 'Games by kickoff',
    access: 'public',
    query: gameListQuery,
    ok: [{ status: 200, description: 'A page of games', schema: S.GamePage }],
  },
  {
    method: 'get',
    path: '/v1/weeks',
    operationId: 'getWeek',
    tag: 'games',
    summary: 'A week of games with their predictions (the home page)',
    access: 'public',
    query: weekQuery,
    cached: true,
    ok: [
      {
        status: 200,
        description: 'The week asked for, or the current one (the week of the next game to be played)',
        schema: S.Week,
      },
    ],
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/games/{gameId}',
    operationId: 'getGame',
    tag: 'games',
    summary: 'One game',
    access: 'public',
    params: gameParams,
    ok: [{ status: 200, description: 'The game', schema: S.Game }],
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/games/{gameId}/prediction',
    operationId: 'getPrediction',
    tag: 'predictions',
    summary: 'A game’s win probability',
    description:
      'Public. The interval and the explanation need the pro tier: below it they are absent and listed in `locked`.',
    access: 'public',
    feature: 'predictions.probability',
    params: predictionParams,
    cached: true,
    ok: [
      {
        status: 200,
        description: 'The prediction (full for pro and up, basic below)',
        schema: S.Prediction,
        variants: [S.Prediction, S.PredictionBasic],
      },
    ],
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/predictions:batch',
    operationId: 'batchPredictions',
    tag: 'predictions',
    summary: 'Predictions for many games',
    description: 'Charged one request per game; up to 100 games (elite: 500).',
    access: 'user',
    feature: 'predictions.batch',
    body: batchBody,
    cached: true,
    ok: [{ status: 200, description: 'Predictions, and the ids that were not found', schema: S.BatchResult }],
  },
  {
    method: 'post',
    path: '/v1/predictions',
    operationId: 'predictMatchup',
    tag: 'predictions',
    summary: 'A prediction for any matchup',
    access: 'user',
    feature: 'predictions.matchup',
    body: matchupBody,
    cached: true,
    ok: [{ status: 200, description: 'The prediction', schema: S.Prediction }],
  },
  {
    method: 'post',
    path: '/v1/events',
    operationId: 'recordEvent',
    tag: 'account',
    summary: 'Record an engagement event',
    description: 'With an `Idempotency-Key` header a retry answers 200 with `duplicate: true`.',
    access: 'user',
    body: eventBody,
    ok: [
      { status: 202, description: 'Recorded', schema: S.EventAccepted },
      { status: 200, description: 'Already recorded (same Idempotency-Key)', schema: S.EventAccepted },
    ],
  },
  {
    method: 'get',
    path: '/v1/users/me/analytics',
    operationId: 'getMyAnalytics',
    tag: 'account',
    summary: 'My engagement per UTC day',
    description: 'Free: up to 31 days; pro and up: 366.',
    access: 'user',
    query: analyticsQuery,
    cached: true,
    ok: [{ status: 200, description: 'Days', schema: S.Analytics }],
    errors: [403],
  },
  {
    method: 'get',
    path: '/v1/models/{modelId}/metrics',
    operationId: 'getModelMetrics',
    tag: 'models',
    summary: 'A model’s graded accuracy per version, beside the Elo baseline on the same games',
    access: 'public',
    params: modelParams,
    query: metricsQuery,
    cached: true,
    ok: [
      {
        status: 200,
        description:
          'Brier, log loss, accuracy, calibration; `elo`: the same for Elo alone on the same games',
        schema: S.ModelMetrics,
      },
    ],
  },
  {
    method: 'get',
    path: '/v1/models',
    operationId: 'listModels',
    tag: 'admin',
    summary: 'The model registry',
    access: 'admin',
    ok: [{ status: 200, description: 'Models and versions', schema: S.ModelList }],
  },
  {
    method: 'post',
    path: '/v1/models/{modelId}/versions',
    operationId: 'uploadModelVersion',
    tag: 'admin',
    summary: 'Upload a model version',
    access: 'admin',
    params: modelParams,
    body: uploadBody,
    ok: [
      { status: 201, description: 'Stored', schema: S.UploadResult },
      { status: 200, description: 'Already stored (the same artifact)', schema: S.UploadResult },
    ],
    description:
      'The artifact is validated (shape, metadata, engine fit, a probe batch) before it is stored. The same artifact again answers 200; another artifact under a stored version answers 409.',
    errors: [409, 422],
  },
  {
    method: 'post',
    path: '/v1/models/{modelId}/activate',
    operationId: 'activateModelVersion',
    tag: 'admin',
    summary: 'Serve a version from now on',
    access: 'admin',
    params: modelParams,
    body: activateBody,
    ok: [{ status: 200, description: 'Activated', schema: S.ActivateResult }],
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/admin/games:import',
    operationId: 'importGames',
    tag: 'admin',
    summary: 'Import games (JSON rows or FiveThirtyEight CSV)',
    description:
      'All rows or none. A row is the stored game with its id (`{sport}_{date}_{home}_{away}`); a row with a new date is the one scheduled game of its season, home and away teams and playoff flag that the file does not list, moved (it keeps its id); otherwise a new game. 409 `import_conflict` when that cannot tell (or a `gameId` names no game): `fields` names the rows; name the game in their `gameId`.',
    access: 'admin',
    bodyTypes: { 'application/json': z.array(importRowSchema), 'text/csv': z.string() },
    ok: [{ status: 200, description: 'What changed', schema: S.ImportResult }],
    errors: [409],
  },
  {
    method: 'post',
    path: '/v1/admin/sports/{sport}/ratings:rebuild',
    operationId: 'rebuildRatings',
    tag: 'admin',
    summary: 'Recompute ratings from the finals',
    description:
      'Queues a recomputation for the ratings worker (done in its own invocation): 202. With `Prefer: wait=<seconds>` (RFC 7240, up to 15) it waits for it: 200 once the ratings include it, else 202. Every request queues one, unless it repeats an `Idempotency-Key` the same admin sent before (then it only waits again). `X-Request-Id` is never used as the key.',
    access: 'admin',
    params: rebuildParams,
    body: rebuildBody,
    ok: [
      { status: 200, description: 'Rebuilt', schema: S.RebuildResult },
      { status: 202, description: 'Queued, not done yet', schema: S.RebuildResult },
    ],
  },
  {
    method: 'get',
    path: '/v1/sports/{sport}/ratings',
    operationId: 'getRatings',
    tag: 'games',
    summary: 'The ratings table',
    description:
      "Every team of the current season (the latest with games) with its Elo and points ratings going into its next game, rank and record; the sport's ratingsVersion and when ratings last changed. A new final answers with new numbers at once (cached per ratingsVersion).",
    access: 'public',
    params: sportParams,
    cached: true,
    ok: [{ status: 200, description: 'The table, by Elo', schema: S.RatingsTable }],
  },
  {
    method: 'get',
    path: '/v1/sports/{sport}/teams/{team}',
    operationId: 'getTeam',
    tag: 'games',
    summary: 'One team’s season',
    description:
      'Its current rating, its rating over the season (where it started, then after each final) and its games with the public part of their predictions (null before a model serves). Cached per ratingsVersion and model version.',
    access: 'public',
    params: teamParams,
    query: teamQuery,
    cached: true,
    ok: [{ status: 200, description: 'The team', schema: S.TeamPage }],
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/admin/reconciliation-runs',
    operationId: 'listReconciliationRuns',
    tag: 'admin',
    summary: 'The latest reconciliation runs (aggregates and billing)',
    description: 'Newest first, both kinds together: what each run checked, found and repaired.',
    access: 'admin',
    query: opsListQuery,
    ok: [{ status: 200, description: 'Runs', schema: S.ReconciliationRuns }],
  },
  {
    method: 'get',
    path: '/v1/admin/metrics',
    operationId: 'getServiceMetrics',
    tag: 'admin',
    summary: 'The service’s counters over the last hour',
    description:
      'Per minute, all instances together: requests, 5xx answers, cache levels, model inferences and their time, rate-limited answers. Each instance keeps its counts in memory and writes them every METRICS_FLUSH_SECONDS (and when it stops); the answering instance writes its own first.',
    access: 'admin',
    ok: [{ status: 200, description: 'The last hour', schema: S.ServiceMetrics }],
  },
  {
    method: 'get',
    path: '/v1/admin/alerts',
    operationId: 'listAlerts',
    tag: 'admin',
    summary: 'Business alerts',
    description:
      'Model drift, stale data, overdue jobs, reconciliation drift, parked Stripe events and serving health, as the evaluator (every 5 minutes) last judged them: `status=open` (default), `resolved` or `all`, the newest incidents first.',
    access: 'admin',
    query: alertListQuery,
    ok: [{ status: 200, description: 'Alerts', schema: S.AlertList }],
  },
  {
    method: 'post',
    path: '/v1/admin/alerts/{alertId}:acknowledge',
    operationId: 'acknowledgeAlert',
    tag: 'admin',
    summary: 'Acknowledge an open alert',
    description:
      'Someone is on it: no more reminders for this incident (an escalation and the resolution are still sent). 409 `alert_not_open` for a resolved alert; again on an acknowledged one: 200, `changed: false`.',
    access: 'admin',
    params: alertParams,
    ok: [{ status: 200, description: 'The alert', schema: S.AlertActionResult }],
    errors: [404, 409],
  },
  {
    method: 'post',
    path: '/v1/admin/alerts/{alertId}:silence',
    operationId: 'silenceAlert',
    tag: 'admin',
    summary: 'Silence an alert for a while',
    description:
      'Nothing is sent for it for `minutes` (up to 7 days; replaces an earlier silence); its state still moves. When the silence ends, what people were not told is sent. Works on a resolved alert too (a flapping one).',
    access: 'admin',
    params: alertParams,
    body: silenceBody,
    ok: [{ status: 200, description: 'The alert', schema: S.AlertActionResult }],
    errors: [404, 409],
  },
  {
    method: 'post',
    path: '/v1/admin/alerts/{alertId}:unsilence',
    operationId: 'unsilenceAlert',
    tag: 'admin',
    summary: 'End an alert’s silence now',
    access: 'admin',
    params: alertParams,
    ok: [{ status: 200, description: 'The alert', schema: S.AlertActionResult }],
    errors: [404, 409],
  },
  {
    method: 'get',
    path: '/v1/admin/billing/parked-events',
    operationId: 'listParkedEvents',
    tag: 'admin',
    summary: 'Stripe events parked for an admin',
    description: 'Events for a Stripe customer no user has (answered 200 to Stripe and kept here).',
    access: 'admin',
    query: opsListQuery,
    ok: [{ status: 200, description: 'Parked events', schema: S.ParkedEvents }],
  },
  {
    method: 'get',
    path: '/v1/insights',
    operationId: 'listInsights',
    tag: 'insights',
    summary: 'The insights feed',
    access: 'user',
    feature: 'insights.feed',
    query: insightListQuery,
    ok: [{ status: 200, description: 'Newest first', schema: S.InsightPage }],
  },
  {
    method: 'get',
    path: '/v1/insights/summary',
    operationId: 'getInsightSummary',
    tag: 'insights',
    summary: 'Insight counts per status and severity',
    access: 'user',
    feature: 'insights.feed',
    cached: true,
    ok: [{ status: 200, description: 'Counts', schema: S.InsightSummary }],
  },
  {
    method: 'patch',
    path: '/v1/insights/{id}',
    operationId: 'setInsightStatus',
    tag: 'admin',
    summary: 'Acknowledge, resolve or dismiss an insight',
    access: 'admin',
    params: insightParams,
    body: insightPatchBody,
    ok: [{ status: 200, description: 'Updated', schema: S.InsightStatusResult }],
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/billing/plans',
    operationId: 'listPlans',
    tag: 'billing',
    summary: 'The plans for sale',
    description:
      'Each allow-listed price with its tier, amount and what it unlocks: the upgrade page lists these.',
    access: 'public',
    ok: [{ status: 200, description: 'The plans', schema: S.Plans }],
  },
  {
    method: 'post',
    path: '/v1/billing/checkout',
    operationId: 'createCheckout',
    tag: 'billing',
    summary: 'Start a Stripe Checkout for a price',
    description:
      'Only allow-listed prices; the server sets return URLs, trial and metadata. Optional `Idempotency-Key`.',
    access: 'user',
    body: checkoutBody,
    ok: [{ status: 200, description: 'Where to send the user', schema: S.CheckoutResult }],
  },
  {
    method: 'post',
    path: '/v1/billing/portal',
    operationId: 'createPortal',
    tag: 'billing',
    summary: 'The Stripe customer portal',
    access: 'user',
    ok: [{ status: 200, description: 'Where to send the user', schema: S.PortalResult }],
  },
  {
    method: 'get',
    path: '/v1/billing/subscription',
    operationId: 'getSubscription',
    tag: 'billing',
    summary: 'My tier and subscription',
    access: 'user',
    ok: [{ status: 200, description: 'The tier enforced now', schema: S.Subscription }],
  },
  {
    method: 'post',
    path: '/v1/billing/sync',
    operationId: 'syncSubscription',
    tag: 'billing',
    summary: 'Re-read my subscriptions from Stripe',
    description: 'The Checkout success page calls this: the new tier at once, webhook or not.',
    access: 'user',
    ok: [{ status: 200, description: 'The tier enforced now', schema: S.Subscription }],
  },
];

/** The webhook is its own function, at /stripe/webhook (not under /api). */
function webhookPath(): ZodOpenApiPathsObject {
  return {
    '/stripe/webhook': {
      servers: [{ url: '/', description: 'Hosting (or the stripeWebhook function directly)' }],
      post: {
        operationId: 'stripeWebhook',
        tags: ['billing'],
        summary: 'Stripe events (for Stripe only)',
        description:
          'Signed by Stripe (`Stripe-Signature`, 300 s tolerance) over the raw body. 2xx only after the change is stored; 5xx makes Stripe retry.',
        security: [],
        requestParams: { header: z.object({ 'stripe-signature': z.string() }) },
        requestBody: {
          required: true,
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
        },
        responses: {
          '200': {
            description: 'Stored (or a duplicate, parked or ignored event)',
            content: { 'application/json': { schema: S.WebhookReceipt } },
          },
          '400': {
            description: 'Missing or invalid signature; nothing was written',
            content: { 'application/json': { schema: S.ErrorBody } },
          },
          default: {
            description:
              '5xx, and Stripe retries: 503 when Stripe or Firestore is unavailable, 500 for any other failure. Nothing half-written either way.',
            content: { 'application/json': { schema: S.ErrorBody } },
          },
        },
      },
    },
  };
}

let cached: ReturnType<typeof createDocument> | undefined;

/** The document (built once per instance). */
export function openApiDocument(version: string): ReturnType<typeof createDocument> {
  if (cached) return cached;
  const paths: ZodOpenApiPathsObject = {};
  for (const op of OPERATIONS) paths[op.path] = { ...paths[op.path], [op.method]: operation(op) };
  cached = createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'AI Sports Edge API',
        version,
        description: [
          'Win probabilities, insights and billing. Errors are `{"error": {"code", "message", ...}, "requestId"}`.',
          'Authenticate with a Firebase ID token: `Authorization: Bearer <token>` (locally: `npm run --silent token -- --email you@example.com`).',
          '',
          '| limits (per user; per IP anonymous) | burst / min | per day | batch games |',
          '|---|---|---|---|',
          limitsTable,
        ].join('\n'),
      },
      servers: [
        {
          url: '/api',
          description: 'Through Firebase Hosting (the function itself serves the same paths without /api)',
        },
      ],
      tags: ['service', 'games', 'predictions', 'insights', 'models', 'account', 'billing', 'admin'].map(
        (name) => ({ name }),
      ),
      components: {
        securitySchemes: {
          firebaseIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'Firebase ID token (JWT)' },
        },
      },
      paths: { ...paths, ...webhookPath() },
    },
    { allowEmptySchema: { custom: true } },
  );
  return cached;
}
