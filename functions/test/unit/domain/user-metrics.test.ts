import {
  daySeries,
  metricContribution,
  metricDeltas,
  sumContributions,
} from '../../../src/domain/user-metrics';

const metric = (userId: string, iso: string, score: number, type = 'view') => ({
  userId,
  type,
  engagementScore: score,
  timestamp: new Date(iso),
});

describe('metricContribution', () => {
  it('puts a metric in its user and UTC day', () => {
    expect(metricContribution(metric('u1', '2026-11-21T23:59:59Z', 40))).toEqual({
      bucket: 'u1_2026-11-21',
      userId: 'u1',
      date: '2026-11-21',
      count: 1,
      engagementSum: 40,
    });
  });
  it('counts an invalid document nowhere', () => {
    expect(metricContribution(metric('u1', '2026-11-21T10:00:00Z', 140))).toBeNull();
    expect(metricContribution(metric('u1', '2026-11-21T10:00:00Z', 10, 'clickk'))).toBeNull();
    expect(metricContribution({ userId: 'u1' })).toBeNull();
  });
});

describe('metricDeltas', () => {
  it('adds on create and removes on delete', () => {
    expect(metricDeltas(undefined, metric('u1', '2026-11-21T10:00:00Z', 40))).toMatchObject([
      { bucket: 'u1_2026-11-21', count: 1, engagementSum: 40 },
    ]);
    expect(metricDeltas(metric('u1', '2026-11-21T10:00:00Z', 40), undefined)).toMatchObject([
      { bucket: 'u1_2026-11-21', count: -1, engagementSum: -40 },
    ]);
  });
  it('moves the contribution when an edit changes user and day', () => {
    const deltas = metricDeltas(
      metric('u1', '2026-11-21T10:00:00Z', 40),
      metric('u2', '2026-11-20T10:00:00Z', 70),
    );
    expect(deltas).toEqual([
      { bucket: 'u1_2026-11-21', userId: 'u1', date: '2026-11-21', count: -1, engagementSum: -40 },
      { bucket: 'u2_2026-11-20', userId: 'u2', date: '2026-11-20', count: 1, engagementSum: 70 },
    ]);
  });
  it('changes only the sum when only the score changes, and nothing when nothing counted changes', () => {
    expect(
      metricDeltas(metric('u1', '2026-11-21T10:00:00Z', 40), metric('u1', '2026-11-21T11:00:00Z', 55)),
    ).toMatchObject([{ bucket: 'u1_2026-11-21', count: 0, engagementSum: 15 }]);
    expect(
      metricDeltas(
        metric('u1', '2026-11-21T10:00:00Z', 40),
        metric('u1', '2026-11-21T12:00:00Z', 40, 'pick'),
      ),
    ).toEqual([]);
  });
});

describe('sumContributions and daySeries', () => {
  it('recompute buckets from raw documents, and fill every day of a range', () => {
    const sums = sumContributions([
      metric('u1', '2026-11-20T10:00:00Z', 10),
      metric('u1', '2026-11-20T11:00:00Z', 30),
      metric('u1', '2026-11-22T11:00:00Z', 50),
      { junk: true },
    ]);
    expect(sums.get('u1_2026-11-20')).toMatchObject({ count: 2, engagementSum: 40 });
    const series = daySeries('2026-11-20', '2026-11-22', new Map([...sums.values()].map((c) => [c.date, c])));
    expect(series).toEqual([
      { date: '2026-11-20', count: 2, averageEngagement: 20 },
      { date: '2026-11-21', count: 0, averageEngagement: null },
      { date: '2026-11-22', count: 1, averageEngagement: 50 },
    ]);
  });
});
