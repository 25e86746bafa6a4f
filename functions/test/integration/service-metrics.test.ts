/**
 * Service counters (issue 13): 1,000 answers of known kinds (a 200 with no cache level, model
 * metrics answered from L2 or computed, 404s, 400s, 503s from a game no model serves) show in GET /v1/admin/metrics exactly as the client received them,
 * however many emulator workers served them, and stay exact after later flushes (a minute's
 * document is set to the instance's count, never incremented twice).
 */
import { randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { recentMetrics } from '../../src/services/service-metrics';
import { readJson } from '../support/json';
import { apiUrl, clearFirestore, db, tokenWithTier } from './helpers';

beforeAll(clearFirestore, 30_000);

interface Totals {
  requests: number;
  errors5xx: number;
  rateLimited: number;
  cache: { l1: number; l2: number; l3: number; miss: number };
}

/** METRICS_FLUSH_SECONDS is 2 for the emulators (scripts/lib/stack.ts). */
const FLUSH_MS = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('1,000 answers of known kinds give the exact counts in GET /v1/admin/metrics', async () => {
  const admin = await tokenWithTier(`metrics-admin-${randomUUID().slice(0, 8)}@example.com`, 'free', {
    admin: true,
  });
  const viaApi = async (): Promise<Totals> => {
    const res = await fetch(apiUrl('/v1/admin/metrics', 'direct'), {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body.minutes).toHaveLength(60);
    return body.totals as Totals;
  };
  // Elite: 1,200 requests a minute, so the 600 metered ones here are answered, not limited.
  const elite = await tokenWithTier(`metrics-elite-${randomUUID().slice(0, 8)}@example.com`, 'elite');
  // What the route reads, read here directly: polling it through the API would add answers of its own.
  const written = async (): Promise<Totals> => (await recentMetrics(db(), Date.now())).totals;
  // A game no model serves (its sport has none): its prediction answers 503.
  const orphan = `xfl_${randomUUID().slice(0, 8)}`;
  await db()
    .doc(`games/${orphan}`)
    .set({
      sport: 'nfl',
      season: 2030,
      homeTeam: 'KC',
      awayTeam: 'DEN',
      kickoff: Timestamp.fromMillis(Date.parse('2030-09-10T00:00:00Z')),
      status: 'scheduled',
    });

  // Settle: every worker of the earlier files has written what it counted (two reads a flush apart agree).
  let before = await written();
  for (;;) {
    await sleep(FLUSH_MS + 1_000);
    const again = await written();
    if (again.requests === before.requests) break;
    before = again;
  }

  const kinds = [
    ...Array.from({ length: 400 }, () => '/v1/ping'),
    ...Array.from({ length: 200 }, () => `/v1/models/metrics-${orphan}/metrics?season=2030`),
    ...Array.from({ length: 150 }, (_, i) => `/v1/games/nfl_2030-01-01_NO_GAME${i}/prediction`),
    ...Array.from({ length: 100 }, (_, i) => `/v1/nowhere-${i}`),
    ...Array.from({ length: 100 }, () => `/v1/games/${orphan}/prediction`),
    ...Array.from({ length: 50 }, () => '/v1/games/bad%20id!/prediction'),
  ];
  const seen: Totals = { requests: 0, errors5xx: 0, rateLimited: 0, cache: { l1: 0, l2: 0, l3: 0, miss: 0 } };
  const statuses = new Map<number, number>();
  // Five at a time: several emulator workers (instances) serve them.
  for (let i = 0; i < kinds.length; i += 5) {
    await Promise.all(
      kinds.slice(i, i + 5).map(async (path) => {
        const res = await fetch(apiUrl(path, 'direct'), { headers: { authorization: `Bearer ${elite}` } });
        await res.arrayBuffer();
        seen.requests += 1;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) seen.errors5xx += 1;
        if (res.status === 429) seen.rateLimited += 1;
        const level = res.headers.get('x-cache') as keyof Totals['cache'] | null;
        if (level && level in seen.cache) seen.cache[level] += 1;
      }),
    );
  }
  // The kinds are what they were meant to be (a changed route would make this test vacuous).
  expect(seen.requests).toBe(1_000);
  expect(statuses.get(200)).toBeGreaterThanOrEqual(400);
  expect(statuses.get(404)).toBeGreaterThan(0);
  expect(seen.errors5xx).toBeGreaterThan(0);
  expect(seen.cache.miss + seen.cache.l2).toBeGreaterThan(0);

  const delta = (now: Totals, extraRequests = 0) => ({
    requests: now.requests - before.requests - extraRequests,
    errors5xx: now.errors5xx - before.errors5xx,
    rateLimited: now.rateLimited - before.rateLimited,
    cache: {
      l1: now.cache.l1 - before.cache.l1,
      l2: now.cache.l2 - before.cache.l2,
      l3: now.cache.l3 - before.cache.l3,
      miss: now.cache.miss - before.cache.miss,
    },
  });
  // Every worker writes within a flush.
  let got = delta(await written());
  const deadline = Date.now() + 4 * FLUSH_MS + 20_000;
  while (got.requests < seen.requests && Date.now() < deadline) {
    await sleep(1_000);
    got = delta(await written());
  }
  expect(got).toEqual(seen);
  // The API says the same (its own answer is counted once it is sent, so not in it).
  expect(delta(await viaApi())).toEqual(seen);
  // Later flushes rewrite the same minutes: still exact, plus that one admin read (a 200).
  await sleep(FLUSH_MS + 1_000);
  expect(delta(await written(), 1)).toEqual(seen);
}, 180_000);
