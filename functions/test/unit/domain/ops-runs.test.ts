import { latestRuns, toRun, type RunDoc } from '../../../src/domain/ops-runs';

const aggregates: RunDoc = {
  kind: 'aggregates',
  id: '2026-03-01T04-00-00-000Z',
  finishedAtMs: Date.parse('2026-03-01T04:00:05Z'),
  data: {
    runId: '2026-03-01T04:00:00.000Z',
    from: '2026-02-23',
    userDaily: { checked: 10, repaired: 2, skippedRecent: 1, countDrift: 1000, engagementDrift: 95 },
    insights: { checked: 4, repaired: 1, skippedRecent: 0, countDrift: 6 },
    repairedUsers: ['u1', 'u2'],
    repairs: [{ path: 'agg_user_daily/u1_2026-02-28', was: { count: 999 }, now: { count: 3 } }],
    finishedAt: '2026-03-01T04:00:05.000Z',
  },
};
const billing: RunDoc = {
  kind: 'billing',
  id: '2026-03-01T04:30:00.000Z',
  finishedAtMs: Date.parse('2026-03-01T04:30:02Z'),
  data: {
    runId: '2026-03-01T04:30:00.000Z',
    since: '2026-02-28T04:30:00.000Z',
    customers: 3,
    repaired: [{ uid: 'u1', customerId: 'cus_1' }],
    failed: [{ customerId: 'cus_2', error: 'Stripe unavailable' }],
  },
};

it('maps an aggregates run: totals, drift and repairs', () => {
  expect(toRun(aggregates)).toEqual({
    kind: 'aggregates',
    id: aggregates.id,
    runId: '2026-03-01T04:00:00.000Z',
    at: '2026-03-01T04:00:05.000Z',
    checked: 14,
    repaired: 3,
    failed: 0,
    summary: '14 aggregates checked, 3 repaired (drift: 1006 in counts), 1 skipped (recently written)',
    from: '2026-02-23',
    userDaily: { checked: 10, repaired: 2, skippedRecent: 1, countDrift: 1000, engagementDrift: 95 },
    insights: { checked: 4, repaired: 1, skippedRecent: 0, countDrift: 6 },
    models: {
      checked: 0,
      repaired: 0,
      skippedRecent: 0,
      nDrift: 0,
      brierDrift: 0,
      predictions: 0,
      gradedRepaired: 0,
    },
    repairs: [{ path: 'agg_user_daily/u1_2026-02-28', was: { count: 999 }, now: { count: 3 } }],
  });
});

it('shows the model scorecards (agg_model) in the totals and the summary line', () => {
  const models = {
    checked: 6,
    repaired: 2,
    skippedRecent: 1,
    nDrift: 3,
    brierDrift: 0.412345678,
    predictions: 1800,
    gradedRepaired: 4,
  };
  const run = toRun({ ...aggregates, data: { ...(aggregates.data as object), models } });
  expect(run).toMatchObject({
    checked: 20,
    repaired: 5,
    summary:
      '20 aggregates checked, 5 repaired (drift: 1009 in counts, 0.4123 in model Brier sums), ' +
      '4 predictions regraded, 2 skipped (recently written)',
    models,
  });
  // Predictions regraded with every document right (a prediction that was never counted anywhere).
  const regradedOnly = toRun({
    kind: 'aggregates',
    id: 'z',
    finishedAtMs: null,
    data: { models: { ...models, repaired: 0, nDrift: 0, brierDrift: 0, skippedRecent: 0 } },
  });
  expect(regradedOnly.summary).toBe('6 aggregates checked, 0 repaired, 4 predictions regraded');
});

it('maps a billing run: customers re-synced, repaired and failed', () => {
  expect(toRun(billing)).toMatchObject({
    kind: 'billing',
    checked: 3,
    repaired: 1,
    failed: 1,
    summary: '3 customers re-synced, 1 repaired, 1 failed (retried by the next run)',
    since: '2026-02-28T04:30:00.000Z',
    repairedCustomers: [{ uid: 'u1', customerId: 'cus_1' }],
    failures: [{ customerId: 'cus_2', error: 'Stripe unavailable' }],
  });
});

it('reads a document a console edit broke as zeros, never failing the page', () => {
  const broken = toRun({
    kind: 'aggregates',
    id: 'x',
    finishedAtMs: null,
    data: { userDaily: 'oops', repairs: 3 },
  });
  expect(broken).toMatchObject({ id: 'x', runId: 'x', at: null, checked: 0, repaired: 0, repairs: [] });
  expect(toRun({ kind: 'billing', id: 'y', finishedAtMs: null, data: null })).toMatchObject({
    checked: 0,
    repairedCustomers: [],
    failures: [],
  });
});

it('merges both kinds newest first, undated last, at most the limit', () => {
  const older = { ...aggregates, id: 'older', finishedAtMs: Date.parse('2026-02-28T04:00:00Z') };
  const undated = { ...billing, id: 'undated', finishedAtMs: null };
  const runs = latestRuns([older, undated, aggregates, billing], 10);
  expect(runs.map((r) => [r.kind, r.id])).toEqual([
    ['billing', billing.id],
    ['aggregates', aggregates.id],
    ['aggregates', 'older'],
    ['billing', 'undated'],
  ]);
  expect(latestRuns([older, undated, aggregates, billing], 2).map((r) => r.id)).toEqual([
    billing.id,
    aggregates.id,
  ]);
});
