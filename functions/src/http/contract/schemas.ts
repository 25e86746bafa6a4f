/**
 * What the API answers, as zod schemas: the OpenAPI document (./openapi.ts) is assembled from these
 * and the routes' request schemas. Routes do not type their answers with them; what keeps the two
 * together is the contract check of `npm test`, which validates every answer the integration suite
 * receives against the document (scripts/lib/contract.ts).
 */
import { z } from 'zod';
import 'zod-openapi';
import { GAME_STATUSES, SPORTS } from '../../data/games';
import { INSIGHT_SEVERITIES, INSIGHT_STATUSES } from '../../domain/insights';
import { FEATURES, PAID_TIERS, TIERS, type Feature } from '../../domain/tiers';

const isoDateTime = z.string().meta({ format: 'date-time', example: '2017-09-10T18:00:00.000Z' });
const probability = z.number().min(0).max(1);

export const ErrorBody = z
  .object({
    error: z
      .object({
        code: z.string().meta({ example: 'invalid_argument' }),
        message: z.string(),
        fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
        requiredTier: z
          .enum(TIERS)
          .optional()
          .meta({ description: 'upgrade_required: the tier that unlocks it' }),
        retryAfterSeconds: z.number().int().optional().meta({ description: 'rate_limited: when to retry' }),
        maxBytes: z.number().int().optional().meta({ description: 'payload_too_large: the route’s limit' }),
        accepted: z.string().optional().meta({ description: 'unsupported_media_type: the types taken' }),
      })
      .catchall(z.unknown()),
    requestId: z.string(),
  })
  .meta({ id: 'Error', description: 'Every error our code answers, in one shape.' });

const DependencyCheck = z.object({ ok: z.boolean(), latencyMs: z.number(), reason: z.string().optional() });
export const Health = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    version: z.string(),
    checks: z.object({
      firestore: DependencyCheck,
      redis: DependencyCheck,
      model: DependencyCheck.optional(),
    }),
  })
  .meta({ id: 'Health' });

export const Ping = z.object({ ok: z.literal(true) }).meta({ id: 'Ping' });

export const Me = z
  .object({
    uid: z.string(),
    email: z.string().optional(),
    roles: z.array(z.string()),
    tier: z.enum(TIERS),
  })
  .meta({ id: 'Me' });

export const Game = z
  .object({
    gameId: z.string().meta({ example: 'nfl_2017-09-10_BUF_NYJ' }),
    sport: z.enum(SPORTS),
    season: z.number().int(),
    kickoff: isoDateTime,
    homeTeam: z.string(),
    awayTeam: z.string(),
    neutral: z.boolean(),
    playoff: z.boolean(),
    status: z.enum(GAME_STATUSES),
    homeScore: z.number().int().nullable(),
    awayScore: z.number().int().nullable(),
  })
  .meta({ id: 'Game' });

export const GamePage = z
  .object({ games: z.array(Game), nextCursor: z.string().nullable() })
  .meta({ id: 'GamePage' });

export const ImportResult = z
  .object({
    received: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    moved: z
      .number()
      .int()
      .meta({ description: 'Stored games given another date (a postponement); they keep their ids' }),
    unchanged: z.number().int(),
    moves: z
      .array(z.object({ gameId: z.string(), from: isoDateTime, to: isoDateTime }))
      .meta({ description: 'Each moved game and its kickoff before and after' }),
  })
  .meta({ id: 'ImportResult' });

const predictionCore = {
  gameId: z.string().optional().meta({ description: 'Absent for an ad-hoc matchup' }),
  sport: z.enum(SPORTS),
  homeTeam: z.string(),
  awayTeam: z.string(),
  kickoff: isoDateTime,
  model: z.object({ id: z.string(), version: z.string() }),
  homeWinProbability: probability,
  eloHomeWinProbability: probability.meta({ description: 'What Elo alone expects from the same ratings' }),
  ratingsVersion: z.number(),
  computedAt: isoDateTime,
};

