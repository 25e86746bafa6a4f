import { insightBucket, insightCountDeltas } from '../../../src/domain/insights';

const insight = (status: string, severity: string) => ({ status, severity, message: 'm', type: 'upset' });

describe('insightBucket', () => {
  it('names the status_severity bucket of a valid insight', () => {
    expect(insightBucket(insight('open', 'high'))).toBe('open_high');
  });
  it('counts a document with an unknown status or severity nowhere', () => {
    expect(insightBucket(insight('opne', 'high'))).toBeNull();
    expect(insightBucket(insight('open', 'urgent'))).toBeNull();
    expect(insightBucket({})).toBeNull();
    expect(insightBucket(null)).toBeNull();
  });
});

describe('insightCountDeltas', () => {
  it('adds one on create and removes one on delete', () => {
    expect([...insightCountDeltas(undefined, insight('open', 'low'))]).toEqual([['open_low', 1]]);
    expect([...insightCountDeltas(insight('open', 'low'), undefined)]).toEqual([['open_low', -1]]);
  });
  it('moves one count when the status changes', () => {
    expect(
      Object.fromEntries(insightCountDeltas(insight('open', 'high'), insight('resolved', 'high'))),
    ).toEqual({
      open_high: -1,
      resolved_high: 1,
    });
  });
  it('changes nothing when the bucket fields did not change', () => {
    const before = insight('open', 'high');
    expect(insightCountDeltas(before, { ...before, message: 'edited' }).size).toBe(0);
  });
  it('removes the count when a console edit makes the document invalid, and restores it when fixed', () => {
    expect([...insightCountDeltas(insight('open', 'high'), insight('opne', 'high'))]).toEqual([
      ['open_high', -1],
    ]);
    expect([...insightCountDeltas(insight('opne', 'high'), insight('open', 'high'))]).toEqual([
      ['open_high', 1],
    ]);
  });
});
