import {
  planImport,
  seasonsToScan,
  type RowIdentity,
  type StoredIdentity,
} from '../../../src/domain/game-import';

/** A row of a 2017 NFL file: `row(i, 'date', home, away)`. */
const row = (
  i: number,
  date: string,
  home: string,
  away: string,
  over: Partial<RowIdentity> = {},
): RowIdentity => ({
  row: i,
  rowId: `nfl_${date}_${home}_${away}`,
  sport: 'nfl',
  season: 2017,
  homeTeam: home,
  awayTeam: away,
  playoff: false,
  ...over,
});
const game = (id: string, over: Partial<StoredIdentity> = {}): StoredIdentity => {
  const [sport, , home, away] = id.split('_') as [string, string, string, string];
  return { id, sport, season: 2017, homeTeam: home, awayTeam: away, playoff: false, final: false, ...over };
};
const byId = (...games: StoredIdentity[]) => new Map(games.map((g) => [g.id, g]));

const ORIGINAL = 'nfl_2017-09-10_MIA_TB'; // postponed for Hurricane Irma ...
const PLAYED = 'nfl_2017-11-19_MIA_TB'; // ... and played on Nov 19
const OPENER = 'nfl_2017-09-07_NE_KC';

describe('planImport: which stored game each row is', () => {
  it('a re-imported schedule: every row is its stored game, by id', () => {
    const rows = [row(0, '2017-09-07', 'NE', 'KC'), row(1, '2017-09-10', 'MIA', 'TB')];
    const stored = [game(OPENER), game(ORIGINAL)];
    expect(planImport(rows, byId(...stored), [])).toEqual({
      targets: [
        { row: 0, gameId: OPENER, match: 'id', moves: false },
        { row: 1, gameId: ORIGINAL, match: 'id', moves: false },
      ],
      problems: [],
    });
  });

  it('a postponed game (a new date, its old row gone) is the stored scheduled game, moved', () => {
    const rows = [row(0, '2017-09-07', 'NE', 'KC'), row(1, '2017-11-19', 'MIA', 'TB')];
    const season = [game(OPENER), game(ORIGINAL), game('nfl_2017-12-31_TB_MIA')];
    expect(planImport(rows, byId(game(OPENER)), season)).toEqual({
      targets: [
        { row: 0, gameId: OPENER, match: 'id', moves: false },
        { row: 1, gameId: ORIGINAL, match: 'moved', moves: true },
      ],
      problems: [],
    });
  });

  it('after the move, the new row (its schedule again, or its result) finds the game it moved', () => {
    const moved = game(ORIGINAL, { importedAs: PLAYED });
    expect(planImport([row(0, '2017-11-19', 'MIA', 'TB')], new Map(), [moved]).targets).toEqual([
      { row: 0, gameId: ORIGINAL, match: 'moved-before', moves: false },
    ]);
    // Final by then: still the same game, never a second one.
    const final = { ...moved, final: true };
    expect(planImport([row(0, '2017-11-19', 'MIA', 'TB')], new Map(), [final]).targets).toEqual([
      { row: 0, gameId: ORIGINAL, match: 'moved-before', moves: false },
    ]);
  });

  it('the old file again moves it back (its id row), and counts as a move', () => {
    const moved = game(ORIGINAL, { importedAs: PLAYED });
    expect(planImport([row(0, '2017-09-10', 'MIA', 'TB')], byId(moved), [moved]).targets).toEqual([
      { row: 0, gameId: ORIGINAL, match: 'id', moves: true },
    ]);
  });

  it('never moves a final, a game the file lists, or a game of another pairing, season or kind', () => {
    const rows = [row(0, '2017-11-19', 'MIA', 'TB')];
    const others = [
      game(ORIGINAL, { final: true }),
      game('nfl_2017-12-31_TB_MIA'), // the return game: home and away swapped
      game('nfl_2016-09-10_MIA_TB', { season: 2016 }),
      game('nfl_2018-01-07_MIA_TB', { playoff: true }),
    ];
    expect(planImport(rows, new Map(), others).targets).toEqual([
      { row: 0, gameId: PLAYED, match: 'new', moves: false },
    ]);
    // Listed in the file (both dates): two games, as the file says.
    const both = [row(0, '2017-09-10', 'MIA', 'TB'), row(1, '2017-11-19', 'MIA', 'TB')];
    expect(planImport(both, byId(game(ORIGINAL)), [game(ORIGINAL)]).targets).toEqual([
      { row: 0, gameId: ORIGINAL, match: 'id', moves: false },
      { row: 1, gameId: PLAYED, match: 'new', moves: false },
    ]);
  });

  it('a first import creates every game', () => {
    const rows = [row(0, '2017-09-07', 'NE', 'KC'), row(1, '2017-09-10', 'MIA', 'TB')];
    expect(planImport(rows, new Map(), []).targets.map((t) => [t.gameId, t.match])).toEqual([
      [OPENER, 'new'],
      [ORIGINAL, 'new'],
    ]);
  });

  it('refuses a row that could be either of two scheduled games, naming the row and the games', () => {
    const season = [game(ORIGINAL), game('nfl_2017-10-01_MIA_TB')];
    const plan = planImport([row(3, '2017-11-19', 'MIA', 'TB')], new Map(), season);
    expect(plan.targets).toEqual([]);
    expect(plan.problems).toEqual([
      {
        rows: [3],
        message: expect.stringMatching(
          /^body\[3\] \(TB at MIA, 2017 season\) is a new date for one of 2 scheduled games that are not in the file \(nfl_2017-09-10_MIA_TB, nfl_2017-10-01_MIA_TB\): say which in its gameId column/,
        ) as string,
      },
    ]);
  });

  it('refuses two new rows for one scheduled game; naming it in one row makes the other a new game', () => {
    const rows = [row(0, '2017-11-19', 'MIA', 'TB'), row(1, '2017-11-26', 'MIA', 'TB')];
    const plan = planImport(rows, new Map(), [game(ORIGINAL)]);
    expect(plan.targets).toEqual([]);
    expect(plan.problems).toEqual([
      {
        rows: [0, 1],
        message: expect.stringContaining('body[0], body[1] (TB at MIA, 2017 season)') as string,
      },
    ]);
    const named = [
      row(0, '2017-11-19', 'MIA', 'TB', { gameId: ORIGINAL }),
      row(1, '2017-11-26', 'MIA', 'TB'),
    ];
    expect(planImport(named, byId(game(ORIGINAL)), [game(ORIGINAL)])).toEqual({
      targets: [
        { row: 0, gameId: ORIGINAL, match: 'named', moves: true },
        { row: 1, gameId: 'nfl_2017-11-26_MIA_TB', match: 'new', moves: false },
      ],
      problems: [],
    });
  });

  it('refuses a gameId that names no game, or a game of another sport, or two rows of one game', () => {
    const unknown = planImport([row(0, '2017-11-19', 'MIA', 'TB', { gameId: 'nfl_x' })], new Map(), []);
    expect(unknown.problems).toEqual([
      { rows: [0], field: 'gameId', message: expect.stringContaining('no game nfl_x') as string },
    ]);
    const nba = game('nba_2017-11-19_MIA_TB', { sport: 'nba' });
    const otherSport = planImport([row(0, '2017-11-19', 'MIA', 'TB', { gameId: nba.id })], byId(nba), []);
    expect(otherSport.problems[0]?.message).toBe('game nba_2017-11-19_MIA_TB is a nba game, not nfl');
    const twice = planImport(
      [row(0, '2017-09-10', 'MIA', 'TB'), row(1, '2017-11-19', 'MIA', 'TB', { gameId: ORIGINAL })],
      byId(game(ORIGINAL)),
      [],
    );
    expect(twice.problems).toEqual([
      { rows: [0, 1], message: 'body[0] and body[1] are both game nfl_2017-09-10_MIA_TB: keep one of them' },
    ]);
  });

  it('a game listed twice keeps its last row (as imports always did)', () => {
    const rows = [row(0, '2017-09-10', 'MIA', 'TB'), row(1, '2017-09-10', 'MIA', 'TB')];
    expect(planImport(rows, new Map(), []).targets).toEqual([
      { row: 1, gameId: ORIGINAL, match: 'new', moves: false },
    ]);
  });
});

describe('seasonsToScan', () => {
  it('only the seasons of rows that neither name a game nor have a stored id', () => {
    const rows = [
      row(0, '2017-09-07', 'NE', 'KC'),
      row(1, '2016-09-08', 'DEN', 'CAR', { season: 2016 }),
      row(2, '2015-09-10', 'NE', 'PIT', { season: 2015, gameId: 'nfl_2015-09-10_NE_PIT' }),
      row(3, '2017-11-19', 'MIA', 'TB'),
    ];
    expect(seasonsToScan(rows, new Set([OPENER, 'nfl_2016-09-08_DEN_CAR']))).toEqual([
      { sport: 'nfl', season: 2017 },
    ]);
    expect(seasonsToScan(rows.slice(0, 2), new Set([OPENER, 'nfl_2016-09-08_DEN_CAR']))).toEqual([]);
  });
});
