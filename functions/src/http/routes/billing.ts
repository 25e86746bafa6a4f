import { Router, type Response } from 'express';
import { z } from 'zod';
import { effectiveTier, type Entitlement } from '../../domain/entitlements';
import type { EntitlementReader } from '../../services/entitlements';
import {
  BillingError,
  createCheckout,
  createPortal,
  listPlans,
  syncUser,
  type Plan,
  type BillingDeps,
} from '../../services/billing';
import { isTransientStripeError } from '../../services/stripe';
import { badRequest, unavailable } from '../errors';
import { handler } from '../handler';
import { requireUser, type TokenVerifier } from '../middleware/auth';
import { idempotencyKeyOf, parseRequest } from '../middleware/validate';

// Strict: Checkout's other parameters (trial, URLs, quantity...) are the server's, never the client's.
export const checkoutBody = z.strictObject({
  priceId: z.string().regex(/^[A-Za-z0-9_]{1,200}$/, 'a Stripe price id'),
});

/** What GET /v1/billing/subscription answers: the tier enforced now, and the subscription behind it. */
export function subscriptionView(entitlement: Entitlement, now: number) {
  return {
    tier: effectiveTier(entitlement, now),
    status: entitlement.status,
    currentPeriodEnd: entitlement.currentPeriodEnd
      ? new Date(entitlement.currentPeriodEnd).toISOString()
      : null,
    cancelAtPeriodEnd: entitlement.cancelAtPeriodEnd,
    graceUntil: entitlement.graceUntil ? new Date(entitlement.graceUntil).toISOString() : null,
  };
}

/** Billing failures as HTTP: our refusals are 4xx; Stripe trouble is a 503 the client may retry. */
function toHttp(err: unknown): never {
  if (err instanceof BillingError) {
    if (err.code === 'price_not_allowed')
      throw badRequest(err.message, [{ field: 'body.priceId', message: 'not a price this service sells' }]);
    throw unavailable(err.message);
  }
  if (isTransientStripeError(err)) throw unavailable('Billing is unavailable right now; try again shortly.');
  throw err;
}

const PLANS_TTL_MS = 10 * 60_000;

const noStore = (res: Response) => res.set('Cache-Control', 'private, no-store');

/** Signed-in users' billing: Checkout, the portal, their subscription, and a sync after Checkout. */
export function billingRoutes(
  deps: () => BillingDeps,
  entitlements: () => EntitlementReader,
  verify: TokenVerifier,
  now: () => number = Date.now,
): Router {
  const router = Router();
  // Prices change rarely: each instance asks Stripe at most once per PLANS_TTL_MS (a failed read
  // is kept only a minute, so amounts come back soon after Stripe does).
  let plans: { value: Plan[]; until: number } | null = null;
  router.get(
    '/billing/plans',
    handler(async (_req, res) => {
      const t = now();
      if (!plans || plans.until <= t) {
        const value = await listPlans(deps());
        const complete = value.every((p) => p.unitAmount !== null);
        plans = { value, until: t + (complete ? PLANS_TTL_MS : 60_000) };
      }
      res.set('Cache-Control', 'public, max-age=300').json({ plans: plans.value });
    }),
  );
  router.post(
    '/billing/checkout',
    requireUser(verify),
    handler(async (req, res) => {
      const { body } = parseRequest(req, { body: checkoutBody });
      const key = idempotencyKeyOf(req);
      const auth = req.auth as NonNullable<typeof req.auth>;
      const result = await createCheckout(deps(), {
        uid: auth.uid,
        priceId: body.priceId,
        ...(auth.email ? { email: auth.email } : {}),
        ...(req.get('origin') ? { origin: req.get('origin') } : {}),
        ...(key ? { idempotencyKey: key } : {}),
      }).catch(toHttp);
      noStore(res).json(result);
    }),
  );
  router.post(
    '/billing/portal',
    requireUser(verify),
    handler(async (req, res) => {
      const auth = req.auth as NonNullable<typeof req.auth>;
      const result = await createPortal(deps(), {
        uid: auth.uid,
        ...(auth.email ? { email: auth.email } : {}),
        ...(req.get('origin') ? { origin: req.get('origin') } : {}),
      }).catch(toHttp);
      noStore(res).json(result);
    }),
  );
  router.get(
    '/billing/subscription',
    requireUser(verify),
    handler(async (req, res) => {
      const entitlement = await entitlements().get((req.auth as NonNullable<typeof req.auth>).uid);
      noStore(res).json(subscriptionView(entitlement, now()));
    }),
  );
  router.post(
    '/billing/sync',
    requireUser(verify),
    handler(async (req, res) => {
      const uid = (req.auth as NonNullable<typeof req.auth>).uid;
      const entitlement = await syncUser(deps(), uid).catch(toHttp);
      // This instance serves the new tier from the next request on (others within the L1 TTL).
      entitlements().remember(uid, entitlement);
      noStore(res).json(subscriptionView(entitlement, now()));
    }),
  );
  return router;
}
