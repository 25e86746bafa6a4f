/**
 * The api app (createApp, the code the function serves) in this test process, over the emulators'
 * Firestore and Auth, the real Redis and the Stripe fake. For tests whose question is about our
 * code under load or at volume (races on Firestore and Stripe, thousands of generated requests):
 * the Functions emulator starts a worker process per concurrent request, which measures it, not us.
 * Rate limits are scaled x1000 so volume tests are not throttled (the limiter still runs).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getAuth } from 'firebase-admin/auth';
import { L2Cache } from '../../src/cache/l2';
import { createApp } from '../../src/http/app';
import { EntitlementStore } from '../../src/services/entitlements';
import { RateLimiter } from '../../src/services/rate-limiter';
import { db, freshPredictionService, testRedis } from './helpers';
import { billingDeps } from './stripe-helpers';

export interface InProcessApp {
  /** e.g. http://127.0.0.1:PORT: paths are /v1/... */
  base: string;
  close(): Promise<void>;
}

export async function startInProcessApp(): Promise<InProcessApp> {
  db(); // initialises the Admin SDK app (Firestore, and Auth for token checks)
  const redis = testRedis();
  const l2 = new L2Cache(() => redis);
  const entitlements = new EntitlementStore(db, l2, 1000);
  const limiter = new RateLimiter(() => redis, l2, 1000);
  const predictions = freshPredictionService(redis);
  const app = createApp({
    db,
    l2: () => l2,
    predictions: () => predictions,
    verifyIdToken: async (token) => {
      const decoded = await getAuth().verifyIdToken(token);
      return {
        uid: decoded.uid,
        ...(decoded.email ? { email: decoded.email } : {}),
        roles: decoded.admin === true ? ['admin'] : [],
      };
    },
    health: () => ({
      firestore: () => Promise.resolve(),
      redis: null,
      version: '0.0.0-test',
      timeoutMs: 1000,
    }),
    entitlements: () => entitlements,
    limiter: () => limiter,
    billing: () => billingDeps(),
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