export const Prediction = z
  .object({
    ...predictionCore,
    interval: z.tuple([probability, probability]).meta({
      description:
        "10th to 90th percentile of the ensemble members' probabilities: the model's fit uncertainty, not an interval for the outcome",
    }),
    explanation: z
      .array(z.object({ feature: z.string(), contribution: z.number() }))
      .meta({ description: 'Log-odds contributions, baseline first; they sum to logit(homeWinProbability)' }),
  })
  .meta({ id: 'Prediction', description: 'The full prediction (pro and elite).' });

export const PredictionBasic = z
  .object({
    ...predictionCore,
    locked: z.array(z.enum(['interval', 'explanation'])).meta({ description: 'Fields a paid tier adds' }),
  })
  .meta({ id: 'PredictionBasic', description: 'The prediction anonymous and free callers get.' });

/** A game with the public part of its prediction, as the week's and a team's pages list them. */
const GameCard = Game.extend({
  prediction: z
    .object(predictionCore)
    .pick({
      homeWinProbability: true,
      eloHomeWinProbability: true,
      model: true,
      ratingsVersion: true,
      computedAt: true,
    })
    .nullable()
    .meta({ description: 'The public part of the prediction; null when none can be made yet (no model)' }),
});

export const Week = z
  .object({
    sport: z.enum(SPORTS),
    from: z.iso.date().meta({ description: 'The first day (a Tuesday)' }),
    to: z.iso.date().meta({ description: 'The last day (the Monday after), inclusive' }),
    previous: z.iso
      .date()
      .nullable()
      .meta({ description: 'The first day of the nearest earlier week with games' }),
    next: z.iso.date().nullable().meta({ description: 'The first day of the nearest later week with games' }),
    games: z.array(GameCard),
  })
  .meta({
    id: 'Week',
    description:
      'A football week, Tuesday to Monday (a kickoff before 06:00 UTC counts as the evening before), its games in kickoff order',
  });

export const BatchResult = z
  .object({
    predictions: z.array(Prediction),
    errors: z.array(z.object({ gameId: z.string(), code: z.string() })),
  })
  .meta({ id: 'BatchResult' });

export const EventAccepted = z
  .object({ id: z.string(), duplicate: z.literal(true).optional() })
  .meta({ id: 'EventAccepted' });

