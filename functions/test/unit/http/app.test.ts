import { createApp } from '../../../src/http/app';
import { L2Cache } from '../../../src/cache/l2';
import { readJson } from '../../support/json';
import type { HealthDeps } from '../../../src/services/health';
import { finishBeforeResponse } from '../../../src/observability/request-work';
import { waitMsOf } from '../../../src/http/routes/ratings';
import { RATINGS_REBUILD_WAIT_MS } from '../../../src/config';
import type { AuthContext } from '../../../src/http/types';
import { serve } from './serve';
import { FREE_ENTITLEMENT } from '../../../src/domain/entitlements';
import { RateLimiter } from '../../../src/services/rate-limiter';

/** A verifier standing in for Firebase Auth: the integration tests use the real Auth emulator. */
const users: Record<string, AuthContext> = {
  'user-token': { uid: 'u1', email: 'u1@example.com', roles: [] },
  'admin-token': { uid: 'a1', email: 'a1@example.com', roles: ['admin'] },
};
const verifyIdToken = (token: string): Promise<AuthContext> => {
  const user = users[token];
  if (user) return Promise.resolve(user);
  if (token === 'explode') return Promise.reject(new Error('key fetch failed: secret detail'));
  return Promise.reject(Object.assign(new Error('bad token'), { code: 'auth/argument-error' }));
};

let health: HealthDeps;
const ok = () => Promise.resolve();
let server: Awaited<ReturnType<typeof serve>>;
// No Redis: the limiter fails open, as in production when Redis is down.
const limiter = new RateLimiter(() => null, new L2Cache(() => null));

