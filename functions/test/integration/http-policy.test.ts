/**
 * Through Hosting, as a browser or a client meets the API: every error our code answers is JSON in
 * the one shape (415, 413, 405 with Allow, unknown routes under /api and /api itself, the webhook's
 * refusals); a body the runtime cannot parse as JSON gets a 400 with no stack trace or file path;
 * and the header policy on a Hosting page and on an API answer.
 */
import { readJson } from '../support/json';
import { apiUrl, idTokenFor, webUrl } from './helpers';

let token: string;
beforeAll(async () => {
  token = await idTokenFor('http-policy@example.com');
});

const post = (path: string, headers: Record<string, string>, body: string) =>
  fetch(apiUrl(path), { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body });

async function expectJsonError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = await readJson(res);
  expect(body).toMatchObject({ error: { code }, requestId: expect.any(String) });
  return body;
}

/** Nothing a client gets may show how the server is built. */
function expectNoInternals(text: string) {
  expect(text).not.toMatch(
    /node_modules|\/work\/|\/home\/|\.js:\d+|\bat [\w.<>]+ \(|express|body-parser|Error:/i,
  );
}

it('415 for a body type the route does not take', async () => {
  await expectJsonError(
    await post('/v1/events', { 'content-type': 'text/plain' }, 'view'),
    415,
    'unsupported_media_type',
  );
});

it('413 for a body larger than the route takes: a 2 MB event', async () => {
  const body = JSON.stringify({ type: 'view', engagementScore: 1, pad: 'x'.repeat(2 * 1024 * 1024) });
  const res = await post('/v1/events', { 'content-type': 'application/json' }, body);
  expect((await expectJsonError(res, 413, 'payload_too_large')).error.maxBytes).toBe(65536);
});

it('405 with Allow for a known path and another method', async () => {
  const res = await fetch(apiUrl('/v1/games'), { method: 'DELETE' });
  await expectJsonError(res, 405, 'method_not_allowed');
  expect(res.headers.get('allow')).toBe('GET, HEAD');
});

it('unknown routes under /api, and /api itself, are JSON 404s', async () => {
  for (const path of ['/api', '/api/', '/api/nope', '/api/v2/games', '/api/v1/nope']) {
    await expectJsonError(await fetch(webUrl(path)), 404, 'not_found');
  }
});

it('the webhook refuses an unsigned event in JSON', async () => {
  const res = await fetch(webUrl('/stripe/webhook'), {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json' },
  });
  await expectJsonError(res, 400, 'invalid_signature');
  await expectJsonError(await fetch(webUrl('/stripe/webhook')), 405, 'method_not_allowed');
});

it('a body that is not JSON gets 400 from the runtime, with no stack trace, path or dependency name', async () => {
  const res = await post('/v1/events', { 'content-type': 'application/json' }, '{"type":');
  expect(res.status).toBe(400);
  expectNoInternals(await res.text());
});

describe('headers', () => {
  it('a Hosting page: strict CSP without inline script, HSTS, nosniff, referrer and permissions policies, no framing', async () => {
    const res = await fetch(webUrl('/'));
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d{8}/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(res.headers.get('permissions-policy')).toContain('camera=()');
  });

  it('an API answer: nosniff, and CORS only for an allowed origin, with the rate-limit headers exposed', async () => {
    const allowed = await fetch(apiUrl('/v1/health', 'direct'), {
      headers: { origin: 'http://localhost:5173' },
    });
    expect(allowed.headers.get('x-content-type-options')).toBe('nosniff');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-expose-headers')).toMatch(/RateLimit-Policy.*Retry-After/);
    // The Functions emulator wraps every onRequest in cors({origin: true}) (its enableCors debug
    // feature), so here any origin is echoed; our policy shows in what it adds: exposed headers.
    // Deployed, a foreign origin gets no grant at all (the unit test of createApp shows that).
    const other = await fetch(apiUrl('/v1/health', 'direct'), {
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-expose-headers')).toBeNull();
    expect((await fetch(apiUrl('/v1/health'))).headers.get('x-content-type-options')).toBe('nosniff');
  });
});
