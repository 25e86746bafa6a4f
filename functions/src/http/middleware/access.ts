/**
 * Who may do what, for every /v1 request: the caller (a verified ID token, or anonymous), their
 * tier from the entitlement document (never from a token claim, which can be an hour stale), and
 * their rate limits. The tier table is domain/tiers.ts.
 */
import type { Request, RequestHandler } from 'express';
import { effectiveTier } from '../../domain/entitlements';
import {
  hasFeature,
  limitsOf,
  lowestTierWhere,
  policyOf,
  requiredTier,
  type Access,
  type Feature,
  type Limits,
} from '../../domain/tiers';
import type { EntitlementReader } from '../../services/entitlements';
import type { RateLimiter } from '../../services/rate-limiter';
import { badRequest, HttpError, rateLimited, unauthenticated, upgradeRequired } from '../errors';
import { authenticate, type TokenVerifier } from './auth';

export interface AccessDeps {
  verify: TokenVerifier;
  entitlements: () => EntitlementReader;
  limiter: () => RateLimiter;
  now?: () => number;
}

const ANONYMOUS: Access = { tier: 'anonymous', admin: false };

export const accessOf = (req: Request): Access => req.access ?? ANONYMOUS;

/**
 * Sets `req.auth` and `req.access`. A token that does not verify is charged as anonymous (per IP) by
 * the rate limiter first, then answered 401 by `rejectBadToken`: bad tokens are not free to send.
 */
export function identify(deps: AccessDeps): RequestHandler {
  const now = deps.now ?? Date.now;
  return (req, _res, next) => {
    const header = req.get('authorization');
    req.access = ANONYMOUS;
    if (header === undefined) {
      next();
      return;
    }
    authenticate(deps.verify, header)
      .then(
        async (auth) => {
          req.auth = auth;
          const entitlement = await deps.entitlements().get(auth.uid);
          req.access = { tier: effectiveTier(entitlement, now()), admin: auth.roles.includes('admin') };
        },
        (err: unknown) => {
          if (!(err instanceof HttpError) || err.status !== 401) throw err;
          req.authFailure = err;
        },
      )
      .then(() => next(), next);
  };
}

/** After the rate limit: the 401 for a token that did not verify. */
export const rejectBadToken: RequestHandler = (req, _res, next) => {
  next(req.authFailure);
};

/** What a request costs: one, or one per game of a batch. */
function costOf(req: Request): number {
  if (req.method === 'POST' && req.path === '/predictions:batch') {
    const ids = (req.body as { gameIds?: unknown } | undefined)?.gameIds;
    if (Array.isArray(ids)) return Math.min(500, Math.max(1, ids.length));
  }
  return 1;
}

/**
 * Charges the request to the caller (uid, or IP when anonymous) under their tier's limits; sets
 * `RateLimit-Policy` and `RateLimit` on every response; 429 with `Retry-After` when over.
 */
export function rateLimit(deps: AccessDeps): RequestHandler {
  return (req, res, next) => {
    const access = accessOf(req);
    const identifier = req.auth ? `u:${req.auth.uid}` : `ip:${req.ip ?? 'unknown'}`;
    deps
      .limiter()
      .check(identifier, policyOf(access), costOf(req))
      .then((decision) => {
        res.setHeader('RateLimit-Policy', decision.policy);
        res.setHeader('RateLimit', decision.rateLimit);
        if (decision.allowed) return next();
        res.setHeader('Retry-After', String(decision.retryAfterSeconds));
        return next(rateLimited(decision.retryAfterSeconds));
      }, next);
  };
}

const TIER_NAMES: Record<string, string> = {
  anonymous: 'signed-in',
  free: 'free',
  pro: 'Pro',
  elite: 'Elite',
};

/**
 * 403 `upgrade_required` (naming the tier that has it) unless the caller's tier has the feature;
 * 401 for an anonymous caller (sign in first).
 */
export function requireFeature(feature: Feature): RequestHandler {
  return (req, _res, next) => {
    if (hasFeature(accessOf(req), feature)) return next();
    if (!req.auth) return next(unauthenticated());
    const tier = requiredTier(feature);
    next(upgradeRequired(`This needs the ${TIER_NAMES[tier] ?? tier} tier or higher.`, tier));
  };
}

/**
 * Checks a per-tier allowance (batch size, analytics range): 403 naming the lowest tier that allows
 * `amount`, or 400 when no tier does.
 */
export function checkAllowance(
  req: Request,
  what: string,
  amount: number,
  allowed: (limits: Limits) => number,
  field: string,
): void {
  if (amount <= allowed(limitsOf(accessOf(req)))) return;
  const tier = lowestTierWhere((limits) => amount <= allowed(limits));
  if (!tier)
    throw badRequest(`${what}: ${amount} is more than any tier allows.`, [{ field, message: 'too large' }]);
  throw upgradeRequired(
    `${what}: ${amount} needs the ${TIER_NAMES[tier] ?? tier} tier (yours allows ${allowed(limitsOf(accessOf(req)))}).`,
    tier,
  );
}