beforeAll(async () => {
  const db = () => {
    throw new Error('no Firestore in unit tests');
  };
  const predictions = () => {
    throw new Error('no predictions in unit tests');
  };
  server = await serve(
    createApp({
      db,
      l2: () => new L2Cache(() => null),
      predictions,
      verifyIdToken,
      health: () => health,
      entitlements: () => ({ get: () => Promise.resolve(FREE_ENTITLEMENT), remember: () => undefined }),
      limiter: () => limiter,
      billing: () => {
        throw new Error('no billing in unit tests');
      },
      runtimeStats: () => ({ probe: 1 }),
      corsOrigins: () => ['http://localhost:5173'],
    }),
  );
});
afterAll(() => server.close());
beforeEach(() => {
  health = { firestore: ok, redis: ok, version: '9.9.9', timeoutMs: 200 };
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { headers });

describe('work a request starts off its answer’s path (write-behind)', () => {
  it('finishes before the response is sent: Cloud Run throttles the CPU after it', async () => {
    let finished = 0;
    health.firestore = () => {
      // As the prediction service's write-behind does: started, not awaited by the route.
      finishBeforeResponse(new Promise((resolve) => setTimeout(resolve, 150)).then(() => (finished += 1)));
      return Promise.resolve();
    };
    const res = await get('/v1/health');
    expect(res.status).toBe(200);
    expect(finished).toBe(1);
  });

  it('outside a request, runs on its own', async () => {
    let finished = false;
    finishBeforeResponse(Promise.resolve().then(() => (finished = true)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(true);
  });
});

describe('GET /v1/health', () => {
  it('answers 200 ok with each dependency and the version', async () => {
    const res = await get('/v1/health');
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body).toMatchObject({
      status: 'ok',
      version: '9.9.9',
      checks: { firestore: { ok: true }, redis: { ok: true } },
    });
    expect(typeof body.checks.firestore.latencyMs).toBe('number');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('is served under /api too, as the Hosting rewrite forwards it', async () => {
    expect((await get('/api/v1/health')).status).toBe(200);
  });

  it('answers 200 degraded when Redis fails, with the reason for admins only', async () => {
    health.redis = () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:6379'));
    const res = await get('/v1/health');
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body.status).toBe('degraded');
    expect(body.checks.redis).toEqual({ ok: false, latencyMs: expect.any(Number) });
    expect(JSON.stringify(body)).not.toContain('10.0.0.7');
    const admin = await readJson(await get('/v1/health', { authorization: 'Bearer admin-token' }));
    expect(admin.checks.redis).toMatchObject({ ok: false, reason: 'connect ECONNREFUSED 10.0.0.7:6379' });
    const user = await readJson(await get('/v1/health', { authorization: 'Bearer user-token' }));
    expect(user.checks.redis.reason).toBeUndefined();
  });

  it('never shows a model load error to the public: it may name files and artifacts', async () => {
    health.model = () => ({
      ok: false,
      latencyMs: 0,
      reason: 'nfl-wp@v9 failed to load: ENOENT /workspace/lib/ml/weights.bin',
    });
    const body = await readJson(await get('/v1/health'));
    expect(body.status).toBe('degraded');
    expect(body.checks.model).toEqual({ ok: false, latencyMs: 0 });
    expect(JSON.stringify(body)).not.toMatch(/workspace|ENOENT|v9/);
    const admin = await readJson(await get('/v1/health', { authorization: 'Bearer admin-token' }));
    expect(admin.checks.model.reason).toContain('nfl-wp@v9 failed to load');
  });

  it('reports Redis as not configured when there is none (to admins)', async () => {
    health.redis = null;
    const body = await readJson(await get('/v1/health', { authorization: 'Bearer admin-token' }));
    expect(body.status).toBe('degraded');
    expect(body.checks.redis).toMatchObject({ ok: false, reason: 'not configured' });
  });

  it('answers 503 down when Firestore does not answer in time', async () => {
    health.firestore = () => new Promise(() => undefined);
    const res = await get('/v1/health');
    expect(res.status).toBe(503);
    const body = await readJson(res);
    expect(body.status).toBe('down');
    expect(body.checks.firestore.ok).toBe(false);
    expect(body.checks.firestore.reason).toBeUndefined();
    const admin = await readJson(await get('/v1/health', { authorization: 'Bearer admin-token' }));
    expect(admin.checks.firestore.reason).toMatch(/within 200 ms/);
  });
});

describe('request ids', () => {
  it('echoes a well-formed X-Request-Id', async () => {
    const res = await get('/v1/health', { 'x-request-id': 'abc-123' });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
  });
  it('replaces a malformed one with a fresh id', async () => {
    const res = await get('/v1/health', { 'x-request-id': 'bad id with spaces' });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('authentication', () => {
  it('401 without a token, with a message that says what to send', async () => {
    const res = await get('/v1/me');
    expect(res.status).toBe(401);
    const body = await readJson(res);
    expect(body.error.code).toBe('unauthenticated');
    expect(body.error.message).toMatch(/Bearer/);
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });
  it('401 for a token the verifier rejects, charged to the rate limit like any request', async () => {
    const res = await get('/v1/me', { authorization: 'Bearer forged' });
    expect(res.status).toBe(401);
    expect(res.headers.get('ratelimit-policy')).toBe('"burst";q=120;w=60, "daily";q=5000;w=86400');
  });
  it('every metered /v1 answer carries the rate-limit headers of the caller’s tier; /v1/ping none', async () => {
    for (const [path, headers] of [
      ['/v1/health', {}],
      ['/v1/no-such-route', {}],
      ['/v1/me', {}],
      ['/v1/admin/whoami', { authorization: 'Bearer user-token' }],
    ] as [string, Record<string, string>][]) {
      const res = await get(path, headers);
      expect(res.headers.get('ratelimit-policy')).toMatch(/^"burst";q=120;w=60, "daily";q=\d+;w=86400$/);
      expect(res.headers.get('ratelimit')).toMatch(/^"burst";r=\d+;t=\d+, "daily";r=\d+;t=\d+$/);
    }
    const admin = await get('/v1/me', { authorization: 'Bearer admin-token' });
    expect(admin.headers.get('ratelimit-policy')).toBe('"burst";q=6000;w=60, "daily";q=10000000;w=86400');
    expect((await get('/v1/ping')).headers.get('ratelimit-policy')).toBeNull();
  });
  it('returns the caller for a valid token', async () => {
    const res = await get('/v1/me', { authorization: 'Bearer user-token' });
    expect(res.status).toBe(200);
    expect(await readJson(res)).toEqual({ uid: 'u1', email: 'u1@example.com', roles: [], tier: 'free' });
  });
  it('403 for a signed-in non-admin on an admin route, 200 for an admin', async () => {
    expect((await get('/v1/admin/whoami', { authorization: 'Bearer user-token' })).status).toBe(403);
    expect((await get('/v1/admin/whoami', { authorization: 'Bearer admin-token' })).status).toBe(200);
  });
  it('masks an unexpected verifier failure as a generic 500', async () => {
    const res = await get('/v1/me', { authorization: 'Bearer explode' });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('secret detail');
    expect(JSON.parse(text).error.code).toBe('internal');
  });
});

describe('unknown routes', () => {
  it('answer 404 with a JSON error', async () => {
    const res = await get('/v1/nope');
    expect(res.status).toBe(404);
    expect((await readJson(res)).error).toMatchObject({
      code: 'not_found',
      message: 'No route for GET /v1/nope.',
    });
  });
});

describe('ops routes', () => {
  it('GET /v1/ping answers without touching any dependency', async () => {
    health.firestore = () => Promise.reject(new Error('down'));
    const res = await get('/v1/ping');
    expect(res.status).toBe(200);
    expect(await readJson(res)).toEqual({ ok: true });
  });
  it('GET /v1/admin/runtime is for admins and reports the instance', async () => {
    expect((await get('/v1/admin/runtime', { authorization: 'Bearer user-token' })).status).toBe(403);
    const res = await get('/v1/admin/runtime', { authorization: 'Bearer admin-token' });
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body.probe).toBe(1);
    expect(body.memory.rss).toBeGreaterThan(0);
  });
});

describe('HTTP policy: JSON errors for media type, size and method; CORS; nosniff', () => {
  const send = (path: string, init: RequestInit) => fetch(`${server.url}${path}`, init);
  const auth = { authorization: 'Bearer user-token' };

  it('415 for a body in a type the route does not take', async () => {
    const res = await send('/v1/events', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'type=view',
    });
    expect(res.status).toBe(415);
    expect((await readJson(res)).error).toMatchObject({
      code: 'unsupported_media_type',
      accepted: 'application/json',
    });
  });

  it('413 for a body larger than the route takes (a 2 MB event)', async () => {
    const res = await send('/v1/events', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'view', engagementScore: 1, pad: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect((await readJson(res)).error).toMatchObject({ code: 'payload_too_large', maxBytes: 65536 });
  });

  it('405 with Allow for a known path asked with another method; 404 for an unknown path', async () => {
    const res = await send('/v1/health', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect((await readJson(res)).error.code).toBe('method_not_allowed');
    const post = await send('/v1/predictions:batch', { method: 'GET' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await send('/v1/nowhere', { method: 'DELETE' })).status).toBe(404);
  });

  it('a malformed JSON body is a JSON 400 where our app parses it', async () => {
    const res = await send('/v1/events', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"type":',
    });
    expect(res.status).toBe(400);
    expect((await readJson(res)).error.code).toBe('invalid_argument');
  });

  it('CORS: an allowed origin may read the rate-limit headers; another origin gets no grant', async () => {
    const allowed = await get('/v1/health', { origin: 'http://localhost:5173' });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('RateLimit-Policy');
    const preflight = await send('/v1/events', {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
    const other = await get('/v1/health', { origin: 'https://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('every answer says nosniff, errors included', async () => {
    for (const path of ['/v1/health', '/v1/nowhere', '/v1/me']) {
      expect((await get(path)).headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('Prefer: wait on the ratings rebuild', () => {
  it('waits only when asked, and never longer than the longest wait', () => {
    expect(waitMsOf(undefined)).toBe(0);
    expect(waitMsOf('respond-async')).toBe(0);
    expect(waitMsOf('wait=5')).toBe(5_000);
    expect(waitMsOf('respond-async, wait=10')).toBe(10_000);
    expect(waitMsOf('WAIT=600')).toBe(RATINGS_REBUILD_WAIT_MS);
    expect(waitMsOf('nowait=5')).toBe(0);
  });
});
