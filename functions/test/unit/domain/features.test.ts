import { FEATURE_NAMES, buildFeatures, featuresFromTeams } from '../../../src/domain/features';
import { canonicalTeam, dayNumber } from '../../../src/domain/games';
import {
  DEFAULT_RATING_PARAMS,
  emptyRatingState,
  ingestFinal,
  type TeamState,
} from '../../../src/domain/ratings/state';

const team = (over: Partial<TeamState>): TeamState => ({
  elo: 1505,
  pts: 0,
  season: 2000,
  lastDay: null,
  seasonGames: 0,
  form: 0,
  ...over,
});
const info = { date: '2000-10-01', season: 2000, team1: 'A', team2: 'B', neutral: false, playoff: false };

describe('features', () => {
  it('are all zero for an even neutral-site game between rested teams (except early-season scaling of 0)', () => {
    const v = featuresFromTeams(team({}), team({}), { ...info, neutral: true });
    expect(v).toHaveLength(FEATURE_NAMES.length);
    expect(v.every((x) => x === 0)).toBe(true);
  });

  it('computes each feature from team states', () => {
    const day = dayNumber(info.date);
    const t1 = team({ elo: 1600, pts: 3.5, lastDay: day - 7, seasonGames: 4, form: 0.2 });
    const t2 = team({ elo: 1500, pts: -3.5, lastDay: day - 4, seasonGames: 6, form: -0.1 });
    const v = featuresFromTeams(t1, t2, { ...info, playoff: true });
    const byName = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, v[i]]));
    expect(byName.eloDiff).toBeCloseTo(1, 12);
    expect(byName.pointsDiff).toBeCloseTo(1, 12);
    expect(byName.home).toBe(1);
    expect(byName.playoffEloDiff).toBeCloseTo(1, 12);
    expect(byName.earlyEloDiff).toBeCloseTo(1 * (1 - 4 / 8), 12);
    expect(byName.restDiff).toBeCloseTo(3 / 7, 12);
    expect(byName.formDiff).toBeCloseTo(0.3, 12);
  });

  it('caps rest at 14 days and treats a first game as fully rested', () => {
    const day = dayNumber(info.date);
    const v = featuresFromTeams(team({ lastDay: day - 200 }), team({ lastDay: day - 7 }), info);
    expect(v[FEATURE_NAMES.indexOf('restDiff')]).toBeCloseTo(1, 12);
  });

  it('read the state built from earlier finals only, with season regression applied', () => {
    const state = emptyRatingState();
    ingestFinal(state, DEFAULT_RATING_PARAMS, {
      ...info,
      date: '1999-12-01',
      season: 1999,
      score1: 30,
      score2: 0,
    });
    const f = buildFeatures(state, DEFAULT_RATING_PARAMS, info);
    expect(f.team1.elo - 1505).toBeCloseTo(((state.teams.A!.elo - 1505) * 2) / 3, 10);
    expect(f.team1.seasonGames).toBe(0);
  });
});

describe('game parsing helpers', () => {
  it('maps other franchise spellings to the history codes', () => {
    expect(canonicalTeam('LV')).toBe('OAK');
    expect(canonicalTeam('was')).toBe('WSH');
    expect(canonicalTeam('NE')).toBe('NE');
  });
  it('counts days in UTC', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(() => dayNumber('2000/01/01')).toThrow();
  });
});
