import {
  nextRatingsVersion,
  predictionKey,
  snapshotDateBefore,
  sportFromGameId,
  weekKey,
} from '../../../src/domain/cache-keys';

describe('weekKey', () => {
  it('changes with the week, the model version and the ratings version', () => {
    const served = { modelId: 'nfl-wp', version: 'v1', ratingsVersion: 3 };
    const base = { sport: 'nfl', week: '2017-09-05', served };
    const keys = new Set([
      weekKey(base),
      weekKey({ ...base, week: 'current' }),
      weekKey({ ...base, served: { ...served, version: 'v2' } }),
      weekKey({ ...base, served: { ...served, ratingsVersion: 4 } }),
      weekKey({ ...base, served: null }),
    ]);
    expect(keys.size).toBe(5);
    expect(weekKey(base)).toBe('week:nfl:2017-09-05:nfl-wp@v1:3');
    expect(weekKey({ ...base, served: null })).toBe('week:nfl:2017-09-05:none');
  });
});

describe('predictionKey', () => {
  it('changes with the model version, the game and the ratings version, and nothing else', () => {
    const base = { modelId: 'nfl-wp', version: 'v1', gameId: 'g', ratingsVersion: 3 };
    const keys = new Set([
      predictionKey(base),
      predictionKey({ ...base, version: 'v2' }),
      predictionKey({ ...base, gameId: 'h' }),
      predictionKey({ ...base, ratingsVersion: 4 }),
    ]);
    expect(keys.size).toBe(4);
    expect(predictionKey(base)).toBe('pred:nfl-wp@v1:g:3');
  });
});

describe('snapshotDateBefore', () => {
  const dates = ['2016-09-08', '2016-09-11', '2016-09-12', '2017-01-01'];
  it('is the latest date with finals strictly before the game date', () => {
    expect(snapshotDateBefore(dates, '2016-09-11')).toBe('2016-09-08');
    expect(snapshotDateBefore(dates, '2016-09-12')).toBe('2016-09-11');
    expect(snapshotDateBefore(dates, '2016-10-01')).toBe('2016-09-12');
    expect(snapshotDateBefore(dates, '2017-09-07')).toBe('2017-01-01');
  });
  it('is null before the first final (the empty state)', () => {
    expect(snapshotDateBefore(dates, '2016-09-08')).toBeNull();
    expect(snapshotDateBefore([], '2016-09-08')).toBeNull();
  });
});

describe('sportFromGameId', () => {
  it('reads the sport prefix of our ids, and nothing from other ids', () => {
    expect(sportFromGameId('nfl_2017-09-07_NE_KC', ['nfl'])).toBe('nfl');
    expect(sportFromGameId('abc123', ['nfl'])).toBeNull();
    expect(sportFromGameId('nba_2017-01-01_X_Y', ['nfl'])).toBeNull();
  });
});

describe('nextRatingsVersion', () => {
  it('always grows, and never reuses a number after a reset to 0', () => {
    expect(nextRatingsVersion(5, 3)).toBe(6);
    const now = Date.UTC(2026, 10, 22);
    expect(nextRatingsVersion(0, now)).toBe(now);
    expect(nextRatingsVersion(now, now)).toBe(now + 1);
  });
});