export const Analytics = z
  .object({
    days: z.array(
      z.object({
        date: z.string().meta({ format: 'date' }),
        count: z.number().int(),
        averageEngagement: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: 'Analytics' });

const metricsFields = {
  n: z.number().int(),
  brier: z.number().nullable(),
  logLoss: z.number().nullable(),
  accuracy: z.number().nullable(),
  calibration: z.array(
    z.object({
      bin: z.string(),
      n: z.number().int(),
      meanPredicted: z.number().nullable(),
      observedRate: z.number().nullable(),
    }),
  ),
};
export const ModelMetrics = z
  .object({
    modelId: z.string(),
    season: z.number().int().nullable(),
    versions: z.array(
      z.object({
        version: z.string(),
        ...metricsFields,
        elo: z.object(metricsFields).meta({
          description:
            'The Elo baseline (eloHomeWinProbability stored on the same predictions) graded on the same games; n 0 and nulls for grades recorded before the baseline was',
        }),
      }),
    ),
  })
  .meta({ id: 'ModelMetrics' });

export const ModelList = z
  .object({
    models: z.array(
      z.object({
        modelId: z.string(),
        sport: z.string(),
        activeVersion: z.string().nullable(),
        previousVersion: z.string().nullable(),
        versions: z.array(
          z.object({
            version: z.string(),
            status: z.string(),
            metrics: z.record(z.string(), z.unknown()).optional(),
            createdAt: isoDateTime.nullable(),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'ModelList' });

export const UploadResult = z
  .object({ modelId: z.string(), version: z.string(), stored: z.enum(['created', 'exists']) })
  .meta({ id: 'UploadResult' });

export const ActivateResult = z
  .object({
    modelId: z.string(),
    sport: z.string(),
    activeVersion: z.string(),
    previousVersion: z.string().nullable(),
  })
  .meta({ id: 'ActivateResult' });

export const Insight = z
  .object({
    id: z.string(),
    type: z.string().nullable(),
    status: z.enum(INSIGHT_STATUSES),
    severity: z.enum(INSIGHT_SEVERITIES),
    gameId: z.string().nullable(),
    message: z.string(),
    createdAt: isoDateTime.nullable(),
  })
  .meta({ id: 'Insight' });

export const InsightPage = z
  .object({ insights: z.array(Insight), nextCursor: z.string().nullable() })
  .meta({ id: 'InsightPage' });

export const InsightSummary = z
  .object({
    total: z.number().int(),
    counts: z.array(z.object({ status: z.string(), severity: z.string(), count: z.number().int() })),
  })
  .meta({ id: 'InsightSummary' });

export const InsightStatusResult = z
  .object({ id: z.string(), status: z.enum(INSIGHT_STATUSES) })
  .meta({ id: 'InsightStatusResult' });

export const RebuildResult = z
  .object({
    sport: z.enum(SPORTS),
    status: z.enum(['rebuilt', 'queued']),
    ratingsVersion: z.number(),
    finals: z.number().int(),
    lastFinalDate: z.string().nullable(),
  })
  .meta({ id: 'RebuildResult' });

const teamRecord = z.object({ wins: z.number().int(), losses: z.number().int(), ties: z.number().int() });
export const TeamRating = z
  .object({
    team: z.string().meta({ example: 'NE' }),
    rank: z.number().int().min(1).meta({ description: '1 = the highest Elo' }),
    elo: z.number(),
    points: z.number().meta({
      description: 'The margin-based rating: points better than an average team on a neutral field',
    }),
    form: z.number().meta({ description: "Recent results against Elo's expectation (-1 to 1)" }),
    record: teamRecord.meta({ description: "The season's finals (regular season and playoffs)" }),
    lastGameDate: z.iso.date().nullable().meta({ description: 'The date of its latest final' }),
  })
  .meta({ id: 'TeamRating', description: 'A team’s rating going into its next game of the season' });

const ratingsHead = {
  ratingsVersion: z.number().meta({ description: 'Moves whenever ratings (or any model input) change' }),
  updatedAt: isoDateTime.nullable().meta({ description: 'When the ratings last changed' }),
  lastFinalDate: z.iso.date().nullable().meta({ description: 'The latest date with a final' }),
};

export const RatingsTable = z
  .object({
    sport: z.enum(SPORTS),
    season: z.number().int().nullable().meta({ description: 'The current season (the latest with games)' }),
    ...ratingsHead,
    teams: z.array(TeamRating).meta({ description: 'Every team with a game in the season, by Elo' }),
  })
  .meta({ id: 'RatingsTable' });

export const TeamPage = z
  .object({
    sport: z.enum(SPORTS),
    team: z.string(),
    season: z.number().int(),
    ...ratingsHead,
    current: TeamRating.nullable().meta({
      description: 'Its row of the current ratings table; null when it has no game in the current season',
    }),
    history: z
      .array(
        z.object({
          date: z.iso.date(),
          gameId: z.string().nullable().meta({
            description: 'The final it came out of; null for the rating it started the season with',
          }),
          elo: z.number(),
          points: z.number(),
        }),
      )
      .meta({ description: "The team's rating over the season: where it started, then after each final" }),
    games: z.array(GameCard),
  })
  .meta({ id: 'TeamPage', description: 'One team’s season: its rating over time and its games' });

const runCommon = {
  id: z.string(),
  runId: z.string(),
  at: isoDateTime.nullable().meta({ description: 'When the run finished' }),
  checked: z.number().int().meta({ description: 'Buckets (aggregates) or customers (billing) looked at' }),
  repaired: z.number().int().meta({ description: 'Found wrong and repaired' }),
  failed: z
    .number()
    .int()
    .meta({ description: 'Billing: customers whose re-sync failed (the next run retries)' }),
  summary: z.string().meta({ description: 'What it found and repaired, in one line' }),
};
const driftCounts = {
  checked: z.number().int(),
  repaired: z.number().int(),
  skippedRecent: z.number().int(),
  countDrift: z.number().int(),
};
export const ReconciliationRuns = z
  .object({
    runs: z.array(
      z.discriminatedUnion('kind', [
        z.object({
          kind: z.literal('aggregates'),
          ...runCommon,
          from: z.string().meta({ description: 'The first day recomputed' }),
          userDaily: z.object({ ...driftCounts, engagementDrift: z.number() }),
          insights: z.object(driftCounts),
          models: z
            .object({
              checked: z.number().int(),
              repaired: z.number().int(),
              skippedRecent: z.number().int(),
              nDrift: z.number().meta({ description: 'Sum of |n| differences over the repaired documents' }),
              brierDrift: z
                .number()
                .meta({ description: 'Sum of |Brier sum| differences over the repaired documents' }),
              predictions: z.number().int().meta({ description: 'Stored predictions read' }),
              gradedRepaired: z
                .number()
                .int()
                .meta({ description: 'Predictions whose graded record was set right' }),
            })
            .meta({
              description: 'agg_model, the model scorecards (zeros for runs before it was reconciled)',
            }),
          repairs: z
            .array(
              z.object({
                path: z.string(),
                was: z.record(z.string(), z.number()),
                now: z.record(z.string(), z.number()),
              }),
            )
            .meta({ description: 'The first 50 repairs' }),
        }),
        z.object({
          kind: z.literal('billing'),
          ...runCommon,
          since: z.string().meta({ description: 'Stripe events from this time on were looked at' }),
          repairedCustomers: z.array(z.object({ uid: z.string(), customerId: z.string() })),
          failures: z.array(z.object({ customerId: z.string(), error: z.string() })),
        }),
      ]),
    ),
  })
  .meta({
    id: 'ReconciliationRuns',
    description: 'The daily aggregate and billing reconciliations’ latest runs, newest first',
  });

export const ParkedEvents = z
  .object({
    events: z.array(
      z.object({
        id: z.string().meta({ description: 'The Stripe event id' }),
        type: z.string().nullable(),
        customerId: z.string().nullable(),
        reason: z.string().nullable(),
        created: isoDateTime.nullable().meta({ description: 'When Stripe created the event' }),
        parkedAt: isoDateTime.nullable(),
      }),
    ),
  })
  .meta({
    id: 'ParkedEvents',
    description: 'Stripe events for a customer no user has, most recently parked first',
  });

const minuteCounts = {
  requests: z.number().int(),
  errors5xx: z.number().int().meta({ description: 'Answers 500 and above' }),
  cache: z
    .object({ l1: z.number().int(), l2: z.number().int(), l3: z.number().int(), miss: z.number().int() })
    .meta({ description: 'Answers by the X-Cache level they carried (predictions)' }),
  inferences: z.number().int().meta({ description: 'Predictions computed by the model' }),
  inferenceMs: z.number().meta({ description: 'The model’s time for them, in ms' }),
  rateLimited: z.number().int().meta({ description: 'Answers 429' }),
};

export const ServiceMetrics = z
  .object({
    from: z.string().meta({ description: 'The first minute, ISO 8601 in UTC (2026-11-30T14:05Z)' }),
    to: z.string().meta({ description: 'The last minute (the current one, still counting)' }),
    minutes: z.array(z.object({ minute: z.string(), ...minuteCounts })).meta({
      description: 'Every minute of the range, oldest first (zeros where nothing was answered)',
    }),
    totals: z.object(minuteCounts),
  })
  .meta({
    id: 'ServiceMetrics',
    description:
      'The api’s answers over the last hour, all instances together, as each instance last wrote them (every METRICS_FLUSH_SECONDS; this instance just now)',
  });

const severity = z.enum(['warning', 'critical']);

export const Alert = z
  .object({
    id: z.string().meta({ description: '`{ruleId}_{subject}` (made safe for a document id)' }),
    ruleId: z.string().meta({
      description:
        'model-drift-validation, model-drift-elo, stale-games, no-results, job-overdue, reconciliation-drift, stripe-parked-events, cache-hit-rate or api-5xx-rate',
    }),
    subject: z.string().meta({ description: 'A model id, a sport, a job name, `api` or `stripe`' }),
    status: z.enum(['open', 'resolved']),
    severity: severity.meta({
      description: 'Only rises within an incident (to critical after ALERT_ESCALATE_AFTER_HOURS)',
    }),
    summary: z.string().meta({ description: 'The latest finding, one line with the numbers' }),
    details: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
    incidents: z.number().int().meta({ description: 'Times it opened; the current (or last) is this one' }),
    firstOpenedAt: isoDateTime,
    openedAt: isoDateTime.meta({ description: 'When the current (or last) incident opened' }),
    resolvedAt: isoDateTime.nullable(),
    escalatedAt: isoDateTime.nullable(),
    lastSeenAt: isoDateTime.meta({ description: 'The evaluator run that last judged it' }),
    lastNotifiedAt: isoDateTime.nullable(),
    ackedBy: z.string().nullable().meta({ description: 'The uid of the admin who acknowledged it' }),
    ackedAt: isoDateTime.nullable(),
    silencedUntil: isoDateTime.nullable(),
    silencedBy: z.string().nullable(),
  })
  .meta({ id: 'Alert', description: 'One business alert (a rule and a subject) and its current incident' });

export const AlertList = z
  .object({ alerts: z.array(Alert) })
  .meta({ id: 'AlertList', description: 'Alerts, the newest incidents first' });

export const AlertActionResult = z
  .object({
    alert: Alert,
    changed: z.boolean().meta({ description: 'False when the action was already in effect' }),
  })
  .meta({ id: 'AlertActionResult' });

export const Runtime = z
  .record(z.string(), z.unknown())
  .meta({ id: 'Runtime', description: 'This instance’s caches, models and memory' });

export const CheckoutResult = z
  .object({
    kind: z.enum(['checkout', 'portal']),
    url: z.string().meta({ format: 'uri' }),
    sessionId: z.string().nullable(),
  })
  .meta({
    id: 'CheckoutResult',
    description: '`portal` when the user already pays: send them there instead.',
  });

export const Plans = z
  .object({
    plans: z.array(
      z.object({
        priceId: z.string(),
        tier: z.enum(PAID_TIERS),
        unitAmount: z.number().int().nullable().meta({
          description: 'In the currency’s smallest unit (cents); null when Stripe could not be asked',
        }),
        currency: z.string().nullable(),
        interval: z.string().nullable().meta({ description: 'month, year…' }),
        features: z.array(z.enum(Object.keys(FEATURES) as [Feature, ...Feature[]])),
      }),
    ),
  })
  .meta({ id: 'Plans', description: 'The plans for sale, cheapest tier first' });

export const PortalResult = z
  .object({ url: z.string().meta({ format: 'uri' }) })
  .meta({ id: 'PortalResult' });

export const Subscription = z
  .object({
    tier: z.enum(['free', ...PAID_TIERS]),
    status: z.string().meta({ description: 'Stripe’s status of the subscription behind the tier, or none' }),
    currentPeriodEnd: isoDateTime.nullable(),
    cancelAtPeriodEnd: z.boolean(),
    graceUntil: isoDateTime.nullable().meta({ description: 'past_due: when the tier drops' }),
  })
  .meta({ id: 'Subscription' });

export const WebhookReceipt = z
  .object({
    received: z.literal(true),
    outcome: z.enum(['updated', 'unchanged', 'stale', 'duplicate', 'parked', 'ignored']),
    requestId: z.string(),
  })
  .meta({ id: 'WebhookReceipt' });

/** The OpenAPI document itself (served as is). */
export const OpenApiDocument = z.record(z.string(), z.unknown()).meta({ id: 'OpenApiDocument' });
