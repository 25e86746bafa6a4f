/**
 * Per-tier rate limits over @upstash/ratelimit, reserved in blocks (see domain/rate-limits.ts for
 * the scheme and its bounds). Redis is asked only when this instance has no tokens left for the
 * caller; every Redis call goes through the L2 client's breaker, and when Redis cannot be asked the
 * request passes (fail open; /v1/health then reports Redis, hence `degraded`).
 */
import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';
import type { L2Cache } from '../cache/l2';
import { ByteLru } from '../cache/lru';
import {
  Allowance,
  BURST_REFILL_SECONDS,
  maxBlockFor,
  policyHeader,
  rateLimitHeader,
  secondsUntil,
  windowPolicies,
  type WindowPolicy,
} from '../domain/rate-limits';
import { LIMITS, type Policy } from '../domain/tiers';

export interface RateDecision {
  allowed: boolean;
  /** `RateLimit-Policy` value. */
  policy: string;
  /** `RateLimit` value. */
  rateLimit: string;
  /** When refused: seconds until the caller may retry. */
  retryAfterSeconds: number;
  /** Let through without Redis (it could not be asked). */
  failOpen: boolean;
}

export interface RateLimiterStats {
  checks: number;
  /** Calls to Redis (a reservation asks both windows at most once each; refunds count too). */
  redisCalls: number;
  denied: number;
  failOpen: number;
}

interface CallerState {
  windows: [Allowance, Allowance];
  pending: Promise<void> | null;
}

interface PolicyLimiters {
  policies: WindowPolicy[];
  header: string;
  maxBlock: number;
  limiters: Record<'burst' | 'daily', Ratelimit> | null;
}

type LimitResult = { success: boolean; remaining: number; reset: number };

export class RateLimiter {
  private readonly callers: ByteLru<CallerState>;
  private readonly byPolicy = new Map<Policy, PolicyLimiters>();
  private readonly stat: RateLimiterStats = { checks: 0, redisCalls: 0, denied: 0, failOpen: 0 };

  constructor(
    private readonly redis: () => Redis | null,
    private readonly l2: L2Cache,
    private readonly scale = 1,
    private readonly now: () => number = Date.now,
    maxCallers = 100_000,
  ) {
    this.callers = new ByteLru(maxCallers, now);
  }

  /** Charges `cost` requests to `identifier` (e.g. `u:{uid}`, `ip:{addr}`) under `policy`. */
  async check(identifier: string, policy: Policy, cost = 1): Promise<RateDecision> {
    this.stat.checks += 1;
    const limits = this.limitersFor(policy);
    const key = `${policy}:${identifier}`;
    let state = this.callers.get(key);
    if (!state) {
      state = {
        windows: [
          new Allowance(limits.policies[0] as WindowPolicy, limits.maxBlock),
          new Allowance(limits.policies[1] as WindowPolicy, limits.maxBlock),
        ],
        pending: null,
      };
      this.callers.set(key, state, 1, 24 * 3600_000);
    }
    // Concurrent requests of one caller share one reservation; a loser re-checks what is left.
    for (let round = 0; round < 4; round++) {
      while (state.pending) await state.pending;
      const now = this.now();
      const refused = state.windows.find((w) => w.denied(now));
      if (refused) return this.refuse(limits, state, refused, now);
      const needs = state.windows.map((w) => [w, w.need(cost, now)] as const).filter(([, n]) => n > 0);
      if (needs.length === 0) {
        for (const w of state.windows) w.spend(cost);
        return this.decision(limits, state, true, now);
      }
      const reserving = this.reserve(identifier, limits, needs, cost, now);
      state.pending = reserving;
      try {
        await reserving;
      } finally {
        state.pending = null;
      }
    }
    // Four reservations all taken by concurrent requests of the same caller: let this one through.
    this.stat.failOpen += 1;
    return this.decision(limits, state, true, this.now());
  }

  stats(): RateLimiterStats {
    return { ...this.stat };
  }

