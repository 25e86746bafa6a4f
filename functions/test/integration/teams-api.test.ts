/**
 * The teams reads and the admin operations reads against the emulators, on a small seed (the AFC
 * East's games among themselves, 2016 final and 2017 scheduled): the ratings table and a team's
 * season equal a recomputation from the finals; the second read is an L2 hit; a final written in
 * Firestore (as from the console) gives new numbers once the trigger moved the ratings version,
 * never the cached ones; the 4xx answers; the admin reads refuse anonymous (401) and non-admin
 * (403) callers and list what the real writers recorded.
 */
import type Stripe from 'stripe';
import { engineRatingParams } from '../../src/domain/model-checks';
import { rebuildRatings as rebuildInMemory, teamAt } from '../../src/domain/ratings/state';
import { syncCustomer } from '../../src/services/billing';
import { reconcileBillingState } from '../../src/services/billing-reconciliation';
import { readFinals } from '../../src/services/ratings';
import { reconcile } from '../../src/services/reconciliation';
import { readJson, type Json } from '../support/json';
import { apiUrl, db, eventually, idTokenFor, nflSeasonsCsv, readRepoJson, seedNfl } from './helpers';
import { billingDeps } from './stripe-helpers';

const EAST = new Set(['NE', 'BUF', 'NYJ', 'MIA']);
const params = engineRatingParams('nfl');

let admin: string;
let fan: string;

