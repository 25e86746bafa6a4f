/**
 * Every parameter and secret the functions use, declared once (STYLE.md §4).
 *
 * Params are resolved by firebase-tools at deploy time (from functions/.env, .env.<project>,
 * or a prompt) and by the emulator from functions/.env.local. Values are read with `.value()`
 * only at run time, never at module scope, and validated here so the rest of the code gets
 * typed, checked values. Nothing outside this module reads `process.env`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GlobalOptions } from 'firebase-functions/options';
import { defineInt, defineSecret, defineString, select } from 'firebase-functions/params';
import type { RuntimeOptions } from 'firebase-functions/v1';
import { z } from 'zod';
import { DEFAULT_ALERT_THRESHOLDS, type AlertThresholds } from './domain/alert-rules';
import type { AlertPolicy } from './domain/alert-state';
import { parsePriceTable, type PaidTier } from './domain/tiers';

/** Region every function is deployed to (set once, in index.ts via setGlobalOptions). */
export const REGION = 'us-central1';

/*
 * Sizing on Cloud Run: each function's memory, CPU, concurrency, timeout and min instances, declared
 * here and spread into its options (README "Sizing" has the table; test/unit/sizing.test.ts checks
 * the declarations the functions export).
 *
 * Memory is at least twice the RSS measured for what an instance holds:
 *  - The prediction runtime (TensorFlow.js and the model, the L1 of PREDICTION_L1_MAX_BYTES, the
 *    Firestore and Redis clients): 475 MiB peak RSS in the api under `npm run bench` (BENCHMARKS.md:
 *    120k requests, 8 connections, flat over the last 100k) -> 1 GiB. Deployed, it serves up to 80
 *    requests at once and runs on tfjs-node, a native library the bench (wasm) did not load: that is
 *    what the headroom is for. The triggers and the job that warm predictions run the same runtime.
 *  - Every other function loads the same code (index.ts loads every module, tfjs' JavaScript
 *    included) but never a model: 135 MiB RSS once lib/index.js and the Firestore client are loaded
 *    -> 512 MiB.
 *  With a whole vCPU, memory is the small part of the bill (a GiB-second costs about a tenth of a
 *  vCPU-second); running out is not small: Cloud Run stops the instance and every request on it.
 * CPU is 1 everywhere: concurrency above 1 needs a whole vCPU, and a cold start is CPU-bound (0.6-0.75 s
 *  to a listening process on this code). `cpu` takes no param.
 * Concurrency is 80 (Cloud Run's default) for HTTP and Firestore triggers: their work waits on
 *  Firestore and Redis (an L1 hit is ~0.9 ms of CPU), and the events on one instance share its clients
 *  (and, where it predicts, its model, L1 and single-flight). Scheduled jobs take 1: a run has its
 *  instance to itself.
 * Min instances: only the api keeps one warm (a cold start costs its first caller ~1.65 s to a
 *  prediction, BENCHMARKS.md); triggers and jobs absorb a cold start. Timeouts: at each entry.
 */

/**
 * The longest `POST /v1/admin/sports/{sport}/ratings:rebuild` waits for the queued recomputation
 * (done by onRatingsQueued) when the caller asks it to (`Prefer: wait=<seconds>`) before answering
 * 202 `queued`; Hosting gives up on a request at 60 s.
 */
export const RATINGS_REBUILD_WAIT_MS = 15_000;

/** Memory of the api, in MiB. Raise it along with PREDICTION_L1_MAX_BYTES; above 4096 needs 2 vCPUs. */
export const apiMemoryMb = defineInt('API_MEMORY_MB', {
  default: 1024,
  description: 'Memory of the api function in MiB (1024 = twice its measured peak RSS)',
  input: select([1024, 2048, 4096]),
});

/** Requests one api instance serves at once (Cloud Run allows 1-1000). */
export const apiConcurrency = defineInt('API_CONCURRENCY', {
  default: 80,
  description: 'Requests one api instance serves at once (1-1000)',
});

