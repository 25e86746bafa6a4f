/**
 * The answers every operation can give whatever it does, asked of every operation in the OpenAPI
 * document through Hosting: 401 for a token that does not verify, 413 and 415 for bodies, 403 for
 * a caller without the role or tier, 429 for a caller over the limit. With the other integration
 * tests this exercises every documented (method, path, status); `npm test` checks that coverage and
 * every answer's body against the document.
 */
import { OPERATIONS } from '../../src/http/contract/openapi';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/http/middleware/http-policy';
import { FEATURES } from '../../src/domain/tiers';
import { putVersion, readArtifactJson } from '../../src/data/registry';
import { readJson } from '../support/json';
import { apiUrl, db, eventually, idTokenFor, readRepoJson } from './helpers';

const SAMPLE: Record<string, string> = {
  gameId: 'nfl_2017-09-10_BUF_NYJ',
  modelId: 'nfl-wp',
  id: 'sweep-insight',
  sport: 'nfl',
};
const pathOf = (template: string) => template.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE[name] ?? 'x');
const hasBody = (op: (typeof OPERATIONS)[number]) => Boolean(op.body ?? op.bodyTypes);
const metered = OPERATIONS.filter((op) => !op.unmetered);
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function call(op: (typeof OPERATIONS)[number], headers: Record<string, string>, body?: string) {
  return fetch(apiUrl(pathOf(op.path)), {
    method: op.method.toUpperCase(),
    headers,
    ...(body !== undefined ? { body } : {}),
  });
}

async function expectError(res: Response, status: number, code: string, what: string) {
  const body = await readJson(res);
  expect([what, res.status, body?.error?.code]).toEqual([what, status, code]);
}

it('401 on every metered operation for a bearer token that does not verify', async () => {
  for (const op of metered) {
    const res = await call(
      op,
      { authorization: 'Bearer not-a-firebase-token', 'content-type': 'application/json' },
      hasBody(op) ? '{}' : undefined,
    );
    await expectError(res, 401, 'unauthenticated', `${op.method} ${op.path}`);
  }
});