  private async reserve(
    identifier: string,
    limits: PolicyLimiters,
    needs: readonly (readonly [Allowance, number])[],
    cost: number,
    now: number,
  ): Promise<void> {
    await Promise.all(
      needs.map(async ([window, tokens]) => {
        const name = window.policy.name;
        const first = await this.limit(limits, name, identifier, tokens);
        if (!first) return this.openFor(window, cost, now);
        if (first.success) return window.granted(tokens, first.remaining, first.reset, now);
        // A fixed window counts even a refused charge: give it back, so only what is served counts.
        if (name === 'daily') await this.limit(limits, name, identifier, -tokens);
        if (tokens > cost) {
          const second = await this.limit(limits, name, identifier, cost);
          if (!second) return this.openFor(window, cost, now);
          if (second.success) return window.granted(cost, second.remaining, second.reset, now);
          if (name === 'daily') await this.limit(limits, name, identifier, -cost);
          return window.refused(second.remaining, second.reset);
        }
        return window.refused(first.remaining, first.reset);
      }),
    );
  }

  private openFor(window: Allowance, cost: number, now: number): void {
    this.stat.failOpen += 1;
    window.openFor(cost, now);
  }

  private limit(
    limits: PolicyLimiters,
    name: 'burst' | 'daily',
    identifier: string,
    rate: number,
  ): Promise<LimitResult | null> {
    const limiter = limits.limiters?.[name];
    if (!limiter) return Promise.resolve(null);
    this.stat.redisCalls += 1;
    return this.l2.run('ratelimit', async () => {
      const r = await limiter.limit(identifier, { rate });
      return { success: r.success, remaining: r.remaining, reset: r.reset };
    });
  }

  private refuse(limits: PolicyLimiters, state: CallerState, window: Allowance, now: number): RateDecision {
    this.stat.denied += 1;
    return {
      ...this.decision(limits, state, false, now),
      retryAfterSeconds: Math.max(1, secondsUntil(window.blockedUntil, now)),
    };
  }

  private decision(limits: PolicyLimiters, state: CallerState, allowed: boolean, now: number): RateDecision {
    return {
      allowed,
      policy: limits.header,
      rateLimit: rateLimitHeader(
        state.windows.map((w) => ({
          name: w.policy.name,
          remaining: w.left(),
          resetInSeconds: w.reset > now ? secondsUntil(w.reset, now) : w.policy.windowSeconds,
        })),
      ),
      retryAfterSeconds: 0,
      failOpen: state.windows.some((w) => w.failOpen),
    };
  }

  private limitersFor(policy: Policy): PolicyLimiters {
    let found = this.byPolicy.get(policy);
    if (!found) {
      const limits = LIMITS[policy];
      const policies = windowPolicies(limits.burstPerMinute, limits.dailyQuota, this.scale);
      const [burst, daily] = policies as [WindowPolicy, WindowPolicy];
      let limiters: PolicyLimiters['limiters'] = null;
      let client: Redis | null = null;
      try {
        client = this.redis();
      } catch {
        client = null; // misconfigured Redis: fail open; health reports it
      }
      if (client) {
        const common = { redis: client, ephemeralCache: false as const, timeout: 0, analytics: false };
        limiters = {
          burst: new Ratelimit({
            ...common,
            prefix: `rl:v1:${policy}:burst`,
            limiter: Ratelimit.tokenBucket(
              Math.max(1, Math.round((burst.quota * BURST_REFILL_SECONDS) / 60)),
              `${BURST_REFILL_SECONDS} s`,
              burst.quota,
            ),
          }),
          daily: new Ratelimit({
            ...common,
            prefix: `rl:v1:${policy}:daily`,
            limiter: Ratelimit.fixedWindow(daily.quota, '1 d'),
          }),
        };
      }
      // The block cap follows the unscaled table, so a scaled-up load test asks Redis as often as production.
      found = {
        policies,
        header: policyHeader(policies),
        maxBlock: maxBlockFor(limits.burstPerMinute),
        limiters,
      };
      // Without Redis nothing is memoised, so a fixed configuration is picked up.
      if (limiters) this.byPolicy.set(policy, found);
    }
    return found;
  }
}