/** api instances kept warm; each is billed while idle. 0 lets a quiet project scale to zero. */
export const apiMinInstances = defineInt('API_MIN_INSTANCES', {
  default: 1,
  description: 'api instances kept warm, billed while idle (0 = scale to zero and accept cold starts)',
});

type Sizing = Required<
  Pick<GlobalOptions, 'memory' | 'cpu' | 'concurrency' | 'timeoutSeconds' | 'minInstances'>
>;

const light = { memory: '512MiB', cpu: 1, concurrency: 80, minInstances: 0 } as const;
const predicting = { memory: '1GiB', cpu: 1, concurrency: 80, minInstances: 0 } as const;

/** Every 2nd-gen function's sizing, by function name (the reasoning is above). */
export const SIZING = {
  /** Requests take milliseconds; 300 s is for the admin import (up to 20,000 games) and a ratings
   * rebuild from the first final, which run inside one request (Hosting stops waiting at 60 s; the
   * function still finishes). */
  api: {
    memory: apiMemoryMb,
    cpu: 1,
    concurrency: apiConcurrency,
    timeoutSeconds: 300,
    minInstances: apiMinInstances,
  },
  /** A few Stripe calls (STRIPE_TIMEOUT_MS each) and one transaction; Stripe redelivers after a failure. */
  stripeWebhook: { ...light, timeoutSeconds: 60 },
  /** A ratings rebuild from the earliest final the write touched, then nine days of the sport's games
   * predicted again. */
  onGameWritten: { ...predicting, timeoutSeconds: 300 },
  /** The next seven days of every sport predicted under the new version. */
  onModelWritten: { ...predicting, timeoutSeconds: 300 },
  /** A queued ratings recomputation (the admin rebuild): from the first final at most, ~20 s on the
   * whole NFL history here; 540 s leaves room for far more. Its instance loads no model. */
  onRatingsQueued: { ...light, concurrency: 1, timeoutSeconds: 540 },
  /** One transaction and one Redis call (plus, for entitlements, one Auth call). */
  onInsightWritten: { ...light, timeoutSeconds: 60 },
  onUserMetricWritten: { ...light, timeoutSeconds: 60 },
  onEntitlementWritten: { ...light, timeoutSeconds: 60 },
  /** Daily jobs that page through a collection or Stripe's events; a run cut short waits a day. */
  ledgerCleanup: { ...light, concurrency: 1, timeoutSeconds: 540 },
  reconcileAggregates: { ...light, concurrency: 1, timeoutSeconds: 540 },
  reconcileBilling: { ...light, concurrency: 1, timeoutSeconds: 540 },
  /** Every 15 minutes: must end well before the next run. */
  warmPredictionCache: { ...predicting, concurrency: 1, timeoutSeconds: 300 },
  /** Every 5 minutes: a few bounded reads, one transaction per verdict (tens), and at most
   * ALERT_DELIVERIES_PER_RUN webhook POSTs of ALERT_WEBHOOK_TIMEOUT_MS each, one after another
   * (~100 s at worst); it must end before the next run. No model. */
  evaluateAlerts: { ...light, concurrency: 1, timeoutSeconds: 240 },
} satisfies Record<string, Sizing>;

/** onUserDeleted is 1st gen (Auth deletion triggers exist only there): one request per instance,
 * CPU set by memory. A Stripe call and a few deletes. */
export const SIZING_GEN1 = {
  onUserDeleted: { memory: '512MB', timeoutSeconds: 60, minInstances: 0 },
} satisfies Record<string, Required<Pick<RuntimeOptions, 'memory' | 'timeoutSeconds' | 'minInstances'>>>;

/**
 * Base URL of the Upstash Redis REST endpoint, e.g. https://eu1-xyz.upstash.io.
 * Default '' = no Redis: the cache tier is skipped and /v1/health reports `degraded`.
 */
export const upstashUrl = defineString('UPSTASH_REDIS_REST_URL', {
  default: '',
  description: 'Upstash Redis REST URL (empty disables the Redis cache tier)',
});