it('413 above each route’s body limit and 415 for a body type it does not take', async () => {
  const admin = await idTokenFor('sweep-admin@example.com', { admin: true });
  for (const op of OPERATIONS.filter(hasBody)) {
    const what = `${op.method} ${op.path}`;
    const big = op.bodyTypes || /versions$/.test(op.path) ? 10 * 1024 * 1024 + 1 : DEFAULT_MAX_BODY_BYTES + 1;
    const tooLarge = await call(
      op,
      { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      JSON.stringify({ pad: 'x'.repeat(big) }),
    );
    await expectError(tooLarge, 413, 'payload_too_large', what);
    const wrongType = await call(
      op,
      { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' },
      'hello',
    );
    await expectError(wrongType, 415, 'unsupported_media_type', what);
  }
});

it('403 for a signed-in caller without the admin role or the tier an operation needs', async () => {
  const free = await idTokenFor(`sweep-free-${unique()}@example.com`);
  const gated = OPERATIONS.filter(
    (op) => op.access === 'admin' || (op.feature !== undefined && FEATURES[op.feature] !== 'anonymous'),
  );
  expect(gated.length).toBeGreaterThan(8);
  for (const op of gated) {
    const res = await call(
      op,
      { authorization: `Bearer ${free}`, 'content-type': 'application/json' },
      hasBody(op) ? '{}' : undefined,
    );
    const code = op.access === 'admin' ? 'permission_denied' : 'upgrade_required';
    await expectError(res, 403, code, `${op.method} ${op.path}`);
  }
  const year = await fetch(apiUrl('/v1/users/me/analytics?from=2026-01-01&to=2026-12-31'), {
    headers: { authorization: `Bearer ${free}` },
  });
  expect((await readJson(year)).error).toMatchObject({ code: 'upgrade_required', requiredTier: 'pro' });
});

it('429 on every metered operation once the caller is over the limit', async () => {
  const token = await idTokenFor(`sweep-burst-${unique()}@example.com`);
  const headers = { authorization: `Bearer ${token}` };
  let status = 0;
  for (let i = 0; i < 400 && status !== 429; i++)
    status = (await fetch(apiUrl('/v1/me'), { headers })).status;
  expect(status).toBe(429);
  // Refused locally until the bucket's next refill (up to 10 s): ask every operation meanwhile.
  for (const op of metered) {
    const res = await call(
      op,
      { ...headers, 'content-type': 'application/json' },
      hasBody(op) ? '{}' : undefined,
    );
    await expectError(res, 429, 'rate_limited', `${op.method} ${op.path}`);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  }
});

it('400 for malformed path parameters and bodies; the unmetered ping answers', async () => {
  const admin = await idTokenFor('sweep-admin@example.com', { admin: true });
  const auth = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
  const cases: [string, string, string | undefined][] = [
    ['GET', '/v1/games/bad%20id!', undefined],
    ['GET', '/v1/models/bad%20id!/metrics', undefined],
    ['POST', '/v1/models/nfl-wp/activate', '{}'],
    ['POST', '/v1/admin/sports/nba/ratings:rebuild', '{}'],
  ];
  for (const [method, path, body] of cases) {
    const res = await fetch(apiUrl(path), { method, headers: auth, ...(body ? { body } : {}) });
    await expectError(res, 400, 'invalid_argument', `${method} ${path}`);
  }
  expect(await readJson(await fetch(apiUrl('/v1/ping')))).toEqual({ ok: true });
});

it('a ratings rebuild asked while another recomputation holds the lease is queued (202)', async () => {
  const admin = await idTokenFor('sweep-admin@example.com', { admin: true });
  const lease = db().doc('ops/ratings_nfl');
  const previous = await lease.get();
  await lease.set(
    { lease: { holder: 'another-invocation', expiresAt: new Date(Date.now() + 60_000) } },
    { merge: true },
  );
  try {
    const res = await fetch(apiUrl('/v1/admin/sports/nfl/ratings:rebuild'), {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(202);
    expect(await readJson(res)).toMatchObject({ sport: 'nfl', status: 'queued' });
  } finally {
    if (previous.exists) await lease.set(previous.data() as object);
    else await lease.delete();
  }
});

it('a ratings rebuild is keyed by the admin’s Idempotency-Key, never by the reusable X-Request-Id', async () => {
  const versionAfter = async (token: string, headers: Record<string, string>) => {
    const res = await fetch(apiUrl('/v1/admin/sports/nfl/ratings:rebuild'), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        prefer: 'wait=15',
        ...headers,
      },
      body: JSON.stringify({ fromDate: '2099-01-01' }), // nothing to recompute: quick
    });
    expect(res.status).toBe(200);
    return ((await readJson(res)) as { ratingsVersion: number }).ratingsVersion;
  };
  const admin = await idTokenFor('sweep-admin@example.com', { admin: true });
  const other = await idTokenFor('sweep-admin-2@example.com', { admin: true });
  await eventually(
    async () => (await db().doc('ops/ratings_nfl').get()).get('lease') as unknown,
    (lease) => !lease,
  );
  // The same request id twice: two rebuilds (each moves the ratings version).
  const requestId = `reused-${unique()}`;
  const v1 = await versionAfter(admin, { 'x-request-id': requestId });
  const v2 = await versionAfter(admin, { 'x-request-id': requestId });
  expect(v2).toBeGreaterThan(v1);
  // The same Idempotency-Key twice: the retry rebuilds nothing; another admin's same key does.
  const key = `rebuild-${unique()}`;
  const v3 = await versionAfter(admin, { 'idempotency-key': key });
  expect(v3).toBeGreaterThan(v2);
  expect(await versionAfter(admin, { 'idempotency-key': key })).toBe(v3);
  expect(await versionAfter(other, { 'idempotency-key': key })).toBeGreaterThan(v3);
});

it('admin: the runtime counters, and a model upload that is refused (400) or already stored (200)', async () => {
  const admin = await idTokenFor('sweep-admin@example.com', { admin: true });
  const auth = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
  const runtime = await fetch(apiUrl('/v1/admin/runtime'), { headers: auth });
  expect(runtime.status).toBe(200);
  expect(await readJson(runtime)).toMatchObject({ rateLimiter: { checks: expect.any(Number) }, memory: {} });

  const upload = (body: unknown) =>
    fetch(apiUrl('/v1/models/nfl-wp/versions'), {
      method: 'POST',
      headers: auth,
      body: JSON.stringify(body),
    });
  await expectError(await upload({ metrics: {} }), 400, 'invalid_argument', 'upload without an artifact');
  const artifact = readRepoJson('models', 'nfl', 'model.json');
  expect([200, 201]).toContain((await upload({ artifact })).status);
  const again = await upload({ artifact });
  expect(again.status).toBe(200);
  expect(await readJson(again)).toMatchObject({ modelId: 'nfl-wp', stored: 'exists' });
  // Another artifact under that stored version: refused, never silently "exists".
  const other = { ...artifact, metadata: { ...artifact.metadata, trainExamples: 1 } };
  await expectError(
    await upload({ artifact: other }),
    409,
    'version_conflict',
    'another artifact, same version',
  );
  // A version that could never be activated is refused at upload.
  for (const version of ['v/1', 'v@1', 'v:1']) {
    const res = await upload({ artifact: { ...artifact, metadata: { ...artifact.metadata, version } } });
    const body = await readJson(res);
    expect([version, res.status, body.error.fields?.[0]?.field]).toEqual([
      version,
      422,
      'artifact.metadata.version',
    ]);
  }
});

it('two uploads racing to store different artifacts under one new version: one is stored, whole', async () => {
  const artifact = readRepoJson('models', 'nfl', 'model.json');
  const version = `race-${unique()}`;
  const make = (trainExamples: number) =>
    JSON.stringify({ ...artifact, metadata: { ...artifact.metadata, version, trainExamples } });
  const [a, b] = [make(1), make(2)];
  const put = (json: string) =>
    putVersion(db(), {
      modelId: 'nfl-wp',
      sport: 'nfl',
      version,
      artifactJson: json,
      metadata: JSON.parse(json).metadata as object,
    });
  const outcomes = await Promise.all([put(a), put(b)]);
  expect([...outcomes].sort()).toEqual(['conflict', 'created']);
  const stored = await readArtifactJson(db(), 'nfl-wp', version); // checked against its sha256
  expect(stored).toBe(outcomes[0] === 'created' ? a : b);
});
