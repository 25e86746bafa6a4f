/**
 * The api function over HTTP in the Functions emulator, through the Hosting rewrite and directly,
 * with real ID tokens from the Auth emulator and the real Firestore / Upstash-over-Redis behind it.
 */
import { readJson } from '../support/json';
import { apiUrl, idTokenFor } from './helpers';

const get = (url: string, token?: string) =>
  fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('GET /v1/health', () => {
  it.each(['hosting', 'direct'] as const)('answers 200 ok with Firestore and Redis ok (%s)', async (via) => {
    const res = await get(apiUrl('/v1/health', via));
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body).toMatchObject({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      checks: { firestore: { ok: true }, redis: { ok: true } },
    });
    expect(body.checks.redis.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe('authentication with Auth-emulator tokens', () => {
  let userToken: string;
  let adminToken: string;

  beforeAll(async () => {
    userToken = await idTokenFor('fan@example.com');
    adminToken = await idTokenFor('admin@example.com', { admin: true });
  });

  it('401 without a token', async () => {
    const res = await get(apiUrl('/v1/me'));
    expect(res.status).toBe(401);
    expect((await readJson(res)).error.code).toBe('unauthenticated');
  });

  it('401 for a forged or malformed token', async () => {
    const [, payload] = userToken.split('.');
    const forged = `eyJhbGciOiJub25lIn0.${payload}x.`;
    expect((await get(apiUrl('/v1/me'), forged)).status).toBe(401);
    expect((await get(apiUrl('/v1/me'), 'not-a-jwt')).status).toBe(401);
  });

  it('a valid user token identifies the caller without the admin role', async () => {
    const res = await get(apiUrl('/v1/me'), userToken);
    expect(res.status).toBe(200);
    const me = await readJson(res);
    expect(me).toMatchObject({ email: 'fan@example.com', roles: [] });
    expect(me.uid).toEqual(expect.any(String));
  });

  it('403 for a signed-in non-admin on an admin route, 200 for an admin', async () => {
    const denied = await get(apiUrl('/v1/admin/whoami'), userToken);
    expect(denied.status).toBe(403);
    expect((await readJson(denied)).error.code).toBe('permission_denied');
    const allowed = await get(apiUrl('/v1/admin/whoami'), adminToken);
    expect(allowed.status).toBe(200);
    expect(await readJson(allowed)).toMatchObject({ email: 'admin@example.com', roles: ['admin'] });
  });

  it('removing the admin claim takes effect with the next token', async () => {
    const demoted = await idTokenFor('admin2@example.com', { admin: true }).then(() =>
      idTokenFor('admin2@example.com', { admin: false }),
    );
    expect((await get(apiUrl('/v1/admin/whoami'), demoted)).status).toBe(403);
  });
});

describe('errors', () => {
  it('an unknown route is a JSON 404 carrying the request id', async () => {
    const res = await fetch(apiUrl('/v1/no-such-thing'), { headers: { 'x-request-id': 'trace-42' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('trace-42');
    expect(await readJson(res)).toMatchObject({ error: { code: 'not_found' }, requestId: 'trace-42' });
  });
});
