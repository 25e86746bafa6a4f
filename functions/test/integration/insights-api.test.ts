/**
 * Insights over HTTP: list with filters and cursors, an admin status change that the trigger turns
 * into moved counts, and a summary (from agg_insights) that is cached yet never shows the counts
 * from before a change once the aggregate has moved.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { readJson } from '../support/json';
import { apiUrl, clearFirestore, db, eventually, idTokenFor, tokenWithTier } from './helpers';

let admin: string;
let fan: string;
const get = (path: string, token = fan) =>
  fetch(apiUrl(path), { headers: { authorization: `Bearer ${token}` } });
const patch = (id: string, body: unknown, token = admin) =>
  fetch(apiUrl(`/v1/insights/${id}`), {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const count = (
  summary: { counts: { status: string; severity: string; count: number }[] },
  status: string,
  severity: string,
) => summary.counts.find((c) => c.status === status && c.severity === severity)?.count ?? 0;

beforeAll(async () => {
  await clearFirestore();
  admin = await idTokenFor('insights-admin@example.com', { admin: true });
  fan = await tokenWithTier('insights-fan@example.com', 'pro');
  const batch = db().batch();
  for (let i = 0; i < 5; i++) {
    batch.set(db().doc(`insights/i${i}`), {
      type: 'upset',
      status: 'open',
      severity: i < 3 ? 'high' : 'low',
      gameId: `g${i}`,
      message: `insight ${i}`,
      createdAt: Timestamp.fromMillis(1_700_000_000_000 + i * 1000),
    });
  }
  await batch.commit();
  await eventually(
    async () => (await db().doc('agg_insights/open_high').get()).get('count') as number,
    (c) => c === 3,
  );
  await eventually(
    async () => (await db().doc('agg_insights/open_low').get()).get('count') as number,
    (c) => c === 2,
  );
}, 120_000);

describe('GET /v1/insights', () => {
  it('lists newest first, filters, and pages without gaps', async () => {
    const all = await readJson(await get('/v1/insights'));
    expect(all.insights.map((i: { id: string }) => i.id)).toEqual(['i4', 'i3', 'i2', 'i1', 'i0']);
    const high = await readJson(await get('/v1/insights?severity=high&status=open'));
    expect(high.insights.map((i: { id: string }) => i.id)).toEqual(['i2', 'i1', 'i0']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await readJson(await get(`/v1/insights?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.insights.map((i: { id: string }) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['i4', 'i3', 'i2', 'i1', 'i0']);
  });

  it('lists one game’s insights (the game page’s), with the other filters applied too', async () => {
    const game = await readJson(await get('/v1/insights?gameId=g3'));
    expect(game).toEqual({
      insights: [expect.objectContaining({ id: 'i3', gameId: 'g3' })],
      nextCursor: null,
    });
    const none = await readJson(await get('/v1/insights?gameId=g3&severity=high'));
    expect(none.insights).toEqual([]);
    expect((await get('/v1/insights?gameId=no%2Fslash')).status).toBe(400);
  });

  it('400s bad filters by name and 401s without a token', async () => {
    const res = await get('/v1/insights?status=closed&limit=0');
    expect(res.status).toBe(400);
    const fields = (await readJson(res)).error.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['query.limit', 'query.status']);
    expect((await fetch(apiUrl('/v1/insights'))).status).toBe(401);
  });

  it('is a paid feature: a free user is told the pro tier unlocks the feed and the summary', async () => {
    const free = await idTokenFor('insights-free@example.com');
    for (const path of ['/v1/insights', '/v1/insights/summary']) {
      const res = await fetch(apiUrl(path), { headers: { authorization: `Bearer ${free}` } });
      expect(res.status).toBe(403);
      expect((await readJson(res)).error).toMatchObject({ code: 'upgrade_required', requiredTier: 'pro' });
    }
  });
});

describe('PATCH /v1/insights/{id} and GET /v1/insights/summary', () => {
  it('counts from the aggregates, cached, and a status change moves one count without a stale read', async () => {
    const first = await readJson(await get('/v1/insights/summary'));
    expect(count(first, 'open', 'high')).toBe(3);
    expect(first.total).toBe(5);
    expect((await get('/v1/insights/summary')).headers.get('x-cache')).toBe('l2');

    expect((await patch('i0', { status: 'resolved' }, fan)).status).toBe(403);
    const res = await patch('i0', { status: 'resolved' });
    expect(await readJson(res)).toEqual({ id: 'i0', status: 'resolved' });
    await eventually(
      async () => (await db().doc('agg_insights/resolved_high').get()).get('count') as number,
      (c) => c === 1,
    );
    const after = await eventually(
      async () => readJson(await get('/v1/insights/summary')),
      (s) => count(s, 'resolved', 'high') === 1,
      5_000,
    );
    expect(count(after, 'open', 'high')).toBe(2);
    expect(after.total).toBe(5);
  });

  it('404s an unknown insight and 400s an unknown status', async () => {
    expect((await patch('nope', { status: 'resolved' })).status).toBe(404);
    const bad = await patch('i1', { status: 'closed' });
    expect(bad.status).toBe(400);
    expect((await readJson(bad)).error.fields[0].field).toBe('body.status');
  });
});
