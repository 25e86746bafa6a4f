import { ratingsTableKey, teamPageKey } from '../../../src/domain/cache-keys';
import type { FinalGame } from '../../../src/domain/games';
import {
  NFL_RATING_PARAMS,
  emptyRatingState,
  ingestFinal,
  teamAt,
  type RatingState,
} from '../../../src/domain/ratings/state';
import {
  dateOfKickoff,
  finalDates,
  gamesOfTeam,
  ratingsTable,
  seasonHistory,
  seasonRecords,
  type SeasonGame,
} from '../../../src/domain/team-ratings';

const params = NFL_RATING_PARAMS;

function game(
  date: string,
  season: number,
  home: string,
  away: string,
  score?: [number, number],
): SeasonGame {
  return {
    gameId: `nfl_${date}_${home}_${away}`,
    kickoff: `${date}T18:00:00.000Z`,
    season,
    homeTeam: home,
    awayTeam: away,
    status: score ? 'final' : 'scheduled',
    homeScore: score ? score[0] : null,
    awayScore: score ? score[1] : null,
  };
}

const asFinal = (g: SeasonGame): FinalGame => ({
  date: dateOfKickoff(g.kickoff),
  season: g.season,
  team1: g.homeTeam,
  team2: g.awayTeam,
  neutral: false,
  playoff: false,
  score1: g.homeScore as number,
  score2: g.awayScore as number,
});

/** The state after each date's finals, as rating_snapshots holds it. */
function snapshots(games: SeasonGame[]): Map<string, RatingState> {
  const state = emptyRatingState();
  const out = new Map<string, RatingState>();
  for (const g of games.filter((x) => x.status === 'final')) {
    ingestFinal(state, params, asFinal(g));
    out.set(dateOfKickoff(g.kickoff), structuredClone(state));
  }
  return out;
}

const history2016 = [
  game('2016-09-11', 2016, 'NE', 'MIA', [31, 24]),
  game('2016-09-18', 2016, 'BUF', 'NE', [10, 20]),
  game('2016-09-25', 2016, 'MIA', 'BUF', [17, 17]),
];
const season2017 = [
  game('2017-09-07', 2017, 'NE', 'KC', [27, 42]),
  game('2017-09-17', 2017, 'NO', 'NE'),
  game('2017-09-10', 2017, 'BUF', 'NYJ'),
];

describe('seasonRecords', () => {
  it('counts wins, losses and ties from finals only, listing every team that has a game', () => {
    const records = seasonRecords([...history2016, game('2016-10-02', 2016, 'NYJ', 'NE')]);
    expect(Object.fromEntries(records)).toEqual({
      NE: { wins: 2, losses: 0, ties: 0 },
      MIA: { wins: 0, losses: 1, ties: 1 },
      BUF: { wins: 0, losses: 1, ties: 1 },
      NYJ: { wins: 0, losses: 0, ties: 0 },
    });
  });
});

describe('ratingsTable', () => {
  const state = snapshots([...history2016, ...season2017]).get('2017-09-07') as RatingState;

  it("lists the season's teams by Elo with ranks, records and the rating their next game uses", () => {
    const table = ratingsTable(state, params, 2017, [...history2016, ...season2017]);
    expect(table.map((r) => r.team).sort()).toEqual(['BUF', 'KC', 'NE', 'NO', 'NYJ']);
    expect(table.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 1; i < table.length; i++)
      expect(table[i - 1]?.elo ?? 0).toBeGreaterThanOrEqual(table[i]?.elo ?? 0);
    const ne = table.find((r) => r.team === 'NE');
    expect(ne?.record).toEqual({ wins: 0, losses: 1, ties: 0 });
    expect(ne?.elo).toBeCloseTo(state.teams.NE?.elo ?? 0, 2);
    expect(ne?.lastGameDate).toBe('2017-09-07');
    // BUF has not played in 2017: its 2016 rating regressed toward the mean, as predictions see it.
    const buf = table.find((r) => r.team === 'BUF');
    expect(buf?.elo).toBeCloseTo(teamAt(state, params, 'BUF', 2017).elo, 2);
    expect(buf?.elo).not.toBeCloseTo(state.teams.BUF?.elo ?? 0, 2);
    expect(buf?.record).toEqual({ wins: 0, losses: 0, ties: 0 });
    expect(buf?.lastGameDate).toBe('2016-09-25');
    // NO and NYJ were never rated: the mean (or the expansion rating), no last game.
    expect(table.find((r) => r.team === 'NO')?.lastGameDate).toBeNull();
  });

  it('breaks Elo ties by team code and is empty for a season without games', () => {
    const table = ratingsTable(emptyRatingState(), params, 2017, [game('2017-09-10', 2017, 'NYJ', 'BUF')]);
    expect(table.map((r) => [r.team, r.rank])).toEqual([
      ['BUF', 1],
      ['NYJ', 2],
    ]);
    expect(ratingsTable(state, params, 2018, season2017)).toEqual([]);
  });
});

describe('a team’s season', () => {
  const all = [...history2016, ...season2017];
  const snaps = snapshots(all);

  it('gamesOfTeam: home and away, in kickoff order; finalDates: the dates of its finals', () => {
    const ne = gamesOfTeam([...season2017].reverse(), 'NE');
    expect(ne.map((g) => g.gameId)).toEqual(['nfl_2017-09-07_NE_KC', 'nfl_2017-09-17_NO_NE']);
    expect(finalDates(ne)).toEqual(['2017-09-07']);
  });

  it('starts from the rating it entered the season with, then one point after each final', () => {
    const ne = gamesOfTeam(history2016, 'NE');
    const points = seasonHistory(params, 'NE', 2016, ne, emptyRatingState(), snaps);
    expect(points.map((p) => [p.date, p.gameId])).toEqual([
      ['2016-09-11', null],
      ['2016-09-11', 'nfl_2016-09-11_NE_MIA'],
      ['2016-09-18', 'nfl_2016-09-18_BUF_NE'],
    ]);
    expect(points[0]?.elo).toBe(params.elo.mean);
    expect(points[2]?.elo).toBeCloseTo(snaps.get('2016-09-18')?.teams.NE?.elo ?? 0, 2);
    expect(points[2]?.points).toBeCloseTo(snaps.get('2016-09-18')?.teams.NE?.pts ?? 0, 2);
  });

  it('a new season starts from the regressed rating; a final without its snapshot yet has no point', () => {
    const ne = gamesOfTeam(season2017, 'NE');
    const before = snaps.get('2016-09-25') as RatingState;
    const points = seasonHistory(params, 'NE', 2017, ne, before, new Map());
    expect(points).toHaveLength(1);
    expect(points[0]?.elo).toBeCloseTo(teamAt(before, params, 'NE', 2017).elo, 2);
    expect(seasonHistory(params, 'NE', 2017, [], before, snaps)).toEqual([]);
  });
});

describe('cache keys', () => {
  it('change with the ratings version, and for a team page with the season and the served model', () => {
    expect(ratingsTableKey('nfl', 7)).not.toBe(ratingsTableKey('nfl', 8));
    const parts = { sport: 'nfl', team: 'NE', season: 2017, ratingsVersion: 7, model: 'nfl-wp@v1' };
    const keys = new Set([
      teamPageKey(parts),
      teamPageKey({ ...parts, ratingsVersion: 8 }),
      teamPageKey({ ...parts, season: 2016 }),
      teamPageKey({ ...parts, model: 'nfl-wp@v2' }),
      teamPageKey({ ...parts, model: null }),
      teamPageKey({ ...parts, team: 'KC' }),
    ]);
    expect(keys.size).toBe(6);
  });
});