/** Upstash REST token. Set with `firebase functions:secrets:set UPSTASH_REDIS_REST_TOKEN`. */
export const upstashToken = defineSecret('UPSTASH_REDIS_REST_TOKEN');

/** Per-call Redis timeout in milliseconds; Redis is optional, so slow calls fail open. */
export const redisTimeoutMs = defineInt('REDIS_TIMEOUT_MS', {
  default: 250,
  description: 'Timeout of one Redis REST call, in ms',
});

/** How long idempotency ledger entries are kept, in days (TTL policy and the cleanup job). */
export const ledgerRetentionDays = defineInt('LEDGER_RETENTION_DAYS', {
  default: 7,
  description: 'Days processed_events entries are kept',
});

/**
 * Micro-batching of inference: how long the first request of a batch waits for company, in ms.
 * 0 (the default) adds no latency: requests whose reads finished in the same event-loop turn
 * (what concurrent misses look like) still run as one model call.
 */
export const batchWindowMs = defineInt('PREDICTION_BATCH_WINDOW_MS', {
  default: 0,
  description: 'Micro-batch window for model inference, in ms (0 = same event-loop turn only)',
});

/** Micro-batching: the most requests one model call takes. */
export const batchMaxSize = defineInt('PREDICTION_BATCH_MAX', {
  default: 512,
  description: 'Largest micro-batch of model inference',
});

/** Bytes of predictions each instance keeps in memory (L1). 0 turns L1 off (benchmarks of L2/L3). */
export const l1MaxBytes = defineInt('PREDICTION_L1_MAX_BYTES', {
  default: 64 * 1024 * 1024,
  description: 'Per-instance L1 prediction cache size in bytes (0 = off)',
});

/** How long an instance trusts its cached active-model / ratings-version pointers, in ms. */
export const pointerTtlMs = defineInt('PREDICTION_POINTER_TTL_MS', {
  default: 2000,
  description: 'How long an instance caches the active model version and ratingsVersion, in ms',
});

export interface PredictionConfig {
  batchWindowMs: number;
  batchMaxSize: number;
  l1MaxBytes: number;
  pointerTtlMs: number;
}

export function predictionConfig(): PredictionConfig {
  return z
    .object({
      batchWindowMs: z.number().int().min(0).max(1000),
      batchMaxSize: z.number().int().min(1).max(10_000),
      l1MaxBytes: z
        .number()
        .int()
        .min(0)
        .max(4 * 1024 ** 3),
      pointerTtlMs: z.number().int().min(0).max(60_000),
    })
    .parse({
      batchWindowMs: batchWindowMs.value(),
      batchMaxSize: batchMaxSize.value(),
      l1MaxBytes: l1MaxBytes.value(),
      pointerTtlMs: pointerTtlMs.value(),
    });
}

/**
 * How often each api instance writes its service counters (domain/service-counters.ts) to
 * Firestore, in seconds: `GET /v1/admin/metrics` lags by at most this (the caller's own instance
 * writes first), and a hard kill loses at most this (a shutdown writes first).
 */
export const metricsFlushSeconds = defineInt('METRICS_FLUSH_SECONDS', {
  default: 60,
  description:
    "Seconds between writes of each api instance's per-minute service counters (0: no counting; the access log still carries every answer)",
});

/** The deployed revision serving this instance (K_REVISION), or 'local' in the emulator. */
export function revisionName(): string {
  return (isEmulator() ? undefined : process.env.K_REVISION) ?? 'local';
}

export function metricsFlushMs(): number {
  return z.number().int().min(0).max(3600).parse(metricsFlushSeconds.value()) * 1000;
}

/** Whether the api counts its answers (METRICS_FLUSH_SECONDS > 0). */
export const serviceCounting = (): boolean => metricsFlushMs() > 0;

/** How many recent UTC days the daily reconciliation recomputes. */
export const reconcileDaysParam = defineInt('RECONCILE_DAYS', {
  default: 3,
  description: 'Days of aggregates the daily reconciliation recomputes',
});

