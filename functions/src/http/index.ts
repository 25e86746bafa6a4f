import { onRequest } from 'firebase-functions/https';
import {
  corsOriginList,
  serviceCounting,
  serviceVersion,
  SIZING,
  stripeSecretKey,
  upstashToken,
} from '../config';
import { pingRedis } from '../cache/redis';
import {
  firestore,
  HEALTH_TIMEOUT_MS,
  healthRedis,
  l2Cache,
  lazy,
  modelCache,
  predictions,
  verifyIdToken,
  entitlements,
  rateLimiter,
  billing,
  serviceCounters,
} from '../runtime';
import { recentMetrics } from '../services/service-metrics';
import { Collections } from '../data/collections';
import { createApp } from './app';

/** PING through the instance's client; a misconfigured Redis shows as a failing check, not a 500. */
function redisProbe(): (() => Promise<void>) | null {
  try {
    const client = healthRedis();
    return client ? () => pingRedis(client) : null;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return () => Promise.reject(new Error(`misconfigured: ${reason}`));
  }
}

/** Not ok while an active model version fails to load in this instance (the last good one serves). */
function modelHealth() {
  const failure = modelCache().stats().failures[0];
  return failure
    ? {
        ok: false,
        latencyMs: 0,
        reason: `${failure.modelId}@${failure.version} failed to load: ${failure.error}`,
      }
    : { ok: true, latencyMs: 0 };
}

const app = lazy(() =>
  createApp({
    db: firestore,
    l2: l2Cache,
    predictions,
    verifyIdToken,
    entitlements,
    limiter: rateLimiter,
    billing,
    corsOrigins: lazy(corsOriginList),
    ...(serviceCounting()
      ? { counters: { request: (status, cache) => serviceCounters().window.request(status, cache) } }
      : {}),
    serviceMetrics: async (nowMs) => {
      if (serviceCounting()) await serviceCounters().flush();
      return recentMetrics(firestore(), nowMs);
    },
    runtimeStats: () => ({
      predictions: predictions().stats(),
      models: modelCache().stats(),
      rateLimiter: rateLimiter().stats(),
    }),
    health: () => ({
      firestore: async () => {
        await firestore().collection(Collections.ops).doc('health').get();
      },
      redis: redisProbe(),
      version: serviceVersion(),
      model: () => modelHealth(),
      timeoutMs: HEALTH_TIMEOUT_MS,
    }),
  }),
);

/** The public API, served at /api/** through Hosting and directly as the `api` function. */
export const api = onRequest(
  { ...SIZING.api, secrets: [upstashToken, stripeSecretKey], invoker: 'public' },
  (req, res) => {
    app()(req, res);
  },
);
