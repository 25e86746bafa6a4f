/**
 * Per-instance dependencies, created on first use and memoised (STYLE.md §5). A factory that throws
 * is not memoised, so the next call tries again.
 */
import { getAuth } from 'firebase-admin/auth';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import type { Redis } from '@upstash/redis';
import { randomUUID } from 'node:crypto';
import {
  accessConfig,
  billingConfig,
  metricsFlushMs,
  redisConfig,
  revisionName,
  serviceCounting,
} from './config';
import { createRedis } from './cache/redis';
import type { TokenVerifier } from './http/middleware/auth';
import { cachedVerifier } from './http/token-cache';
import { predictionConfig } from './config';
import { L2Cache } from './cache/l2';
import { ModelCache } from './ml/model-cache';
import { PredictionService } from './services/predictions';
import { loadArtifact } from './services/registry';
import { EntitlementStore } from './services/entitlements';
import { RateLimiter } from './services/rate-limiter';
import { createStripe } from './services/stripe';
import type { BillingDeps } from './services/billing';
import { logger } from './observability/logger';
import { finishBeforeResponse } from './observability/request-work';
import { CounterWindow } from './domain/service-counters';
import { flushCounters } from './services/service-metrics';

export function lazy<T>(factory: () => T): () => T {
  let made = false;
  let value: T;
  return () => {
    if (!made) {
      value = factory();
      made = true;
    }
    return value;
  };
}

export const firestore = lazy((): Firestore => getFirestore());

/** The instance's Redis client, or null when Redis is not configured. */
export const redis = lazy((): Redis | null => {
  const config = redisConfig();
  return config ? createRedis(config) : null;
});

/** Health checks ask whether Redis works, not whether it is fast: same settings, a longer timeout. */
export const HEALTH_TIMEOUT_MS = 2000;
export const healthRedis = lazy((): Redis | null => {
  const config = redisConfig();
  return config ? createRedis({ ...config, timeoutMs: HEALTH_TIMEOUT_MS }) : null;
});

const verifyWithFirebase: TokenVerifier = async (idToken) => {
  const decoded = await getAuth().verifyIdToken(idToken);
  return {
    uid: decoded.uid,
    ...(decoded.email ? { email: decoded.email } : {}),
    roles: decoded.admin === true ? ['admin'] : [],
  };
};

/** Firebase ID-token verification, with verified tokens remembered until near their expiry. */
const tokenVerifier = lazy(() => cachedVerifier(verifyWithFirebase));
export const verifyIdToken: TokenVerifier = (idToken) => tokenVerifier()(idToken);

export const modelCache = lazy(
  () => new ModelCache((modelId, version) => loadArtifact(firestore(), modelId, version)),
);

/** The instance's fail-open view of Redis (shared by the prediction service, analytics, triggers). */
export const l2Cache = lazy(() => new L2Cache(redis));

/** The instance's prediction service: its L1, batcher and warm models live as long as the instance. */
export const predictions = lazy(() => {
  const config = predictionConfig();
  return new PredictionService({
    db: firestore,
    l2: l2Cache(),
    models: modelCache(),
    ...config,
    onInference: (count, ms) => {
      if (serviceCounting()) serviceCounters().window.inference(count, ms);
    },
  });
});

/** Each user's tier, cached per instance for ENTITLEMENT_L1_TTL_MS over the versioned L2 entry. */
export const entitlements = lazy(
  () =>
    new EntitlementStore(
      firestore,
      l2Cache(),
      accessConfig().entitlementTtlMs,
      Date.now,
      finishBeforeResponse,
    ),
);

/** Per-tier rate limits, reserved from Redis in blocks (services/rate-limiter.ts). */
export const rateLimiter = lazy(
  () =>
    new RateLimiter(redis, l2Cache(), accessConfig().rateLimitScale, Date.now, 100_000, finishBeforeResponse),
);

/** The Stripe SDK for this instance (pinned API version; the local stack points it at the fake). */
export const stripe = lazy(() => createStripe(billingConfig()));

/** What the billing service needs, for the API, the webhook, the job and the deletion trigger. */
export const billing = lazy((): BillingDeps => ({
  db: firestore(),
  stripe: stripe(),
  config: billingConfig(),
  l2: l2Cache(),
  log: logger,
}));

/**
 * This instance's service counters (domain/service-counters.ts): counted in memory as answers go
 * out, written to Firestore every METRICS_FLUSH_SECONDS by a timer that does not keep the process
 * alive, and once more when the instance is told to stop (SIGTERM: Cloud Run allows 10 s).
 * METRICS_FLUSH_SECONDS=0 turns counting off (nothing counted, nothing written).
 */
export const serviceCounters = lazy(() => {
  const window = new CounterWindow();
  const instance = `${revisionName()}-${randomUUID().slice(0, 8)}`;
  const flush = (): Promise<void> =>
    flushCounters(firestore(), instance, window).then(
      () => undefined,
      (err: unknown) => logger.warn('service counters not written; kept for the next flush', { err }),
    );
  if (serviceCounting()) {
    setInterval(() => void flush(), metricsFlushMs()).unref();
    process.once('SIGTERM', () => void flush());
  }
  return { window, flush };
});