/** Through Hosting (which answers `no-store` for all of /api), or `direct`ly (the function's own headers). */
const get = async (path: string, token?: string, via: 'hosting' | 'direct' = 'hosting') => {
  const res = await fetch(apiUrl(path, via), token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return {
    status: res.status,
    cache: res.headers.get('x-cache'),
    cacheControl: res.headers.get('cache-control'),
    body: await readJson(res),
  };
};
const ratingsVersion = async () =>
  ((await db().doc('sports/nfl').get()).get('ratingsVersion') as number | undefined) ?? 0;
const workerIdle = async () => {
  const w = (await db().doc('ops/ratings_nfl').get()).data() ?? {};
  return !w.lease && !w.dirtyFrom;
};
/** The table from a recomputation of every final in Firestore, by team. */
const recomputed = async (season: number) => {
  const state = rebuildInMemory(params, await readFinals(db(), 'nfl'));
  return (team: string) => teamAt(state, params, team, season);
};
/** The second read of an answer: the entry is written after the first answer was sent. */
const secondRead = (path: string) =>
  eventually(
    () => get(path),
    (r) => r.cache === 'l2',
    5_000,
  );

beforeAll(async () => {
  admin = await idTokenFor('teams-admin@example.com', { admin: true });
  fan = await idTokenFor('teams-fan@example.com');
  const [header, ...lines] = nflSeasonsCsv(2016).split('\n');
  const east = lines.filter((l) => {
    const c = l.split(',');
    return EAST.has(c[4] as string) && EAST.has(c[5] as string);
  });
  await seedNfl(admin, [header, ...east].join('\n'), readRepoJson('models', 'nfl', 'model.json'), {
    clearFirst: true,
  });
}, 90_000);

describe('GET /v1/sports/{sport}/ratings', () => {
  it('the current season’s teams by Elo, as recomputed from the finals; then from L2', async () => {
    const first = await get('/v1/sports/nfl/ratings', undefined, 'direct');
    expect([first.status, first.cache, first.cacheControl]).toEqual([200, 'miss', 'public, no-cache']);
    const table = first.body;
    expect(table).toMatchObject({ sport: 'nfl', season: 2017, ratingsVersion: await ratingsVersion() });
    expect(table.lastFinalDate).toMatch(/^2017-01-|^2016-12-/);
    expect(Date.parse(table.updatedAt as string)).toBeGreaterThan(Date.now() - 600_000);
    const rating = await recomputed(2017);
    expect((table.teams as Json[]).map((t) => t.team).sort()).toEqual([...EAST].sort());
    for (const [i, row] of (table.teams as Json[]).entries()) {
      expect(row.rank).toBe(i + 1);
      expect(row.elo).toBeCloseTo(rating(row.team as string).elo, 1);
      expect(row.points).toBeCloseTo(rating(row.team as string).pts, 1);
      expect(row.record).toEqual({ wins: 0, losses: 0, ties: 0 }); // 2017 not played yet
    }
    const second = await secondRead('/v1/sports/nfl/ratings');
    expect(second.body).toEqual(table);
  });

  it('400 for a sport we do not rate', async () => {
    const res = await get('/v1/sports/nba/ratings');
    expect([res.status, res.body.error.code, res.body.error.fields[0].field]).toEqual([
      400,
      'invalid_argument',
      'params.sport',
    ]);
  });
});

describe('GET /v1/sports/{sport}/teams/{team}', () => {
  it('a past season: its games with predictions, and its rating after each final', async () => {
    const res = await get('/v1/sports/nfl/teams/ne?season=2016');
    expect([res.status, res.cache]).toEqual([200, 'miss']);
    const page = res.body;
    expect(page).toMatchObject({
      sport: 'nfl',
      team: 'NE',
      season: 2016,
      ratingsVersion: await ratingsVersion(),
    });
    const games = page.games as Json[];
    expect(games).toHaveLength(6); // two against each division rival
    expect(games.every((g) => g.status === 'final' && (g.homeTeam === 'NE' || g.awayTeam === 'NE'))).toBe(
      true,
    );
    expect([...games].sort((a, b) => (a.kickoff < b.kickoff ? -1 : 1))).toEqual(games);
    for (const g of games) {
      expect(g.prediction.homeWinProbability).toBeGreaterThan(0);
      expect(g.prediction.homeWinProbability).toBeLessThan(1);
      expect(g.prediction.ratingsVersion).toBe(page.ratingsVersion);
    }
    const history = page.history as Json[];
    expect(history.map((p) => p.gameId)).toEqual([null, ...games.map((g) => g.gameId)]);
    expect(history[0].elo).toBe(params.elo.mean); // nothing before 2016 in this seed
    const end = (await recomputed(2016))('NE');
    expect(history[history.length - 1].elo).toBeCloseTo(end.elo, 1);
    // `current` is NE's row of the table (the 2017 season).
    const table = (await get('/v1/sports/nfl/ratings')).body;
    expect(page.current).toEqual((table.teams as Json[]).find((t) => t.team === 'NE'));
  });

  it('400 for a malformed team or season, 404 JSON for a team we never rated', async () => {
    for (const path of [
      '/v1/sports/nfl/teams/N%21E',
      '/v1/sports/nfl/teams/NE?season=next',
      '/v1/sports/xfl/teams/NE',
    ]) {
      const res = await get(path);
      expect([path, res.status, res.body.error.code]).toEqual([path, 400, 'invalid_argument']);
    }
    const unknown = await get('/v1/sports/nfl/teams/ZZZ');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
  });

  it('a final written in Firestore: new numbers once the ratings version moved, not the cached ones', async () => {
    const path = '/v1/sports/nfl/teams/NE';
    const before = (await get(path)).body;
    expect(before.season).toBe(2017);
    expect((before.history as Json[]).length).toBe(1);
    const table = (await secondRead('/v1/sports/nfl/ratings')).body;
    expect((await secondRead(path)).body).toEqual(before);

    await eventually(workerIdle, (idle) => idle);
    const version = await ratingsVersion();
    const opener = (before.games as Json[])[0];
    const neHome = opener.homeTeam === 'NE';
    await db()
      .doc(`games/${opener.gameId as string}`)
      .update({ status: 'final', homeScore: neHome ? 35 : 3, awayScore: neHome ? 3 : 35 });
    const moved = await eventually(ratingsVersion, (v) => v > version);

    const after = await get('/v1/sports/nfl/ratings');
    expect(after.cache).toBe('miss');
    expect(after.body.ratingsVersion).toBeGreaterThanOrEqual(moved);
    const ne = (after.body.teams as Json[]).find((t) => t.team === 'NE');
    const neBefore = (table.teams as Json[]).find((t) => t.team === 'NE');
    expect(ne?.record).toEqual({ wins: 1, losses: 0, ties: 0 });
    expect(ne?.elo).toBeGreaterThan(neBefore?.elo as number);
    expect(ne?.elo).toBeCloseTo((await recomputed(2017))('NE').elo, 1);

    const page = await get(path);
    expect(page.cache).toBe('miss');
    expect((page.body.games as Json[])[0]).toMatchObject({ gameId: opener.gameId, status: 'final' });
    expect((page.body.history as Json[]).map((p) => p.gameId)).toEqual([null, opener.gameId]);
    expect(page.body.current).toEqual(ne);
    const next = (page.body.games as Json[])[1];
    expect(next.prediction.ratingsVersion).toBe(page.body.ratingsVersion);
    expect(next.prediction.eloHomeWinProbability).not.toBe(
      (before.games as Json[])[1].prediction.eloHomeWinProbability,
    );
  }, 90_000);

  it('a kickoff moved within its day (no ratings change) shows on the next read, not the cached page', async () => {
    const path = '/v1/sports/nfl/teams/MIA';
    const before = (await secondRead(path)).body;
    const game = (before.games as Json[]).find((g) => g.status === 'scheduled');
    if (!game) throw new Error('the seed has no scheduled MIA game');
    const moved = new Date(Date.parse(game.kickoff as string) + 3_600_000).toISOString();
    await db()
      .doc(`games/${game.gameId as string}`)
      .update({ kickoff: new Date(moved) });
    const after = await eventually(
      () => get(path),
      (r) => (r.body.games as Json[]).some((g) => g.gameId === game.gameId && g.kickoff === moved),
      10_000,
    );
    expect(after.body.ratingsVersion).toBe(before.ratingsVersion);
  }, 30_000);
});

describe('admin operations reads', () => {
  const paths = ['/v1/admin/reconciliation-runs', '/v1/admin/billing/parked-events'];

  it('401 anonymous, 403 for a signed-in non-admin, 400 for a bad limit', async () => {
    for (const path of paths) {
      const anonymous = await get(path);
      const nonAdmin = await get(path, fan);
      const badLimit = await get(`${path}?limit=0`, admin);
      expect([path, anonymous.status, nonAdmin.status, badLimit.status]).toEqual([path, 401, 403, 400]);
      expect([anonymous.body.error.code, nonAdmin.body.error.code]).toEqual([
        'unauthenticated',
        'permission_denied',
      ]);
    }
  });

  it('the latest runs of both reconciliations, newest first, and the parked events', async () => {
    // The real writers. Stripe is a stub: no events to look at, and a customer no user has.
    const stripe = {
      events: { list: () => [] },
      customers: { retrieve: () => Promise.resolve({ id: 'cus_stranger', metadata: {} }) },
    } as unknown as Stripe;
    const deps = { ...billingDeps(), stripe };
    const t0 = Date.now();
    // Finished in this order (each records its own finish time): aggregates, billing, aggregates.
    await reconcile(db(), { runId: new Date(t0).toISOString(), now: new Date(t0), days: 1, settleMs: 0 });
    await reconcileBillingState(deps, { runId: `billing-${t0}`, now: Date.now() });
    await reconcile(db(), {
      runId: new Date(t0 + 2_000).toISOString(),
      now: new Date(t0),
      days: 1,
      settleMs: 0,
    });
    const parked = await syncCustomer(deps, 'cus_stranger', {
      id: `evt_teams_${t0}`,
      type: 'customer.subscription.created',
      created: Math.floor(t0 / 1000),
    });
    expect(parked.outcome).toBe('parked');

    const runs = await get('/v1/admin/reconciliation-runs?limit=2', admin, 'direct');
    expect([runs.status, runs.cacheControl]).toEqual([200, 'private, no-store']);
    expect((runs.body.runs as Json[]).map((r) => r.kind)).toEqual(['aggregates', 'billing']);
    expect(runs.body.runs[0]).toMatchObject({ runId: new Date(t0 + 2_000).toISOString(), repaired: 0 });
    expect(runs.body.runs[1]).toMatchObject({ id: `billing-${t0}`, checked: 0, repaired: 0, failed: 0 });
    expect(Date.parse(runs.body.runs[0].at as string)).toBeGreaterThan(
      Date.parse(runs.body.runs[1].at as string),
    );
    expect((await get('/v1/admin/reconciliation-runs', admin)).body.runs).toHaveLength(3);

    const events = await get('/v1/admin/billing/parked-events', admin);
    expect(events.status).toBe(200);
    expect(events.body.events).toEqual([
      expect.objectContaining({
        id: `evt_teams_${t0}`,
        type: 'customer.subscription.created',
        customerId: 'cus_stranger',
        created: new Date(Math.floor(t0 / 1000) * 1000).toISOString(),
      }),
    ]);
    expect(Date.parse(events.body.events[0].parkedAt as string)).toBeGreaterThanOrEqual(t0 - 1000);
  });
});
