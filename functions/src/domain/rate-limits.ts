/**
 * Rate limits without a Redis round trip per request: the pure half.
 *
 * Each caller has two windows, a burst token bucket (refilled every 10 s) and a daily quota (a fixed
 * UTC day). Redis (@upstash/ratelimit) keeps the exact count; an instance RESERVES tokens there in
 * blocks (`rate: n` charges n at once) and spends them locally, one request (or one game of a batch)
 * each. The block doubles each time a caller uses up the previous one within its lease (up to the
 * window's cap) and starts again at 1 after an idle lease, so a casual caller is never charged for
 * tokens it does not use. When a busy caller's tokens run below half a block, the next block is
 * reserved AHEAD, while requests keep spending what is left: a hot caller never waits for Redis.
 *
 * Bounds (README "Rate limits"): every request served was charged in Redis first, so the daily quota
 * is never exceeded; at most one daily block per instance goes unused at the end of a day. Burst
 * tokens are spent up to `BURST_LEASE_MS` after they were reserved, so in any minute a caller can be
 * served at most the burst limit plus two burst blocks per instance it reaches.
 */

export interface WindowPolicy {
  name: 'burst' | 'daily';
  /** Tokens in the window (the bucket's size for burst). */
  quota: number;
  /** Window length in seconds (60 for burst: the bucket refills `quota` per minute). */
  windowSeconds: number;
}

export const BURST_REFILL_SECONDS = 10;
/** How long reserved burst tokens may be spent. */
export const BURST_LEASE_MS = 10_000;
/** While Redis cannot be asked: how long an instance lets a caller through before asking again. */
export const FAIL_OPEN_MS = 5_000;

export function windowPolicies(burstPerMinute: number, dailyQuota: number, scale = 1): WindowPolicy[] {
  return [
    { name: 'burst', quota: Math.max(1, Math.round(burstPerMinute * scale)), windowSeconds: 60 },
    { name: 'daily', quota: Math.max(1, Math.round(dailyQuota * scale)), windowSeconds: 86_400 },
  ];
}

/** Largest block an instance reserves at once: a tenth of the burst, a hundredth of the day. */
export const maxBlockFor = (policy: WindowPolicy): number =>
  Math.max(1, Math.floor(policy.quota / (policy.name === 'burst' ? 10 : 100)));

/** IETF draft-ietf-httpapi-ratelimit-headers-11 `RateLimit-Policy`: `"burst";q=120;w=60, ...`. */
export function policyHeader(policies: readonly WindowPolicy[]): string {
  return policies.map((p) => `"${p.name}";q=${p.quota};w=${p.windowSeconds}`).join(', ');
}

/** `RateLimit`: remaining `r` and seconds `t` until the window's tokens come back, per policy. */
export function rateLimitHeader(
  states: readonly { name: string; remaining: number; resetInSeconds: number }[],
): string {
  return states
    .map((s) => `"${s.name}";r=${Math.max(0, s.remaining)};t=${Math.max(0, s.resetInSeconds)}`)
    .join(', ');
}

/** Whole seconds until `resetMs` (never 0 for a future instant: a client must not retry at once). */
export const secondsUntil = (resetMs: number, now: number): number =>
  Math.max(0, Math.ceil((resetMs - now) / 1000));

/** One caller's window as one instance sees it. */
export class Allowance {
  /** Tokens reserved in Redis and not yet spent here. */
  held = 0;
  private expiresAt = 0;
  private block = 1;
  /** Redis's count of what is left after our last reservation (for headers). */
  remaining: number;
  /** When the window's tokens come back (ms), from Redis. */
  reset = 0;
  /** After a denial: deny locally until then, without asking Redis. */
  blockedUntil = 0;
  /** Granted without Redis (it could not be asked): not counted anywhere. */
  failOpen = false;

  constructor(
    readonly policy: WindowPolicy,
    readonly maxBlock: number,
  ) {
    this.remaining = policy.quota;
  }

  /** Tokens to reserve before `cost` can be spent, or 0 when it can be spent now (or is denied). */
  need(cost: number, now: number): number {
    if (this.blockedUntil > now) return 0;
    if (this.expiresAt <= now) {
      if (this.held > 0) this.block = 1; // a lease ran out unused: the caller is not hot
      this.held = 0;
      this.failOpen = false;
    }
    if (this.held >= cost) return 0;
    return Math.max(cost - this.held, this.block);
  }

  /**
   * A block to reserve ahead (0 for none): the caller is busy (its block has grown) and what this
   * instance holds is below half a block, still within the lease.
   */
  ahead(now: number): number {
    if (this.blockedUntil > now || this.failOpen || this.expiresAt <= now) return 0;
    return this.block > 1 && this.held * 2 < this.block ? this.block : 0;
  }

  /** A reservation ahead was refused: fewer than a block are left; ask small from now on. */
  shrink(): void {
    this.block = 1;
  }

  denied(now: number): boolean {
    return this.blockedUntil > now;
  }

  /** Redis granted `tokens`. */
  granted(tokens: number, remaining: number, reset: number, now: number): void {
    // The caller spent everything it held before the lease ran out: it is hot, ask for more next time.
    if (this.expiresAt > now && !this.failOpen) this.block = Math.min(this.maxBlock, this.block * 2);
    this.held += tokens;
    this.failOpen = false;
    this.remaining = remaining;
    this.reset = reset;
    this.expiresAt = this.policy.name === 'burst' ? now + BURST_LEASE_MS : reset;
  }

  /** Redis refused even the request's own cost. */
  refused(remaining: number, reset: number): void {
    this.remaining = remaining;
    this.reset = reset;
    this.blockedUntil = reset;
    this.block = 1;
  }

  /** Redis could not be asked: let `cost` through for a while, uncounted. */
  openFor(cost: number, now: number): void {
    this.held = Math.max(this.held, cost + this.block);
    this.failOpen = true;
    this.expiresAt = now + FAIL_OPEN_MS;
  }

  spend(cost: number): void {
    this.held -= cost;
  }

  /** What the caller has left: Redis's count plus what this instance still holds. */
  left(): number {
    return this.failOpen ? this.remaining : this.remaining + this.held;
  }
}
