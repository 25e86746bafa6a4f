/**
 * Rate limits per tier: over HTTP against the emulated api (headers on every answer, 429 with
 * Retry-After, the paid tier's higher limit, Redis down → requests pass and health is degraded),
 * and the block-reserving limiter in this process against the real Redis (exact daily quota across
 * instances, far fewer Redis calls than requests).
 */
import { L2Cache } from '../../src/cache/l2';
import { LIMITS } from '../../src/domain/tiers';
import { RateLimiter } from '../../src/services/rate-limiter';
import { readJson } from '../support/json';
import { apiUrl, idTokenFor, testRedis, tokenWithTier } from './helpers';

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Sequential GETs as the user, directly at the function, until a 429 or `max`. */
async function hammer(token: string, max: number) {
  const answers: { status: number; headers: Headers }[] = [];
  for (let i = 0; i < max; i++) {
    const res = await fetch(apiUrl('/v1/games?limit=1', 'direct'), {
      headers: { authorization: `Bearer ${token}` },
    });
    answers.push({ status: res.status, headers: res.headers });
    if (res.status === 429) return { answers, refused: res, body: await readJson(res) };
    await res.arrayBuffer();
  }
  return { answers, refused: null, body: null };
}

describe('over HTTP', () => {
  it('a free user’s burst over the limit gets 429 with Retry-After, the headers and the JSON error', async () => {
    const token = await idTokenFor(`burst-free-${unique()}@example.com`);
    const { answers, refused, body } = await hammer(token, 400);
    expect(refused).not.toBeNull();
    // 120 at once, plus what the bucket refilled (20 per 10 s) while the requests ran.
    expect(answers.length - 1).toBeGreaterThanOrEqual(LIMITS.free.burstPerMinute);
    expect(answers.length - 1).toBeLessThan(LIMITS.free.burstPerMinute + 60);
    for (const a of answers) {
      expect(a.headers.get('ratelimit-policy')).toBe('"burst";q=120;w=60, "daily";q=10000;w=86400');
      expect(a.headers.get('ratelimit')).toMatch(/^"burst";r=\d+;t=\d+, "daily";r=\d+;t=\d+$/);
    }
    const retryAfter = Number(refused!.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10).toBe(true);
    expect(refused!.headers.get('ratelimit')).toMatch(/^"burst";r=0;/);
    expect(body).toMatchObject({
      error: { code: 'rate_limited', retryAfterSeconds: retryAfter },
      requestId: expect.any(String),
    });
  });

  it('the paid tier gets its higher limit', async () => {
    const token = await tokenWithTier(`burst-pro-${unique()}@example.com`, 'pro');
    const { answers, refused } = await hammer(token, 200);
    expect(refused).toBeNull();
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers[0]?.headers.get('ratelimit-policy')).toBe('"burst";q=600;w=60, "daily";q=100000;w=86400');
  });

  it('Redis down: requests pass, and health says degraded', async () => {
    const pid = Number(process.env.UPSTASH_SERVER_PID);
    const token = await idTokenFor(`redis-down-${unique()}@example.com`);
    process.kill(-pid, 'SIGSTOP');
    try {
      for (let i = 0; i < 5; i++) {
        const res = await fetch(apiUrl('/v1/games?limit=1'), {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit-policy')).toContain('"burst";q=120');
      }
      const health = await fetch(apiUrl('/v1/health'));
      expect(health.status).toBe(200);
      expect(await readJson(health)).toMatchObject({ status: 'degraded', checks: { redis: { ok: false } } });
    } finally {
      process.kill(-pid, 'SIGCONT');
    }
  }, 60_000);
});

describe('the block-reserving limiter against the real Redis', () => {
  const redis = testRedis();
  const instance = () => new RateLimiter(() => redis, new L2Cache(() => redis));

  it('two instances together never serve a caller more than the limit, asking Redis for a fraction', async () => {
    const [a, b] = [instance(), instance()];
    const who = `two-${unique()}`;
    let served = 0;
    for (let i = 0; i < 400; i++) if ((await (i % 2 ? a : b).check(who, 'free', 1)).allowed) served += 1;
    // A bucket of 120, refilled 20 per 10 s while this runs; each instance may hold back a block.
    expect(served).toBeGreaterThanOrEqual(LIMITS.free.burstPerMinute - 2 * 6);
    expect(served).toBeLessThan(LIMITS.free.burstPerMinute + 40);
    const calls = a.stats().redisCalls + b.stats().redisCalls;
    expect(a.stats().checks + b.stats().checks).toBe(400);
    expect(calls).toBeLessThan(400 / 3);
  });

  it('charges a batch one token per game, exactly, across instances', async () => {
    const who = `batch-${unique()}`;
    const [a, b] = [instance(), instance()];
    let served = 0;
    for (let i = 0; i < 20; i++) {
      const d = await (i % 2 ? a : b).check(who, 'pro', 100);
      if (d.allowed) served += 100;
    }
    // pro: a bucket of 600 (refilling 100 per 10 s). Never more than that (plus a refill while this
    // runs); less only by what the two instances reserved ahead and hold (a block of at most 60 each).
    expect(served).toBeGreaterThanOrEqual(600 - 2 * 60);
    expect(served).toBeLessThanOrEqual(700);
  });

  it('fails open without Redis, saying so', async () => {
    const limiter = new RateLimiter(() => null, new L2Cache(() => null));
    const d = await limiter.check(`none-${unique()}`, 'free', 1);
    expect(d).toMatchObject({ allowed: true, failOpen: true });
  });
});