/** Buckets whose raw documents changed more recently than this are left to their triggers. */
export const reconcileSettleMinutes = defineInt('RECONCILE_SETTLE_MINUTES', {
  default: 10,
  description: 'Minutes a raw change must have settled before reconciliation may repair its bucket',
});

export function reconcileDays(): number {
  return z.number().int().min(1).max(60).parse(reconcileDaysParam.value());
}

export function reconcileSettleMs(): number {
  return (
    z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .parse(reconcileSettleMinutes.value()) * 60_000
  );
}

/*
 * Business alerts (domain/alert-rules.ts, domain/alert-state.ts, services/alerts.ts). Only what an
 * operator tunes is a param; the other thresholds are DEFAULT_ALERT_THRESHOLDS in code.
 */

/** At most one opened/reminder notification per alert in this time (DEFAULT_ALERT_POLICY: 240). */
export const alertCooldownMinutes = defineInt('ALERT_COOLDOWN_MINUTES', {
  default: 240,
  description: 'Minutes between notifications (opened, reminder) of one alert',
});

/** A warning still open this long becomes critical (DEFAULT_ALERT_POLICY: 24). */
export const alertEscalateAfterHours = defineInt('ALERT_ESCALATE_AFTER_HOURS', {
  default: 24,
  description: 'Hours an unresolved warning stays a warning before it escalates to critical',
});

/** A game not final this long after kickoff is stale (DEFAULT_ALERT_THRESHOLDS: 6). */
export const alertStaleGameHours = defineInt('ALERT_STALE_GAME_HOURS', {
  default: 6,
  description: 'Hours after kickoff a game may stay not final before a stale-data alert',
});

/** Model drift: Brier above the version's validation Brier by this much: warning (0.03). */
export const alertDriftVsValidation = defineString('ALERT_DRIFT_VS_VALIDATION', {
  default: '0.03',
  description: "Model drift warning: Brier this much above the version's validation Brier (0.03)",
});

/** Model drift: Brier above Elo alone on the same games by this much: warning (0.01). */
export const alertDriftVsElo = defineString('ALERT_DRIFT_VS_ELO', {
  default: '0.01',
  description: 'Model drift warning: Brier this much above Elo alone on the same games (0.01)',
});

/** Who gets alert emails (through the Trigger Email extension's `mail` collection); '' = no email. */
export const alertEmails = defineString('ALERT_EMAILS', {
  default: '',
  description: 'Comma-separated admin addresses alert emails go to (mail/{id}); empty = no email',
});

/**
 * Where alert notifications are POSTed (Slack-compatible JSON: a Slack incoming webhook URL works
 * as is). A secret, since a Slack webhook URL is a credential:
 * `firebase functions:secrets:set ALERT_WEBHOOK_URL`; `none` (or empty) turns the channel off.
 */
export const alertWebhookUrl = defineSecret('ALERT_WEBHOOK_URL');

/** Code defaults of the webhook channel: one POST's timeout, and the most POSTs one run makes. */
export const ALERT_WEBHOOK_TIMEOUT_MS = 5000;
export const ALERT_DELIVERIES_PER_RUN = 20;

export interface AlertConfig {
  thresholds: AlertThresholds;
  policy: AlertPolicy;
  /** Admin addresses for mail/{id}; empty: no email. */
  emails: string[];
  /** The webhook URL; null: no webhook channel. */
  webhookUrl: string | null;
  webhookTimeoutMs: number;
  deliveriesPerRun: number;
}

const HOUR_MS = 3_600_000;
const driftThreshold = z.coerce.number().min(0).max(1);

