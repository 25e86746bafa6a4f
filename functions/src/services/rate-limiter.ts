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
  /** Block caps per window (burst, daily). */
  maxBlocks: [number, number];
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
    /** Where reservations made ahead go (tests and the benchmark can await them). */
    private readonly background: (work: Promise<unknown>) => void = () => undefined,
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
          new Allowance(limits.policies[0] as WindowPolicy, limits.maxBlocks[0]),
          new Allowance(limits.policies[1] as WindowPolicy, limits.maxBlocks[1]),
        ],
        pending: null,
      };
      this.callers.set(key, state, 1, 24 * 3600_000);
    }
    // A request waits for Redis only when this instance holds too few tokens; concurrent requests of
    // one caller then share one reservation, and each re-checks what is left.
    for (let round = 0; round < 4; round++) {
      const now = this.now();
      const refused = state.windows.find((w) => w.denied(now));
      if (refused) return this.refuse(limits, state, refused, now);
      const needs = state.windows.map((w) => [w, w.need(cost, now)] as const).filter(([, n]) => n > 0);
      if (needs.length === 0) {
        for (const w of state.windows) w.spend(cost);
        this.reserveAhead(identifier, limits, state, now);
        return this.decision(limits, state, true, now);
      }
      state.pending ??= this.track(state, this.reserve(identifier, limits, needs, cost, now));
      await state.pending;
    }
    // Four reservations all taken by concurrent requests of the same caller: let this one through.
    this.stat.failOpen += 1;
    return this.decision(limits, state, true, this.now());
  }

  stats(): RateLimiterStats {
    return { ...this.stat };
  }

  /** Clears `state.pending` when the work ends, whatever its outcome. */
  private track(state: CallerState, work: Promise<void>): Promise<void> {
    const done: Promise<void> = work.finally(() => {
      if (state.pending === done) state.pending = null;
    });
    return done;
  }

  /**
   * A busy caller running low: the next block is reserved now, while requests keep spending what is
   * left. If the instance is idled (CPU throttled) before it lands, the call may time out: the caller
   * then loses that block (charged, never received), which errs on the safe side.
   */
  private reserveAhead(identifier: string, limits: PolicyLimiters, state: CallerState, now: number): void {
    if (state.pending) return;
    const ahead = state.windows.map((w) => [w, w.ahead(now)] as const).filter(([, n]) => n > 0);
    if (ahead.length === 0) return;
    const work = Promise.all(
      ahead.map(async ([window, tokens]) => {
        const name = window.policy.name;
        const r = await this.limit(limits, name, identifier, tokens);
        if (!r) return; // Redis unreachable: the next request that needs tokens decides
        if (r.success) return window.granted(tokens, r.remaining, r.reset, this.now());
        if (name === 'daily') await this.limit(limits, name, identifier, -tokens);
        window.shrink();
      }),
    ).then(() => undefined);
    state.pending = this.track(state, work);
    this.background(state.pending);
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
      // Block caps follow the unscaled table, so a scaled-up load test asks Redis as often as production.
      const unscaled = windowPolicies(limits.burstPerMinute, limits.dailyQuota);
      found = {
        policies,
        header: policyHeader(policies),
        maxBlocks: [maxBlockFor(unscaled[0] as WindowPolicy), maxBlockFor(unscaled[1] as WindowPolicy)],
        limiters,
      };
      // Without Redis nothing is memoised, so a fixed configuration is picked up.
      if (limiters) this.byPolicy.set(policy, found);
    }
    return found;
  }
}
