/**
 * Every answer is counted in the instance's service counters and logged with the fields Cloud
 * Logging's log-based metrics count by (docs/operations.md): route, status, latency, cache, tier.
 */
import { createApp } from '../../../src/http/app';
import { L2Cache } from '../../../src/cache/l2';
import { CounterWindow } from '../../../src/domain/service-counters';
import { FREE_ENTITLEMENT } from '../../../src/domain/entitlements';
import { RateLimiter } from '../../../src/services/rate-limiter';
import { logger } from '../../../src/observability/logger';
import { serve } from './serve';

const none = () => {
  throw new Error('not in this test');
};

it('counts each answer and logs its route, status, cache level and tier as fields', async () => {
  const counters = new CounterWindow();
  const lines: Record<string, unknown>[] = [];
  // What the access log is told, taken where requestContext makes its request-scoped logger.
  const child = logger.child.bind(logger);
  const spy = jest.spyOn(logger, 'child').mockImplementation((fields) => {
    const scoped = child(fields);
    return {
      ...scoped,
      info: (message, f) => {
        lines.push({ message, ...f });
        scoped.info(message, f);
      },
    };
  });
  const server = await serve(
    createApp({
      db: none,
      l2: () => new L2Cache(() => null),
      predictions: none,
      verifyIdToken: () => Promise.reject(new Error('no tokens here')),
      health: none,
      entitlements: () => ({ get: () => Promise.resolve(FREE_ENTITLEMENT), remember: () => undefined }),
      limiter: () => new RateLimiter(() => null, new L2Cache(() => null)),
      billing: none,
      counters,
    }),
  );
  try {
    await (await fetch(`${server.url}/v1/ping`)).arrayBuffer();
    await (await fetch(`${server.url}/v1/nowhere`)).arrayBuffer();
    await (await fetch(`${server.url}/v1/games/bad%20id!/prediction`)).arrayBuffer();
  } finally {
    await server.close();
    spy.mockRestore();
  }
  expect(counters.take()).toEqual([expect.objectContaining({ requests: 3, errors5xx: 0, rateLimited: 0 })]);
  const requests = lines.filter((l) => l.message === 'request');
  expect(requests.map((l) => [l.route, l.status, l.tier, l.cache])).toEqual([
    ['/v1/ping', 200, null, null],
    [null, 404, 'anonymous', null],
    ['/v1/games/:gameId/prediction', 400, 'anonymous', null],
  ]);
  expect(requests.every((l) => typeof l.latencyMs === 'number' && 'modelVersion' in l)).toBe(true);
});