/** The alert evaluator's settings from the params, validated (a bad value fails the run, loudly). */
export function alertConfig(): AlertConfig {
  const vsValidation = driftThreshold.parse(alertDriftVsValidation.value());
  const vsElo = driftThreshold.parse(alertDriftVsElo.value());
  const d = DEFAULT_ALERT_THRESHOLDS;
  const webhook = secretValue(alertWebhookUrl).trim();
  return {
    thresholds: {
      ...d,
      staleGameAfterMs:
        z
          .number()
          .int()
          .min(1)
          .max(24 * 14)
          .parse(alertStaleGameHours.value()) * HOUR_MS,
      driftVsValidationWarning: vsValidation,
      // A warning set above the code's critical level moves critical up with it.
      driftVsValidationCritical: Math.max(d.driftVsValidationCritical, vsValidation),
      driftVsEloWarning: vsElo,
      driftVsEloCritical: Math.max(d.driftVsEloCritical, vsElo),
    },
    policy: {
      cooldownMs:
        z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .parse(alertCooldownMinutes.value()) * 60_000,
      escalateAfterMs:
        z
          .number()
          .int()
          .min(1)
          .max(24 * 30)
          .parse(alertEscalateAfterHours.value()) * HOUR_MS,
    },
    emails: alertEmails
      .value()
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '')
      .map((e) => z.email().parse(e)),
    webhookUrl: webhook === '' || webhook === 'none' ? null : z.url({ protocol: /^https?$/ }).parse(webhook),
    webhookTimeoutMs: ALERT_WEBHOOK_TIMEOUT_MS,
    deliveriesPerRun: ALERT_DELIVERIES_PER_RUN,
  };
}

/**
 * Stripe (billing). The secret key and the webhook signing secret are secrets:
 * `firebase functions:secrets:set STRIPE_SECRET_KEY` / `STRIPE_WEBHOOK_SECRET`.
 */
export const stripeSecretKey = defineSecret('STRIPE_SECRET_KEY');
export const stripeWebhookSecret = defineSecret('STRIPE_WEBHOOK_SECRET');

/** Stripe's API base URL. Only the local stack changes it (the Stripe fake, scripts/stripe-fake). */
export const stripeApiUrl = defineString('STRIPE_API_URL', {
  default: 'https://api.stripe.com',
  description: 'Stripe API base URL (https://api.stripe.com; the local Stripe fake in development)',
});

/** The prices we sell: `price_id:tier` pairs, comma-separated; any other price is refused. */
export const stripePrices = defineString('STRIPE_PRICES', {
  default: '',
  description: 'Allow-listed Stripe price ids and the tier each grants, e.g. price_123:pro,price_456:elite',
});

/** Origins Checkout and the portal may return to; the request's Origin picks one, else the first. */
export const billingReturnOrigins = defineString('BILLING_RETURN_ORIGINS', {
  default: 'http://127.0.0.1:5000',
  description: 'Comma-separated web app origins Checkout and the billing portal return to',
});

export const pastDueGraceHours = defineInt('BILLING_PAST_DUE_GRACE_HOURS', {
  default: 72,
  description: 'Hours a past_due subscription keeps its tier before the user drops to what else they pay for',
});

export const trialDays = defineInt('BILLING_TRIAL_DAYS', {
  default: 0,
  description: "Free trial days on a user's first subscription (0 = none); set by the server only",
});

export const stripeTimeoutMs = defineInt('STRIPE_TIMEOUT_MS', {
  default: 8000,
  description: 'Timeout of one Stripe API call, in ms',
});

/** How long an instance trusts a cached entitlement before asking Redis again, in ms. */
export const entitlementL1TtlMs = defineInt('ENTITLEMENT_L1_TTL_MS', {
  default: 1000,
  description:
    'Per-instance entitlement cache lifetime in ms: the longest a tier change takes to reach every instance',
});

/** Multiplies every tier's rate limits (load tests; 1 in production). */
export const rateLimitScale = defineInt('RATE_LIMIT_SCALE', {
  default: 1,
  description: "Multiplier on every tier's request limits (1 = the table in domain/tiers.ts)",
});

/** Browser origins other than the web app's own that may call the API (CORS); '' = none. */
export const corsOrigins = defineString('CORS_ORIGINS', {
  default: '',
  description:
    'Comma-separated origins allowed to call the API from a browser (the web app itself needs none)',
});

/** The CORS allow-list, parsed (invalid entries are an error: a typo must not open the API). */
export function corsOriginList(): string[] {
  return corsOrigins
    .value()
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
    .map((o) => new URL(z.url({ protocol: /^https?$/ }).parse(o)).origin);
}

export interface BillingConfig {
  secretKey: string;
  webhookSecret: string;
  api: { host: string; port: number; protocol: 'http' | 'https' };
  prices: Map<string, PaidTier>;
  returnOrigins: string[];
  graceMs: number;
  trialDays: number;
  timeoutMs: number;
}

/** Validated billing settings; a missing key or secret is '' (Stripe then refuses and billing answers 503). */
export function billingConfig(): BillingConfig {
  const url = new URL(z.url({ protocol: /^https?$/ }).parse(stripeApiUrl.value().trim()));
  const origins = billingReturnOrigins
    .value()
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
    .map((o) => new URL(z.url({ protocol: /^https?$/ }).parse(o)).origin);
  if (origins.length === 0) throw new Error('BILLING_RETURN_ORIGINS needs at least one origin');
  return {
    secretKey: secretValue(stripeSecretKey),
    webhookSecret: secretValue(stripeWebhookSecret),
    api: {
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'http:' ? 80 : 443)),
      protocol: url.protocol === 'http:' ? 'http' : 'https',
    },
    prices: parsePriceTable(stripePrices.value()),
    returnOrigins: origins,
    graceMs:
      z
        .number()
        .int()
        .min(0)
        .max(90 * 24)
        .parse(pastDueGraceHours.value()) * 3_600_000,
    trialDays: z.number().int().min(0).max(90).parse(trialDays.value()),
    timeoutMs: z.number().int().min(500).max(60_000).parse(stripeTimeoutMs.value()),
  };
}

export interface AccessConfig {
  entitlementTtlMs: number;
  rateLimitScale: number;
}

export function accessConfig(): AccessConfig {
  return {
    entitlementTtlMs: z.number().int().min(0).max(60_000).parse(entitlementL1TtlMs.value()),
    rateLimitScale: z.number().int().min(1).max(1_000_000).parse(rateLimitScale.value()),
  };
}

export interface RedisConfig {
  url: string;
  token: string;
  timeoutMs: number;
}

const redisConfigSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  token: z.string().min(1),
  timeoutMs: z.number().int().min(10).max(10_000),
});

/** Validated Redis settings, or null when Redis is not configured. Throws on invalid settings. */
export function redisConfig(): RedisConfig | null {
  const url = upstashUrl.value().trim();
  if (url === '') return null;
  return redisConfigSchema.parse({
    url,
    token: secretValue(upstashToken),
    timeoutMs: redisTimeoutMs.value(),
  });
}

export function ledgerRetentionMs(): number {
  const days = z.number().int().min(1).max(365).parse(ledgerRetentionDays.value());
  return days * 24 * 60 * 60 * 1000;
}

function secretValue(secret: ReturnType<typeof defineSecret>): string {
  try {
    return secret.value();
  } catch {
    return '';
  }
}

/** True inside the Firebase emulator suite. */
export function isEmulator(): boolean {
  return process.env.FUNCTIONS_EMULATOR === 'true';
}

let cachedVersion: string | undefined;

/**
 * The version this instance serves: the functions package version, plus the Cloud Run revision
 * when deployed (K_REVISION), e.g. `0.1.0+api-00012-abc`. The emulator's K_REVISION is meaningless.
 */
export function serviceVersion(): string {
  if (cachedVersion === undefined) {
    let version = '0.0.0';
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
        version?: unknown;
      };
      if (typeof pkg.version === 'string') version = pkg.version;
    } catch {
      // package.json is always deployed with the functions; fall back rather than fail health checks.
    }
    const revision = isEmulator() ? undefined : process.env.K_REVISION;
    cachedVersion = revision ? `${version}+${revision}` : version;
  }
  return cachedVersion;
}
